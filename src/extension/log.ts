import * as vscode from 'vscode';

/** Values that must never reach a log: bearer tokens, passwords, base64 blobs after secret-looking keys. */
const SECRET_PATTERNS: readonly RegExp[] = [
  /(authorization:\s*bearer\s+)[^\s"']+/gi,
  /((?:token|password|passwd|secret|client-key-data|client-certificate-data)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
];

export function redact(text: string): string {
  return SECRET_PATTERNS.reduce((acc, re) => acc.replace(re, '$1«redacted»'), text);
}

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
