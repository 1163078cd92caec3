import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { RollbackGuardConfig } from '../core/config';
import { Engine } from '../core/engine';
import type { Finding } from '../core/model';
import { buildProjectContext, type Definition } from '../core/project';
import { docsUrl } from '../core/rule';
import { RULES } from '../core/rules';
import { loadPostgres, postgresModule, usePostgresModule } from '../core/sql/postgres';

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
/** Argument that marks an analysis worker for dist/cli.js (see bin.ts). */
export const WORKER_ARG = '--analysis-worker';

/** What every thread builds its engine from (structured-cloneable). */
export interface AnalysisSetup {
  config: RollbackGuardConfig;
  kustomizations: { path: string; text: string }[];
  /** Objects the scanned files define (see ProjectContext.definesNearby). */
  definitions?: Definition[];
  cwd: string;
}

export interface SourceText {
  path: string;
  text: string;
}

type Request = { setup: AnalysisSetup; postgres?: WebAssembly.Module } | { id: number; files: SourceText[] } | null;
type Reply = { ready: true } | { id: number; findings: Compact[][] } | { id: number; error: string };

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
  return new Engine({
    config: setup.config,
    // Reports print no quick fixes.
    ignoreFixes: false,
    project: buildProjectContext(setup.kustomizations, setup.definitions),
    readFile: (path) => {
      try {
        return readFileSync(resolve(setup.cwd, path), 'utf8');
      } catch {
        return undefined;
      }
    },
  });
}

async function analyzeChunk(engine: Engine, files: readonly SourceText[]): Promise<Finding[][]> {
  const out: Finding[][] = [];
  for (const file of files) out.push((await engine.analyze({ path: file.path, text: file.text })).findings);
  return out;
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

/** The analysis threads of one `check`. */
export class AnalysisPool {
  private readonly workers: Worker[] = [];
  private readonly served = new Set<Worker>();

  /** `workerScript`: the script that starts this CLI (dist/cli.js); without it (the CLI running from source), one thread. */
  constructor(private readonly workerScript?: string) {}

  /** Called by the scan with the number of files found so far: starts the workers once there are enough. */
  found(count: number): void {
    if (count !== PARALLEL_MIN_FILES || !this.workerScript || this.workers.length > 0) return;
    const count_ = Math.min(MAX_WORKERS, threadLimit() - 1);
    if (count_ < 1) return;
    // Loaded here: a check of a few files never needs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
    for (let i = 0; i < count_; i++) this.workers.push(new Worker(this.workerScript, { argv: [WORKER_ARG] }));
  }

  /** The findings of every file (one array per file, in the given order). */
  async analyze(files: readonly SourceText[], setup: AnalysisSetup): Promise<Finding[][]> {
    const engine = createEngine(setup);
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
        else results[reply.id] = reply.findings.map((file) => file.map(expand));
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
  port.on('message', (request: Request) => {
    if (request === null) {
      port.close();
      return;
    }
    if ('setup' in request) {
      if (request.postgres) usePostgresModule(request.postgres);
      engine = createEngine(request.setup);
      port.postMessage({ ready: true } satisfies Reply);
      return;
    }
    analyzeChunk(engine!, request.files).then(
      (findings) => port.postMessage({ id: request.id, findings: findings.map((file) => file.map(compact)) } satisfies Reply),
      (error: unknown) => port.postMessage({ id: request.id, error: (error as Error).stack ?? String(error) } satisfies Reply),
    );
  });
}
