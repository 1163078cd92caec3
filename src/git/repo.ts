import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { isWithin, readRegularFile, realPath, type FileRead } from '../core/files';
import { exitCodeOf, GitExitError, messageOf, repositoryPins, runGit, type GitRunOptions } from './exec';
import { parseBlamePorcelain, parseStatus, type BlameLine } from './parse';

/** Results are typed; the extension layer turns a problem into a message. */
export type Result<T, E = GitProblem> = { ok: true; value: T } | { ok: false; error: E };

export interface GitProblem {
  kind: string;
  message: string;
}

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = <E extends GitProblem>(error: E): { ok: false; error: E } => ({ ok: false, error });

export interface HeadState {
  /** Undefined in a repository with no commit yet. */
  sha?: string;
  /** Undefined on a detached HEAD. */
  branch?: string;
  /** The branch's full ref (`refs/heads/<branch>`): the form of its name that never parses as an option. */
  ref?: string;
  detached: boolean;
}

export interface CommitInfo {
  sha: string;
  parents: string[];
  subject: string;
  author: string;
}

/** True when `inner` is `outer` or inside it (both real paths). */
function within(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * One git repository (its top-level working tree). Every command is an argv
 * array built by `gitArgv`: nothing the repository configures runs.
 */
export class GitRepo {
  private constructor(
    readonly root: string,
    /** The repository's own filter, merge and diff drivers, pinned off for every command. */
    private readonly pinned: readonly (readonly [string, string])[],
  ) {}

  /**
   * The repository containing `dir`, or undefined when it is not inside one
   * (or git is missing). A repository whose working tree is elsewhere
   * (`core.worktree` pointing outside `dir`'s ancestors) is not opened: its
   * files are not the folder's.
   */
  static async open(dir: string): Promise<GitRepo | undefined> {
    try {
      const top = (await runGit(dir, ['rev-parse', '--show-toplevel'])).toString('utf8').trim();
      if (!top || !within(realpathSync(top), realpathSync(dir))) return undefined;
      let config = '';
      try {
        config = (await runGit(top, ['config', '--show-scope', '--null', '--get-regexp', '^(filter|merge|diff|protocol)\\.'])).toString('utf8');
      } catch (error) {
        // Exit 1: no such setting at all.
        if (exitCodeOf(error) !== 1) throw error;
      }
      return new GitRepo(top, repositoryPins(config));
    } catch {
      return undefined;
    }
  }

  /** Runs a git command in the repository; resolves with stdout as bytes. */
  async runBuffer(args: readonly string[], options: Omit<GitRunOptions, 'pinned'> = {}): Promise<Buffer> {
    return runGit(this.root, args, { ...options, pinned: this.pinned });
  }

  /** Runs a git command in the repository; resolves with stdout (UTF-8). */
  async run(args: readonly string[], options: Omit<GitRunOptions, 'pinned'> = {}): Promise<string> {
    return (await this.runBuffer(args, options)).toString('utf8');
  }

  /** The same settings for a synchronous read (see runGitSync). */
  get pins(): readonly (readonly [string, string])[] {
    return this.pinned;
  }

  /** Runs a command that may exit non-zero on purpose; returns its exit code and stdout. */
  async probe(args: readonly string[]): Promise<{ code: number; out: string; message?: string }> {
    try {
      return { code: 0, out: await this.run(args) };
    } catch (error) {
      const code = exitCodeOf(error);
      if (code === undefined) throw error;
      return { code, out: error instanceof GitExitError ? error.stdout : '', message: messageOf(error) };
    }
  }

  /** Full commit id of a revision, or undefined when it does not name a commit. */
  async commitOf(rev: string): Promise<string | undefined> {
    const r = await this.probe(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
    const sha = r.out.trim();
    return r.code === 0 && sha ? sha : undefined;
  }

  async head(): Promise<HeadState> {
    const sha = await this.commitOf('HEAD');
    const symbolic = await this.probe(['symbolic-ref', '--quiet', 'HEAD']);
    const ref = symbolic.code === 0 ? symbolic.out.trim() : '';
    const name = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
    return { sha, branch: name || undefined, ...(name ? { ref } : {}), detached: !name };
  }

  async isShallow(): Promise<boolean> {
    return (await this.run(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return (await this.probe(['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant])).code === 0;
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const r = await this.probe(['merge-base', '--end-of-options', a, b]);
    return r.code === 0 ? r.out.trim() || undefined : undefined;
  }

  async commitInfo(rev: string): Promise<CommitInfo | undefined> {
    const r = await this.probe(['show', '-s', '--no-show-signature', '--format=%H%x00%P%x00%an%x00%s', '--end-of-options', rev, '--']);
    if (r.code !== 0) return undefined;
    const [sha, parents, author, subject] = r.out.replace(/\n$/, '').split('\0');
    if (!sha) return undefined;
    return { sha, parents: parents ? parents.split(' ').filter(Boolean) : [], author: author ?? '', subject: subject ?? '' };
  }

  /** Tracked changes (staged or not), untracked files and conflicts of the working tree. */
  async status(): Promise<{ tracked: string[]; untracked: string[]; conflicted: string[] }> {
    return parseStatus(await this.run(['status', '--porcelain=v1', '-z', '--untracked-files=all']));
  }

  /** A revert, cherry-pick, merge or rebase left half done. */
  async operationInProgress(): Promise<string | undefined> {
    const gitDir = (await this.run(['rev-parse', '--absolute-git-dir'])).trim();
    const markers: [string, string][] = [
      ['REVERT_HEAD', 'a revert'],
      ['CHERRY_PICK_HEAD', 'a cherry-pick'],
      ['MERGE_HEAD', 'a merge'],
      ['rebase-merge', 'a rebase'],
      ['rebase-apply', 'a rebase or `git am`'],
    ];
    for (const [name, what] of markers) {
      try {
        await readFile(join(gitDir, name));
        return what;
      } catch (error) {
        // A directory (rebase-merge) is there too: reading it fails with EISDIR.
        if ((error as NodeJS.ErrnoException).code === 'EISDIR') return what;
      }
    }
    return undefined;
  }

  /**
   * Contents of many blobs in one `git cat-file --batch` process, in request
   * order; undefined for a path missing at that revision.
   */
  async readBlobs(requests: readonly { rev: string; path: string }[]): Promise<(Buffer | undefined)[]> {
    if (requests.length === 0) return [];
    // cat-file reads one request per line: a path with a newline cannot be asked for.
    const usable = requests.map((r) => !r.path.includes('\n'));
    const input = requests.filter((_, i) => usable[i]).map((r) => `${r.rev}:${r.path}\n`).join('');
    const out = await this.runBuffer(['cat-file', '--batch'], { input });
    const results: (Buffer | undefined)[] = [];
    let at = 0;
    for (let i = 0; i < requests.length; i++) {
      if (!usable[i]) {
        results.push(undefined);
        continue;
      }
      const eol = out.indexOf(0x0a, at);
      const header = out.subarray(at, eol).toString('utf8');
      at = eol + 1;
      const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
      if (!m) {
        results.push(undefined); // `<object> missing` / `ambiguous`
        continue;
      }
      const size = Number(m[2]);
      results.push(m[1] === 'blob' ? out.subarray(at, at + size) : undefined);
      at += size + 1;
    }
    return results;
  }

  /** A file of the working tree (relative to the root), or undefined (see readWorktreeFile). */
  async readWorktree(path: string, maxBytes = 64 * 1024 * 1024): Promise<Buffer | undefined> {
    const read = this.readWorktreeFile(path, maxBytes);
    return read.ok ? Buffer.from(read.text, 'utf8') : undefined;
  }

  /**
   * A file of the working tree, read only when it is a regular file inside
   * the repository: a symlink (git stores its target, not a file to read), a
   * path through a symlinked directory out of the working tree, a FIFO or a
   * device is refused with the reason.
   */
  readWorktreeFile(path: string, maxBytes: number): FileRead {
    const abs = this.abs(path);
    const parent = realPath(dirname(abs));
    this.realRoot ??= realPath(this.root) ?? this.root;
    if (parent === undefined) return { ok: false, kind: 'unreadable', reason: 'unreadable: no such directory' };
    if (!isWithin(this.realRoot, parent)) return { ok: false, kind: 'symlink', reason: 'reached through a symlink that leads outside the repository; not read' };
    return readRegularFile(join(parent, basename(abs)), maxBytes, { followSymlink: false, binary: 'read' });
  }

  private realRoot?: string;

  abs(path: string): string {
    return isAbsolute(path) ? path : resolve(this.root, path);
  }

  /** The commit that last changed line `line` (1-based) of the working-tree file. */
  async blame(path: string, line: number): Promise<Result<BlameLine>> {
    const lines = await this.blameRange(path, line, line);
    if (!lines.ok) return lines;
    const first = lines.value[0]!;
    if (first.uncommitted) return fail({ kind: 'not-committed', message: `Line ${line} of ${path} is not committed yet: there is no commit to revert.` });
    return ok(first);
  }

  /** Blame of lines `from`–`to` (1-based, inclusive) of the working-tree file, one entry per line. */
  async blameRange(path: string, from: number, to: number): Promise<Result<BlameLine[]>> {
    const r = await this.probe(['blame', '--porcelain', '-L', `${from},${to}`, '--', path]);
    if (r.code !== 0) return fail({ kind: 'blame-failed', message: `git blame failed for ${path}:${from}: ${r.message ?? 'unknown error'}` });
    const parsed = parseBlamePorcelain(r.out);
    if (parsed.length === 0) return fail({ kind: 'blame-failed', message: `git blame gave no commit for ${path}:${from}` });
    return ok(parsed);
  }

  /**
   * The commit that introduced what lines `from`–`to` say now: the newest
   * commit among them (a finding spans a field; its newest line is the
   * change). Uncommitted lines are skipped; all uncommitted is a problem.
   */
  async introducedBy(path: string, from: number, to: number): Promise<Result<BlameLine>> {
    const lines = await this.blameRange(path, from, to);
    if (!lines.ok) return lines;
    const committed = lines.value.filter((l) => !l.uncommitted);
    if (committed.length === 0) {
      const where = from === to ? `Line ${from}` : `Lines ${from}–${to}`;
      return fail({ kind: 'not-committed', message: `${where} of ${path} ${from === to ? 'is' : 'are'} not committed yet: there is no commit to revert.` });
    }
    return ok(committed.reduce((newest, l) => ((l.authorTime ?? 0) > (newest.authorTime ?? 0) ? l : newest)));
  }

  /**
   * The merge on HEAD's first-parent line that brought `sha` in (a PR merge),
   * when `sha` was not committed on that line directly. Reverting it (with
   * `-m 1`) undoes the whole release the commit came with.
   */
  async introducingMerge(sha: string): Promise<CommitInfo | undefined> {
    const r = await this.probe(['rev-list', '--first-parent', '--merges', '--reverse', '--end-of-options', `${sha}..HEAD`]);
    if (r.code !== 0) return undefined;
    for (const merge of r.out.split('\n').filter(Boolean)) {
      const info = await this.commitInfo(merge);
      if (!info || info.parents.length < 2) continue;
      if ((await this.isAncestor(sha, info.parents[1]!)) && !(await this.isAncestor(sha, info.parents[0]!))) return info;
    }
    return undefined;
  }

  async branchExists(name: string): Promise<boolean> {
    return (await this.probe(['show-ref', '--verify', '--quiet', `refs/heads/${name}`])).code === 0;
  }
}
