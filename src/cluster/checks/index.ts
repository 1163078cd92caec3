/**
 * The checks every rollback gets on top of its preflight, whatever the kind:
 * what it will not undo (notUndone.ts), whether the server still serves the
 * API versions of the target revision (servedApis.ts) and whether the target
 * revision's images and chart are still in their registry (artifacts.ts).
 * Each adds its check to the preflight, and a blocking one its error.
 */
import type { ApplicationPreflight } from '../argocdRollback';
import type { KubeClient } from '../client';
import type { HelmPreflight } from '../helmRollback';
import type { Preflight, PreflightCheck } from '../preflight';
import type { ClusterError } from '../errors';
import { applicationNotUndone, helmNotUndone, workloadNotUndone, type VersionedConfig } from './notUndone';
import { artifactsCheck } from './artifacts';
import { chartsCheck, chartsOf } from './charts';
import { servedApisCheck, type ObjectKind } from './servedApis';

export { type VersionedConfig } from './notUndone';
export { discover, unservedOf, servedApisCheck, type ObjectKind, type Unserved, type Discovery } from './servedApis';
export { artifactsCheck, headManifest, locate, credentialsOf, type ImageLocation, type RegistryCredential, type ImageAnswer } from './artifacts';
export { chartsCheck, chartsOf, lookUpChart, type ChartRef, type ChartAnswer } from './charts';

function add(pre: { checks: PreflightCheck[]; blocking: ClusterError[] }, result: { check: PreflightCheck; error?: ClusterError } | PreflightCheck | undefined): void {
  if (!result) return;
  if ('check' in result) {
    pre.checks.push(result.check);
    // An API the server no longer serves is why the dry run failed too: it leads.
    if (result.error) {
      if (result.error.kind === 'api-not-served') pre.blocking.unshift(result.error);
      else pre.blocking.push(result.error);
    }
  } else pre.checks.push(result);
}

/** How long a registry gets to answer before its images count as unknown. */
const REGISTRY_TIMEOUT_MS = 5_000;

/** Workloads and Argo Rollouts: what the rollback will not undo, and whether the target's images are still in their registry. `known`: the config the target revision ran with, from Git. */
export async function workloadRollbackChecks(client: KubeClient, pre: Preflight, options: { known?: VersionedConfig; registryTimeoutMs?: number } = {}): Promise<void> {
  const plan = pre.plan;
  const [notUndone, artifacts] = await Promise.all([
    workloadNotUndone(client, pre, options.known),
    plan && plan.action === 'patch'
      ? artifactsCheck(client, { revision: `revision ${plan.toRevision}`, namespace: pre.request.ref.namespace, pods: [{ images: plan.to.images, spec: plan.to.template.spec }], timeoutMs: options.registryTimeoutMs ?? REGISTRY_TIMEOUT_MS })
      : Promise.resolve(undefined),
  ]);
  add(pre, artifacts);
  add(pre, notUndone);
}

/** Helm releases: what helm rollback will not undo, and the API versions of the target revision's stored manifest. */
export async function helmRollbackChecks(client: KubeClient, pre: HelmPreflight): Promise<void> {
  if (!pre.plan) return;
  const plan = pre.plan;
  const objects: ObjectKind[] = plan.to.objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name }));
  const [notUndone, apis, artifacts] = await Promise.all([
    helmNotUndone(client, pre),
    servedApisCheck(client, objects, {
      revision: `revision ${plan.toRevision} of Helm release ${pre.ref.name}`,
      fix: {
        hint: `Map the release's stored manifests to served API versions, as helm-mapkubeapis does (helm mapkubeapis ${pre.ref.name} --namespace ${pre.ref.namespace}), then check again; or roll back to a revision that uses served versions.`,
        command: `helm mapkubeapis ${pre.ref.name} --namespace ${pre.ref.namespace}`,
      },
    }),
    artifactsCheck(client, { revision: `revision ${plan.toRevision} of Helm release ${pre.ref.name}`, namespace: pre.ref.namespace, pods: plan.to.objects.filter((o) => o.images.length).map((o) => ({ images: o.images, ...(o.pull ? { spec: o.pull } : {}) })), timeoutMs: REGISTRY_TIMEOUT_MS }),
  ]);
  add(pre, apis);
  add(pre, artifacts);
  add(pre, notUndone);
}

/** Argo CD Applications: what the sync will not undo, whether the target entry's charts are still in their repositories, and — when the target revision's manifests are known (from Git) — their API versions. */
export async function applicationRollbackChecks(client: KubeClient, pre: ApplicationPreflight, options: { objects?: ObjectKind[]; objectsUnknown?: string; registryTimeoutMs?: number } = {}): Promise<void> {
  if (!pre.plan) return;
  const revision = `history ${pre.plan.toId} of Argo CD Application ${pre.ref.name}`;
  const [notUndone, apis, charts] = await Promise.all([
    applicationNotUndone(client, pre),
    options.objects
      ? servedApisCheck(client, options.objects, { revision, fix: { hint: 'Move the manifests of that revision to served API versions in Git and sync that commit instead, or roll back to a revision that uses served versions.' } })
      : Promise.resolve({ check: { id: 'apis' as const, status: 'skipped' as const, title: `the manifests of ${revision} are rendered by Argo CD's repo server${options.objectsUnknown ? ` (${options.objectsUnknown})` : ''}, so their API versions were not checked here`, evidence: [] } }),
    chartsCheck({ revision, charts: chartsOf(pre.plan.to), timeoutMs: options.registryTimeoutMs ?? REGISTRY_TIMEOUT_MS }),
  ]);
  add(pre, apis);
  add(pre, charts);
  add(pre, notUndone);
}
