/**
 * The two ways Rollback Guard writes to Git, both on a new branch and never
 * pushed: a revert commit (what GitOps then syncs — "fix Git first"), and a
 * commit of given file contents (making the manifests match the cluster).
 * Every prompt and confirmation belongs to the caller; these functions refuse
 * instead of guessing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageOf } from './exec';
import { fail, ok, type CommitInfo, type GitProblem, type GitRepo, type HeadState, type Result } from './repo';

type Status = Awaited<ReturnType<GitRepo['status']>>;

export interface RevertOptions {
  /** Stash uncommitted changes first (only with the user's explicit consent); they stay stashed after a successful revert. */
  stash?: boolean;
  /** Branch to create; default `revert/<short-sha>` (with a numeric suffix when taken). */
  branch?: string;
  /** Parent to revert to for a merge commit (git's `-m`); default 1, the branch it was merged into. */
  mainline?: number;
}

export interface RevertResult {
  branch: string;
  /** The new revert commit. */
  commit: string;
  subject: string;
  reverted: CommitInfo;
  /** Set for a merge commit. */
  mainline?: number;
  /** Where HEAD was: a branch name, or a commit on a detached HEAD. */
  from: string;
  /** The stash holding the changes that were uncommitted, when the caller allowed stashing. */
  stash?: string;
}

export type RevertProblem = GitProblem & {
  kind: 'unknown-commit' | 'no-commits' | 'in-progress' | 'dirty' | 'conflict' | 'empty' | 'failed';
  /** Files involved: uncommitted ones (dirty), conflicting ones (conflict). */
  files?: string[];
};

const short = (sha: string) => sha.slice(0, 7);

function list(paths: readonly string[]): string {
  return paths.length <= 5 ? paths.join(', ') : `${paths.slice(0, 5).join(', ')} and ${paths.length - 5} more`;
}

/** `revert/<short-sha>`, or the first free `revert/<short-sha>-N`. */
async function freeBranch(repo: GitRepo, wanted: string): Promise<string> {
  if (!(await repo.branchExists(wanted))) return wanted;
  for (let n = 2; ; n++) if (!(await repo.branchExists(`${wanted}-${n}`))) return `${wanted}-${n}`;
}

/**
 * Creates the branch at HEAD's commit and moves HEAD onto it. The working
 * tree and index already hold that commit (the tree is clean or stashed), so
 * plumbing does what `git switch --create` would, with the branch only ever
 * written as a full ref: a name like `--orphan=x` cannot parse as an option.
 */
async function startBranch(repo: GitRepo, ref: string, sha: string): Promise<{ ok: true } | { ok: false; error: string }> {
  // The all-zero old value makes update-ref create the branch or fail: never move an existing one.
  const created = await repo.probe(['update-ref', '-m', 'rollback-guard: revert branch', ref, sha, '0'.repeat(sha.length)]);
  if (created.code !== 0) return { ok: false, error: created.message ?? 'update-ref failed' };
  const moved = await repo.probe(['symbolic-ref', '-m', 'rollback-guard: revert branch', 'HEAD', ref]);
  if (moved.code !== 0) {
    await repo.probe(['update-ref', '-d', ref, sha]);
    return { ok: false, error: moved.message ?? 'symbolic-ref failed' };
  }
  return { ok: true };
}

/**
 * Puts HEAD back where it was (the same branch ref, or the same detached
 * commit), deletes the revert branch, restores stashed changes, and checks
 * that HEAD, the branch and every file's status are exactly what they were.
 * Returns undefined when they are, else what differs — never "nothing was
 * changed" unless it was verified.
 */
async function restore(repo: GitRepo, head: HeadState, before: Status, stash: string | undefined, created?: string): Promise<string | undefined> {
  const steps: string[] = [];
  // Each step needs the one before: the revert branch is deleted only once HEAD has left it.
  const step = async (args: string[]) => {
    if (steps.length > 0) return;
    const r = await repo.probe(args);
    if (r.code !== 0) steps.push(`\`git ${args.join(' ')}\` failed: ${r.message ?? 'unknown error'}`);
  };
  if (head.ref) await step(['symbolic-ref', '-m', 'rollback-guard: restore', 'HEAD', head.ref]);
  else await step(['update-ref', '--no-deref', '-m', 'rollback-guard: restore', 'HEAD', head.sha!]);
  if (created) await step(['update-ref', '-d', created]);
  if (stash) await step(['stash', 'pop', '--index', '--quiet']);

  const now = await repo.head();
  const after = await repo.status();
  const problems = [...steps];
  const where = (h: HeadState) => (h.ref ? `${h.ref} at ${short(h.sha ?? '?')}` : `detached at ${short(h.sha ?? '?')}`);
  if (now.sha !== head.sha || now.ref !== head.ref) problems.push(`HEAD is ${where(now)}, it was ${where(head)}`);
  if (created && (await repo.probe(['show-ref', '--verify', '--quiet', created])).code === 0) problems.push(`${created} still exists`);
  for (const key of ['tracked', 'untracked', 'conflicted'] as const) {
    const a = [...before[key]].sort().join('\0');
    const b = [...after[key]].sort().join('\0');
    if (a !== b) problems.push(`the ${key} files differ from before (${list(after[key]) || 'none'} now, ${list(before[key]) || 'none'} before)`);
  }
  if (problems.length === 0) return undefined;
  return `restoring the repository did not give back exactly what was there: ${problems.join('; ')}.${stash ? ` Your changes are in the stash ${short(stash)} if they are not in the working tree.` : ''}`;
}

/** Identity and date of the scratch commit of `revertOutcome` (never referenced; a fixed one needs no user identity). */
const SCRATCH_ENV = {
  GIT_AUTHOR_NAME: 'Rollback Guard',
  GIT_AUTHOR_EMAIL: 'rollback-guard@localhost',
  GIT_AUTHOR_DATE: '1970-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'Rollback Guard',
  GIT_COMMITTER_EMAIL: 'rollback-guard@localhost',
  GIT_COMMITTER_DATE: '1970-01-01T00:00:00Z',
};

/**
 * What reverting `target` onto HEAD gives, computed in the object database
 * only: the working tree, the index and every ref stay as they are (not even
 * a file's modification time changes). A revert is the three-way merge of
 * HEAD and the target's parent with the target as base; `git merge-tree
 * --write-tree` (git 2.38+) merges HEAD with a scratch commit that holds the
 * parent's tree on top of the target, whose merge base with HEAD is the
 * target itself. Undefined when it cannot tell (older git, a target that is
 * not an ancestor of HEAD, a root commit): the revert then runs as usual.
 */
async function revertOutcome(repo: GitRepo, target: CommitInfo, headSha: string, mainline: number | undefined): Promise<{ conflicts: string[] } | { empty: boolean } | undefined> {
  const parent = target.parents[(mainline ?? 1) - 1];
  if (!parent || !(await repo.isAncestor(target.sha, headSha))) return undefined;
  let scratch: string;
  try {
    scratch = (await repo.run(['commit-tree', '-p', target.sha, '-m', 'rollback-guard: revert check', `${parent}^{tree}`], { env: SCRATCH_ENV })).trim();
  } catch {
    return undefined;
  }
  const merged = await repo.probe(['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', headSha, scratch]);
  if (merged.code !== 0 && merged.code !== 1) return undefined;
  const [tree, ...rest] = merged.out.split('\0');
  if (!tree || !/^[0-9a-f]{40,64}$/.test(tree)) return undefined;
  if (merged.code === 1) return { conflicts: [...new Set(rest.filter(Boolean))] };
  const headTree = (await repo.probe(['rev-parse', '--verify', '--quiet', `${headSha}^{tree}`])).out.trim();
  return { empty: tree === headTree };
}

function conflictMessage(target: CommitInfo, where: string, conflicts: readonly string[], mainline: number | undefined): string {
  return `Reverting ${short(target.sha)} ("${target.subject}") conflicts with later changes in ${list(conflicts)}. Nothing was changed: the revert was aborted and ${where} is as it was. Revert by hand (\`git revert ${mainline ? `-m ${mainline} ` : ''}${short(target.sha)}\`) and resolve the conflicts, or revert the later commits first.`;
}

/**
 * Creates `revert/<short-sha>` from HEAD and runs `git revert --no-edit`
 * (`-m 1` for a merge commit) on it. Refuses on a dirty tree unless `stash`;
 * a revert that would conflict (or change nothing) is found out first
 * without touching the working tree, the index or any ref (git 2.38+); when
 * git cannot tell beforehand, a conflict aborts, returns to where HEAD was,
 * deletes the new branch and restores stashed changes — the working tree is
 * left byte-identical. Never pushes.
 */
export async function revertCommit(repo: GitRepo, rev: string, options: RevertOptions = {}): Promise<Result<RevertResult, RevertProblem>> {
  const target = await repo.commitInfo(rev);
  if (!target) return fail({ kind: 'unknown-commit', message: `\`${rev}\` is not a commit of this repository.` });
  const head = await repo.head();
  if (!head.sha) return fail({ kind: 'no-commits', message: 'The repository has no commit yet.' });
  const busy = await repo.operationInProgress();
  if (busy) return fail({ kind: 'in-progress', message: `${busy[0]!.toUpperCase()}${busy.slice(1)} is in progress in this repository: finish or abort it first.` });

  const status = await repo.status();
  const dirty = [...status.tracked, ...status.conflicted];
  if (dirty.length > 0 && !options.stash) {
    return fail({
      kind: 'dirty',
      files: dirty,
      message: `The working tree has uncommitted changes (${list(dirty)}): a revert on top of them could mix them into the revert commit. Commit or stash them first, or let Rollback Guard stash them.`,
    });
  }
  const mainline = target.parents.length > 1 ? (options.mainline ?? 1) : undefined;
  const from = head.branch ?? head.sha;
  const outcome = await revertOutcome(repo, target, head.sha, mainline);
  if (outcome && 'conflicts' in outcome) return fail({ kind: 'conflict', files: outcome.conflicts, message: conflictMessage(target, from === head.sha ? 'HEAD' : from, outcome.conflicts, mainline) });
  if (outcome?.empty) return fail({ kind: 'empty', message: `Reverting ${short(target.sha)} changes nothing: its changes are already undone on ${from}. Nothing was changed.` });
  let stash: string | undefined;
  if (dirty.length > 0) {
    await repo.run(['stash', 'push', '--message', `rollback-guard: before reverting ${short(target.sha)}`]);
    stash = (await repo.run(['rev-parse', '--verify', 'refs/stash'])).trim();
  }
  const branch = await freeBranch(repo, options.branch ?? `revert/${short(target.sha)}`);
  const branchRef = `refs/heads/${branch}`;
  const headSha = head.sha;
  const start = await startBranch(repo, branchRef, headSha);
  if (!start.ok) {
    const restored = await restore(repo, head, status, stash);
    return fail({ kind: 'failed', message: `Could not create ${branch}: ${start.error}. ${restored ?? 'Nothing was changed.'}` });
  }
  const result = await repo.probe(['revert', '--no-edit', ...(mainline ? ['-m', String(mainline)] : []), target.sha]);
  if (result.code !== 0) {
    const conflicts = (await repo.status()).conflicted;
    if (await repo.operationInProgress()) await repo.probe(['revert', '--abort']);
    // `revert --abort` restores HEAD's tree; nothing of the revert may stay behind.
    await repo.probe(['reset', '--quiet', '--hard', headSha]);
    const restored = await restore(repo, head, status, stash, branchRef);
    if (restored) return fail({ kind: 'failed', files: conflicts, message: `git revert of ${short(target.sha)} failed (${conflicts.length > 0 ? `conflicts in ${list(conflicts)}` : (result.message ?? 'unknown error')}), and ${restored}` });
    if (conflicts.length > 0) {
      return fail({ kind: 'conflict', files: conflicts, message: conflictMessage(target, from === head.sha ? 'HEAD' : from, conflicts, mainline) });
    }
    const text = `${result.message ?? ''}`;
    if (/nothing to commit|empty/i.test(text)) {
      return fail({ kind: 'empty', message: `Reverting ${short(target.sha)} changes nothing: its changes are already undone on ${from}. Nothing was changed.` });
    }
    return fail({ kind: 'failed', message: `git revert failed: ${text || 'unknown error'}. Nothing was changed.` });
  }
  const commit = (await repo.run(['rev-parse', 'HEAD'])).trim();
  const info = await repo.commitInfo(commit);
  return ok({ branch, commit, subject: info?.subject ?? '', reverted: target, mainline, from, stash });
}

export interface FileContent {
  path: string;
  /** New content; null deletes the file. */
  content: string | Buffer | null;
}

export interface CommitResult {
  branch: string;
  commit: string;
  parent: string;
}

export type CommitProblem = GitProblem & { kind: 'no-commits' | 'branch-exists' | 'failed' };

/**
 * Commits file contents on a new branch from `from` (default HEAD) without
 * touching the working tree, the index or the current branch: a temporary
 * index, `hash-object`, `write-tree`, `commit-tree`, and `update-ref` that
 * only creates. The primitive behind "make the manifest match the cluster".
 */
export async function commitOnNewBranch(
  repo: GitRepo,
  options: { branch: string; message: string; files: readonly FileContent[]; from?: string },
): Promise<Result<CommitResult, CommitProblem>> {
  const parent = await repo.commitOf(options.from ?? 'HEAD');
  if (!parent) return fail({ kind: 'no-commits', message: `\`${options.from ?? 'HEAD'}\` is not a commit.` });
  if (await repo.branchExists(options.branch)) return fail({ kind: 'branch-exists', message: `Branch \`${options.branch}\` already exists: choose another name.` });
  const dir = await mkdtemp(join(tmpdir(), 'rollback-guard-index-'));
  const env = { GIT_INDEX_FILE: join(dir, 'index') };
  const git = { raw: (args: string[]) => repo.run(args, { env }) };
  try {
    await git.raw(['read-tree', parent]);
    for (const file of options.files) {
      if (file.content === null) {
        await git.raw(['update-index', '--force-remove', '--', file.path]);
        continue;
      }
      const oid = (await repo.run(['hash-object', '-w', '--stdin'], { input: file.content })).trim();
      const existing = (await repo.run(['ls-tree', '-z', parent, '--', file.path])).split('\0')[0];
      const mode = existing && /^100755 /.test(existing) ? '100755' : '100644';
      await git.raw(['update-index', '--add', '--cacheinfo', `${mode},${oid},${file.path}`]);
    }
    const tree = (await git.raw(['write-tree'])).trim();
    const commit = (await git.raw(['commit-tree', tree, '-p', parent, '-m', options.message])).trim();
    // The all-zero old value makes update-ref create the branch or fail: never move an existing one.
    await repo.run(['update-ref', `refs/heads/${options.branch}`, commit, '0'.repeat(parent.length)]);
    return ok({ branch: options.branch, commit, parent });
  } catch (error) {
    return fail({ kind: 'failed', message: `Could not commit on ${options.branch}: ${messageOf(error)}` });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
