import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { WorkerReply } from './worker';

/** A file of a chart as the engine takes it: its name relative to the chart's directory. */
export interface EngineFile {
  name: string;
  data: string;
  base64?: boolean;
}

export interface RenderRequest {
  files: EngineFile[];
  /** Values files' text, applied in order on top of the chart's values.yaml. */
  values: string[];
  releaseName: string;
  namespace: string;
}

export interface RenderResponse {
  /** Output by engine name (`app/templates/deployment.yaml`, `app/charts/db/templates/sts.yaml`). */
  manifests?: Record<string, string>;
  /** Templates that failed, with Helm's error. */
  failed?: Record<string, string>;
  notes?: string[];
  /** Why the chart could not be rendered at all. */
  error?: string;
}

export const ENGINE_WASM = 'helm-engine.wasm';
const GLUE = 'wasm_exec.js';

/**
 * Where the engine is: next to the bundle (`dist/wasm/`, where the build puts
 * it) or, running from source, in the repository's `dist/wasm/`. Undefined
 * when it was not built (no Go toolchain at build time).
 */
export function engineLocation(): { wasm: string; glue: string } | undefined {
  for (const dir of [join(__dirname, 'wasm'), join(__dirname, '..', '..', 'dist', 'wasm')]) {
    const wasm = join(dir, ENGINE_WASM);
    const glue = join(dir, GLUE);
    if (existsSync(wasm) && existsSync(glue)) return { wasm, glue };
  }
  return undefined;
}

/** The script of the engine's thread: bundled next to this code, or (running from source) the source file through tsx. */
function workerScript(): { script: string; eval?: boolean } {
  const bundled = join(__dirname, 'helm-worker.js');
  if (existsSync(bundled)) return { script: bundled };
  return { script: `require('tsx/cjs'); require(${JSON.stringify(join(__dirname, 'worker.ts'))});`, eval: true };
}

/**
 * Helm's template engine, compiled from Helm's Go module to WebAssembly,
 * running in a thread of its own. It renders charts given as files in
 * memory, never reaches a cluster or the network, and starts once: the
 * first render waits for it, the next ones take milliseconds.
 */
export class HelmEngine {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private started = false;
  private next = 1;
  private readonly pending = new Map<number, (response: RenderResponse) => void>();

  constructor(private readonly location: { wasm: string; glue: string }) {}

  /** The engine built with this extension or CLI, or undefined without one. */
  static find(): HelmEngine | undefined {
    const location = engineLocation();
    return location ? new HelmEngine(location) : undefined;
  }

  /** Starts the engine's thread now (rendering starts it otherwise). */
  start(): Promise<void> {
    if (!this.ready) {
      // Loaded here: a run without charts never needs it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
      const { script, eval: code } = workerScript();
      const worker = new Worker(script, { workerData: this.location, ...(code ? { eval: true } : {}) });
      worker.unref();
      this.worker = worker;
      this.ready = new Promise<void>((resolve, reject) => {
        worker.on('message', (reply: WorkerReply) => {
          if ('ready' in reply) {
            this.started = true;
            resolve();
          }
          else if ('failed' in reply) reject(new Error(reply.failed));
          else {
            const done = this.pending.get(reply.id);
            this.pending.delete(reply.id);
            done?.(parseResponse(reply.response));
          }
        });
        worker.on('error', (error) => {
          reject(error);
          this.failAll(error.message);
        });
        worker.on('exit', (code) => {
          reject(new Error(`the Helm engine stopped (exit ${code})`));
          this.failAll(`the Helm engine stopped (exit ${code})`);
        });
      });
    }
    return this.ready;
  }

  /** True once the engine has started (a render then takes milliseconds). */
  get isStarted(): boolean {
    return this.started;
  }

  async render(request: RenderRequest): Promise<RenderResponse> {
    await this.start();
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker!.ref();
      this.worker!.postMessage({ id, request: JSON.stringify(request) });
    }).finally(() => {
      if (this.pending.size === 0) this.worker?.unref();
    }) as Promise<RenderResponse>;
  }

  /** Stops the engine's thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    this.started = false;
    if (worker) await worker.terminate();
  }

  private failAll(message: string): void {
    for (const done of this.pending.values()) done({ error: message });
    this.pending.clear();
  }
}

function parseResponse(text: string): RenderResponse {
  try {
    return JSON.parse(text) as RenderResponse;
  } catch (error) {
    return { error: `unreadable response from the Helm engine: ${(error as Error).message}` };
  }
}
