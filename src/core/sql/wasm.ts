import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';

/**
 * Where a parser's WASM file is: next to the bundle (`dist/wasm/`, where
 * esbuild.js copies it) or, running from source, in its npm package.
 */
export function wasmFile(spec: string): string {
  const bundled = join(__dirname, 'wasm', basename(spec));
  if (existsSync(bundled)) return bundled;
  return createRequire(__filename).resolve(spec);
}
