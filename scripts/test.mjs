#!/usr/bin/env node
// `npm test`: install dependencies when missing, type-check, build, then every
// suite in order. Suites that need a real control plane or a real editor
// build/install it first (cached outside the repository). A suite is skipped
// only by an explicit variable, and the summary says so; a failure names its
// step (`FAILED e2e (prepare)`) and the suites it kept from running. Every
// step runs without the variables `npm run` adds (scripts/childEnv.mjs).
//
//   npm test                       all suites
//   npm test -- unit cli           only these suites
//   ROLLBACK_GUARD_SKIP_E2E=1      skip the editor suite (reported as skipped)
//   ROLLBACK_GUARD_SKIP_CLUSTER=1  skip the control-plane suite (reported as skipped)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { childEnv } from './childEnv.mjs';
import { ensureDependencies } from './dependencies.mjs';

const root = join(import.meta.dirname, '..');
const tsx = ['--import', 'tsx'];

/** @type {{ name: string, dirs: string[], skipVar?: string, prepare?: string[][], concurrency?: number }[]} */
const suites = [
  { name: 'unit', dirs: ['test/unit'] },
  { name: 'cli', dirs: ['test/cli'] },
  { name: 'git', dirs: ['test/integration/git'] },
  {
    name: 'cluster',
    dirs: ['test/cluster', 'test/integration/cluster'],
    skipVar: 'ROLLBACK_GUARD_SKIP_CLUSTER',
    // The Flux controllers are built only for this suite (their own module and cache key).
    prepare: [[process.execPath, ...tsx, 'scripts/cluster/cli.ts', 'build'], [process.execPath, ...tsx, 'scripts/cluster/fluxBuild.ts']],
    concurrency: 1,
  },
  {
    name: 'e2e',
    dirs: ['test/e2e'],
    skipVar: 'ROLLBACK_GUARD_SKIP_E2E',
    prepare: [
      [process.execPath, 'scripts/package.mjs'],
      [process.execPath, ...tsx, 'scripts/editor/cli.ts', 'install'],
      // The Cluster History and demo tests run the plane (already built when the cluster suite ran).
      [process.execPath, ...tsx, 'scripts/cluster/cli.ts', 'build'],
      // The held-rollback test runs Flux's controllers next to the editor.
      [process.execPath, ...tsx, 'scripts/cluster/fluxBuild.ts'],
    ],
    concurrency: 1,
  },
];

function run(argv, label) {
  const started = Date.now();
  console.log(`\n▶ ${label}: ${argv.map((a) => relative(root, a) || a).join(' ')}`);
  const result = spawnSync(argv[0], argv.slice(1), { cwd: root, stdio: 'inherit', env: childEnv() });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`✖ ${label} failed (exit ${result.status ?? result.signal}) after ${seconds}s`);
    return false;
  }
  console.log(`✔ ${label} (${seconds}s)`);
  return true;
}

function testFiles(dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const out = [];
  for (const entry of readdirSync(abs)) {
    const path = join(abs, entry);
    // Harness self-tests live next to the harness; fixtures never hold tests.
    if (statSync(path).isDirectory()) {
      if (entry !== 'fixtures' && entry !== 'node_modules') out.push(...testFiles(join(dir, entry)));
    } else if (/\.test\.ts$/.test(entry)) out.push(join(dir, entry));
  }
  return out.sort();
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !suites.some((s) => s.name === w));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')} (suites: ${suites.map((s) => s.name).join(', ')})`);
  process.exit(2);
}
const started = Date.now();
const summary = [];
/** The step that failed, e.g. "typecheck" or "e2e (prepare)". */
let failed;

if (!ensureDependencies(root)) failed = 'npm ci';
if (!failed && !run(['npm', 'run', '--silent', 'typecheck'], 'typecheck')) failed = 'typecheck';
if (!failed && !run(['npm', 'run', '--silent', 'build'], 'build')) failed = 'build';

for (const suite of suites) {
  if (wanted.length > 0 && !wanted.includes(suite.name)) continue;
  if (failed) {
    summary.push(`not run ${suite.name}`);
    continue;
  }
  if (suite.skipVar && process.env[suite.skipVar]) {
    summary.push(`SKIPPED ${suite.name} (${suite.skipVar} is set)`);
    continue;
  }
  const files = suite.dirs.flatMap(testFiles);
  if (files.length === 0) {
    summary.push(`(no tests) ${suite.name}`);
    continue;
  }
  const t0 = Date.now();
  for (const step of suite.prepare ?? []) {
    if (!run(step, `${suite.name}: prepare`)) {
      failed = `${suite.name} (prepare)`;
      break;
    }
  }
  if (failed) {
    summary.push(`FAILED ${failed}`);
    continue;
  }
  const argv = [process.execPath, ...tsx, '--test', '--test-reporter=spec', `--test-concurrency=${suite.concurrency ?? 2}`, ...files];
  const ok = run(argv, `${suite.name} tests (${files.length} files)`);
  const seconds = ((Date.now() - t0) / 1000).toFixed(0);
  if (ok) summary.push(`passed ${suite.name} (${seconds}s)`);
  else {
    failed = `${suite.name} (tests)`;
    summary.push(`FAILED ${failed}`);
  }
}

const total = ((Date.now() - started) / 1000).toFixed(0);
if (failed && !summary.some((l) => l.startsWith('FAILED'))) summary.unshift(`FAILED ${failed}`);
console.log(`\n${summary.join('\n')}\n${failed ? `npm test failed at ${failed}` : 'npm test passed'} after ${total}s`);
if (failed) process.exit(1);
