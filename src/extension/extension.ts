import type * as vscode from 'vscode';
import { Container } from './container';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(new Container(context));
}

export function deactivate(): void {
  // The container is disposed through context.subscriptions.
}
