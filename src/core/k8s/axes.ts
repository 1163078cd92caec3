import type { KindRef } from './kinds';

/**
 * The axes a release can move (RG302), each with its own undo tool: CRDs and
 * the API machinery of controllers (staged version changes), workload images
 * (rollout undo), configuration (git revert + sync), schema (restore or
 * compensation).
 */
export const AXES = ['crd', 'image', 'config', 'schema'] as const;
export type Axis = (typeof AXES)[number];

export const AXIS_NAMES: Record<Axis, string> = {
  crd: 'CRDs and controllers',
  image: 'workload images',
  config: 'configuration',
  schema: 'schema',
};

/** Kinds that belong to the CRD/controller axis rather than to configuration. */
export const CRD_AXIS_KINDS: readonly KindRef[] = [
  { kind: 'CustomResourceDefinition', groups: ['apiextensions.k8s.io'] },
  { kind: 'MutatingWebhookConfiguration', groups: ['admissionregistration.k8s.io'] },
  { kind: 'ValidatingWebhookConfiguration', groups: ['admissionregistration.k8s.io'] },
  { kind: 'APIService', groups: ['apiregistration.k8s.io'] },
];

/**
 * Where images live outside pod templates, as data: Helm values (`image:`
 * as a string, or a map with these keys) and Kustomize's `images:` list.
 */
export const VALUES_IMAGE_KEYS: readonly string[] = ['repository', 'tag', 'digest', 'registry', 'name'];
export const KUSTOMIZE_IMAGE_KEYS: readonly string[] = ['newName', 'newTag', 'digest'];
