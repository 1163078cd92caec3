import { isMap, type Node, type YAMLMap } from 'yaml';
import type { ManifestDoc } from '../yaml/manifest';
import { findKind, WORKLOAD_KINDS, type WorkloadKind } from './kinds';

export type ContainerRole = 'container' | 'initContainer' | 'ephemeralContainer';

export interface ContainerRef {
  node: YAMLMap;
  role: ContainerRole;
  name?: string;
  /** `spec.template.spec.containers[1]` — for messages. */
  path: string;
}

export interface PodTemplate {
  workload: WorkloadKind;
  /** The template mapping (metadata + spec); the document root for a Pod. */
  template: YAMLMap;
  metadata: Node | null | undefined;
  spec: YAMLMap;
  containers: ContainerRef[];
}

const ROLES: readonly [string, ContainerRole][] = [
  ['initContainers', 'initContainer'],
  ['containers', 'container'],
  ['ephemeralContainers', 'ephemeralContainer'],
];

const templates = new WeakMap<ManifestDoc, PodTemplate | null>();

/** The pod template of a workload document, or undefined (not a workload, or `workloadRef`); computed once per document. */
export function podTemplate(doc: ManifestDoc): PodTemplate | undefined {
  let cached = templates.get(doc);
  if (cached === undefined) templates.set(doc, (cached = readPodTemplate(doc) ?? null));
  return cached ?? undefined;
}

function readPodTemplate(doc: ManifestDoc): PodTemplate | undefined {
  const workload = findKind(WORKLOAD_KINDS, doc);
  if (!workload) return undefined;
  const { nav } = doc;
  const template = workload.template.length === 0 ? doc.root : nav.at(doc.root, workload.template);
  if (!isMap(template)) return undefined;
  const spec = nav.get(template, 'spec');
  if (!isMap(spec)) return undefined;
  const base = workload.template.length === 0 ? 'spec' : `${workload.template.join('.')}.spec`;
  const containers: ContainerRef[] = [];
  for (const [field, role] of ROLES) {
    nav.items(nav.get(spec, field)).forEach((node, i) => {
      if (isMap(node)) containers.push({ node, role, name: nav.str(nav.get(node, 'name')), path: `${base}.${field}[${i}]` });
    });
  }
  return { workload, template, metadata: nav.get(template, 'metadata'), spec, containers };
}

export function describeObject(doc: ManifestDoc): string {
  return doc.name ? `${doc.kind} ${doc.name}` : doc.kind;
}

export function describeContainer(container: ContainerRef): string {
  const role = container.role === 'container' ? 'container' : container.role === 'initContainer' ? 'init container' : 'ephemeral container';
  return container.name ? `${role} \`${container.name}\`` : `${role} at ${container.path}`;
}
