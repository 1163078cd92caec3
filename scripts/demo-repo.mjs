#!/usr/bin/env node
// Turns examples/bookstore into a git repository with a `main` history of
// several releases and the risky branch `feature/drop-legacy-total` checked
// out: the demo workspace and the fixture of end-to-end tests.
//
//   node scripts/demo-repo.mjs [dir] [--force]
//   import { createDemoRepo } from './scripts/demo-repo.mjs'
//
// Deterministic: fixed authors and dates, no global or system git config, so
// every run produces the same commit ids. Idempotent: an existing demo
// repository is left as it is unless --force (or `force: true`) recreates it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const EXAMPLE = join(here, '..', 'examples', 'bookstore');
export const DEFAULT_TARGET = join(EXAMPLE, '.demo', 'repo');
export const FEATURE_BRANCH = 'feature/drop-legacy-total';
const MARKER = 'rollback-guard-demo';

/** A stable fake digest per image, so manifests look real and never change between runs. */
const digest = (image) => `sha256:${createHash('sha256').update(image).digest('hex')}`;

function readTree(dir) {
  const out = {};
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      if (name === '.demo' || name === '.git') continue;
      const abs = join(d, name);
      if (statSync(abs).isDirectory()) walk(abs);
      else out[relative(dir, abs).split(sep).join('/')] = readFileSync(abs, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function gitEnv(date) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: process.platform === 'win32' ? 'NUL' : '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Bookstore Developer',
    GIT_AUTHOR_EMAIL: 'dev@bookstore.example',
    GIT_COMMITTER_NAME: 'Bookstore Developer',
    GIT_COMMITTER_EMAIL: 'dev@bookstore.example',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
}

function git(dir, args, date = '2026-09-01T09:00:00Z') {
  const r = spawnSync('git', args, { cwd: dir, env: gitEnv(date), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout.trim();
}

/** Writes `files` (path → content, null deletes) into the repository and commits them. */
function commit(dir, files, message, date) {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(dir, path);
    if (content === null) {
      rmSync(abs, { force: true });
      continue;
    }
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  git(dir, ['add', '--all'], date);
  git(dir, ['commit', '--quiet', '--no-verify', '-m', message], date);
  return git(dir, ['rev-parse', 'HEAD'], date);
}

const CATALOG = 'apps/catalog/deployment.yaml';
const CURRENT_IMAGE = 'ghcr.io/bookstore/catalog:1.4.2@sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270';
const CURRENT_CAUSE = 'catalog 1.4.2: search by ISBN';

function catalogAt(final, version, cause) {
  const image = version === '1.4.2' ? CURRENT_IMAGE : `ghcr.io/bookstore/catalog:${version}@${digest(`catalog:${version}`)}`;
  return final.replace(CURRENT_IMAGE, image).replace(CURRENT_CAUSE, cause);
}

function isDemoRepo(dir) {
  if (!existsSync(join(dir, '.git', MARKER))) return false;
  const r = spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${FEATURE_BRANCH}`], { cwd: dir, env: gitEnv('2026-01-01T00:00:00Z') });
  return r.status === 0;
}

/**
 * Creates the demo repository in `target` (default examples/bookstore/.demo/repo).
 * Returns its directory, the checked-out branch and the commit ids by name.
 */
export function createDemoRepo({ target = DEFAULT_TARGET, force = false, log = () => {} } = {}) {
  const dir = resolve(target);
  if (existsSync(dir)) {
    if (!force && isDemoRepo(dir)) {
      log(`${dir} is already the demo repository (use --force to recreate it)`);
      return { dir, branch: FEATURE_BRANCH, created: false, commits: describe(dir) };
    }
    if (!force && readdirSync(dir).length > 0) throw new Error(`${dir} exists and is not the demo repository; pass --force to replace it`);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  const final = readTree(EXAMPLE);
  const finalCatalog = final[CATALOG];
  if (!finalCatalog?.includes(CURRENT_IMAGE)) throw new Error(`${CATALOG} no longer holds ${CURRENT_IMAGE}; update scripts/demo-repo.mjs`);

  git(dir, ['init', '--quiet', '--initial-branch=main']);
  git(dir, ['config', 'user.name', 'Bookstore Developer']);
  git(dir, ['config', 'user.email', 'dev@bookstore.example']);
  git(dir, ['config', 'commit.gpgsign', 'false']);
  writeFileSync(join(dir, '.git', MARKER), 'created by scripts/demo-repo.mjs\n');

  const commits = {};
  // ——— main: 1.2.0 → 1.3.0 (+ order status) → rating comment (merged PR) → 1.4.2 ———
  const first = { ...final };
  delete first['db/migrations/000002_add_order_status.up.sql'];
  delete first['db/migrations/000002_add_order_status.down.sql'];
  delete first['services/recommendations/alembic/versions/7f8e9d0c1b2a_add_rating_comment.py'];
  first[CATALOG] = catalogAt(finalCatalog, '1.2.0', 'catalog 1.2.0: first release');
  commits.v120 = commit(dir, first, 'Release catalog 1.2.0: bookstore on Kubernetes', '2026-09-01T09:00:00Z');
  git(dir, ['tag', 'release-1.2.0']);

  commits.v130 = commit(
    dir,
    {
      [CATALOG]: catalogAt(finalCatalog, '1.3.0', 'catalog 1.3.0: order status'),
      'db/migrations/000002_add_order_status.up.sql': final['db/migrations/000002_add_order_status.up.sql'],
      'db/migrations/000002_add_order_status.down.sql': final['db/migrations/000002_add_order_status.down.sql'],
    },
    'Release catalog 1.3.0: orders get a status (expand only)',
    '2026-09-15T10:30:00Z',
  );
  git(dir, ['tag', 'release-1.3.0']);

  git(dir, ['switch', '--quiet', '--create', 'feature/rating-comment'], '2026-10-02T16:40:00Z');
  commits.ratingComment = commit(
    dir,
    { 'services/recommendations/alembic/versions/7f8e9d0c1b2a_add_rating_comment.py': final['services/recommendations/alembic/versions/7f8e9d0c1b2a_add_rating_comment.py'] },
    'recommendations: ratings get an optional comment',
    '2026-10-02T16:41:00Z',
  );
  git(dir, ['switch', '--quiet', 'main'], '2026-10-03T08:00:00Z');
  git(dir, ['merge', '--quiet', '--no-ff', '-m', 'Merge pull request #7 from feature/rating-comment', 'feature/rating-comment'], '2026-10-03T08:05:00Z');
  commits.mergeRatingComment = git(dir, ['rev-parse', 'HEAD']);
  git(dir, ['branch', '--quiet', '-d', 'feature/rating-comment'], '2026-10-03T08:05:00Z');

  commits.v142 = commit(dir, { [CATALOG]: finalCatalog }, 'Release catalog 1.4.2: search by ISBN', '2026-10-20T14:00:00Z');
  git(dir, ['tag', 'release-1.4.2']);

  // ——— the risky branch: image bump + a column drop + a selector change ———
  git(dir, ['switch', '--quiet', '--create', FEATURE_BRANCH], '2026-11-02T09:00:00Z');
  const bumped = finalCatalog
    .replace(CURRENT_IMAGE, `ghcr.io/bookstore/catalog:1.5.0@${digest('catalog:1.5.0')}`)
    .replace(CURRENT_CAUSE, 'catalog 1.5.0: totals in cents only');
  commits.imageBump = commit(dir, { [CATALOG]: bumped }, 'catalog 1.5.0: read totals in cents only', '2026-11-02T09:15:00Z');
  commits.dropColumn = commit(
    dir,
    {
      'db/migrations/000003_drop_legacy_total.up.sql': '-- Contract: 1.5.0 reads total_cents only.\nALTER TABLE orders DROP COLUMN legacy_total;\n',
      'db/migrations/000003_drop_legacy_total.down.sql': 'ALTER TABLE orders ADD COLUMN legacy_total numeric(10, 2);\n',
    },
    'orders: drop legacy_total',
    '2026-11-03T11:20:00Z',
  );
  const selector = bumped
    .replace('  selector:\n    matchLabels:\n      app: catalog\n', '  selector:\n    matchLabels:\n      app: catalog\n      tier: web\n')
    .replace('      labels:\n        app: catalog\n', '      labels:\n        app: catalog\n        tier: web\n');
  if (selector === bumped) throw new Error(`${CATALOG}: the selector to change was not found; update scripts/demo-repo.mjs`);
  commits.selector = commit(dir, { [CATALOG]: selector }, 'catalog: select pods by app and tier', '2026-11-04T15:45:00Z');
  log(`created ${dir} on ${FEATURE_BRANCH} (${Object.keys(commits).length} commits)`);
  return { dir, branch: FEATURE_BRANCH, created: true, commits };
}

/** Commit ids of an existing demo repository, by the subjects it was built with. */
function describe(dir) {
  const out = git(dir, ['log', '--all', '--format=%H %s']);
  return Object.fromEntries(out.split('\n').filter(Boolean).map((line) => [line.slice(41), line.slice(0, 40)]));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const target = args.find((a) => !a.startsWith('-'));
  try {
    const result = createDemoRepo({ target: target ?? DEFAULT_TARGET, force, log: (m) => console.log(m) });
    console.log(result.dir);
  } catch (error) {
    console.error(`demo-repo: ${error.message}`);
    process.exit(1);
  }
}
