/**
 * Branch mode end to end: a repository with 2,000 commits (generated with
 * `git fast-import`) whose feature branch changes 300 files — image bumps,
 * config edits, selector changes, new migrations, deleted and renamed
 * files — then `rollback-guard check --base main` and `rollback-guard
 * report` run as whole processes of the built CLI (`node dist/cli.js`).
 *
 *   npm run bench -- release [--runs=N] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { appContainerTail, serviceAndConfig } from '../fixtures';
import { fmt, median, percentile } from '../stats';

const ROOT = join(__dirname, '..', '..');
const WORK = join(ROOT, 'bench', '.work', 'release-repo');
const CLI = join(ROOT, 'dist', 'cli.js');

const MANIFESTS = 600;
const MIGRATIONS = 100;
const MAIN_COMMITS = 1_900;
const FEATURE_COMMITS = 100;

const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

function manifest(i: number, o: { tag?: string; selector?: string; flow?: string } = {}): string {
  const tag = o.tag ?? `1.${i % 50}.0`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${i}
  namespace: team-${i % 9}
spec:
  replicas: ${2 + (i % 4)}
  revisionHistoryLimit: 10
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
  selector:
    matchLabels:
      app: svc-${i}${o.selector ? `\n      tier: ${o.selector}` : ''}
  template:
    metadata:
      labels:
        app: svc-${i}${o.selector ? `\n        tier: ${o.selector}` : ''}
      annotations:
        checksum/config: "${digest(`config-${i}-${o.flow ?? 'classic'}`).slice(7, 39)}"
    spec:
      containers:
        - name: app
          image: registry.example.com/svc-${i}:${tag}@${digest(`svc-${i}:${tag}`)}
${appContainerTail(i, 'readinessProbe:\n            httpGet: {path: /healthz, port: 8080}')}${serviceAndConfig(i, 9, ['LOG_LEVEL: info', `CHECKOUT_FLOW: ${o.flow ?? 'classic'}`])}`;
}

const manifestPath = (i: number) => `apps/team-${i % 9}/svc-${i}.yaml`;
const migrationPath = (n: number, name: string, dir: 'up' | 'down') => `db/migrations/${String(n).padStart(6, '0')}_${name}.${dir}.sql`;

/** A `git fast-import` stream: inline file data, fixed identities and dates. */
class Stream {
  private readonly parts: Buffer[] = [];
  private mark = 0;
  private time = Date.parse('2025-01-01T00:00:00Z') / 1000;

  commit(branch: string, message: string, changes: { path: string; content?: string; delete?: boolean; renameFrom?: string }[], from?: number): number {
    const mark = ++this.mark;
    this.time += 600;
    const lines: string[] = [`commit refs/heads/${branch}`, `mark :${mark}`, `committer Bench <bench@example.com> ${this.time} +0000`, `data ${Buffer.byteLength(message)}`, message];
    if (from !== undefined) lines.push(`from :${from}`);
    this.parts.push(Buffer.from(`${lines.join('\n')}\n`));
    for (const c of changes) {
      if (c.renameFrom) this.parts.push(Buffer.from(`R ${c.renameFrom} ${c.path}\n`));
      if (c.delete) this.parts.push(Buffer.from(`D ${c.path}\n`));
      if (c.content !== undefined) {
        const body = Buffer.from(c.content);
        this.parts.push(Buffer.from(`M 100644 inline ${c.path}\ndata ${body.length}\n`), body, Buffer.from('\n'));
      }
    }
    this.parts.push(Buffer.from('\n'));
    return mark;
  }

  toBuffer(): Buffer {
    return Buffer.concat([...this.parts, Buffer.from('done\n')]);
  }
}

function git(args: string[], input?: Buffer): string {
  const r = spawnSync('git', args, { cwd: WORK, input, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** Builds the repository; returns the number of commits and of files the branch changes. */
export function buildRepository(): { commits: number; changed: number } {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  git(['init', '--quiet', '--initial-branch=main']);
  git(['config', 'user.name', 'Bench']);
  git(['config', 'user.email', 'bench@example.com']);
  const s = new Stream();

  // Initial tree: 600 three-document manifests, 100 migrations (up and down).
  const initial: { path: string; content: string }[] = [];
  for (let i = 0; i < MANIFESTS; i++) initial.push({ path: manifestPath(i), content: manifest(i) });
  for (let n = 1; n <= MIGRATIONS; n++) {
    initial.push({ path: migrationPath(n, `add_col_${n}`, 'up'), content: `ALTER TABLE t${n % 20} ADD COLUMN c${n} text;\n` });
    initial.push({ path: migrationPath(n, `add_col_${n}`, 'down'), content: `ALTER TABLE t${n % 20} DROP COLUMN c${n};\n` });
  }
  let head = s.commit('main', 'Initial import', initial);

  // main: one image bump per commit, cycling through the services.
  const tags = new Map<number, string>();
  for (let c = 1; c < MAIN_COMMITS; c++) {
    const i = (c * 7) % MANIFESTS;
    const tag = `2.${c}.0`;
    tags.set(i, tag);
    head = s.commit('main', `svc-${i} ${tag}`, [{ path: manifestPath(i), content: manifest(i, { tag }) }], head);
  }

  // feature: 300 files over 100 commits.
  let feature = head;
  const changed = new Set<string>();
  const plan: { path: string; content?: string; delete?: boolean; renameFrom?: string }[] = [];
  for (let k = 0; k < 200; k++) plan.push({ path: manifestPath(k), content: manifest(k, { tag: `9.${k}.0` }) }); // image bumps
  for (let k = 200; k < 240; k++) plan.push({ path: manifestPath(k), content: manifest(k, { tag: tags.get(k), flow: 'one-page' }) }); // config
  for (let k = 240; k < 260; k++) plan.push({ path: manifestPath(k), content: manifest(k, { tag: tags.get(k), selector: 'web' }) }); // RG106
  for (let k = 260; k < 270; k++) plan.push({ path: manifestPath(k), delete: true }); // RG112
  for (let k = 270; k < 280; k++) plan.push({ path: `apps/moved/svc-${k}.yaml`, renameFrom: manifestPath(k) }); // renames
  for (let n = MIGRATIONS + 1; n <= MIGRATIONS + 10; n++) {
    const drop = n % 2 === 0;
    plan.push({ path: migrationPath(n, drop ? 'drop_old' : 'add_new', 'up'), content: drop ? `ALTER TABLE t${n % 20} DROP COLUMN c${n - MIGRATIONS};\n` : `ALTER TABLE t${n % 20} ADD COLUMN n${n} text;\n` });
    plan.push({ path: migrationPath(n, drop ? 'drop_old' : 'add_new', 'down'), content: drop ? `ALTER TABLE t${n % 20} ADD COLUMN c${n - MIGRATIONS} text;\n` : `ALTER TABLE t${n % 20} DROP COLUMN n${n};\n` });
  }
  const perCommit = Math.ceil(plan.length / FEATURE_COMMITS);
  for (let c = 0; c < FEATURE_COMMITS; c++) {
    const batch = plan.slice(c * perCommit, (c + 1) * perCommit);
    for (const p of batch) changed.add(p.path);
    feature = s.commit('feature', `feature step ${c + 1}`, batch, feature);
  }
  git(['fast-import', '--quiet'], s.toBuffer());
  git(['checkout', '--quiet', '--force', 'feature']);
  const commits = Number(git(['rev-list', '--count', 'feature']).trim());
  return { commits, changed: changed.size };
}

/** Wall time of each run, and CPU time (user + sys of the process and its children, via /usr/bin/time) when available. */
function timeCli(args: string[], runs: number): { samples: number[]; cpu: number[]; out: string; code: number | null } {
  const samples: number[] = [];
  const cpu: number[] = [];
  let out = '';
  let code: number | null = null;
  const timeFile = join(WORK, '..', 'release-time.txt');
  const useTime = existsSync('/usr/bin/time');
  for (let i = 0; i <= runs; i++) {
    const argv = useTime ? ['/usr/bin/time', '-f', '%U %S', '-o', timeFile, process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
    const start = process.hrtime.bigint();
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: WORK, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0 && r.status !== 1) throw new Error(`rollback-guard ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) {
      // The first run warms the file cache.
      samples.push(ms);
      if (useTime) {
        const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
        cpu.push(((user ?? 0) + (sys ?? 0)) * 1000);
      }
    }
    out = r.stdout;
    code = r.status;
  }
  return { samples, cpu, out, code };
}

const cpuNote = (cpu: number[]) => (cpu.length > 0 ? `  cpu ${fmt(median(cpu)).padStart(9)}` : '');

export async function run(args: string[] = []): Promise<void> {
  const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
  const build = spawnSync(process.execPath, ['esbuild.js'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0 || !existsSync(CLI)) throw new Error(`build failed: ${build.stderr}`);

  const started = process.hrtime.bigint();
  const repo = buildRepository();
  console.log(`repository: ${repo.commits} commits, feature branch changes ${repo.changed} files (built in ${fmt(Number(process.hrtime.bigint() - started) / 1e6)} with git fast-import)`);

  const check = timeCli(['check', '--base', 'main', '--format', 'json'], runs);
  const found = JSON.parse(check.out) as { findings: unknown[]; release: { rollbackClass: string }; summary: { files: number } };
  console.log(`check --base main   median ${fmt(median(check.samples)).padStart(9)}  p90 ${fmt(percentile(check.samples, 90)).padStart(9)}${cpuNote(check.cpu)}  (${runs} runs; ${found.summary.files} files analysed, ${found.findings.length} findings, class ${found.release.rollbackClass})`);
  const report = timeCli(['report'], runs);
  console.log(`report              median ${fmt(median(report.samples)).padStart(9)}  p90 ${fmt(percentile(report.samples, 90)).padStart(9)}${cpuNote(report.cpu)}  (${runs} runs; ${report.out.split('\n').length} lines of Markdown)`);
  const version = timeCli(['--version'], runs);
  console.log(`(process start: --version median ${fmt(median(version.samples))}${cpuNote(version.cpu)}; cpu is user + sys of the process and the git processes it starts)`);
  if (!args.includes('--keep')) rmSync(WORK, { recursive: true, force: true });
}
