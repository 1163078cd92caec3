/**
 * The thread that runs Helm's template engine (helm-engine.wasm, Go compiled
 * to WebAssembly, started by Go's wasm_exec.js). Starting it takes a while;
 * here it does not hold up the thread that analyses. Requests and responses
 * are the JSON the module's `rollbackGuardHelmRender` takes and returns.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';

interface GoRuntime {
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}

export type WorkerRequest = { id: number; request: string };
export type WorkerReply = { ready: true } | { failed: string } | { id: number; response: string };

async function start(): Promise<void> {
  const { wasm, glue } = workerData as { wasm: string; glue: string };
  // wasm_exec.js defines globalThis.Go (and the fs/process shims Go's runtime calls).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(glue);
  const Go = (globalThis as unknown as { Go: new () => GoRuntime }).Go;
  const go = new Go();
  // V8's optimising tier compiles this large module in the background while Go starts, which on a
  // busy machine triples the start-up; its baseline code renders a chart in milliseconds all the same.
  // The flag is read when the module is compiled, so other modules keep the usual tiers.
  setFlagsFromString('--liftoff-only');
  let instance: WebAssembly.Instance;
  try {
    instance = (await WebAssembly.instantiate(readFileSync(wasm), go.importObject)).instance;
  } finally {
    setFlagsFromString('--no-liftoff-only');
  }
  void go.run(instance);
  const render = (globalThis as unknown as { rollbackGuardHelmRender?: (request: string) => string }).rollbackGuardHelmRender;
  if (!render) throw new Error('the Helm engine module did not register its render function');
  parentPort!.on('message', (message: WorkerRequest) => {
    let response: string;
    try {
      response = render(message.request);
    } catch (error) {
      response = JSON.stringify({ error: `the Helm engine failed: ${(error as Error).message}` });
    }
    parentPort!.postMessage({ id: message.id, response } satisfies WorkerReply);
  });
  parentPort!.postMessage({ ready: true } satisfies WorkerReply);
}

start().catch((error: unknown) => parentPort!.postMessage({ failed: (error as Error).message ?? String(error) } satisfies WorkerReply));
