import * as vscode from 'vscode';
import { redact } from '../core/redact';

/**
 * The editor's notifications, redacted: every message and modal detail the
 * extension shows passes through the same redaction as the CLI's output and
 * the log (core/redact.ts). The extension calls these, never
 * `vscode.window.show*Message` directly (a test checks it).
 */
type Rest = (vscode.MessageOptions | string | vscode.MessageItem)[];

function clean(rest: Rest): Rest {
  const [first, ...items] = rest;
  if (first && typeof first === 'object' && !('title' in first)) {
    const options = first as vscode.MessageOptions;
    return [{ ...options, ...(options.detail !== undefined ? { detail: redact(options.detail) } : {}) }, ...items];
  }
  return rest;
}

export function showInformationMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
export function showInformationMessage<T extends string>(message: string, options: vscode.MessageOptions, ...items: T[]): Thenable<T | undefined>;
export function showInformationMessage<T extends vscode.MessageItem>(message: string, ...items: T[]): Thenable<T | undefined>;
export function showInformationMessage<T extends vscode.MessageItem>(message: string, options: vscode.MessageOptions, ...items: T[]): Thenable<T | undefined>;
export function showInformationMessage(message: string, ...rest: Rest): Thenable<unknown> {
  return (vscode.window.showInformationMessage as (m: string, ...r: Rest) => Thenable<unknown>)(redact(message), ...clean(rest));
}

export function showWarningMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
export function showWarningMessage<T extends string>(message: string, options: vscode.MessageOptions, ...items: T[]): Thenable<T | undefined>;
export function showWarningMessage<T extends vscode.MessageItem>(message: string, ...items: T[]): Thenable<T | undefined>;
export function showWarningMessage<T extends vscode.MessageItem>(message: string, options: vscode.MessageOptions, ...items: T[]): Thenable<T | undefined>;
export function showWarningMessage(message: string, ...rest: Rest): Thenable<unknown> {
  return (vscode.window.showWarningMessage as (m: string, ...r: Rest) => Thenable<unknown>)(redact(message), ...clean(rest));
}

export function showErrorMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
export function showErrorMessage<T extends string>(message: string, options: vscode.MessageOptions, ...items: T[]): Thenable<T | undefined>;
export function showErrorMessage<T extends vscode.MessageItem>(message: string, ...items: T[]): Thenable<T | undefined>;
export function showErrorMessage<T extends vscode.MessageItem>(message: string, options: vscode.MessageOptions, ...items: T[]): Thenable<T | undefined>;
export function showErrorMessage(message: string, ...rest: Rest): Thenable<unknown> {
  return (vscode.window.showErrorMessage as (m: string, ...r: Rest) => Thenable<unknown>)(redact(message), ...clean(rest));
}
