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
      if (isMap(node)) {
        const nameNode = nav.get(node, 'name');
        containers.push({ node, role, name: doc.display ? doc.display(nameNode) : nav.str(nameNode), path: `${base}.${field}[${i}]` });
      }
    });
  }
  return { workload, template, metadata: nav.get(template, 'metadata'), spec, containers };
}

export function describeObject(doc: ManifestDoc): string {
  if (doc.name) return `${doc.kind} ${doc.name}`;
  // `generateName: schema-` names each object created from it `schema-x7k2q`.
  const generated = doc.nav.str(doc.nav.at(doc.root, ['metadata', 'generateName']));
  return generated ? `${doc.kind} ${generated}…` : doc.kind;
}

/** True for an object a controller created (a Pod of a ReplicaSet, say): its owner is what is applied and rolled back, not it. */
export function isControllerOutput(doc: ManifestDoc): boolean {
  return doc.nav.items(doc.nav.at(doc.root, ['metadata', 'ownerReferences'])).length > 0;
}

export function describeContainer(container: ContainerRef): string {
  const role = container.role === 'container' ? 'container' : container.role === 'initContainer' ? 'init container' : 'ephemeral container';
  return container.name ? `${role} \`${container.name}\`` : `${role} at ${container.path}`;
}
