#!/usr/bin/env node
// `npm run demo [-- --stop | --no-cluster | --no-editor]`: installs the
// project's dependencies when they are missing or stale, then runs the demo
// (scripts/demo/run.ts). Nothing of the outer `npm run` reaches the processes
// it starts (scripts/childEnv.mjs).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { childEnv } from './childEnv.mjs';
import { ensureDependencies } from './dependencies.mjs';

const root = join(import.meta.dirname, '..');
if (!ensureDependencies(root)) process.exit(1);
const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'demo', 'run.ts'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env: childEnv() });
process.exit(result.status ?? 1);
