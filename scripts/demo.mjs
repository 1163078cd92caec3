#!/usr/bin/env node
// `npm run demo [-- --stop | --no-cluster | --no-editor]`: installs the
// project's dependencies when they are missing or stale, then runs the demo
// (scripts/demo/run.ts): package the extension, create the demo repository,
// check it, start the local control plane seeded with history, and open
// code-server with Rollback Guard on the demo workspace.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.log('== Installing dependencies (npm ci)');
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (ci.status !== 0) process.exit(ci.status ?? 1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'demo', 'run.ts'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
