import { fail, ok, type GitProblem, type GitRepo, type HeadState, type Result } from './repo';

/** Where the base came from, in the order it is looked for. */
export type BaseSource = 'argument' | 'setting' | 'upstream' | 'origin-head' | 'default-branch';

export interface BaseInfo {
  /** The name the base is shown as: `main`, `origin/main`. */
  ref: string;
  sha: string;
  source: BaseSource;
  head: HeadState & { sha: string };
  /** What the branch is compared from: the merge base, or the base itself when history does not reach it. */
  mergeBase: string;
  /** True when HEAD is the base (or contained in it): nothing to compare. */
  onBase: boolean;
  shallow: boolean;
  notes: string[];
}

export interface BaseOptions {
  /** `--base REF` on the command line. */
  explicit?: string;
  /** The editor setting, then `base:` of .rollbackguard.yaml. */
  setting?: string;
}

export type BaseProblem = GitProblem & { kind: 'no-commits' | 'unknown-ref' | 'no-base' };

/**
 * Finds the base of the current branch: the ref given on the command line,
 * the configured one, the branch's upstream (unless it is the branch's own
 * copy on the remote — that measures what is unpushed, not the PR),
 * `origin/HEAD`, then `main` and `master` (local, then on origin).
 */
export async function resolveBase(repo: GitRepo, options: BaseOptions = {}): Promise<Result<BaseInfo, BaseProblem>> {
  const head = await repo.head();
  if (!head.sha) return fail({ kind: 'no-commits', message: 'The repository has no commit yet: there is no branch to compare.' });
  const headSha = head.sha;

  const named = async (ref: string): Promise<{ ref: string; sha: string } | undefined> => {
    const sha = await repo.commitOf(ref);
    if (sha) return { ref, sha };
    // `main` in the config while only `origin/main` exists (a CI checkout).
    if (!ref.includes('/')) {
      const remote = await repo.commitOf(`refs/remotes/origin/${ref}`);
      if (remote) return { ref: `origin/${ref}`, sha: remote };
    }
    return undefined;
  };

  let found: { ref: string; sha: string; source: BaseSource } | undefined;
  for (const [value, source] of [
    [options.explicit, 'argument'],
    [options.setting, 'setting'],
  ] as const) {
    if (!value) continue;
    const hit = await named(value);
    if (!hit) return fail({ kind: 'unknown-ref', message: `The base \`${value}\` (${source === 'argument' ? '--base' : 'configured'}) does not name a commit in this repository.` });
    found = { ...hit, source };
    break;
  }

  if (!found && head.branch) {
    const merge = await repo.probe(['config', '--get', `branch.${head.branch}.merge`]);
    const mergeRef = merge.out.trim();
    if (merge.code === 0 && mergeRef && mergeRef !== `refs/heads/${head.branch}`) {
      const upstream = await repo.probe(['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}']);
      const name = upstream.out.trim();
      const sha = name && upstream.code === 0 ? await repo.commitOf(name) : undefined;
      if (sha) found = { ref: name, sha, source: 'upstream' };
    }
  }

  if (!found) {
    const originHead = await repo.probe(['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']);
    const target = originHead.out.trim();
    if (originHead.code === 0 && target) {
      const sha = await repo.commitOf(target);
      if (sha) found = { ref: target.replace(/^refs\/remotes\//, ''), sha, source: 'origin-head' };
    }
  }

  if (!found) {
    for (const candidate of ['refs/heads/main', 'refs/heads/master', 'refs/remotes/origin/main', 'refs/remotes/origin/master']) {
      const sha = await repo.commitOf(candidate);
      if (sha) {
        found = { ref: candidate.replace(/^refs\/(heads|remotes)\//, ''), sha, source: 'default-branch' };
        break;
      }
    }
  }

  if (!found) {
    return fail({
      kind: 'no-base',
      message: 'No base branch found (no upstream, no origin/HEAD, no main or master): set `base:` in .rollbackguard.yaml, the rollbackGuard.base setting, or pass --base REF.',
    });
  }

  const notes: string[] = [];
  const shallow = await repo.isShallow();
  let mergeBase = await repo.mergeBase(found.sha, headSha);
  if (!mergeBase) {
    // The fork point is not in the fetched history: compare with the base itself.
    mergeBase = found.sha;
    notes.push(
      shallow
        ? `This is a shallow clone and the merge base of HEAD and ${found.ref} is not in the fetched history, so the branch is compared with ${found.ref} itself (changes made on ${found.ref} since the branch started show up reversed). Fetch more history (\`git fetch --deepen=100\`, or \`fetch-depth: 0\` in CI) for an exact result.`
        : `HEAD and ${found.ref} share no history, so the branch is compared with ${found.ref} itself.`,
    );
  }
  // HEAD is the base or behind it: the branch adds nothing.
  const onBase = mergeBase === headSha;
  return ok({ ...found, head: { ...head, sha: headSha }, mergeBase, onBase, shallow, notes });
}
