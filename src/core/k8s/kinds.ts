/**
 * Kubernetes kinds as data, so rules ask "is this a rolled-out workload?"
 * instead of repeating kind lists (kube-linter's object-kind matchers work
 * the same way).
 */

export interface KindRef {
  kind: string;
  /** API groups the kind is served under (`''` is the core group). */
  groups: readonly string[];
}

export interface WorkloadKind extends KindRef {
  /** Path from the document root to the pod template (metadata + spec); `[]` for a Pod. */
  template: readonly string[];
  /** Updated by a rollout with revision history, so `rollout undo` applies. */
  rolledOut: boolean;
}

export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  { kind: 'Deployment', groups: ['apps', 'extensions'], template: ['spec', 'template'], rolledOut: true },
  { kind: 'StatefulSet', groups: ['apps'], template: ['spec', 'template'], rolledOut: true },
  { kind: 'DaemonSet', groups: ['apps', 'extensions'], template: ['spec', 'template'], rolledOut: true },
  { kind: 'Rollout', groups: ['argoproj.io'], template: ['spec', 'template'], rolledOut: true },
  { kind: 'ReplicaSet', groups: ['apps', 'extensions'], template: ['spec', 'template'], rolledOut: false },
  { kind: 'ReplicationController', groups: [''], template: ['spec', 'template'], rolledOut: false },
  { kind: 'Job', groups: ['batch'], template: ['spec', 'template'], rolledOut: false },
  { kind: 'CronJob', groups: ['batch'], template: ['spec', 'jobTemplate', 'spec', 'template'], rolledOut: false },
  { kind: 'Pod', groups: [''], template: [], rolledOut: false },
];

/** Objects whose spec carries `revisionHistoryLimit` that history rollback depends on. */
export const REVISION_HISTORY_KINDS: readonly KindRef[] = [
  { kind: 'Deployment', groups: ['apps', 'extensions'] },
  { kind: 'StatefulSet', groups: ['apps'] },
  { kind: 'DaemonSet', groups: ['apps', 'extensions'] },
  { kind: 'Rollout', groups: ['argoproj.io'] },
  { kind: 'Application', groups: ['argoproj.io'] },
];

/** GitOps objects whose controller re-applies Git and undoes a cluster-side rollback. */
export interface GitOpsKind extends KindRef {
  controller: string;
  /** Path of the field that turns the re-apply loop on, or of the suspend flag. */
  loop: { automatedAt?: readonly string[]; suspendAt?: readonly string[] };
}

export const GITOPS_KINDS: readonly GitOpsKind[] = [
  { kind: 'Application', groups: ['argoproj.io'], controller: 'Argo CD', loop: { automatedAt: ['spec', 'syncPolicy', 'automated'] } },
  {
    kind: 'ApplicationSet',
    groups: ['argoproj.io'],
    controller: 'Argo CD',
    loop: { automatedAt: ['spec', 'template', 'spec', 'syncPolicy', 'automated'] },
  },
  { kind: 'Kustomization', groups: ['kustomize.toolkit.fluxcd.io'], controller: 'Flux', loop: { suspendAt: ['spec', 'suspend'] } },
  { kind: 'HelmRelease', groups: ['helm.toolkit.fluxcd.io'], controller: 'Flux', loop: { suspendAt: ['spec', 'suspend'] } },
];

export const CONFIG_KINDS: readonly KindRef[] = [
  { kind: 'ConfigMap', groups: [''] },
  { kind: 'Secret', groups: [''] },
];

export function matchesKind(ref: KindRef, doc: { kind: string; group: string }): boolean {
  return ref.kind === doc.kind && ref.groups.includes(doc.group);
}

export function findKind<T extends KindRef>(table: readonly T[], doc: { kind: string; group: string }): T | undefined {
  return table.find((ref) => matchesKind(ref, doc));
}
