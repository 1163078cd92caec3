import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for a process that lives for one command. The parsers are
 * WASM (libpg_query, tree-sitter); by default V8 starts them on its baseline
 * compiler (Liftoff) and recompiles the hot functions with its optimising
 * compiler, which for libpg_query's parser costs more CPU than a whole check
 * of a thousand files spends running it. Baseline code alone is the better
 * trade in a short-lived process. Set before any WASM module is compiled;
 * the editor's long-lived extension host keeps the defaults.
 */
export function tuneForOneCommand(): void {
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
}
