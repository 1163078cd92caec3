#!/usr/bin/env node
// `npm run verify:fresh [-- --dir DIR] [--keep]`: the README's two commands as
// a new user types them, on a fresh clone of the last commit, with empty
// caches: `ROLLBACK_GUARD_CACHE` and `GOCACHE` point at new empty directories
// (Go's module cache and npm's cache stay warm: they only save downloads).
//
//   1. git clone (the current HEAD)
//   2. npm run demo          (editor, cold control-plane build, seeded cluster)
//   3. npm run demo -- --stop
//   4. npm test              (every suite)
//
// Prints each step's time and the machine's load, checks that no process of
// the clone or its caches is left running after the demo is stopped and after
// the tests, and removes the directory afterwards (unless --keep). Long: a
// cold plane build, the editor install and the whole test suite.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { childEnv } from './childEnv.mjs';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const dirArg = args.indexOf('--dir');
const base = dirArg >= 0 && args[dirArg + 1] ? resolve(args[dirArg + 1]) : undefined;

const started = Date.now();
const seconds = (since) => Math.round((Date.now() - since) / 1000);
const clock = (s) => `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

if (base) mkdirSync(base, { recursive: true });
const work = mkdtempSync(join(base ?? tmpdir(), 'rg-verify-fresh-'));
const clone = join(work, 'clone');
const cache = join(work, 'rollback-guard-cache');
const gocache = join(work, 'gocache');
mkdirSync(cache);
mkdirSync(gocache);
const logFile = join(work, 'verify-fresh.log');
const logStream = createWriteStream(logFile);
const say = (line) => {
  process.stdout.write(`${line}\n`);
  logStream.write(`${line}\n`);
};

const env = childEnv({ ROLLBACK_GUARD_CACHE: cache, GOCACHE: gocache, ROLLBACK_GUARD_CLUSTER_STATE: undefined, ROLLBACK_GUARD_SKIP_E2E: undefined, ROLLBACK_GUARD_SKIP_CLUSTER: undefined });

/** Runs argv with the output shown and logged; resolves with its exit code. */
function step(title, argv, cwd) {
  return new Promise((resolvePromise) => {
    say(`\n━━ ${title}   (${argv.join(' ')}; load ${load()})`);
    const t0 = Date.now();
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (stream) => (chunk) => {
      stream.write(chunk);
      logStream.write(chunk);
    };
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    child.on('close', (code, signal) => {
      const s = seconds(t0);
      const status = code ?? signal;
      say(`━━ ${title}: ${code === 0 ? 'ok' : `FAILED (exit ${status})`} in ${clock(s)} (load ${load()})`);
      results.push({ title, code, seconds: s });
      resolvePromise(code);
    });
  });
}

/** Processes whose command line names a path in the work directory (the clone, its caches). */
function leftovers() {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmdline.includes(work)) out.push({ pid: Number(entry), cmdline });
    } catch {
      // gone
    }
  }
  return out;
}

function checkNothingRunning(after) {
  const left = leftovers();
  if (left.length === 0) {
    say(`   no process of the clone or its caches runs after ${after}`);
    return true;
  }
  say(`   LEFT RUNNING after ${after}:`);
  for (const p of left) say(`     ${p.pid} ${p.cmdline.slice(0, 160)}`);
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  results.push({ title: `nothing left running after ${after}`, code: 1, seconds: 0 });
  return false;
}

const results = [];
say(`verify:fresh in ${work}`);
say(`ROLLBACK_GUARD_CACHE=${cache}\nGOCACHE=${gocache}\n(module cache ${spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8', env }).stdout.trim() || '?'} and npm cache stay warm)`);
const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', env }).stdout.trim();
const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', env }).stdout.trim();
if (dirty) say(`note: uncommitted changes in ${root} are not part of the check (it clones ${head})`);

let ok = (await step('git clone', ['git', 'clone', '--quiet', '--no-hardlinks', root, clone], work)) === 0;
if (ok) ok = (await step('npm run demo', ['npm', 'run', 'demo'], clone)) === 0;
if (existsSync(join(clone, 'package.json'))) {
  // Stop the demo whatever happened: the editor, the cluster job and the plane.
  const stopped = (await step('npm run demo -- --stop', ['npm', 'run', 'demo', '--', '--stop'], clone)) === 0;
  ok = checkNothingRunning('npm run demo -- --stop') && stopped && ok;
}
if (ok) {
  ok = (await step('npm test', ['npm', 'test'], clone)) === 0;
  ok = checkNothingRunning('npm test') && ok;
}

say(`\n━━ verify:fresh summary (commit ${head}; ${clock(seconds(started))} in all; load now ${load()}; ${availableParallelism()} cores)`);
for (const r of results) say(`   ${r.code === 0 ? 'ok    ' : 'FAILED'}  ${clock(r.seconds).padStart(7)}  ${r.title}`);
say(ok ? 'verify:fresh passed' : 'verify:fresh FAILED');
await new Promise((r) => logStream.end(r));
if (keep) console.log(`kept ${work} (log: ${logFile})`);
else {
  const kept = join(base ?? tmpdir(), `rg-verify-fresh-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  spawnSync('cp', [logFile, kept], { env });
  rmSync(work, { recursive: true, force: true });
  console.log(`log: ${kept}`);
}
process.exit(ok ? 0 : 1);
