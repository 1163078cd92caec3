import { posix } from 'node:path';
import { configFingerprint, type ConfigFingerprint } from '../core/k8s/configContent';
import { parseManifestFile } from '../core/yaml/manifest';
import { trimEndOf, trimStartOf } from '../core/text';
import { GitRepo } from './repo';
import { findWorkloadManifests, sameImage, workloadImages, type WorkloadKey } from './schemaChanges';

/**
 * What config a revision of a workload ran with, from Git: the manifest's
 * history says which commit gave the workload the revision's images (image
 * tag ↔ commit), and the ConfigMaps and Secrets written next to it at that
 * commit (the manifest itself and the YAML files of its directory) are what
 * that revision read. Returned as per-key fingerprints, never values.
 */

export interface RevisionConfig {
  commit: string;
  manifestPath: string;
  /** `ConfigMap/name` or `Secret/name` → fingerprint. */
  config: Map<string, ConfigFingerprint>;
}

export type RevisionConfigResult = { ok: true; value: RevisionConfig } | { ok: false; reason: string };

/** The newest commit of `manifestPath` whose version gives the workload every one of `images`. */
async function commitRunning(repo: GitRepo, manifestPath: string, workload: WorkloadKey, images: readonly string[]): Promise<string | undefined> {
  const log = await repo.probe(['log', '--format=%H', '--follow', 'HEAD', '--', manifestPath]);
  const commits = log.code === 0 ? log.out.split('\n').filter(Boolean) : [];
  if (commits.length === 0) return undefined;
  const blobs = await repo.readBlobs(commits.map((rev) => ({ rev, path: manifestPath })));
  for (const [i, commit] of commits.entries()) {
    const text = blobs[i]?.toString('utf8');
    const have = text !== undefined ? workloadImages(text, workload) : undefined;
    if (have && images.every((w) => have.some((h) => sameImage(h, w)))) return commit;
  }
  return undefined;
}

/** The ConfigMaps and Secrets in the YAML files of `dir` at `commit` (namespace as written, or none). */
async function configAt(repo: GitRepo, commit: string, dir: string, namespace: string | undefined): Promise<Map<string, ConfigFingerprint>> {
  const listed = await repo.probe(['ls-tree', '--name-only', '-z', commit, '--', dir === '.' ? '.' : `${dir}/`]);
  const paths = listed.code === 0 ? listed.out.split('\0').filter((p) => /\.ya?ml$/i.test(p)) : [];
  const blobs = await repo.readBlobs(paths.map((path) => ({ rev: commit, path })));
  const out = new Map<string, ConfigFingerprint>();
  for (const blob of blobs) {
    if (!blob || blob.length > 2_000_000) continue;
    for (const doc of parseManifestFile(blob.toString('utf8')).manifests) {
      if ((doc.kind !== 'ConfigMap' && doc.kind !== 'Secret') || doc.group !== '' || !doc.name) continue;
      if (doc.namespace && namespace && doc.namespace !== namespace) continue;
      const key = `${doc.kind}/${doc.name}`;
      if (!out.has(key)) out.set(key, configFingerprint(doc.kind, (doc.document.toJS() ?? {}) as Record<string, unknown>));
    }
  }
  return out;
}

/** The config revision `images` ran with, from the Git repository around `dir`. */
export async function revisionConfig(input: { dir: string; workload: WorkloadKey; images: readonly string[]; manifestPath?: string }): Promise<RevisionConfigResult> {
  const repo = await GitRepo.open(input.dir);
  if (!repo) return { ok: false, reason: `${input.dir} is not in a Git repository` };
  const manifests = input.manifestPath ? [input.manifestPath] : await findWorkloadManifests(repo, input.workload);
  if (manifests.length === 0) return { ok: false, reason: `no manifest in ${repo.root} defines ${input.workload.kind} ${input.workload.name}` };
  for (const manifestPath of manifests) {
    const commit = await commitRunning(repo, manifestPath, input.workload, input.images);
    if (!commit) continue;
    return { ok: true, value: { commit, manifestPath, config: await configAt(repo, commit, posix.dirname(manifestPath), input.workload.namespace) } };
  }
  return { ok: false, reason: `no commit of ${manifests.join(', ')} gives ${input.workload.kind} ${input.workload.name} the image${input.images.length === 1 ? '' : 's'} ${input.images.join(', ')}` };
}

export type RevisionObjectsResult = { ok: true; objects: { apiVersion: string; kind: string; name: string; path: string }[] } | { ok: false; reason: string };

/**
 * The Kubernetes objects under `path` at `revision` (an Argo CD history
 * entry's commit) in the Git repository around `dir`, when the revision is
 * there and the directory is plain manifests: a Kustomize or Helm source is
 * rendered by Argo CD's repo server, so it is said, not guessed.
 */
export async function revisionObjects(input: { dir: string; revision: string; path: string }): Promise<RevisionObjectsResult> {
  const repo = await GitRepo.open(input.dir);
  if (!repo) return { ok: false, reason: `${input.dir} is not in a Git repository` };
  if (!/^[0-9a-f]{7,64}$/i.test(input.revision)) return { ok: false, reason: `revision ${input.revision} is not a commit id` };
  const exists = await repo.probe(['cat-file', '-e', `${input.revision}^{commit}`]);
  if (exists.code !== 0) return { ok: false, reason: `commit ${input.revision.slice(0, 7)} is not in ${repo.root}` };
  const dir = trimEndOf(trimStartOf(input.path.startsWith('./') ? input.path.slice(1) : input.path, '/'), '/') || '.';
  const listed = await repo.probe(['ls-tree', '-r', '--name-only', '-z', input.revision, '--', dir === '.' ? '.' : `${dir}/`]);
  const paths = listed.code === 0 ? listed.out.split('\0').filter(Boolean) : [];
  if (paths.length === 0) return { ok: false, reason: `${dir} holds no files at ${input.revision.slice(0, 7)}` };
  const rendered = paths.find((p) => /(^|\/)(kustomization\.ya?ml|Kustomization|Chart\.yaml)$/.test(p));
  if (rendered) return { ok: false, reason: `${rendered} makes it a ${/Chart\.yaml$/.test(rendered) ? 'Helm' : 'Kustomize'} source, rendered by Argo CD's repo server` };
  const yaml = paths.filter((p) => /\.ya?ml$/i.test(p));
  const blobs = await repo.readBlobs(yaml.map((path) => ({ rev: input.revision, path })));
  const objects: { apiVersion: string; kind: string; name: string; path: string }[] = [];
  blobs.forEach((blob, i) => {
    if (!blob || blob.length > 2_000_000) return;
    for (const doc of parseManifestFile(blob.toString('utf8')).manifests) objects.push({ apiVersion: doc.apiVersion, kind: doc.kind, name: doc.name ?? '', path: yaml[i]! });
  });
  return { ok: true, objects };
}

/** What a workload revision ran with, as the cluster layer's not-undone check takes it: the config and its source, or why it is unknown. */
export async function configOfRevision(input: { dir: string; workload: WorkloadKey; images: readonly string[]; manifestPath?: string }): Promise<{ source: string; config: Map<string, ConfigFingerprint> } | { unknown: string }> {
  const found = await revisionConfig(input);
  if (!found.ok) return { unknown: found.reason };
  return { source: `Git commit ${found.value.commit.slice(0, 7)}, ${found.value.manifestPath}`, config: found.value.config };
}

/** The objects of an Argo CD history entry from Git, as the cluster layer's API check takes them, or why they are unknown. */
export async function objectsOfRevision(input: { dir: string; revision?: string; path?: string }): Promise<{ objects: { apiVersion: string; kind: string; name: string }[] } | { objectsUnknown: string }> {
  if (!input.revision || input.path === undefined) return { objectsUnknown: 'the history entry names no single Git revision and path' };
  const found = await revisionObjects({ dir: input.dir, revision: input.revision, path: input.path });
  return found.ok ? { objects: found.objects.map(({ apiVersion, kind, name }) => ({ apiVersion, kind, name })) } : { objectsUnknown: found.reason };
}
