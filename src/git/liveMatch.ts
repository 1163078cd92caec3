/**
 * Whether Git, at the revision a GitOps source has now, says what the
 * cluster runs: the manifest that defines the workload, read at that
 * revision, gives it the live images. This is what decides whether resuming
 * a paused Flux Kustomization would keep the rolled-back version (Git
 * matches) or re-apply the one rolled away from.
 */
import type { GitRepo } from './repo';
import { findWorkloadManifests, sameImage, workloadImages, type WorkloadKey } from './schemaChanges';

export interface LiveMatch {
  /** undefined: cannot be told here (revision not in this repository, no manifest defines the workload). */
  matches: boolean | undefined;
  revision: string;
  /** What Git says and what runs, in one line. */
  detail: string;
  /** The manifest that was read. */
  file?: string;
  /** The images Git gives the workload at that revision. */
  gitImages?: string[];
}

/** The commit a source revision names: Flux's `main@sha1:<sha>` (or the older `main/<sha>`), or a bare sha. */
export function revisionCommit(revision: string): string | undefined {
  return /(?:sha1:|\/|^)([0-9a-f]{40})$/.exec(revision.trim())?.[1] ?? /sha256:([0-9a-f]{64})$/.exec(revision.trim())?.[1];
}

function short(revision: string): string {
  return revision.replace(/([0-9a-f]{12})[0-9a-f]{28,52}/, '$1…');
}

export async function liveMatch(repo: GitRepo, input: { revision: string; workload: WorkloadKey; liveImages: readonly string[]; manifestPath?: string }): Promise<LiveMatch> {
  const rev = short(input.revision);
  const sha = revisionCommit(input.revision);
  if (!sha) return { matches: undefined, revision: input.revision, detail: `${rev} does not name a commit` };
  const commit = await repo.commitOf(sha);
  if (!commit) return { matches: undefined, revision: input.revision, detail: `${rev} is not in the repository at ${repo.root}; fetch it (git fetch) to compare` };
  const candidates = input.manifestPath ? [input.manifestPath] : await findWorkloadManifests(repo, input.workload);
  const what = `${input.workload.kind.toLowerCase()}/${input.workload.name}`;
  if (candidates.length === 0) return { matches: undefined, revision: input.revision, detail: `no manifest in ${repo.root} defines ${what}` };
  const blobs = await repo.readBlobs(candidates.map((path) => ({ rev: commit, path })));
  for (let i = 0; i < candidates.length; i++) {
    const text = blobs[i]?.toString('utf8');
    const images = text === undefined ? undefined : workloadImages(text, input.workload);
    if (!images) continue;
    const matches = images.length === input.liveImages.length && input.liveImages.every((l) => images.some((g) => sameImage(g, l)));
    return {
      matches,
      revision: input.revision,
      file: candidates[i]!,
      gitImages: images,
      detail: `${rev} gives ${what} ${images.join(', ') || 'no image'} (${candidates[i]}); it runs ${input.liveImages.join(', ') || 'no image'}`,
    };
  }
  return { matches: undefined, revision: input.revision, detail: `${rev} has no manifest defining ${what} at ${candidates.join(', ')}` };
}
