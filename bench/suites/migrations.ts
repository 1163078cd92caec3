/**
 * `npm run bench -- migrations [--runs N] [--profile]`: 1,500 PostgreSQL
 * migration files (4–16 statements each) checked by the whole CLI process
 * (`node dist/cli.js check <dir> --format json`) and by squawk
 * (`squawk --reporter json`) on the same files. Runs alternate (ours, squawk,
 * ours, …) after one warm-up each, so machine noise hits both alike; the
 * figure is the median of the per-pair ratios, with wall and CPU medians.
 * Target: ours ≤ 1.0× squawk. `--profile` writes a `node --cpu-prof` profile
 * of one run and prints where the time goes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median } from '../stats';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
/**
 * squawk-cli ships its Rust binary as per-platform optional packages, which
 * would leave the project's lock file incomplete on any one platform: the
 * benchmark installs the pinned version into the user cache on first use.
 */
const SQUAWK_VERSION = '2.66.0';
const SQUAWK_DIR = join(process.env.ROLLBACK_GUARD_CACHE || join(homedir(), '.cache', 'rollback-guard'), 'bench', `squawk-${SQUAWK_VERSION}`);
const SQUAWK = join(SQUAWK_DIR, 'node_modules', '.bin', 'squawk');

function ensureSquawk(): boolean {
  if (existsSync(SQUAWK)) return true;
  console.log(`installing squawk-cli@${SQUAWK_VERSION} into ${SQUAWK_DIR}`);
  mkdirSync(SQUAWK_DIR, { recursive: true });
  const result = spawnSync('npm', ['install', '--prefix', SQUAWK_DIR, '--no-save', '--no-audit', '--no-fund', `squawk-cli@${SQUAWK_VERSION}`], { stdio: 'inherit' });
  return result.status === 0 && existsSync(SQUAWK);
}

/** A deterministic pseudo-random sequence, so every run checks the same files. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STATEMENTS: ((t: string, i: number) => string)[] = [
  (t, i) => `CREATE TABLE ${t}_items_${i} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  ${t}_id bigint NOT NULL,\n  note text,\n  created_at timestamptz NOT NULL DEFAULT now()\n);`,
  (t, i) => `ALTER TABLE ${t} ADD COLUMN extra_${i} text;`,
  (t, i) => `ALTER TABLE ${t} ADD COLUMN flag_${i} boolean NOT NULL DEFAULT false;`,
  (t, i) => `ALTER TABLE ${t} ADD COLUMN region_${i} text NOT NULL;`,
  (t, i) => `ALTER TABLE ${t} DROP COLUMN legacy_${i};`,
  (t, i) => `ALTER TABLE ${t} RENAME COLUMN old_${i} TO new_${i};`,
  (t, i) => `ALTER TABLE ${t} ALTER COLUMN amount_${i} TYPE numeric(14, 2);`,
  (t, i) => `ALTER TABLE ${t} ALTER COLUMN status_${i} SET NOT NULL;`,
  (t, i) => `CREATE INDEX idx_${t}_${i} ON ${t} (created_at);`,
  (t, i) => `CREATE INDEX CONCURRENTLY idx_${t}_c${i} ON ${t} (updated_at);`,
  (t, i) => `UPDATE ${t} SET status_${i} = 'open' WHERE status_${i} IS NULL;`,
  (t, i) => `ALTER TABLE ${t} ADD CONSTRAINT ${t}_fk_${i} FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;`,
  (t, i) => `-- backfill ${i}: keep batches small\nINSERT INTO ${t}_archive SELECT * FROM ${t} WHERE created_at < now() - interval '1 year';`,
  (t, i) => `COMMENT ON COLUMN ${t}.note_${i} IS 'free text, may be empty';`,
  (t, i) => `ALTER TABLE ${t} DROP CONSTRAINT ${t}_check_${i};`,
  (t) => `SET lock_timeout = '2s';`,
];

const TABLES = ['orders', 'customers', 'invoices', 'payments', 'shipments', 'carts', 'products', 'accounts'];

export function generate(dir: string, files = 1500): { files: number; statements: number; bytes: number } {
  const next = rng(42);
  let statements = 0;
  let bytes = 0;
  const out = join(dir, 'migrations');
  mkdirSync(out, { recursive: true });
  for (let f = 1; f <= files; f++) {
    const count = 4 + Math.floor(next() * 13);
    const table = TABLES[Math.floor(next() * TABLES.length)]!;
    const parts = [`-- Migration ${f}: ${table} changes`];
    for (let s = 0; s < count; s++) parts.push(STATEMENTS[Math.floor(next() * STATEMENTS.length)]!(table, f * 100 + s));
    const text = `${parts.join('\n')}\n`;
    writeFileSync(join(out, `${String(f).padStart(5, '0')}_${table}.sql`), text);
    statements += count;
    bytes += text.length;
  }
  return { files, statements, bytes };
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** One whole-process run; stdout goes to a file so neither tool pays for a pipe to us. */
function runOnce(argv: string[], outFile: string, env: NodeJS.ProcessEnv = process.env): Sample {
  const timeFile = `${outFile}.time`;
  const fd = openSync(outFile, 'w');
  const useTime = existsSync('/usr/bin/time');
  const command = useTime ? ['/usr/bin/time', '-f', '%U %S', '-o', timeFile, ...argv] : argv;
  const started = process.hrtime.bigint();
  const result = spawnSync(command[0]!, command.slice(1), { stdio: ['ignore', fd, 'pipe'], env });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  closeSync(fd);
  if (result.error) throw result.error;
  if (result.status !== 0 && result.status !== 1) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr.toString().slice(0, 500)}`);
  let cpuMs = NaN;
  if (useTime && existsSync(timeFile)) {
    const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
    cpuMs = ((user ?? 0) + (sys ?? 0)) * 1000;
  }
  return { wallMs, cpuMs };
}

function ours(dir: string): string[] {
  return [process.execPath, CLI, 'check', dir, '--format', 'json', '--fail-on', 'never'];
}

function squawk(dir: string): string[] {
  return [SQUAWK, '--reporter', 'json', join(dir, 'migrations', '*.sql')];
}

/** Self time per function (and per WASM/JS/GC bucket) from a .cpuprofile. */
export function summarizeProfile(file: string, top = 15): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
    endTime: number;
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const buckets = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (!node) return;
    const { functionName, url } = node.callFrame;
    const where = url.includes('wasm://') || url.startsWith('wasm') ? 'wasm' : url ? url.replace(/^.*\/(node_modules|dist|src)\//, '$1/') : '(native)';
    const key = `${functionName || '(anonymous)'} ${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const bucket = where === 'wasm' ? 'WASM (libpg_query / tree-sitter)' : functionName === '(garbage collector)' ? 'GC' : functionName === '(program)' || functionName === '(idle)' ? 'runtime/idle' : url.includes('node:') || !url ? 'Node internals/native' : 'JavaScript';
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + dt);
  });
  const total = (profile.endTime - profile.startTime) / 1000;
  const lines = [`profile: ${fmt(total)} sampled`];
  for (const [b, ms] of [...buckets].sort((x, y) => y[1] - x[1])) lines.push(`  ${b.padEnd(34)} ${fmt(ms).padStart(9)}  ${((100 * ms) / total).toFixed(1)}%`);
  lines.push('  top self time:');
  for (const [k, ms] of [...self].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`    ${fmt(ms).padStart(9)}  ${k}`);
  return lines.join('\n');
}

export async function run(args: string[]): Promise<void> {
  const runsArg = args.indexOf('--runs');
  const runs = runsArg !== -1 ? Number(args[runsArg + 1]) : 7;
  if (!existsSync(CLI)) {
    console.log('dist/cli.js is missing: run `npm run build` first.');
    return;
  }
  if (!ensureSquawk()) {
    console.log(`squawk-cli@${SQUAWK_VERSION} could not be installed from the npm registry.`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'rg-bench-migrations-'));
  try {
    const g = generate(dir);
    console.log(`${g.files} files, ${g.statements} statements, ${(g.bytes / 1024).toFixed(0)} KiB in ${dir}`);
    const outOurs = join(dir, 'ours.json');
    const outSquawk = join(dir, 'squawk.json');
    runOnce(ours(dir), outOurs);
    runOnce(squawk(dir), outSquawk);
    const ourFindings = (JSON.parse(readFileSync(outOurs, 'utf8')) as { findings?: unknown[] }).findings?.length ?? NaN;
    const squawkFindings = (JSON.parse(readFileSync(outSquawk, 'utf8')) as unknown[]).length;
    console.log(`findings: ours ${ourFindings}, squawk ${squawkFindings} (squawk also reports style rules such as prefer-robust-stmts)`);
    const a: Sample[] = [];
    const b: Sample[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate which tool goes first, so drift in machine load is shared.
      const first = i % 2 === 0;
      const x = first ? runOnce(ours(dir), outOurs) : undefined;
      const y = runOnce(squawk(dir), outSquawk);
      const z = x ?? runOnce(ours(dir), outOurs);
      a.push(z);
      b.push(y);
      ratios.push(z.wallMs / y.wallMs);
    }
    const med = (xs: Sample[], k: keyof Sample) => median(xs.map((s) => s[k]));
    console.log(`wall  ours ${fmt(med(a, 'wallMs'))}  squawk ${fmt(med(b, 'wallMs'))}  (medians of ${runs})`);
    if (!Number.isNaN(med(a, 'cpuMs'))) console.log(`cpu   ours ${fmt(med(a, 'cpuMs'))}  squawk ${fmt(med(b, 'cpuMs'))}  (user+sys)`);
    console.log(`per-run wall ratios: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
    console.log(`median ratio ours/squawk: ${median(ratios).toFixed(2)}× (target ≤ 1.00×)`);
    if (args.includes('--profile')) {
      const profDir = join(dir, 'prof');
      mkdirSync(profDir);
      runOnce([process.execPath, '--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=200', ...ours(dir).slice(1)], outOurs);
      const file = readdirSync(profDir).map((f) => join(profDir, f)).sort((p, q) => statSync(q).size - statSync(p).size)[0];
      if (file) console.log(summarizeProfile(file));
    }
  } finally {
    if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}
