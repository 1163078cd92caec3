/** The workload kinds whose history and rollback match `kubectl rollout`. */
import { fail, ok, type Result } from './errors';

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

interface KindInfo {
  plural: string;
  /** Where its revisions live. */
  history: 'replicasets' | 'controllerrevisions';
  aliases: readonly string[];
}

export const KIND_INFO: Record<WorkloadKind, KindInfo> = {
  Deployment: { plural: 'deployments', history: 'replicasets', aliases: ['deployment', 'deployments', 'deploy', 'deployment.apps', 'deployments.apps'] },
  StatefulSet: { plural: 'statefulsets', history: 'controllerrevisions', aliases: ['statefulset', 'statefulsets', 'sts', 'statefulset.apps', 'statefulsets.apps'] },
  DaemonSet: { plural: 'daemonsets', history: 'controllerrevisions', aliases: ['daemonset', 'daemonsets', 'ds', 'daemonset.apps', 'daemonsets.apps'] },
};

/** `deployment/web`, `deploy/web`, `sts/db`, `daemonset.apps/agent` (kubectl's spellings). */
export function parseWorkload(text: string): Result<{ kind: WorkloadKind; name: string }> {
  const slash = text.indexOf('/');
  const kindText = slash > 0 ? text.slice(0, slash).toLowerCase() : '';
  const name = slash > 0 ? text.slice(slash + 1) : '';
  const kind = WORKLOAD_KINDS.find((k) => KIND_INFO[k].aliases.includes(kindText));
  if (!kind || !name || name.includes('/')) {
    return fail('unsupported', `"${text}" is not a workload this command handles`, 'Name it as KIND/NAME with KIND one of deployment (deploy), statefulset (sts), daemonset (ds): e.g. deployment/web.');
  }
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
    return fail('unsupported', `"${name}" is not a valid object name`, 'Names are lower-case letters, digits, "-" and ".".');
  }
  return ok({ kind, name });
}

export function refText(ref: Pick<WorkloadRef, 'kind' | 'name'>): string {
  return `${ref.kind.toLowerCase()}/${ref.name}`;
}

export function objectPath(ref: WorkloadRef): string {
  return `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/${KIND_INFO[ref.kind].plural}/${encodeURIComponent(ref.name)}`;
}

/** Collection path: one namespace, or every namespace when `namespace` is undefined. */
export function collectionPath(plural: string, namespace?: string): string {
  return namespace === undefined ? `/apis/apps/v1/${plural}` : `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}
