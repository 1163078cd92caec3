import { spawn, spawnSync } from 'node:child_process';

/**
 * Every git process Rollback Guard starts is built here: one argv, one
 * environment. A repository Rollback Guard opens is untrusted (a pull request
 * from a fork, a folder someone sent): its `.git/config`, `.gitattributes` and
 * hooks must not make git start a program, reach the network or hang. Git
 * runs as an argv array (never a shell string), non-interactively.
 */
export class GitExitError extends Error {
  override name = 'GitExitError';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
    /** What the command printed before failing (`merge-tree` prints its tree and the conflicted files, then exits 1). */
    readonly stdout = '',
  ) {
    super(`[exit ${exitCode}] ${stderr.trim() || `git ${args.join(' ')} failed`}`);
  }
}

const EXIT = /\[exit (-?\d+)\] /;

/**
 * Settings that override whatever the repository (or an environment variable)
 * says, on every command. Command-line `-c` wins over every configuration
 * file. Each one closes a way a repository could run a program or reach out:
 * - `core.fsmonitor`: a command git runs on `status`, `diff` and checkouts;
 * - `core.hooksPath`: hooks (`post-checkout`, `prepare-commit-msg`…) run on
 *   switch, revert and commit;
 * - `core.sshCommand`, `protocol.allow`, `credential.helper`, `core.askPass`:
 *   Rollback Guard never fetches or pushes, so no transport is allowed (a
 *   partial clone would otherwise fetch missing objects through a remote the
 *   repository chose);
 * - `diff.external` (git diff only runs it without `--no-ext-diff`, which
 *   every diff below passes anyway);
 * - editors and pagers (`:` and `cat` are git's own "none");
 * - signing (`gpg.program` runs on a signed commit or a shown signature);
 * - automatic maintenance (a `gc` in someone else's repository).
 */
export const NEUTRAL_CONFIG: readonly (readonly [string, string])[] = [
  ['core.fsmonitor', 'false'],
  ['core.hooksPath', '/dev/null'],
  ['core.sshCommand', 'false'],
  ['core.askPass', ''],
  ['credential.helper', ''],
  ['protocol.allow', 'never'],
  ...['file', 'git', 'ssh', 'http', 'https', 'ext', 'fd'].map((p) => [`protocol.${p}.allow`, 'never'] as const),
  ['diff.external', ''],
  ['core.editor', ':'],
  ['sequence.editor', ':'],
  ['core.pager', 'cat'],
  ['commit.gpgSign', 'false'],
  ['tag.gpgSign', 'false'],
  ['log.showSignature', 'false'],
  ['submodule.recurse', 'false'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
];

/** Diff-producing commands: no external diff program, no textconv filter (both would run what the repository names). */
const DIFF_COMMANDS = new Set(['diff', 'diff-tree', 'diff-index', 'diff-files', 'show', 'log', 'whatchanged', 'format-patch']);
/** Commands that apply textconv filters by default. */
const TEXTCONV_COMMANDS = new Set(['blame', 'annotate', 'grep']);

/** Environment variables git may receive from us: commit identity and dates (tests, the demo, CI), the temporary index of a plumbing commit. */
export const ALLOWED_GIT_ENV = [
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
  'GIT_INDEX_FILE',
  'GIT_CONFIG_NOSYSTEM',
];

/**
 * Programs git could start on our behalf (an editor, a pager, a password
 * prompt): Rollback Guard runs git non-interactively and needs none of them.
 */
const DROPPED_ENV = new Set(['EDITOR', 'VISUAL', 'PAGER', 'SSH_ASKPASS', 'PREFIX']);

/**
 * The environment of a child git: ours, minus every `GIT_*` variable we did
 * not ask for (a `GIT_DIR` inherited from a hook would point git elsewhere,
 * `GIT_CONFIG_PARAMETERS` or `GIT_SSH_COMMAND` would undo the settings
 * above), plus `extra`.
 */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || DROPPED_ENV.has(key.toUpperCase())) continue;
    if (key.toUpperCase().startsWith('GIT_') && (!ALLOWED_GIT_ENV.includes(key) || key === 'GIT_INDEX_FILE')) continue;
    env[key] = value;
  }
  for (const key of Object.keys(extra)) {
    if (key.toUpperCase().startsWith('GIT_') && !ALLOWED_GIT_ENV.includes(key)) throw new Error(`git environment variable ${key} is not one Rollback Guard sets`);
  }
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    // Never fetch a missing object of a partial clone (git 2.44+; older versions have no transport anyway, see protocol.allow).
    GIT_NO_LAZY_FETCH: '1',
    // Reads do not refresh the index behind the user's back.
    GIT_OPTIONAL_LOCKS: '0',
    ...extra,
  };
}

/**
 * The argv after `git`: the neutralising settings, the repository's own
 * driver settings pinned (`pinned`, from `repositoryPins`), then the command
 * with `--no-ext-diff --no-textconv` where it produces diffs.
 */
export function gitArgv(args: readonly string[], pinned: readonly (readonly [string, string])[] = []): string[] {
  const config = [...NEUTRAL_CONFIG, ...pinned].flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const [command, ...rest] = args;
  if (command === undefined) throw new Error('git needs a command');
  const safety = DIFF_COMMANDS.has(command) ? ['--no-ext-diff', '--no-textconv'] : TEXTCONV_COMMANDS.has(command) ? ['--no-textconv'] : [];
  return [...config, command, ...safety, ...rest];
}

/** Settings of repository drivers that run a program: `filter.<driver>.clean`, `merge.<driver>.driver`… */
const DRIVER_KEY = /^(filter\..+\.(clean|smudge|process|required)|merge\..+\.driver|diff\..+\.(command|textconv)|protocol\..+\.allow)$/;
/** Configuration scopes the user owns; `local`, `worktree` (and what they include) belong to the repository. */
const TRUSTED_SCOPES = new Set(['system', 'global']);

/**
 * What git's built-in text merge does (three-way merge, conflict markers of
 * the usual size), for a merge driver the repository defines: `.gitattributes`
 * names the driver, `.git/config` says what it runs.
 */
const TEXT_MERGE = 'git merge-file --marker-size=%L %A %O %B';

/**
 * The repository's own driver settings (from `git config --show-scope --null
 * --get-regexp` output), pinned for every command: a filter, merge driver,
 * diff command or protocol permission that only the repository defines is
 * turned off (a merge driver becomes git's text merge); one the user also
 * defines keeps the user's value (Git LFS filters keep working).
 */
export function repositoryPins(configOutput: string): [string, string][] {
  const parts = configOutput.split('\0');
  const trusted = new Map<string, string>();
  const untrusted = new Set<string>();
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const scope = parts[i]!;
    const entry = parts[i + 1]!;
    const nl = entry.indexOf('\n');
    const key = nl < 0 ? entry : entry.slice(0, nl);
    const value = nl < 0 ? 'true' : entry.slice(nl + 1);
    if (!DRIVER_KEY.test(key)) continue;
    if (TRUSTED_SCOPES.has(scope)) trusted.set(key, value);
    else if (scope !== 'command') untrusted.add(key);
  }
  const pins: [string, string][] = [];
  for (const key of [...untrusted].sort()) {
    if (key.includes('=')) throw new Error(`the repository configures \`${key.slice(0, key.lastIndexOf('.'))}\`, whose name git cannot override from the command line (it contains "=")`);
    const user = trusted.get(key);
    if (user !== undefined) pins.push([key, user]);
    else if (key.startsWith('merge.')) pins.push([key, TEXT_MERGE]);
    else if (key.startsWith('protocol.')) pins.push([key, 'never']);
    else if (key.endsWith('.required')) pins.push([key, 'false']);
    else pins.push([key, '']);
  }
  return pins;
}

export interface GitRunOptions {
  /** Extra environment: only the `GIT_*` names of ALLOWED_GIT_ENV. */
  env?: Record<string, string>;
  /** Standard input (`cat-file --batch`, `hash-object --stdin`). */
  input?: Buffer | string;
  /** The repository's pinned driver settings. */
  pinned?: readonly (readonly [string, string])[];
  /** Kill git after this long (a configuration that includes a FIFO would block forever). Default 10 minutes. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** What to spawn: `git`, its argv and its environment. */
export function gitInvocation(args: readonly string[], options: GitRunOptions = {}): { file: 'git'; args: string[]; env: Record<string, string> } {
  return { file: 'git', args: gitArgv(args, options.pinned), env: gitEnv(options.env) };
}

/** Runs git in `cwd`; resolves with stdout as bytes, rejects with a GitExitError on a non-zero exit. */
export function runGit(cwd: string, args: readonly string[], options: GitRunOptions = {}): Promise<Buffer> {
  const call = gitInvocation(args, options);
  return new Promise((resolve, reject) => {
    const child = spawn(call.file, call.args, { cwd, env: call.env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) return resolve(Buffer.concat(out));
      // Some failures explain themselves on stdout only (`revert`: "nothing to commit").
      const message = timedOut ? `git ${args[0]} did not finish in ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s and was stopped` : Buffer.concat(err).toString('utf8').trim() || Buffer.concat(out).toString('utf8');
      reject(new GitExitError(args, code ?? -1, message, Buffer.concat(out).toString('utf8')));
    });
    if (options.input !== undefined) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.input);
    }
  });
}

/** runGit, synchronously (the engine's sibling lookups are synchronous and rare); undefined on any failure. */
export function runGitSync(cwd: string, args: readonly string[], options: Omit<GitRunOptions, 'input'> = {}): Buffer | undefined {
  const call = gitInvocation(args, options);
  const r = spawnSync(call.file, call.args, { cwd, env: call.env, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'], timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, windowsHide: true });
  return r.status === 0 ? r.stdout : undefined;
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
