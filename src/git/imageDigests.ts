import type { GitRepo } from './repo';

const PINNED = /([A-Za-z0-9][A-Za-z0-9._/:-]*)@(sha256:[0-9a-f]{64})\b/g;

/**
 * The digests a file's history pinned image tags to: every
 * `name:tag@sha256:…` written in any version of `path` on any branch,
 * newest first, so a tag that moved maps to its latest pin. This is how a
 * manifest that pins digests keeps them when it is set to a tag the
 * cluster names without one.
 */
export async function pinnedDigests(repo: GitRepo, path: string, maxCommits = 500): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const r = await repo.probe(['log', '--all', '--no-color', '--no-ext-diff', '--format=', '-p', '-n', String(maxCommits), '--', path]);
  if (r.code !== 0) return out;
  for (const m of r.out.matchAll(PINNED)) if (!out.has(m[1]!)) out.set(m[1]!, m[2]!);
  return out;
}
