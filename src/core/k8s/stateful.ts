import type { KindRef } from './kinds';

/**
 * Kinds whose deletion takes data with it (RG112): a removed claim may take
 * its volume, a Namespace everything in it, a CRD every custom resource of
 * its type. Removing anything else is undone by re-creating it.
 */
export interface StatefulKind extends KindRef {
  /** What deleting it destroys, for the message. */
  loses: string;
}

export const STATEFUL_KINDS: readonly StatefulKind[] = [
  { kind: 'PersistentVolumeClaim', groups: [''], loses: 'its volume, and the data on it, under a `Delete` reclaim policy' },
  { kind: 'PersistentVolume', groups: [''], loses: 'the volume, and with a `Delete` reclaim policy the storage behind it' },
  { kind: 'StatefulSet', groups: ['apps'], loses: 'its pods and, under a `Delete` claim retention policy, their claims and data' },
  { kind: 'Namespace', groups: [''], loses: 'every object in the namespace, claims and their data included' },
  { kind: 'CustomResourceDefinition', groups: ['apiextensions.k8s.io'], loses: 'every custom resource of this type, in every namespace' },
];

/**
 * Annotations that keep an object out of pruning, so removing it from Git
 * does not delete it from the cluster (the documented way to retire a
 * stateful object: detach it first, delete it by hand later).
 */
export const PRUNE_PROTECTION: readonly { annotation: string; values: readonly string[]; tool: string }[] = [
  // https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#no-prune-resources
  { annotation: 'argocd.argoproj.io/sync-options', values: ['Prune=false', 'Delete=false'], tool: 'Argo CD' },
  // https://fluxcd.io/flux/components/kustomize/kustomizations/#prune
  { annotation: 'kustomize.toolkit.fluxcd.io/prune', values: ['disabled'], tool: 'Flux' },
  // https://helm.sh/docs/howto/charts_tips_and_tricks/#tell-helm-not-to-uninstall-a-resource
  { annotation: 'helm.sh/resource-policy', values: ['keep'], tool: 'Helm' },
];

/**
 * Documents with `apiVersion` and `kind` that never reach the cluster, so
 * their removal deletes nothing there (Kustomize's own files, Helm's
 * chart metadata).
 */
export const CLIENT_SIDE_KINDS: readonly KindRef[] = [
  { kind: 'Kustomization', groups: ['kustomize.config.k8s.io'] },
  { kind: 'Component', groups: ['kustomize.config.k8s.io'] },
];
