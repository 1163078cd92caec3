#!/usr/bin/env node
// `npm test`: type-check, build, then every suite in order. Suites that need
// a real control plane or a real editor build/install it first (cached
// outside the repository). A suite is skipped only by an explicit variable,
// and the summary says so.
//
//   npm test                       all suites
//   npm test -- unit cli           only these suites
//   ROLLBACK_GUARD_SKIP_E2E=1      skip the editor suite (reported as skipped)
//   ROLLBACK_GUARD_SKIP_CLUSTER=1  skip the control-plane suite (reported as skipped)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

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
    prepare: [[process.execPath, ...tsx, 'scripts/cluster/cli.ts', 'build']],
    concurrency: 1,
  },
  {
    name: 'e2e',
    dirs: ['test/e2e'],
    skipVar: 'ROLLBACK_GUARD_SKIP_E2E',
    prepare: [
      [process.execPath, 'scripts/package.mjs'],
      [process.execPath, ...tsx, 'scripts/editor/cli.ts', 'install'],
    ],
    concurrency: 1,
  },
];

function run(argv, label) {
  const started = Date.now();
  console.log(`\n▶ ${label}: ${argv.map((a) => relative(root, a) || a).join(' ')}`);
  const result = spawnSync(argv[0], argv.slice(1), { cwd: root, stdio: 'inherit', env: process.env });
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
const summary = [];
let ok = run(['npm', 'run', '--silent', 'typecheck'], 'typecheck') && run(['npm', 'run', '--silent', 'build'], 'build');

for (const suite of suites) {
  if (!ok) break;
  if (wanted.length > 0 && !wanted.includes(suite.name)) continue;
  if (suite.skipVar && process.env[suite.skipVar]) {
    summary.push(`SKIPPED ${suite.name} (${suite.skipVar} is set)`);
    continue;
  }
  const files = suite.dirs.flatMap(testFiles);
  if (files.length === 0) {
    summary.push(`(no tests) ${suite.name}`);
    continue;
  }
  for (const step of suite.prepare ?? []) ok = ok && run(step, `${suite.name}: prepare`);
  if (!ok) break;
  const argv = [process.execPath, ...tsx, '--test', '--test-reporter=spec', `--test-concurrency=${suite.concurrency ?? 2}`, ...files];
  ok = run(argv, `${suite.name} tests (${files.length} files)`);
  summary.push(`${ok ? 'passed ' : 'FAILED '} ${suite.name}`);
}

console.log(`\n${summary.join('\n')}`);
if (!ok) process.exit(1);
