import type { MessagePort, Worker } from 'node:worker_threads';
import { ConfigError, type RollbackGuardConfig } from '../core/config';
import { drainRememberedSecrets, rememberSecret } from '../core/redact';
import type { ReleaseAnalysis } from '../core/release';
import { UsageError } from './args';
import type { BranchOptions } from './branch';
import type { CliIO } from './io';

/**
 * `check --base` under the time budget. The release analysis needs every
 * changed file parsed in one place, so it runs whole on a worker thread,
 * which says which file it begins; this thread watches the clock. When one
 * file runs past the budget the worker is stopped and the analysis starts
 * again on a new one, with that file left out: it gets an RG003 note. (Each
 * restart reads the branch from Git again; it happens only for such a file.)
 */

/** What the worker needs to run analyzeBranch (structured-cloneable). */
export interface BranchRequest {
  cwd: string;
  base?: string;
  worktree: boolean;
  paths: readonly string[];
  config: RollbackGuardConfig;
  configDir?: string;
  notAnalysed: [string, string][];
}

type BranchReply = { begin: string | null } | { done: { analysis: ReleaseAnalysis; root: string }; secrets?: string[] } | { error: string; kind: 'usage' | 'config' | 'other'; file?: string; line?: number; column?: number; detail?: string };

export interface BudgetedBranch {
  analysis: ReleaseAnalysis;
  repo: { root: string };
}

export async function analyzeBranchWithBudget(io: CliIO, options: BranchOptions, workerScript: string, budgetMs: number, workerArg: string): Promise<BudgetedBranch> {
  const notAnalysed = new Map<string, string>();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const seconds = budgetMs / 1000;
  for (;;) {
    const request: BranchRequest = {
      cwd: io.cwd,
      ...(options.base !== undefined ? { base: options.base } : {}),
      worktree: options.worktree,
      paths: options.paths,
      config: options.config,
      ...(options.configDir !== undefined ? { configDir: options.configDir } : {}),
      notAnalysed: [...notAnalysed],
    };
    const worker: Worker = new Worker(workerScript, { argv: [workerArg] });
    const outcome = await new Promise<{ slow: string } | { done: BudgetedBranch } | { failed: Error }>((resolveOutcome) => {
      let current: { path: string; since: number } | undefined;
      const finish = (result: { slow: string } | { done: BudgetedBranch } | { failed: Error }) => {
        clearInterval(watch);
        worker.removeAllListeners();
        void worker.terminate();
        resolveOutcome(result);
      };
      const watch = setInterval(() => {
        if (current && Date.now() - current.since > budgetMs) finish({ slow: current.path });
      }, Math.max(10, Math.min(250, budgetMs / 4)));
      worker.on('message', (reply: BranchReply) => {
        if ('begin' in reply) current = reply.begin === null ? undefined : { path: reply.begin, since: Date.now() };
        else if ('done' in reply) {
          // Secrets the analysis recognised there (SQL credentials) are masked in what this thread prints.
          for (const secret of reply.secrets ?? []) rememberSecret(secret);
          finish({ done: { analysis: reply.done.analysis, repo: { root: reply.done.root } } });
        }
        else if (reply.kind === 'usage') finish({ failed: new UsageError(reply.error) });
        else if (reply.kind === 'config') finish({ failed: new ConfigError(reply.file ?? '', reply.line ?? 1, reply.column ?? 1, reply.detail ?? reply.error) });
        else finish({ failed: new Error(reply.error) });
      });
      worker.on('error', (error) => finish(current ? { slow: current.path } : { failed: error }));
      worker.on('exit', () => finish(current ? { slow: current.path } : { failed: new Error('the branch analysis thread exited') }));
      worker.postMessage({ branch: request });
    });
    if ('done' in outcome) return outcome.done;
    if ('failed' in outcome) throw outcome.failed;
    // A file (its head or its base version) ran past the budget: again, without it.
    const path = outcome.slow;
    if (notAnalysed.has(path)) throw new Error(`${path} could not be left out of the branch analysis`);
    notAnalysed.set(path, `analysing this file took longer than ${seconds} s, so it was stopped. Other files are analysed as usual; \`--time-budget\` gives a file longer.`);
  }
}

/** The worker side: runs the branch analysis, saying which file it begins, and sends the result back. */
export async function serveBranch(port: MessagePort, request: BranchRequest): Promise<void> {
  const { analyzeBranch } = await import('./branch');
  const io: CliIO = { cwd: request.cwd, out: () => undefined, err: () => undefined, color: false, version: '', env: process.env };
  try {
    const run = await analyzeBranch(io, {
      ...(request.base !== undefined ? { base: request.base } : {}),
      worktree: request.worktree,
      paths: request.paths,
      config: request.config,
      ...(request.configDir !== undefined ? { configDir: request.configDir } : {}),
      notAnalysed: new Map(request.notAnalysed),
      onFile: (path) => port.postMessage({ begin: path ?? null } satisfies BranchReply),
    });
    port.postMessage({ done: { analysis: run.analysis, root: run.repo.root }, secrets: drainRememberedSecrets() } satisfies BranchReply);
  } catch (error) {
    if (error instanceof UsageError) port.postMessage({ error: error.message, kind: 'usage' } satisfies BranchReply);
    else if (error instanceof ConfigError) port.postMessage({ error: error.message, kind: 'config', file: error.file, line: error.line, column: error.column, detail: error.detail } satisfies BranchReply);
    else port.postMessage({ error: (error as Error).stack ?? String(error), kind: 'other' } satisfies BranchReply);
  }
}
