/**
 * Kubernetes API versions that releases stopped serving, from 1.16 to the
 * current release, each with its replacement — the Deprecated API Migration
 * Guide (https://kubernetes.io/docs/reference/using-api/deprecation-guide/)
 * as data. A manifest (or a stored Helm release, an Argo CD revision) that
 * uses one of these cannot be applied to a cluster of that version or later:
 * a cluster upgrade cannot be rolled back across that boundary.
 *
 * `sameFields`: the replacement reads the same fields, so changing the
 * `apiVersion` line is the whole migration (the guide says "no notable
 * changes"); otherwise fields moved and the manifest needs editing.
 */

export interface ApiRemoval {
  /** `extensions/v1beta1`, `policy/v1beta1`, … */
  apiVersion: string;
  kinds: readonly string[];
  /** The minor release that stopped serving it: `1.22`. */
  removedIn: string;
  /** What to use instead; undefined when nothing replaces it (PodSecurityPolicy). */
  replacement?: string;
  sameFields: boolean;
  /** What changes besides the apiVersion, in a few words. */
  note?: string;
}

export const API_REMOVALS: readonly ApiRemoval[] = [
  // 1.16
  { apiVersion: 'extensions/v1beta1', kinds: ['NetworkPolicy'], removedIn: '1.16', replacement: 'networking.k8s.io/v1', sameFields: true },
  { apiVersion: 'extensions/v1beta1', kinds: ['PodSecurityPolicy'], removedIn: '1.16', replacement: 'policy/v1beta1', sameFields: true },
  { apiVersion: 'extensions/v1beta1', kinds: ['DaemonSet'], removedIn: '1.16', replacement: 'apps/v1', sameFields: false, note: 'spec.selector is required; updateStrategy defaults to RollingUpdate' },
  { apiVersion: 'apps/v1beta2', kinds: ['DaemonSet'], removedIn: '1.16', replacement: 'apps/v1', sameFields: false, note: 'spec.selector is required; updateStrategy defaults to RollingUpdate' },
  { apiVersion: 'extensions/v1beta1', kinds: ['Deployment'], removedIn: '1.16', replacement: 'apps/v1', sameFields: false, note: 'spec.selector is required; spec.rollbackTo is removed' },
  { apiVersion: 'apps/v1beta1', kinds: ['Deployment'], removedIn: '1.16', replacement: 'apps/v1', sameFields: false, note: 'spec.selector is required; spec.rollbackTo is removed' },
  { apiVersion: 'apps/v1beta2', kinds: ['Deployment'], removedIn: '1.16', replacement: 'apps/v1', sameFields: false, note: 'spec.selector is required' },
  { apiVersion: 'apps/v1beta1', kinds: ['StatefulSet'], removedIn: '1.16', replacement: 'apps/v1', sameFields: false, note: 'spec.selector is required; updateStrategy defaults to RollingUpdate' },
  { apiVersion: 'apps/v1beta2', kinds: ['StatefulSet'], removedIn: '1.16', replacement: 'apps/v1', sameFields: false, note: 'spec.selector is required' },
  { apiVersion: 'extensions/v1beta1', kinds: ['ReplicaSet'], removedIn: '1.16', replacement: 'apps/v1', sameFields: false, note: 'spec.selector is required' },
  { apiVersion: 'apps/v1beta1', kinds: ['ReplicaSet'], removedIn: '1.16', replacement: 'apps/v1', sameFields: false, note: 'spec.selector is required' },
  { apiVersion: 'apps/v1beta2', kinds: ['ReplicaSet'], removedIn: '1.16', replacement: 'apps/v1', sameFields: false, note: 'spec.selector is required' },
  // 1.22
  { apiVersion: 'admissionregistration.k8s.io/v1beta1', kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], removedIn: '1.22', replacement: 'admissionregistration.k8s.io/v1', sameFields: false, note: 'sideEffects and admissionReviewVersions are required' },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', kinds: ['CustomResourceDefinition'], removedIn: '1.22', replacement: 'apiextensions.k8s.io/v1', sameFields: false, note: 'schemas move under spec.versions[*] and must be structural' },
  { apiVersion: 'apiregistration.k8s.io/v1beta1', kinds: ['APIService'], removedIn: '1.22', replacement: 'apiregistration.k8s.io/v1', sameFields: true },
  { apiVersion: 'authentication.k8s.io/v1beta1', kinds: ['TokenReview'], removedIn: '1.22', replacement: 'authentication.k8s.io/v1', sameFields: true },
  { apiVersion: 'authorization.k8s.io/v1beta1', kinds: ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SubjectAccessReview'], removedIn: '1.22', replacement: 'authorization.k8s.io/v1', sameFields: false, note: 'spec.group is renamed spec.groups' },
  { apiVersion: 'certificates.k8s.io/v1beta1', kinds: ['CertificateSigningRequest'], removedIn: '1.22', replacement: 'certificates.k8s.io/v1', sameFields: false, note: 'spec.signerName and spec.usages are required' },
  { apiVersion: 'coordination.k8s.io/v1beta1', kinds: ['Lease'], removedIn: '1.22', replacement: 'coordination.k8s.io/v1', sameFields: true },
  { apiVersion: 'extensions/v1beta1', kinds: ['Ingress'], removedIn: '1.22', replacement: 'networking.k8s.io/v1', sameFields: false, note: 'backends become service.name/service.port; pathType is required' },
  { apiVersion: 'networking.k8s.io/v1beta1', kinds: ['Ingress'], removedIn: '1.22', replacement: 'networking.k8s.io/v1', sameFields: false, note: 'backends become service.name/service.port; pathType is required' },
  { apiVersion: 'networking.k8s.io/v1beta1', kinds: ['IngressClass'], removedIn: '1.22', replacement: 'networking.k8s.io/v1', sameFields: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], removedIn: '1.22', replacement: 'rbac.authorization.k8s.io/v1', sameFields: true },
  { apiVersion: 'scheduling.k8s.io/v1beta1', kinds: ['PriorityClass'], removedIn: '1.22', replacement: 'scheduling.k8s.io/v1', sameFields: true },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], removedIn: '1.22', replacement: 'storage.k8s.io/v1', sameFields: true },
  // 1.25
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], removedIn: '1.25', replacement: 'batch/v1', sameFields: true },
  { apiVersion: 'discovery.k8s.io/v1beta1', kinds: ['EndpointSlice'], removedIn: '1.25', replacement: 'discovery.k8s.io/v1', sameFields: false, note: 'per-endpoint nodeName and zone replace topology' },
  { apiVersion: 'events.k8s.io/v1beta1', kinds: ['Event'], removedIn: '1.25', replacement: 'events.k8s.io/v1', sameFields: false, note: 'involvedObject is renamed regarding' },
  { apiVersion: 'autoscaling/v2beta1', kinds: ['HorizontalPodAutoscaler'], removedIn: '1.25', replacement: 'autoscaling/v2', sameFields: false, note: 'metric targets move under target' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodDisruptionBudget'], removedIn: '1.25', replacement: 'policy/v1', sameFields: false, note: 'an empty selector selects every pod of the namespace' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodSecurityPolicy'], removedIn: '1.25', sameFields: false, note: 'no replacement: use Pod Security Admission or a policy engine' },
  { apiVersion: 'node.k8s.io/v1beta1', kinds: ['RuntimeClass'], removedIn: '1.25', replacement: 'node.k8s.io/v1', sameFields: true },
  // 1.26
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: '1.26', replacement: 'flowcontrol.apiserver.k8s.io/v1', sameFields: false, note: 'assuredConcurrencyShares is renamed nominalConcurrencyShares' },
  { apiVersion: 'autoscaling/v2beta2', kinds: ['HorizontalPodAutoscaler'], removedIn: '1.26', replacement: 'autoscaling/v2', sameFields: true },
  // 1.27
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIStorageCapacity'], removedIn: '1.27', replacement: 'storage.k8s.io/v1', sameFields: true },
  // 1.29
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: '1.29', replacement: 'flowcontrol.apiserver.k8s.io/v1', sameFields: false, note: 'assuredConcurrencyShares is renamed nominalConcurrencyShares' },
  // 1.32
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: '1.32', replacement: 'flowcontrol.apiserver.k8s.io/v1', sameFields: false, note: 'nominalConcurrencyShares 0 is no longer defaulted to 30' },
];

export interface KubeVersion {
  major: number;
  minor: number;
}

/** `1.30`, `v1.30.2`, `1.30+` (as EKS reports it) → {1, 30}; undefined when it is not a version. */
export function parseKubeVersion(text: string | undefined): KubeVersion | undefined {
  // Trimmed first: a trailing `\s*` after `.*` retried every split of a long run of spaces.
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[+-].*)?$/.exec((text ?? '').trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

export function kubeVersionText(v: KubeVersion): string {
  return `${v.major}.${v.minor}`;
}

function atLeast(v: KubeVersion, than: KubeVersion): boolean {
  return v.major !== than.major ? v.major > than.major : v.minor >= than.minor;
}

/** The removal of `apiVersion` for `kind` in any release. */
export function apiRemoval(apiVersion: string, kind: string): ApiRemoval | undefined {
  return API_REMOVALS.find((r) => r.apiVersion === apiVersion && r.kinds.includes(kind));
}

/** The removal that makes `apiVersion`/`kind` unavailable in `version` (removed in that release or earlier). */
export function removedBy(apiVersion: string, kind: string, version: KubeVersion): ApiRemoval | undefined {
  const removal = apiRemoval(apiVersion, kind);
  return removal && atLeast(version, parseKubeVersion(removal.removedIn)!) ? removal : undefined;
}
