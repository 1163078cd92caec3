import { spawn } from 'node:child_process';
import { simpleGit, type SimpleGit } from 'simple-git';

/**
 * Git runs as argv arrays only (never a shell string). simple-git resolves a
 * command that exits non-zero with empty stderr as a success (`rev-parse
 * --verify --quiet`, `merge-base --is-ancestor`), so every client here turns
 * a non-zero exit into a GitExitError that carries the code.
 */
export class GitExitError extends Error {
  override name = 'GitExitError';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    // simple-git re-wraps the error by its string form: the code travels in the message.
    super(`[exit ${exitCode}] ${stderr.trim() || `git ${args.join(' ')} failed`}`);
  }
}

const EXIT = /\[exit (-?\d+)\] /;

/** Environment variables git may receive from us: commit identity and dates (tests, the demo), the temporary index of a plumbing commit. */
export const ALLOWED_GIT_ENV = [
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
  'GIT_INDEX_FILE',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_TERMINAL_PROMPT',
];

export interface ClientOptions {
  /** Extra environment for every command of this client (the rest is inherited). */
  env?: Record<string, string>;
}

export function gitClient(dir: string, options: ClientOptions = {}): SimpleGit {
  const git = simpleGit({
    baseDir: dir,
    binary: 'git',
    maxConcurrentProcesses: 8,
    trimmed: false,
    allowEnvironment: ALLOWED_GIT_ENV,
    errors(error, result) {
      if (result.exitCode !== 0) {
        // Some failures explain themselves on stdout only (`revert`: "nothing to commit").
        const stderr = Buffer.concat(result.stdErr).toString('utf8').trim();
        return new GitExitError([], result.exitCode, stderr || Buffer.concat(result.stdOut).toString('utf8'));
      }
      return error;
    },
  } as Parameters<typeof simpleGit>[0]);
  return options.env ? git.env(childEnv(options.env)) : git;
}

/**
 * Programs git could start on our behalf (an editor, a pager, a password
 * prompt): Rollback Guard runs git non-interactively and needs none of them,
 * and simple-git refuses to pass them on (npm itself sets EDITOR for scripts).
 */
const DROPPED_ENV = new Set(['EDITOR', 'VISUAL', 'PAGER', 'SSH_ASKPASS', 'PREFIX']);

/**
 * The environment of a child git: ours, minus every `GIT_*` variable we did
 * not ask for (a `GIT_DIR` inherited from a hook would point git elsewhere),
 * plus `extra`.
 */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || DROPPED_ENV.has(key.toUpperCase())) continue;
    if (!(key.startsWith('GIT_') && !ALLOWED_GIT_ENV.includes(key))) env[key] = value;
  }
  delete env.GIT_INDEX_FILE;
  return { ...env, GIT_TERMINAL_PROMPT: '0', ...extra };
}

/** Exit code of a failed command, when it failed by exiting non-zero. */
export function exitCodeOf(error: unknown): number | undefined {
  if (error instanceof GitExitError) return error.exitCode;
  const match = EXIT.exec(String((error as Error | undefined)?.message ?? ''));
  return match ? Number(match[1]) : undefined;
}

/** git's own message of a failure (stderr), without our framing. */
export function messageOf(error: unknown): string {
  const text = String((error as Error | undefined)?.message ?? error);
  const match = EXIT.exec(text);
  return (match ? text.slice(match.index + match[0].length) : text).replace(/^GitExitError: /, '').trim();
}

/**
 * Runs git with stdin (what simple-git cannot feed): `cat-file --batch`,
 * `hash-object --stdin`. Resolves with stdout as bytes.
 */
export function gitWithInput(dir: string, args: readonly string[], input: Buffer | string, env: Record<string, string> = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...args], { cwd: dir, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitExitError(args, code ?? -1, Buffer.concat(err).toString('utf8')));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
