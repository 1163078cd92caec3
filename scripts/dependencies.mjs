// `npm ci` when node_modules is missing or older than package-lock.json, so the
// README's commands work on a fresh clone. Uses the environment without an
// outer `npm run`'s variables (see childEnv.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv } from './childEnv.mjs';

/** Whether `root`'s node_modules matches its package-lock.json (as `npm ci` left it). */
export function dependenciesInstalled(root) {
  const lock = join(root, 'package-lock.json');
  const installed = join(root, 'node_modules', '.package-lock.json');
  return existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs;
}

/** Runs `npm ci` in `root` when needed; returns false when it failed. */
export function ensureDependencies(root, log = console.log) {
  if (dependenciesInstalled(root)) return true;
  log('== Installing dependencies (npm ci)');
  const started = Date.now();
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env: childEnv() });
  if (ci.status !== 0) {
    console.error(`✖ npm ci failed (exit ${ci.status ?? ci.signal}) after ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return false;
  }
  log(`✔ npm ci (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  return true;
}
