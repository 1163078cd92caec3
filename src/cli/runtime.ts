import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for a process that lives for one command; the editor's
 * long-lived extension host keeps the defaults. Set before any code is
 * compiled (the code cache records them; see bin.ts).
 *
 * - The parsers are WASM (libpg_query, tree-sitter). V8 starts them on its
 *   baseline compiler (Liftoff) and recompiles the hot functions with its
 *   optimising compiler, which for libpg_query's parser costs more CPU than
 *   a check of a thousand migrations spends running it: baseline code only.
 * - JavaScript is optimised once a function has run through eight times the
 *   default budget of bytecode. A one-command process otherwise spends much
 *   of its time (on other cores) optimising functions that then run a few
 *   more milliseconds; truly hot code, such as the YAML parser on large
 *   manifests, still gets optimised. Measured on `check` of 1,500
 *   migrations: about a fifth less CPU; on 200 manifests: the same.
 */
export function tuneForOneCommand(): void {
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
  setFlagsFromString('--interrupt-budget=540672');
}
