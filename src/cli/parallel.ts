import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { RollbackGuardConfig } from '../core/config';
import { describeFailure, Engine } from '../core/engine';
import type { Finding } from '../core/model';
import { helmRenders, type ChartRender } from '../core/helm/render';
import { buildProjectContext, type Definition } from '../core/project';
import { docsUrl, toFinding } from '../core/rule';
import { RULES } from '../core/rules';
import { NOT_ANALYSED } from '../core/rules/meta';
import { loadPostgres, postgresModule, usePostgresModule } from '../core/sql/postgres';
import { drainRememberedSecrets, rememberSecret } from '../core/redact';
import type { BranchRequest } from './branchBudget';

/**
 * `check` over many files on every core. Worker threads (one per further
 * core) start while the scan is still listing files, once it has found
 * PARALLEL_MIN_FILES, so they boot while this thread reads. The files are
 * then cut into chunks in scan order; this thread and the workers each take
 * the next chunk when they finish one (smaller chunks towards the end, so no
 * thread is left with a long one), and the findings are put back in chunk
 * order: the output is the same as from one thread. Fewer files, or one
 * core, and everything runs here: a worker (a V8 isolate, the bundle, code
 * not yet optimised) costs 50–100 ms of CPU before its first file, the
 * findings it sends back are copied, and the scan, the sort and the output
 * stay on this thread. Measured on two cores: 1,500 migrations take as long
 * with a worker as without (and a third more CPU); 6,000 take 6–9 % less
 * time when the machine is not busy.
 */

export const PARALLEL_MIN_FILES = 2000;
const MAX_WORKERS = 7;
/** Default of `check --time-budget`: how long one file's analysis may take. */
export const DEFAULT_TIME_BUDGET_SECONDS = 30;
/** Argument that marks an analysis worker for dist/cli.js (see bin.ts). */
export const WORKER_ARG = '--analysis-worker';

/** What every thread builds its engine from (structured-cloneable). */
export interface AnalysisSetup {
  config: RollbackGuardConfig;
  kustomizations: { path: string; text: string }[];
  /** Objects the scanned files define (see ProjectContext.definesNearby). */
  definitions?: Definition[];
  /** Helm's renders of the scanned charts. */
  renders?: ChartRender[];
  cwd: string;
}

export interface SourceText {
  path: string;
  text: string;
}

/**
 * `progress`: where a worker says which file of its chunk it is on and since
 * when (see Progress), so this thread can stop one that takes too long.
 */
type Request = { setup: AnalysisSetup; postgres?: WebAssembly.Module; progress?: SharedArrayBuffer; epoch?: number } | { id: number; files: SourceText[] } | { branch: BranchRequest } | null;
type Reply = { ready: true } | { id: number; findings: Compact[][]; secrets?: string[] } | { id: number; error: string };

/** A finding as a worker sends it: without the rule's help and docs URL (the same long strings on thousands of findings), which this thread adds back. */
type Compact = Omit<Finding, 'help' | 'docsUrl'> & { help?: string };

function compact(finding: Finding): Compact {
  const { help, docsUrl, ...rest } = finding;
  void docsUrl;
  return help === RULES.get(finding.ruleId)?.help ? rest : { ...rest, help };
}

function expand(finding: Compact): Finding {
  const meta = RULES.get(finding.ruleId)!;
  return { ...finding, help: finding.help ?? meta.help, docsUrl: docsUrl(meta) };
}

export function createEngine(setup: AnalysisSetup): Engine {
  // Folders listed once per run (a Flyway folder is asked for each of its migrations).
  const listed = new Map<string, string[] | null>();
  return new Engine({
    config: setup.config,
    // Reports print no quick fixes.
    ignoreFixes: false,
    project: buildProjectContext(setup.kustomizations, setup.definitions),
    ...(setup.renders && setup.renders.length > 0 ? { helm: helmRenders(setup.renders) } : {}),
    readFile: (path) => {
      try {
        return readFileSync(resolve(setup.cwd, path), 'utf8');
      } catch {
        return undefined;
      }
    },
    listDir: (dir) => {
      let names = listed.get(dir);
      if (names === undefined) {
        try {
          names = readdirSync(resolve(setup.cwd, dir));
        } catch {
          names = null;
        }
        listed.set(dir, names);
      }
      return names ?? undefined;
    },
  });
}

/**
 * A worker's progress, shared with this thread: [0] the position in its
 * chunk of the file it is analysing (-1 between chunks), [1] when it began
 * that file (ms after the pool's epoch). Written before each file, read by
 * this thread's watch.
 */
class Progress {
  readonly cells: Int32Array;

  constructor(
    buffer: SharedArrayBuffer,
    private readonly epoch: number,
  ) {
    this.cells = new Int32Array(buffer);
  }

  static create(epoch: number): Progress {
    const progress = new Progress(new SharedArrayBuffer(8), epoch);
    Atomics.store(progress.cells, 0, -1);
    return progress;
  }

  begin(position: number): void {
    // The time first: whoever sees the new position sees its start.
    Atomics.store(this.cells, 1, Date.now() - this.epoch);
    Atomics.store(this.cells, 0, position);
  }

  idle(): void {
    Atomics.store(this.cells, 0, -1);
  }

  /** The position and how long it has been analysed, or undefined between chunks. */
  current(): { position: number; ms: number } | undefined {
    const position = Atomics.load(this.cells, 0);
    return position < 0 ? undefined : { position, ms: Date.now() - this.epoch - Atomics.load(this.cells, 1) };
  }
}

async function analyzeChunk(engine: Engine, files: readonly SourceText[], progress?: Progress): Promise<Finding[][]> {
  const out: Finding[][] = [];
  for (let i = 0; i < files.length; i++) {
    if (progress) {
      // The parser's one-time loading is not the file's time.
      await engine.prepare(files[i]!.path);
      progress.begin(i);
    }
    out.push((await engine.analyze({ path: files[i]!.path, text: files[i]!.text })).findings);
  }
  progress?.idle();
  return out;
}

/** One RG003 note on a file that was not analysed to the end, at its first line. */
export function notAnalysed(engine: Engine, file: SourceText, why: string): Finding[] {
  const firstLine = file.text.search(/\r?\n|$/);
  return engine.configured([
    toFinding(NOT_ANALYSED, file.path, {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: Math.max(0, firstLine) } },
      message: `Not analysed: ${why}`,
    }),
  ]);
}

/**
 * Threads to use: one per core, or ROLLBACK_GUARD_THREADS (a container's CPU
 * quota is not what availableParallelism() reports; 1 keeps to one thread).
 */
function threadLimit(): number {
  const set = Number(process.env.ROLLBACK_GUARD_THREADS);
  return Number.isInteger(set) && set >= 1 ? set : availableParallelism();
}

interface Chunk {
  start: number;
  end: number;
}

export interface PoolOptions {
  /** The script that starts this CLI (dist/cli.js); without it (the CLI running from source), one thread and no time budget. */
  workerScript?: string;
  /** How long one file's analysis may take, in ms; 0 for no limit. */
  budgetMs?: number;
}

function newWorker(script: string): Worker {
  // Loaded here: a check without workers never needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  return new Worker(script, { argv: [WORKER_ARG] });
}

/**
 * The analysis threads of one `check`.
 *
 * With a time budget, every file is analysed on a worker thread and this
 * thread only watches: a synchronous analysis can be stopped only from
 * outside its thread. A worker still on one file when the budget runs out
 * is terminated; the file gets an RG003 note, the rest of its chunk goes to
 * a new worker. A worker that dies (out of memory) is treated the same way.
 * The first worker starts before the scan (`start`), so it boots while this
 * thread reads the files.
 */
export class AnalysisPool {
  private readonly workers: Worker[] = [];
  private readonly served = new Set<Worker>();
  private readonly workerScript: string | undefined;
  private readonly budgetMs: number;

  constructor(options: PoolOptions | string = {}) {
    const { workerScript, budgetMs = 0 } = typeof options === 'string' ? { workerScript: options } : options;
    this.workerScript = workerScript;
    this.budgetMs = workerScript ? budgetMs : 0;
  }

  /** True when files are analysed under the time budget (on workers). */
  get supervised(): boolean {
    return this.budgetMs > 0;
  }

  /** Starts the first worker ahead of the files (only with a time budget: otherwise small runs stay on this thread). */
  start(): void {
    if (this.supervised && this.workers.length === 0) this.workers.push(newWorker(this.workerScript!));
  }

  /** Called by the scan with the number of files found so far: starts the workers once there are enough. */
  found(count: number): void {
    if (count !== PARALLEL_MIN_FILES || !this.workerScript) return;
    // Without a budget this thread analyses too; with one, it only watches.
    const wanted = Math.min(MAX_WORKERS, threadLimit() - (this.supervised ? 0 : 1));
    while (this.workers.length < wanted) this.workers.push(newWorker(this.workerScript));
  }

  /** The findings of every file (one array per file, in the given order). */
  async analyze(files: readonly SourceText[], setup: AnalysisSetup): Promise<Finding[][]> {
    const engine = createEngine(setup);
    if (this.supervised) return this.analyzeSupervised(files, setup, engine);
    if (this.workers.length === 0) return analyzeChunk(engine, files);
    const threads = this.workers.length + 1;
    let next = 0;
    // Guided self-scheduling: a share of what is left, so chunks shrink towards the end.
    const take = (most = 128): Chunk | undefined => {
      if (next >= files.length) return undefined;
      const size = Math.max(8, Math.min(most, Math.ceil((files.length - next) / (threads * 3))));
      const chunk = { start: next, end: Math.min(files.length, next + size) };
      next = chunk.end;
      return chunk;
    };
    const results: (Finding[][] | undefined)[] = [];
    const chunks: Chunk[] = [];
    const orphans: number[] = [];
    let failure: Error | undefined;

    /** Feeds one worker: a small first chunk, then the next one with each reply. */
    const serve = (worker: Worker) => {
      this.served.add(worker);
      let ready = false;
      let current: number | undefined;
      let done: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const give = (most?: number) => {
        const chunk = failure ? undefined : take(most);
        if (!chunk) {
          // Done with it; it exits on its own (writing its code cache) while this thread goes on.
          current = undefined;
          worker.postMessage(null satisfies Request);
          done();
          return;
        }
        current = chunks.push(chunk) - 1;
        worker.postMessage({ id: current, files: files.slice(chunk.start, chunk.end).map((f) => ({ path: f.path, text: f.text })) } satisfies Request);
      };
      worker.on('message', (reply: Reply) => {
        if ('ready' in reply) {
          ready = true;
          return;
        }
        if ('error' in reply) failure ??= new Error(reply.error);
        else {
          // Secrets the worker met (SQL credentials) are masked in this thread's output too.
          for (const secret of reply.secrets ?? []) rememberSecret(secret);
          results[reply.id] = reply.findings.map((file) => file.map(expand));
        }
        give();
      });
      // A worker that fails to start or dies leaves its chunk to this thread.
      const finish = () => {
        if (current !== undefined && results[current] === undefined) orphans.push(current);
        current = undefined;
        done();
      };
      worker.on('error', finish);
      worker.on('exit', finish);
      worker.postMessage({ setup, postgres } satisfies Request);
      // A small first chunk, waiting for it when it has started.
      give(16);
      return {
        finished,
        /** This thread has taken the last chunk: a worker still starting is stopped, its chunk left to this thread. */
        stopIfStarting() {
          if (ready) return;
          worker.removeAllListeners('message');
          worker.removeAllListeners('exit');
          void worker.terminate();
          finish();
        },
      };
    };

    // Compiled here once and shared with the workers, code included.
    const postgres = files.some((f) => engine.analyzerFor(f.path)?.prepare === loadPostgres) ? await postgresModule() : undefined;
    const running = this.workers.map(serve);
    for (let chunk = take(); chunk && !failure; chunk = take()) {
      const id = chunks.push(chunk) - 1;
      results[id] = await analyzeChunk(engine, files.slice(chunk.start, chunk.end));
      // Let the workers' replies in: each one hands out the next chunk.
      await new Promise((ready) => setImmediate(ready));
    }
    // Replies (and readiness) that came in during the last chunk.
    await new Promise((ready) => setImmediate(ready));
    for (const worker of running) worker.stopIfStarting();
    await Promise.all(running.map((r) => r.finished));
    for (const id of orphans) {
      if (!failure && results[id] === undefined) results[id] = await analyzeChunk(engine, files.slice(chunks[id]!.start, chunks[id]!.end));
    }
    if (failure) throw failure;
    return results.flatMap((r) => r!);
  }

  /** Every file on the workers, each within the budget (see the class comment). */
  private async analyzeSupervised(files: readonly SourceText[], setup: AnalysisSetup, engine: Engine): Promise<Finding[][]> {
    const results: (Finding[] | undefined)[] = new Array<Finding[] | undefined>(files.length);
    if (files.length === 0) return [];
    const script = this.workerScript!;
    const budgetMs = this.budgetMs;
    const seconds = budgetMs / 1000;
    const epoch = Date.now();
    const postgres = files.some((f) => engine.analyzerFor(f.path)?.prepare === loadPostgres) ? await postgresModule() : undefined;
    const threads = Math.max(1, files.length >= PARALLEL_MIN_FILES ? Math.min(MAX_WORKERS, threadLimit()) : 1);
    // Chunks handed back by a stopped worker go first; then guided self-scheduling, as without a budget.
    const retry: Chunk[] = [];
    let next = 0;
    const take = (most = 128): Chunk | undefined => {
      const again = retry.shift();
      if (again) return again;
      if (next >= files.length) return undefined;
      const size = Math.max(8, Math.min(most, Math.ceil((files.length - next) / (threads * 3))));
      const chunk = { start: next, end: Math.min(files.length, next + size) };
      next = chunk.end;
      return chunk;
    };
    interface Slot {
      worker: Worker;
      progress: Progress;
      chunk?: Chunk;
      ready: boolean;
    }
    const live = new Set<Slot>();
    /** Workers that died before they were ready: after two, this thread analyses what is left (without a budget). */
    let unstarted = 0;
    let chunkIds = 0;
    const sent = new Map<number, Chunk>();

    return new Promise<Finding[][]>((resolveAll) => {
      const settle = () => {
        if (live.size > 0) return;
        if (unstarted < 2 && (retry.length > 0 || next < files.length)) return;
        clearInterval(watch);
        void (async () => {
          for (let i = 0; i < files.length; i++) results[i] ??= (await engine.analyze({ path: files[i]!.path, text: files[i]!.text })).findings;
          resolveAll(results as Finding[][]);
        })();
      };
      const give = (slot: Slot, most?: number) => {
        const chunk = take(most);
        if (!chunk) {
          slot.chunk = undefined;
          live.delete(slot);
          // Done with it; it exits on its own (writing its code cache).
          slot.worker.postMessage(null satisfies Request);
          settle();
          return;
        }
        slot.chunk = chunk;
        const id = chunkIds++;
        sent.set(id, chunk);
        slot.worker.postMessage({ id, files: files.slice(chunk.start, chunk.end).map((f) => ({ path: f.path, text: f.text })) } satisfies Request);
      };
      /** The worker is stopped (or died) on its chunk: the file it was on gets a note, the others go back in the queue. */
      const lose = (slot: Slot, why: string) => {
        if (!live.has(slot)) return;
        live.delete(slot);
        slot.worker.removeAllListeners();
        void slot.worker.terminate();
        const chunk = slot.chunk;
        const current = slot.progress.current();
        if (chunk && slot.ready && current) {
          const at = chunk.start + current.position;
          results[at] = notAnalysed(engine, files[at]!, why);
          if (at > chunk.start) retry.push({ start: chunk.start, end: at });
          if (at + 1 < chunk.end) retry.push({ start: at + 1, end: chunk.end });
        } else if (chunk) retry.push(chunk);
        if (!slot.ready) unstarted++;
        if (unstarted < 2 && (retry.length > 0 || next < files.length)) spawn(this.workers.shift());
        settle();
      };
      const spawn = (started?: Worker) => {
        const worker = started ?? newWorker(script);
        this.served.add(worker);
        const slot: Slot = { worker, progress: Progress.create(epoch), ready: false };
        live.add(slot);
        worker.on('message', (reply: Reply) => {
          if ('ready' in reply) {
            slot.ready = true;
            return;
          }
          const chunk = sent.get(reply.id)!;
          sent.delete(reply.id);
          if ('error' in reply) {
            for (let i = chunk.start; i < chunk.end; i++) results[i] = notAnalysed(engine, files[i]!, `its analysis failed (${reply.error.split('\n')[0]}).`);
          } else reply.findings.forEach((file, i) => (results[chunk.start + i] = file.map(expand)));
          give(slot);
        });
        const died = (error?: unknown) =>
          lose(slot, `its analysis ended the thread it ran on (${error ? describeFailure(error).reason : 'the thread exited'}). Other files are analysed as usual.`);
        worker.on('error', died);
        worker.on('exit', () => died());
        worker.postMessage({ setup, postgres, progress: slot.progress.cells.buffer as SharedArrayBuffer, epoch } satisfies Request);
        give(slot, 16);
      };
      const watch = setInterval(
        () => {
          for (const slot of live) {
            const current = slot.progress.current();
            if (slot.chunk && current && current.ms > budgetMs) {
              lose(slot, `analysing this file took longer than ${seconds} s, so it was stopped. Other files are analysed as usual; \`--time-budget\` gives a file longer.`);
            }
          }
        },
        Math.max(10, Math.min(250, budgetMs / 4)),
      );
      for (let i = 0; i < threads; i++) spawn(this.workers.shift());
    });
  }

  /** Stops workers that were started but got no work (analyze() was not reached). */
  close(): void {
    for (const worker of this.workers.splice(0)) if (!this.served.has(worker)) void worker.terminate();
  }
}

/** The worker side: builds its engine from the setup it is sent, then analyses chunks until told to stop. */
export function serveAnalysis(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const port = parentPort;
  if (!port) throw new Error('rollback-guard: --analysis-worker runs only as a worker thread of check');
  let engine: Engine | undefined;
  let progress: Progress | undefined;
  port.on('message', (request: Request) => {
    if (request === null) {
      port.close();
      return;
    }
    if ('branch' in request) {
      // `check --base` under the time budget (see branchBudget.ts); loaded here, with the Git layer, only for it.
      void (require('./branchBudget') as typeof import('./branchBudget')).serveBranch(port, request.branch);
      return;
    }
    if ('setup' in request) {
      if (request.postgres) usePostgresModule(request.postgres);
      if (request.progress) progress = new Progress(request.progress, request.epoch ?? 0);
      engine = createEngine(request.setup);
      port.postMessage({ ready: true } satisfies Reply);
      return;
    }
    analyzeChunk(engine!, request.files, progress).then(
      (findings) => port.postMessage({ id: request.id, findings: findings.map((file) => file.map(compact)), secrets: drainRememberedSecrets() } satisfies Reply),
      (error: unknown) => port.postMessage({ id: request.id, error: (error as Error).stack ?? String(error) } satisfies Reply),
    );
  });
}
