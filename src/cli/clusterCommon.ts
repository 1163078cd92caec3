/**
 * What the cluster commands share: their options, opening a session from
 * flags, printing errors, preflights and outcomes, asking on a terminal, and
 * the whole flow of a write on one object (preflight, dry run, confirmation,
 * the write, its evidence) for `rollout` and `flux`.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { redact } from '../core/redact';
import { ClusterSession, formatError, type ClusterError, type EvidenceFiles, type HistoryRef, type OperationFailure, type PreflightBase, type PreflightCheck, type Result, type WorkloadRef, parseHistoryRef, parseWorkload } from '../cluster';
import { UsageError } from './args';
import type { CliIO } from './io';
import { loadConfig } from './config';

/** Asks a question on a terminal; tests pass their own. */
export interface Prompter {
  /** Whether there is a person to ask (stdin is a terminal). */
  interactive: boolean;
  ask(question: string): Promise<string | undefined>;
}

export type ClusterCliIO = CliIO & { prompter?: Prompter };

/** The options every write on a cluster object takes (undo, rollout, flux); each command adds its own. */
export const WRITE_OPTIONS = {
  namespace: { type: 'string', short: 'n' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  'dry-run': { type: 'boolean' },
  reason: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  'confirm-context': { type: 'string' },
  'evidence-dir': { type: 'string' },
  config: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type WriteValues = { namespace?: string; context?: string; kubeconfig?: string; 'dry-run'?: boolean; reason?: string; yes?: boolean; 'confirm-context'?: string; 'evidence-dir'?: string; config?: string };

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

/** Prints the error with its hint on stderr; returns the exit status it calls for. */
export function printError(io: CliIO, command: string, error: ClusterError, secrets: readonly string[] = []): number {
  io.err(redact(`rollback-guard ${command}: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`, secrets));
  return exitCodeFor(error);
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

/** Opens the session (or prints why it cannot, exit 2 for a kubeconfig problem), runs `body` with it and disposes of it. */
export async function withSession(io: CliIO, command: string, values: { context?: string; kubeconfig?: string }, productionContexts: readonly string[] | undefined, body: (session: ClusterSession) => Promise<number>): Promise<number> {
  const opened = openSession(io, values, productionContexts);
  if (!opened.ok) {
    return printError(io, command, opened.error);
  }
  try {
    return await body(opened.session);
  } finally {
    opened.session.dispose();
  }
}

export function workloadArg(text: string | undefined, namespace: string): WorkloadRef {
  if (!text) throw new UsageError('name the workload as KIND/NAME (e.g. deployment/web)');
  const parsed = parseWorkload(text);
  if (!parsed.ok) throw new UsageError(`${parsed.error.message}. ${parsed.error.hint}`);
  return { ...parsed.value, namespace };
}

/** `KIND/NAME` for history and undo: a workload, helm-release/NAME (release/NAME) or application/NAME. */
export function historyArg(text: string | undefined, namespace: string): HistoryRef {
  if (!text) throw new UsageError('name it as KIND/NAME (e.g. deployment/web, helm-release/storefront, application/shop)');
  const parsed = parseHistoryRef(text);
  if (!parsed.ok) throw new UsageError(`${parsed.error.message}. ${parsed.error.hint}`);
  return { ...parsed.value, namespace } as HistoryRef;
}

const ICON: Record<string, string> = { pass: '✔', warn: '!', fail: '✖', info: 'i', skipped: '-' };

/** A preflight as the terminal shows it: one line per check (its id in `idWidth` columns), its evidence below, the hint of a failing one. */
export function checksText(title: string, checks: readonly PreflightCheck[], idWidth = 9): string {
  const lines = [title];
  for (const c of checks) {
    lines.push(`  ${ICON[c.status] ?? ' '} ${c.id.padEnd(idWidth)} ${c.title}`);
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
export async function confirmWrite(io: CliIO, prompter: Prompter, values: { yes?: boolean; 'confirm-context'?: string }, production: boolean, context: string, question: string, production_question: string, declined = 'Nothing was changed.'): Promise<{ confirmContext?: string } | undefined> {
  let confirmContext = values['confirm-context'];
  if (values.yes) return confirmContext !== undefined ? { confirmContext } : {};
  if (production && confirmContext === undefined) {
    confirmContext = (await prompter.ask(`\n${context} is a production context. Type its name to ${production_question}: `))?.trim();
    return confirmContext !== undefined ? { confirmContext } : {};
  }
  const answer = (await prompter.ask(`\n${question} [y/N] `))?.trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') {
    io.err(`${declined}\n`);
    return undefined;
  }
  return confirmContext !== undefined ? { confirmContext } : {};
}

/** Refuses to run without a person to ask, unless --yes (or only a dry run). `what`: "go ahead", "roll back". */
export function needConfirmation(prompter: Prompter, values: { yes?: boolean; 'dry-run'?: boolean }, what = 'go ahead'): void {
  if (!values.yes && !values['dry-run'] && !prompter.interactive) {
    throw new UsageError(`stdin is not a terminal, so there is no one to confirm: pass --yes to ${what} without a prompt (or --dry-run to only check)`);
  }
}

/** --dry-run: whether `subject` ("it", "the rollback") would go ahead, as JSON or a sentence. Returns the exit code. */
export function printDryRun(out: (text: string) => void, format: 'text' | 'json', refusal: ClusterError | undefined, preflight: () => unknown, subject: string, proceeding = ''): number {
  if (format === 'json') out(`${JSON.stringify({ dryRun: true, wouldProceed: !refusal, preflight: preflight() }, null, 2)}\n`);
  else out(refusal ? `\nDry run: ${subject} would be refused: ${formatError(refusal)}\n` : `\nDry run: ${subject} would proceed${proceeding}; nothing was changed.\n`);
  return refusal ? 1 : 0;
}

/** The confirmations and record-keeping a write takes from the flags (--confirm-context, --reason, --evidence-dir). */
export function writeOptions(io: CliIO, values: WriteValues, confirmContext: string | undefined): { confirmContext?: string; reason?: string; evidenceDir: string; toolVersion: string } {
  return {
    ...(confirmContext !== undefined ? { confirmContext } : {}),
    ...(values.reason ? { reason: values.reason } : {}),
    evidenceDir: resolve(io.cwd, values['evidence-dir'] ?? '.rollback-guard/evidence'),
    toolVersion: io.version,
  };
}

/** What every write's outcome holds. */
type WriteResult = { ok: true; value: { message: string; files?: Pick<EvidenceFiles, 'markdown'>; evidenceError?: string } } | { ok: false; error: OperationFailure };

/**
 * A write's outcome as `--format json` prints it, the same for every write:
 * `ok`, `status`, `message` or `error` (with the missing `permission` after a
 * 403), `evidence` (null when none was written), `evidenceError` when the
 * record could not be written, then what the command adds (`extra`).
 */
export function outcomeJson(result: { ok: true; value: { status: string; message: string; files?: EvidenceFiles; evidenceError?: string } } | { ok: false; error: OperationFailure }, extra: Record<string, unknown>): Record<string, unknown> {
  if (result.ok) {
    const { status, message, files, evidenceError } = result.value;
    return { ok: true, status, message, evidence: files ?? null, ...(evidenceError ? { evidenceError } : {}), ...extra };
  }
  const { outcome, kind, message, hint, permission, files, evidenceError } = result.error;
  return { ok: false, status: outcome, error: { kind, message, hint, ...(permission ? { permission } : {}) }, evidence: files ?? null, ...(evidenceError ? { evidenceError } : {}), ...extra };
}

/**
 * A write's outcome on the terminal: `json` when given, else its message and
 * evidence file, or the error; then a warning when the evidence could not be
 * written. Returns the exit code.
 */
export function printOutcome(io: CliIO, command: string, secrets: readonly string[], result: WriteResult, json?: unknown): number {
  if (json !== undefined) io.out(redact(`${JSON.stringify(json, null, 2)}\n`, secrets));
  else if (result.ok) io.out(redact(`${result.value.message}\n${result.value.files ? `evidence: ${result.value.files.markdown}\n` : ''}`, secrets));
  else {
    printError(io, command, result.error, secrets);
    if (result.error.files) io.err(`evidence: ${result.error.files.markdown}\n`);
  }
  const evidenceError = result.ok ? result.value.evidenceError : result.error.evidenceError;
  if (evidenceError) io.err(`warning: ${evidenceError}\n`);
  return result.ok ? 0 : 1;
}

/** One write on a cluster object beyond undo — a Rollout action, a Flux suspend/resume — as `runOperation` drives it. */
export interface OperationSteps<P extends PreflightBase, V extends { status: string; message: string; files?: EvidenceFiles; evidenceError?: string }> {
  /** The command name errors are printed with. */
  command: string;
  preflight(session: ClusterSession, namespace: string): Promise<Result<P>>;
  /** The line above the checks. */
  title(pre: P): string;
  /** The preflight as --format json prints it. */
  json(pre: P): unknown;
  /** The y/N question and what the production prompt asks to do; undefined when nothing would change (nothing is asked). */
  ask(pre: P): { question: string; production: string } | undefined;
  run(session: ClusterSession, pre: P, options: ReturnType<typeof writeOptions>, progress: (message: string) => void): Promise<Result<V, OperationFailure>>;
  /** What a success adds to its JSON between the message and the evidence. */
  sentJson(value: V): Record<string, unknown>;
}

/**
 * The flow of a write on one object: the repository configuration, the
 * session, the preflight printed (or kept for JSON), --dry-run, the
 * confirmation unless refused or --yes, the write with its evidence record,
 * the outcome. Exit status: 0 done, 1 refused or failed, 2 configuration.
 */
export async function runOperation<P extends PreflightBase, V extends { status: string; message: string; files?: EvidenceFiles; evidenceError?: string }>(io: ClusterCliIO, values: WriteValues, format: 'text' | 'json', steps: OperationSteps<P, V>): Promise<number> {
  const { config } = loadConfig(io.cwd, values.config);
  const prompter = io.prompter ?? terminalPrompter();
  needConfirmation(prompter, values);
  return withSession(io, steps.command, values, config.production.contexts, async (session) => {
    const secrets = await session.client.secrets();
    const out = (text: string): void => io.out(redact(text, secrets));
    const pre = await steps.preflight(session, values.namespace ?? session.namespace);
    if (!pre.ok) {
      return printError(io, steps.command, pre.error, secrets);
    }
    const p = pre.value;
    if (format === 'text') out(checksText(steps.title(p), p.checks));
    const refusal = p.blocking[0];
    if (values['dry-run']) return printDryRun(out, format, refusal, () => steps.json(p), 'it');
    let confirmContext = values['confirm-context'];
    const ask = refusal ? undefined : steps.ask(p);
    if (ask) {
      const answer = await confirmWrite(io, prompter, values, p.production.production, p.context.name, ask.question, ask.production);
      if (!answer) return 1;
      confirmContext = answer.confirmContext;
    }
    const progress = format === 'text' ? (m: string): void => io.err(`${m}\n`) : (): void => {};
    const result = await steps.run(session, p, writeOptions(io, values, confirmContext), progress);
    const json = format === 'json' ? outcomeJson(result, { ...(result.ok ? steps.sentJson(result.value) : {}), preflight: steps.json(p) }) : undefined;
    return printOutcome(io, steps.command, secrets, result, json);
  });
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
