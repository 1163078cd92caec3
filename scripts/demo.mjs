#!/usr/bin/env node
// `npm run demo`: installs what is missing, builds and packages the extension,
// and shows what Rollback Guard finds in the example repository.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

function run(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { cwd: root, stdio: options.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8' });
  if (result.status !== 0 && !options.allowFailure) {
    console.error(`demo: \`${argv.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
  return result.stdout ?? '';
}

function step(title) {
  console.log(`\n== ${title}`);
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  step('Installing dependencies (npm ci)');
  run(['npm', 'ci', '--no-audit', '--no-fund']);
}

step('Building and packaging the extension');
const vsix = run([process.execPath, 'scripts/package.mjs'], { capture: true }).trim().split('\n').at(-1);

step('rollback-guard check examples/');
run([process.execPath, 'dist/cli.js', 'check', 'examples', '--fail-on', 'never']);

console.log(`\nPackaged extension: ${vsix}`);
console.log('Install it in VS Code with "Extensions: Install from VSIX…", then open examples/bookstore.');
