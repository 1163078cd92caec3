/** What `history` and `undo` share: opening a session from flags, printing errors, asking on a terminal. */
import { createInterface } from 'node:readline';
import { redact } from '../core/redact';
import { ClusterSession, type ClusterError, type WorkloadRef, parseWorkload } from '../cluster';
import { UsageError } from './args';
import type { CliIO } from './io';

/** Asks a question on a terminal; tests pass their own. */
export interface Prompter {
  /** Whether there is a person to ask (stdin is a terminal). */
  interactive: boolean;
  ask(question: string): Promise<string | undefined>;
}

export type ClusterCliIO = CliIO & { prompter?: Prompter };

export function terminalPrompter(): Prompter {
  return {
    interactive: process.stdin.isTTY === true,
    ask: (question) =>
      new Promise((resolve) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
        let answered = false;
        rl.question(question, (answer) => {
          answered = true;
          rl.close();
          resolve(answer);
        });
        rl.on('close', () => {
          if (!answered) resolve(undefined);
        });
      }),
  };
}

export function exitCodeFor(error: ClusterError): number {
  return error.kind === 'config' ? 2 : 1;
}

export function printError(io: CliIO, command: string, error: ClusterError, secrets: readonly string[] = []): void {
  io.err(redact(`rollback-guard ${command}: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`, secrets));
}

export function openSession(
  io: CliIO,
  values: { context?: string; kubeconfig?: string },
  productionContexts?: readonly string[],
): { ok: true; session: ClusterSession } | { ok: false; error: ClusterError } {
  const opened = ClusterSession.open({
    ...(values.context ? { context: values.context } : {}),
    kubeconfig: values.kubeconfig ? { files: [values.kubeconfig], env: io.env } : { env: io.env },
    ...(productionContexts ? { productionContexts } : {}),
    userAgent: `rollback-guard/${io.version}`,
  });
  return opened.ok ? { ok: true, session: opened.value } : opened;
}

export function workloadArg(text: string | undefined, namespace: string): WorkloadRef {
  if (!text) throw new UsageError('name the workload as KIND/NAME (e.g. deployment/web)');
  const parsed = parseWorkload(text);
  if (!parsed.ok) throw new UsageError(`${parsed.error.message}. ${parsed.error.hint}`);
  return { ...parsed.value, namespace };
}

export function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number (got "${value}")`);
  return Number(value);
}

/** Fixed-width columns, like kubectl's tabwriter. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('').trimEnd()).join('\n');
}
