#!/usr/bin/env node
// Builds the production bundles and packages the extension as
// rollback-guard-<version>.vsix at the repository root. Prints the path.
// `--allow-no-engine` packages an extension without Helm's engine (it reads
// charts without rendering them and says so); without it that is refused.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv } from './childEnv.mjs';

const root = join(import.meta.dirname, '..');
const { version, name } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, `${name}-${version}.vsix`);

function run(argv) {
  const result = spawnSync(argv[0], argv.slice(1), { cwd: root, stdio: 'inherit', env: childEnv() });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run([process.execPath, 'esbuild.js']);
// A package without Helm's engine would read every chart without rendering it.
if (!existsSync(join(root, 'dist', 'wasm', 'helm-engine.wasm'))) {
  if (!process.argv.includes('--allow-no-engine')) {
    console.error("Helm's template engine was not built (it needs Go; see scripts/helm-engine.mjs): not packaging an extension without it");
    process.exit(1);
  }
  console.error("Packaging without Helm's template engine: this extension reads Helm charts without rendering them.");
}
// Dependencies are bundled, so the .vsix carries no node_modules.
run([process.execPath, join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--out', out]);
console.log(out);
