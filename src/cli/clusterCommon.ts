/** What the cluster commands share: opening a session from flags, printing errors and preflights, asking on a terminal. */
import { createInterface } from 'node:readline';
import { redact } from '../core/redact';
import { ClusterSession, type ClusterError, type HistoryRef, type PreflightCheck, type WorkloadRef, parseHistoryRef, parseWorkload } from '../cluster';
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

/** `KIND/NAME` for history and undo: a workload, helmrelease/NAME (release/NAME) or application/NAME. */
export function historyArg(text: string | undefined, namespace: string): HistoryRef {
  if (!text) throw new UsageError('name it as KIND/NAME (e.g. deployment/web, helmrelease/storefront, application/shop)');
  const parsed = parseHistoryRef(text);
  if (!parsed.ok) throw new UsageError(`${parsed.error.message}. ${parsed.error.hint}`);
  return { ...parsed.value, namespace } as HistoryRef;
}

const ICON: Record<string, string> = { pass: '✔', warn: '!', fail: '✖', info: 'i', skipped: '-' };

/** A preflight as the terminal shows it: one line per check, its evidence below, the hint of a failing one. */
export function checksText(title: string, checks: readonly PreflightCheck[]): string {
  const lines = [title];
  for (const c of checks) {
    lines.push(`  ${ICON[c.status] ?? ' '} ${c.id.padEnd(9)} ${c.title}`);
    for (const e of c.evidence) lines.push(`               ${e}`);
    if (c.error?.hint && c.status === 'fail') lines.push(`               hint: ${c.error.hint}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The checks as --format json prints them. */
export function checksJson(checks: readonly PreflightCheck[]): unknown {
  return checks.map((c) => ({ id: c.id, status: c.status, title: c.title, evidence: c.evidence, ...(c.error ? { error: { kind: c.error.kind, message: c.error.message, hint: c.error.hint } } : {}) }));
}

/**
 * Asks before a write, as `undo` does: on a production context the context
 * name typed back (unless --confirm-context), else y/N; nothing is asked with
 * --yes. Returns undefined when the user said no.
 */
export async function confirmWrite(io: CliIO, prompter: Prompter, values: { yes?: boolean; 'confirm-context'?: string }, production: boolean, context: string, question: string, production_question: string): Promise<{ confirmContext?: string } | undefined> {
  let confirmContext = values['confirm-context'];
  if (values.yes) return confirmContext !== undefined ? { confirmContext } : {};
  if (production && confirmContext === undefined) {
    confirmContext = (await prompter.ask(`\n${context} is a production context. Type its name to ${production_question}: `))?.trim();
    return confirmContext !== undefined ? { confirmContext } : {};
  }
  const answer = (await prompter.ask(`\n${question} [y/N] `))?.trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') {
    io.err('Nothing was changed.\n');
    return undefined;
  }
  return confirmContext !== undefined ? { confirmContext } : {};
}

/** Refuses to run without a person to ask, unless --yes (or only a dry run). */
export function needConfirmation(prompter: Prompter, values: { yes?: boolean; 'dry-run'?: boolean }): void {
  if (!values.yes && !values['dry-run'] && !prompter.interactive) {
    throw new UsageError('stdin is not a terminal, so there is no one to confirm: pass --yes to go ahead without a prompt (or --dry-run to only check)');
  }
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
