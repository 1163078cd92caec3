import * as vscode from 'vscode';
import { redact } from '../core/redact';

// The redaction lives in core so the CLI and the cluster layer's evidence records use it too.
export { redact };

/** The extension's log output channel; everything written is redacted first. */
export class Log implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Rollback Guard', { log: true });

  info(message: string): void {
    this.channel.info(redact(message));
  }

  warn(message: string): void {
    this.channel.warn(redact(message));
  }

  error(message: string, error?: unknown): void {
    const detail = error instanceof Error ? `: ${error.message}` : error === undefined ? '' : `: ${String(error)}`;
    this.channel.error(redact(`${message}${detail}`));
  }

  debug(message: string): void {
    this.channel.debug(redact(message));
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
