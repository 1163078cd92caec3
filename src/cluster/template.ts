/**
 * Pod templates as JSON: comparison with the semantics kubectl uses, images,
 * and the controller-added labels that are not part of a user's template.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A pod template as the server sends it (v1.PodTemplateSpec as JSON). */
export type PodTemplate = { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown }; spec?: Record<string, unknown> } & { [k: string]: unknown };

/** Label the Deployment controller adds to each ReplicaSet's template (appsv1.DefaultDeploymentUniqueLabelKey). */
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** Label the Argo Rollouts controller adds to each ReplicaSet's template (v1alpha1.DefaultRolloutUniqueLabelKey). */
export const ROLLOUTS_POD_TEMPLATE_HASH = 'rollouts-pod-template-hash';

export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * The template without `pod-template-hash` (kubectl strips it before patching
 * it back into the Deployment). Copies only the path to the labels; the rest
 * is shared with the input, which callers treat as read-only.
 */
export function withoutHashLabel(template: PodTemplate, label: string = POD_TEMPLATE_HASH): PodTemplate {
  const labels = template.metadata?.labels;
  if (!labels || !(label in labels)) return template;
  const { [label]: _hash, ...rest } = labels;
  return { ...template, metadata: { ...template.metadata, labels: rest } };
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
}

/**
 * apimachinery's Semantic.DeepEqual on JSON: nil and empty slices/maps are
 * equal, and so is a missing field (the typed structs cannot tell them apart).
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => semanticEqual(v, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) if (!semanticEqual(ao[k], bo[k])) return false;
    return true;
  }
  return a === b;
}

/** kubectl's equalIgnoreHash: templates equal once both lose `pod-template-hash`. */
export function equalIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  return semanticEqual(a ? withoutHashLabel(a) : a, b ? withoutHashLabel(b) : b);
}

/**
 * apimachinery's Semantic.DeepDerivative on JSON values: `a` may leave fields
 * unset (nil, "" , empty map or list) that `b` sets; what `a` sets, `b` must
 * hold (a key of `a` missing from `b` is a difference, even when its value is
 * null); `b`'s lists may be longer. Argo Rollouts compares a Rollout's template
 * with a ReplicaSet's this way before an undo (cmd/undo equalIgnoreHash).
 */
export function deepDerivative(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  // A nil interface in `a` is unset.
  if (a === null) return true;
  const kind = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  // Different dynamic types are a difference (reflect's v1.Type() != v2.Type()).
  if (kind(a) !== kind(b)) return false;
  if (typeof a === 'string') return a === '' || a === b;
  if (Array.isArray(a)) {
    const bl = b as unknown[];
    if (a.length === 0) return true;
    if (a.length > bl.length) return false;
    return a.every((v, i) => deepDerivative(v, bl[i]));
  }
  if (typeof a === 'object') {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = Object.keys(ao);
    if (keys.length === 0) return true;
    if (keys.length > Object.keys(bo).length) return false;
    return keys.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && deepDerivative(ao[k], bo[k]));
  }
  return a === b;
}

/** JSON with object keys sorted (what Go's json.Marshal of a map produces), for byte-level comparisons. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface ContainerImage {
  container: string;
  image: string;
  init?: boolean;
}

export function imagesOf(template: PodTemplate | undefined): ContainerImage[] {
  const spec = (template?.spec ?? {}) as { containers?: { name: string; image?: string }[]; initContainers?: { name: string; image?: string }[] };
  return [
    ...(spec.initContainers ?? []).map((c) => ({ container: c.name, image: c.image ?? '', init: true })),
    ...(spec.containers ?? []).map((c) => ({ container: c.name, image: c.image ?? '' })),
  ];
}

export function imagesText(images: readonly ContainerImage[]): string {
  return images.filter((i) => !i.init).map((i) => `${i.container}=${i.image}`).join(', ');
}
