/**
 * Real git repositories in temp directories, built by running git directly
 * (tests set repositories up with what the product never does: clones,
 * commits with hooks allowed). Every repository has its own identity and
 * fixed dates; no test touches the repository it runs in.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { execFile } from 'node:child_process';

const made: string[] = [];
process.on('exit', () => {
  if (process.env.KEEP_TEST_REPOS) return;
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'rg-git-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

let clock = Date.parse('2026-03-01T10:00:00Z');

/** Environment that makes commits deterministic (each repository sets its own identity). */
export function commitEnv(): Record<string, string> {
  clock += 60_000;
  const date = new Date(clock).toISOString();
  return {
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
}

/** Runs git as a test's own setup step (not through the product's helper); resolves with stdout. */
export function git(dir: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
  return new Promise((resolve, reject) => {
    execFile('git', [...args], { cwd: dir, env: { ...inherited, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

export type Files = Record<string, string | Buffer | null>;

export interface TestRepo {
  dir: string;
  run(...args: string[]): Promise<string>;
  write(files: Files): void;
  /** Writes the files (null deletes), stages everything and commits; returns the commit id. */
  commit(message: string, files?: Files): Promise<string>;
  sha(rev?: string): Promise<string>;
  read(path: string): string;
}

export async function makeRepo(options: { dir?: string; branch?: string; init?: boolean } = {}): Promise<TestRepo> {
  const dir = options.dir ?? tempDir();
  const repo: TestRepo = {
    dir,
    run: (...args) => git(dir, args, commitEnv()),
    write(files) {
      for (const [path, content] of Object.entries(files)) {
        const abs = join(dir, path);
        if (content === null) rmSync(abs, { force: true });
        else {
          mkdirSync(dirname(abs), { recursive: true });
          writeFileSync(abs, content);
        }
      }
    },
    async commit(message, files = {}) {
      repo.write(files);
      await repo.run('add', '--all');
      await repo.run('commit', '--quiet', '--no-verify', '--allow-empty', '-m', message);
      return repo.sha();
    },
    sha: async (rev = 'HEAD') => (await repo.run('rev-parse', rev)).trim(),
    read: (path) => readFileSync(join(dir, path), 'utf8'),
  };
  if (options.init !== false) {
    await repo.run('init', '--quiet', `--initial-branch=${options.branch ?? 'main'}`);
    await repo.run('config', 'user.name', 'Test Author');
    await repo.run('config', 'user.email', 'test@example.com');
    await repo.run('config', 'commit.gpgsign', 'false');
  }
  return repo;
}

/** Clones `source` into a new directory (a `file://` URL, so `--depth` works) and configures the clone's identity. */
export async function cloneRepo(source: TestRepo, args: string[] = []): Promise<TestRepo> {
  const dir = tempDir('rg-clone-');
  await git(tmpdir(), ['clone', '--quiet', ...args, `file://${source.dir}`, dir], commitEnv());
  const repo = await makeRepo({ dir, init: false });
  await repo.run('config', 'user.name', 'Test Author');
  await repo.run('config', 'user.email', 'test@example.com');
  await repo.run('config', 'commit.gpgsign', 'false');
  return repo;
}

/** sha256 of every file of the working tree (outside .git), by path: "byte-identical" made checkable. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name === '.git') continue;
      const abs = join(d, name);
      if (statSync(abs).isDirectory()) walk(abs);
      else out[relative(dir, abs).split(sep).join('/')] = createHash('sha256').update(readFileSync(abs)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

export const DIGEST = '@sha256:' + 'a'.repeat(64);
export const DIGEST2 = '@sha256:' + 'b'.repeat(64);

export function deployment(o: { name?: string; image?: string; selector?: string } = {}): string {
  const name = o.name ?? 'web';
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  revisionHistoryLimit: 10
  selector:
    matchLabels:
      app: ${o.selector ?? name}
  template:
    metadata:
      labels:
        app: ${o.selector ?? name}
    spec:
      containers:
        - name: ${name}
          image: ${o.image ?? `ghcr.io/acme/${name}:1.0.0${DIGEST}`}
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
`;
}
