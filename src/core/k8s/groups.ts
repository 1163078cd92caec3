/**
 * The API group of a kind that exists in one group only, for documents whose
 * `apiVersion` is printed by a template (`apiVersion: {{ include
 * "common.capabilities.deployment.apiVersion" . }}`): the version varies
 * with the cluster, the group does not. Kinds served by several groups that
 * mean different things (`Kustomization` of Kustomize and of Flux) are left
 * out, so such a document is not guessed.
 */
const GROUP_OF_KIND: Readonly<Record<string, string>> = {
  // core
  Pod: '',
  Service: '',
  ConfigMap: '',
  Secret: '',
  ServiceAccount: '',
  PersistentVolumeClaim: '',
  PersistentVolume: '',
  Namespace: '',
  ReplicationController: '',
  Endpoints: '',
  LimitRange: '',
  ResourceQuota: '',
  // apps, batch (the legacy `extensions` group served the same kinds)
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  ReplicaSet: 'apps',
  ControllerRevision: 'apps',
  Job: 'batch',
  CronJob: 'batch',
  // others whose group moved only between versions
  Ingress: 'networking.k8s.io',
  IngressClass: 'networking.k8s.io',
  NetworkPolicy: 'networking.k8s.io',
  HorizontalPodAutoscaler: 'autoscaling',
  PodDisruptionBudget: 'policy',
  PodSecurityPolicy: 'policy',
  StorageClass: 'storage.k8s.io',
  CSIDriver: 'storage.k8s.io',
  VolumeAttachment: 'storage.k8s.io',
  Role: 'rbac.authorization.k8s.io',
  RoleBinding: 'rbac.authorization.k8s.io',
  ClusterRole: 'rbac.authorization.k8s.io',
  ClusterRoleBinding: 'rbac.authorization.k8s.io',
  PriorityClass: 'scheduling.k8s.io',
  CustomResourceDefinition: 'apiextensions.k8s.io',
  MutatingWebhookConfiguration: 'admissionregistration.k8s.io',
  ValidatingWebhookConfiguration: 'admissionregistration.k8s.io',
  APIService: 'apiregistration.k8s.io',
  // Argo, Flux
  Rollout: 'argoproj.io',
  AnalysisTemplate: 'argoproj.io',
  Application: 'argoproj.io',
  ApplicationSet: 'argoproj.io',
  AppProject: 'argoproj.io',
  HelmRelease: 'helm.toolkit.fluxcd.io',
  HelmRepository: 'source.toolkit.fluxcd.io',
  GitRepository: 'source.toolkit.fluxcd.io',
  OCIRepository: 'source.toolkit.fluxcd.io',
};

/** The group of `kind` when it exists in exactly one group, else undefined. */
export function groupOfKind(kind: string): string | undefined {
  return Object.hasOwn(GROUP_OF_KIND, kind) ? GROUP_OF_KIND[kind] : undefined;
}
