import type { KindRef } from './kinds';

/**
 * Fields the API server refuses to update, as data (RG106). A change to one
 * fails `kubectl apply`, a GitOps sync and `helm upgrade` with "field is
 * immutable"; the only way through is delete and recreate, in both
 * directions. Sources: the apps/v1, batch/v1 and core/v1 validation
 * (`ValidateDeploymentUpdate`, `ValidateStatefulSetUpdate`,
 * `ValidateJobUpdate`, `ValidateServiceUpdate`, `ValidatePersistentVolumeClaimUpdate`,
 * `ValidateConfigMapUpdate`).
 */
export interface ImmutableFields extends KindRef {
  /** Paths from the document root. */
  fields: readonly (readonly string[])[];
  /** Only when the base object has this scalar value at this path (immutable ConfigMaps and Secrets). */
  when?: { path: readonly string[]; value: string };
  /**
   * Removing the field from the manifest is not a change the server rejects
   * (it keeps the value it assigned, as for a Service's `clusterIP`).
   */
  removalAllowed?: boolean;
  /** What a rollback needs instead of `rollout undo`, for the message. */
  recreate: string;
}

export const IMMUTABLE_FIELDS: readonly ImmutableFields[] = [
  {
    kind: 'Deployment',
    groups: ['apps', 'extensions'],
    fields: [['spec', 'selector']],
    recreate: 'deleting the Deployment (all its pods) and creating it again',
  },
  {
    kind: 'ReplicaSet',
    groups: ['apps', 'extensions'],
    fields: [['spec', 'selector']],
    recreate: 'deleting the ReplicaSet (all its pods) and creating it again',
  },
  {
    kind: 'DaemonSet',
    groups: ['apps', 'extensions'],
    fields: [['spec', 'selector']],
    recreate: 'deleting the DaemonSet (its pod on every node) and creating it again',
  },
  {
    kind: 'StatefulSet',
    groups: ['apps'],
    fields: [['spec', 'selector'], ['spec', 'serviceName'], ['spec', 'volumeClaimTemplates'], ['spec', 'podManagementPolicy']],
    recreate: 'deleting the StatefulSet with `--cascade=orphan` and creating it again, without losing its claims',
  },
  {
    kind: 'Job',
    groups: ['batch'],
    fields: [['spec', 'template'], ['spec', 'selector']],
    recreate: 'deleting the Job and creating it again (it runs again)',
  },
  {
    kind: 'Service',
    groups: [''],
    fields: [['spec', 'clusterIP']],
    removalAllowed: true,
    recreate: 'deleting the Service and creating it again (it gets a new cluster IP that clients may have cached)',
  },
  {
    kind: 'PersistentVolumeClaim',
    groups: [''],
    fields: [['spec', 'storageClassName'], ['spec', 'accessModes'], ['spec', 'volumeName']],
    recreate: 'deleting the claim and creating it again — with a `Delete` reclaim policy that deletes the volume and its data',
  },
  {
    kind: 'ConfigMap',
    groups: [''],
    fields: [['data'], ['binaryData'], ['immutable']],
    when: { path: ['immutable'], value: 'true' },
    recreate: 'deleting the ConfigMap and creating it again, then restarting the pods that read it',
  },
  {
    kind: 'Secret',
    groups: [''],
    fields: [['data'], ['stringData'], ['immutable']],
    when: { path: ['immutable'], value: 'true' },
    recreate: 'deleting the Secret and creating it again, then restarting the pods that read it',
  },
];

/**
 * Objects deleted and created again on every deploy, so an immutable field
 * may change freely: Helm and Argo CD hooks, and Argo CD's `Force=true`
 * sync option (replace with delete).
 */
export const RECREATED_ON_DEPLOY: readonly { annotation: string; contains?: string; tool: string }[] = [
  // https://helm.sh/docs/topics/charts_hooks/#hook-deletion-policies (default: before-hook-creation)
  { annotation: 'helm.sh/hook', tool: 'Helm hook' },
  // https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/
  { annotation: 'argocd.argoproj.io/hook', tool: 'Argo CD hook' },
  // https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#replace-resource-instead-of-applying-changes
  { annotation: 'argocd.argoproj.io/sync-options', contains: 'Force=true', tool: 'Argo CD Force=true' },
];
