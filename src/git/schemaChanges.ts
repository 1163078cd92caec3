import type { Engine } from '../core/engine';
import { worstClass, type RollbackClass } from '../core/model';
import { canonicalRepository, parseImageReference } from '../core/k8s/image';
import { podTemplate } from '../core/k8s/workload';
import { sqlLayout } from '../core/migrations/layout';
import { parseManifestFile, type ManifestDoc } from '../core/yaml/manifest';
import { listChanges } from './changes';
import { migrationOwnership, type MigrationOwner } from './migrationOwners';
import { ok, fail, GitRepo, type Result } from './repo';

/**
 * Which migrations changed in Git between two revisions of a workload, found
 * through the images: the manifest's history says which commit set each image
 * (image tag ↔ commit), and the migrations changed between those commits are
 * the schema a rollback from one to the other leaves behind. The preflight of
 * a cluster rollback shows them (DESIGN.md: "which migration files changed in
 * Git between the target and the current revision when that mapping is known").
 */

export interface WorkloadKey {
  kind: string;
  name: string;
  /** The manifest may omit it (set by the tool that applies it). */
  namespace?: string;
}

export interface MigrationChange {
  path: string;
  status: 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed' | 'unmerged' | 'unknown';
  /** The migration's own class and reason, from its analysis at the live side's commit (absent for a deleted file). */
  rollbackClass?: RollbackClass;
  reason?: string;
}

export interface SchemaChanges {
  /** The commit whose manifest runs the live images (newest such commit). */
  liveCommit: string;
  /** The commit whose manifest runs the target images. */
  targetCommit: string;
  /** Migrations changed between the target and the live commits, in path order. */
  migrations: MigrationChange[];
  /** Worst class among the migrations (undefined when none bears one). */
  worst?: RollbackClass;
}

export type SchemaChangesProblem = { kind: 'no-manifest-history' | 'image-not-found'; message: string };

/** Image references are equal when their names match, and their tags and digests wherever both sides have one. */
export function sameImage(a: string, b: string): boolean {
  const pa = parseImageReference(a);
  const pb = parseImageReference(b);
  if (canonicalRepository(pa.name) !== canonicalRepository(pb.name)) return false;
  if (pa.digest && pb.digest) return pa.digest === pb.digest;
  if (pa.tag && pb.tag) return pa.tag === pb.tag;
  // Only one side (or neither) has a tag: `app` means `app:latest`; a digest on one side alone cannot be checked.
  return (pa.tag ?? 'latest') === (pb.tag ?? 'latest') && !pa.digest && !pb.digest;
}

function matchesWorkload(doc: ManifestDoc, key: WorkloadKey): boolean {
  return doc.kind === key.kind && doc.name === key.name && (doc.namespace === undefined || key.namespace === undefined || doc.namespace === key.namespace);
}

/** The container images a manifest version gives the workload, or undefined when it does not define it. */
export function workloadImages(text: string, key: WorkloadKey): string[] | undefined {
  const file = parseManifestFile(text);
  const doc = file.manifests.find((d) => matchesWorkload(d, key));
  if (!doc) return undefined;
  const pod = podTemplate(doc);
  if (!pod) return undefined;
  return pod.containers.map((c) => doc.nav.str(doc.nav.get(c.node, 'image'))).filter((i): i is string => i !== undefined);
}

/** True when every image of `wanted` appears among `have`. */
function runs(have: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((w) => have.some((h) => sameImage(h, w)));
}

/**
 * Migrations changed in Git between the commit that set the target images
 * and the one that set the live images, looking back from `from` (default
 * HEAD) through the manifest's history.
 */
export async function schemaChangesBetween(
  repo: GitRepo,
  options: { manifestPath: string; workload: WorkloadKey; liveImages: readonly string[]; targetImages: readonly string[]; engine: Engine; from?: string },
): Promise<Result<SchemaChanges, SchemaChangesProblem>> {
  const log = await repo.probe(['log', '--format=%H', '--follow', '--end-of-options', options.from ?? 'HEAD', '--', options.manifestPath]);
  const commits = log.code === 0 ? log.out.split('\n').filter(Boolean) : [];
  if (commits.length === 0) return fail({ kind: 'no-manifest-history', message: `${options.manifestPath} has no history in Git` });
  const blobs = await repo.readBlobs(commits.map((rev) => ({ rev, path: options.manifestPath })));
  const images = blobs.map((b) => (b ? workloadImages(b.toString('utf8'), options.workload) : undefined));
  const newest = (wanted: readonly string[]) => commits.find((_, i) => images[i] !== undefined && runs(images[i]!, wanted));
  const liveCommit = newest(options.liveImages);
  const targetCommit = newest(options.targetImages);
  const what = `${options.workload.kind} ${options.workload.name}`;
  if (!liveCommit) return fail({ kind: 'image-not-found', message: `no commit of ${options.manifestPath} gives ${what} the live image${options.liveImages.length > 1 ? 's' : ''} ${options.liveImages.join(', ')}` });
  if (!targetCommit) return fail({ kind: 'image-not-found', message: `no commit of ${options.manifestPath} gives ${what} the image${options.targetImages.length > 1 ? 's' : ''} ${options.targetImages.join(', ')}` });

  const migrations: MigrationChange[] = [];
  if (liveCommit !== targetCommit) {
    // Whichever way the rollback goes, the schema of the newer side stays: diff older → newer.
    const [older, newer] = (await repo.isAncestor(targetCommit, liveCommit)) ? [targetCommit, liveCommit] : [liveCommit, targetCommit];
    // The schema a rollback leaves is what the ups did: down and verify scripts are not part of it.
    const changed = (await listChanges(repo, older, { commit: newer })).filter(
      (f) => options.engine.analyzerFor(f.path)?.id.startsWith('migration') && !['down', 'verify'].includes(sqlLayout(f.path).role),
    );
    const contents = await repo.readBlobs(changed.map((f) => ({ rev: newer, path: f.path })));
    for (const [i, file] of changed.entries()) {
      const text = contents[i]?.toString('utf8');
      const change: MigrationChange = { path: file.path, status: file.status as MigrationChange['status'] };
      if (text !== undefined) {
        const analysis = await options.engine.analyze({ path: file.path, text });
        const summary = analysis.summaries.reduce<(typeof analysis.summaries)[number] | undefined>(
          (worst, s) => (worst === undefined || worstClass([worst.rollbackClass, s.rollbackClass]) === s.rollbackClass ? s : worst),
          undefined,
        );
        if (summary) {
          change.rollbackClass = summary.rollbackClass;
          change.reason = summary.reason;
        }
      }
      migrations.push(change);
    }
    migrations.sort((a, b) => a.path.localeCompare(b.path));
  }
  return ok({ liveCommit, targetCommit, migrations, worst: worstClass(migrations.map((m) => m.rollbackClass)) });
}

/** Kubernetes YAML files a workload may be defined in: tracked or new, not ignored. */
async function yamlFiles(repo: GitRepo): Promise<string[]> {
  const out = await repo.run(['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '*.yaml', '*.yml']);
  return [...new Set(out.split('\0').filter(Boolean))].sort();
}

/** The files of the working tree that define the workload (kind, name and, when the file says, namespace). */
export async function findWorkloadManifests(repo: GitRepo, workload: WorkloadKey): Promise<string[]> {
  const found: string[] = [];
  for (const path of await yamlFiles(repo)) {
    const content = await repo.readWorktree(path);
    // A cheap filter before parsing: the name must appear in the file.
    if (!content || content.length > 2_000_000 || !content.includes(workload.name)) continue;
    if (workloadImages(content.toString('utf8'), workload) !== undefined) found.push(path);
  }
  return found;
}

/** A preflight check, shaped as the cluster layer's (`id: 'schema'`). */
export interface SchemaCheck {
  id: 'schema';
  status: 'pass' | 'warn' | 'info' | 'skipped';
  title: string;
  evidence: string[];
}

export interface SchemaCheckInput {
  /** A directory inside the Git repository holding the manifests. */
  dir: string;
  workload: WorkloadKey;
  liveImages: readonly string[];
  targetImages: readonly string[];
  fromRevision?: number;
  toRevision: number;
  engine: Engine;
  /** The manifest that defines the workload; found in the working tree when absent. */
  manifestPath?: string;
  /** `migrations.owners` of .rollbackguard.yaml. */
  owners?: readonly MigrationOwner[];
}

const short = (sha: string) => sha.slice(0, 7);

/**
 * The preflight's schema check: which migrations changed in Git between the
 * revision being left and the one being restored, found through the images
 * (image tag ↔ commit). A code rollback leaves their schema in place.
 */
export async function schemaCheck(input: SchemaCheckInput): Promise<SchemaCheck> {
  const skipped = (title: string, evidence: string[] = []): SchemaCheck => ({ id: 'schema', status: 'skipped', title, evidence });
  const repo = await GitRepo.open(input.dir);
  if (!repo) return skipped(`${input.dir} is not in a Git repository, so the migrations between the revisions are unknown`);
  const what = `${input.workload.kind} ${input.workload.name}`;
  const manifests = input.manifestPath ? [input.manifestPath] : await findWorkloadManifests(repo, input.workload);
  if (manifests.length === 0) return skipped(`no manifest in ${repo.root} defines ${what}, so the migrations between the revisions are unknown`);
  const problems: string[] = [];
  for (const manifestPath of manifests) {
    const result = await schemaChangesBetween(repo, { manifestPath, workload: input.workload, liveImages: input.liveImages, targetImages: input.targetImages, engine: input.engine });
    if (!result.ok) {
      problems.push(result.error.message);
      continue;
    }
    const { migrations: changed, liveCommit, targetCommit } = result.value;
    const from = input.fromRevision === undefined ? 'the live revision' : `revision ${input.fromRevision}`;
    const commits = `${from} is ${short(liveCommit)} and revision ${input.toRevision} is ${short(targetCommit)} in ${manifestPath}`;
    if (changed.length === 0) return { id: 'schema', status: 'pass', title: `no migration changed in Git between ${from} and revision ${input.toRevision}`, evidence: [commits] };
    // Only the workload's own migrations count; when which are its is unknown, say so instead of guessing.
    const owner = await migrationOwnership(repo, { commit: liveCommit, manifestPath, workload: input.workload, images: input.liveImages, ...(input.owners ? { owners: input.owners } : {}), engine: input.engine });
    const listed = (list: readonly MigrationChange[]) => list.map((m) => `${m.path} (${m.status}${m.rollbackClass ? `, ${m.rollbackClass}` : ''}${m.reason ? `: ${m.reason}` : ''})`);
    if (!owner.known) {
      return {
        id: 'schema',
        status: 'skipped',
        title: `unknown which migrations belong to ${what}: ${changed.length} migration${changed.length === 1 ? '' : 's'} changed in the repository between ${from} and revision ${input.toRevision}, not counted`,
        evidence: [owner.why, commits, ...listed(changed).map((l) => `not counted: ${l}`)],
      };
    }
    const migrations = changed.filter((m) => owner.owns(m.path));
    const others = changed.length - migrations.length;
    const ownership = `${what}'s migrations: ${owner.dirs.join(', ')}, from ${owner.by}${others ? `; ${others} other migration${others === 1 ? '' : 's'} changed in the repository, not counted` : ''}`;
    const worst = worstClass(migrations.map((m) => m.rollbackClass));
    if (migrations.length === 0) return { id: 'schema', status: 'pass', title: `no migration of ${what} changed in Git between ${from} and revision ${input.toRevision}`, evidence: [ownership, commits] };
    const lines = listed(migrations);
    const additive = migrations.every((m) => m.rollbackClass === undefined || m.rollbackClass === 'reversible');
    return {
      id: 'schema',
      status: additive ? 'info' : 'warn',
      title: additive
        ? `${migrations.length} additive migration${migrations.length === 1 ? '' : 's'} changed between ${from} and revision ${input.toRevision}; the restored code runs against the newer schema`
        : `${migrations.length} migration${migrations.length === 1 ? '' : 's'} changed between ${from} and revision ${input.toRevision} (worst ${worst}); a code rollback leaves this schema in place — roll the data back first, or make sure revision ${input.toRevision} runs against it`,
      evidence: [ownership, commits, ...lines],
    };
  }
  return skipped(`the images of the two revisions could not be found in the history of ${manifests.join(', ')}`, problems);
}
