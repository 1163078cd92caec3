/**
 * What changed between the two sides of a release, read from the parse of
 * each file (no file is parsed here): Kubernetes objects by identity, images
 * of workloads, Helm values and Kustomize, and migrations.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import { findKind, type KindRef } from '../k8s/kinds';
import { KUSTOMIZE_IMAGE_KEYS, VALUES_IMAGE_KEYS } from '../k8s/axes';
import { CLIENT_SIDE_KINDS } from '../k8s/stateful';
import { describeContainer, describeObject, podTemplate } from '../k8s/workload';
import { baseName } from '../analyzer';
import type { MigrationUnit } from '../migrations/model';
import type { Range } from '../model';
import { isAdditive, type Op } from '../sql/ops';
import type { LineIndex } from '../text';
import { displayValue, type ManifestDoc, type ManifestFile } from '../yaml/manifest';
import { span, YamlNav } from '../yaml/nodes';
import type { ImageChange, ResourceId } from './model';

/** A Kubernetes document of one side, with where it is. */
export interface Located {
  id: ResourceId;
  key: string;
  path: string;
  file: ManifestFile;
  doc: ManifestDoc;
}

export function resourceKey(id: ResourceId): string {
  return `${id.group}/${id.kind}/${id.namespace}/${id.name}`;
}

/** Objects of one side by identity (first occurrence wins); unnamed and client-side documents are left out. */
export function indexResources(files: readonly { path: string; file: ManifestFile }[]): Map<string, Located> {
  const out = new Map<string, Located>();
  for (const { path, file } of files) {
    for (const doc of file.manifests) {
      if (!doc.name || findKind(CLIENT_SIDE_KINDS, doc)) continue;
      const id: ResourceId = { group: doc.group, kind: doc.kind, namespace: doc.namespace ?? '', name: doc.name };
      const key = resourceKey(id);
      if (!out.has(key)) out.set(key, { id, key, path, file, doc });
    }
  }
  return out;
}

export function rangeIn(loc: { file: ManifestFile }, node: unknown): Range {
  const s = span(node);
  return s ? loc.file.lines.range(s[0], s[1]) : loc.file.lines.range(0, 0);
}

/** The range of a pair's key (one line), or of the node itself. */
export function keyRange(loc: { file: ManifestFile; doc: ManifestDoc }, parent: unknown, key: string): Range | undefined {
  const pair = loc.doc.nav.pair(parent, key);
  return pair ? rangeIn(loc, pair.key) : undefined;
}

/**
 * A node's value as a canonical string (mapping keys sorted, scalars as
 * written, Helm actions shown rather than masked), so two sides compare by
 * meaning and not by formatting. `replace` swaps selected nodes for a
 * placeholder (images, when asking "did anything but the image change?").
 */
export function canonical(loc: { file: ManifestFile; doc: ManifestDoc }, node: unknown, replace?: ReadonlySet<unknown>): string {
  const { nav } = loc.doc;
  const walk = (n: unknown, depth: number): string => {
    const r = nav.resolve(n);
    if (r == null) return 'null';
    if (replace?.has(r)) return '"<replaced>"';
    if (depth > 64) return '"…"';
    if (isMap(r)) {
      const entries = nav.entries(r).map((e) => `${JSON.stringify(e.key)}:${walk(e.value, depth + 1)}`);
      return `{${entries.sort().join(',')}}`;
    }
    if (isSeq(r)) return `[${nav.items(r).map((i) => walk(i, depth + 1)).join(',')}]`;
    if (isScalar(r)) {
      const shown = displayValue(loc.file.text, loc.file.templateSpans, nav, r);
      return JSON.stringify(shown ?? null);
    }
    return 'null';
  };
  return walk(node, 0);
}

/** A short, readable form of a value for messages: `{app: catalog}`, `ReadWriteOnce`. */
export function shortValue(loc: { file: ManifestFile; doc: ManifestDoc }, node: unknown, max = 80): string {
  if (node === undefined) return '(not set)';
  const { nav } = loc.doc;
  const walk = (n: unknown, depth: number): string => {
    const r = nav.resolve(n);
    if (r == null) return 'null';
    if (depth > 6) return '…';
    if (isMap(r)) return `{${nav.entries(r).map((e) => `${e.key}: ${walk(e.value, depth + 1)}`).join(', ')}}`;
    if (isSeq(r)) return `[${nav.items(r).map((i) => walk(i, depth + 1)).join(', ')}]`;
    return displayValue(loc.file.text, loc.file.templateSpans, nav, r) ?? 'null';
  };
  const text = walk(node, 0);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function annotation(loc: { doc: ManifestDoc }, name: string): string | undefined {
  return loc.doc.nav.str(loc.doc.nav.at(loc.doc.root, ['metadata', 'annotations', name]));
}

export function annotations(loc: { doc: ManifestDoc }): { key: string; value: string | undefined; node: unknown }[] {
  const { nav } = loc.doc;
  return nav.entries(nav.at(loc.doc.root, ['metadata', 'annotations'])).map((e) => ({ key: e.key, value: nav.str(e.value), node: e.pair.key }));
}

// ——— images ———

interface ImageSite {
  /** Stable key within the object: container name, or a values path. */
  key: string;
  object: string;
  container?: string;
  image: string;
  node: unknown;
}

/** Image value nodes of a workload document (to blank them when comparing the rest). */
export function imageNodes(doc: ManifestDoc): Set<unknown> {
  const out = new Set<unknown>();
  const pod = podTemplate(doc);
  for (const c of pod?.containers ?? []) {
    const node = doc.nav.get(c.node, 'image');
    if (node) out.add(node);
  }
  return out;
}

function workloadImages(loc: Located): ImageSite[] {
  const pod = podTemplate(loc.doc);
  if (!pod) return [];
  const out: ImageSite[] = [];
  pod.containers.forEach((c, i) => {
    const node = loc.doc.nav.get(c.node, 'image');
    const image = displayValue(loc.file.text, loc.file.templateSpans, loc.doc.nav, node);
    if (image === undefined) return;
    out.push({ key: `${c.role}:${c.name ?? i}`, object: describeObject(loc.doc), container: describeContainer(c), image, node });
  });
  return out;
}

/** Images of a Helm values file: `image: repo:tag`, or `image: {repository, tag, digest}` at any depth. */
function valuesImages(path: string, file: ManifestFile): ImageSite[] {
  const out: ImageSite[] = [];
  file.documents.forEach((document, index) => {
    const nav = new YamlNav(document);
    const visit = (node: unknown, trail: string[]) => {
      const r = nav.resolve(node);
      if (!isMap(r) || trail.length > 12) return;
      for (const e of nav.entries(r)) {
        const here = [...trail, e.key];
        if (e.key === 'image') {
          const str = nav.str(e.value);
          if (str !== undefined) {
            out.push({ key: `${index}:${here.join('.')}`, object: `values \`${here.join('.')}\``, image: str, node: e.value });
            continue;
          }
          if (isMap(e.value)) {
            const parts = VALUES_IMAGE_KEYS.map((k) => nav.str(nav.get(e.value, k)));
            if (parts.some((p) => p !== undefined)) {
              const tagNode = nav.get(e.value, 'tag') ?? nav.get(e.value, 'digest') ?? nav.get(e.value, 'repository') ?? e.value;
              const [repository, tag, digest, registry, name] = parts;
              const image = `${registry ? `${registry}/` : ''}${repository ?? name ?? ''}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
              out.push({ key: `${index}:${here.join('.')}`, object: `values \`${here.join('.')}\``, image, node: tagNode });
              continue;
            }
          }
        }
        visit(e.value, here);
      }
    };
    visit(document.contents, []);
  });
  void path;
  return out;
}

/** Images a kustomization overrides (`images: [{name, newName, newTag, digest}]`). */
function kustomizeImages(file: ManifestFile): ImageSite[] {
  const out: ImageSite[] = [];
  for (const doc of file.manifests) {
    if (doc.kind !== 'Kustomization') continue;
    for (const item of doc.nav.items(doc.nav.get(doc.root, 'images'))) {
      const name = doc.nav.str(doc.nav.get(item, 'name'));
      if (!name) continue;
      const [newName, newTag, digest] = KUSTOMIZE_IMAGE_KEYS.map((k) => doc.nav.str(doc.nav.get(item, k)));
      const node = doc.nav.get(item, 'digest') ?? doc.nav.get(item, 'newTag') ?? doc.nav.get(item, 'newName') ?? item;
      out.push({ key: `kustomize:${name}`, object: `kustomization image \`${name}\``, image: `${newName ?? name}${newTag ? `:${newTag}` : ''}${digest ? `@${digest}` : ''}`, node });
    }
  }
  return out;
}

const isValuesFile = (path: string) => /^values(?:[.-][\w.-]*)?\.ya?ml$/i.test(baseName(path));
const isKustomization = (path: string) => /^kustomization\.ya?ml$/i.test(baseName(path));

/**
 * Images the release changes: workload containers matched by object and
 * container name (a new workload counts: it starts code that never ran
 * here), Helm values and Kustomize image overrides matched by path.
 */
export function imageChanges(
  pairs: readonly { base?: Located; head: Located }[],
  files: readonly { path: string; base?: ManifestFile; head?: ManifestFile }[],
): ImageChange[] {
  const out: ImageChange[] = [];
  const compare = (path: string, headFile: ManifestFile, base: ImageSite[], head: ImageSite[]) => {
    const before = new Map(base.map((s) => [s.key, s.image]));
    for (const site of head) {
      const from = before.get(site.key);
      if (from === site.image) continue;
      const s = span(site.node);
      out.push({
        file: path,
        object: site.object,
        container: site.container,
        from,
        to: site.image,
        range: s ? headFile.lines.range(s[0], s[1]) : headFile.lines.range(0, 0),
      });
    }
  };
  for (const { base, head } of pairs) compare(head.path, head.file, base ? workloadImages(base) : [], workloadImages(head));
  for (const f of files) {
    if (!f.head) continue;
    if (isValuesFile(f.path)) compare(f.path, f.head, f.base ? valuesImages(f.path, f.base) : [], valuesImages(f.path, f.head));
    if (isKustomization(f.path)) compare(f.path, f.head, f.base ? kustomizeImages(f.base) : [], kustomizeImages(f.head));
  }
  return out;
}

/** Whether a file is Helm values or a kustomization (config that is not a Kubernetes object). */
export function isConfigFile(path: string): boolean {
  return isValuesFile(path) || isKustomization(path);
}

/** Values/kustomization content other than images differs between the sides. */
export function configFileChanged(base: ManifestFile | undefined, head: ManifestFile): boolean {
  const strip = (file: ManifestFile | undefined) => {
    if (!file) return '';
    const images = new Set<unknown>([...valuesImages('', file), ...kustomizeImages(file)].map((s) => s.node));
    return file.documents
      .map((document) => {
        const doc = { nav: new YamlNav(document), root: document.contents } as unknown as ManifestDoc;
        return canonical({ file, doc }, document.contents, images);
      })
      .join('\n---\n');
  };
  return strip(base) !== strip(head);
}

// ——— migrations ———

/** The up operations of a migration file's units (a file analysed as a down has none here). */
export function upOps(units: readonly MigrationUnit[]): Op[] {
  return units.filter((u) => u.upHere).flatMap((u) => u.up);
}

export function isAdditiveMigration(units: readonly MigrationUnit[]): boolean {
  return upOps(units).every(isAdditive);
}

/** The first operation the previous release cannot live with, else the first operation, as a range. */
export function migrationAnchor(units: readonly MigrationUnit[], lines: LineIndex): Range {
  const ops = upOps(units);
  const op = ops.find((o) => !isAdditive(o)) ?? ops[0];
  if (op) return lines.range(op.span.start, op.span.end);
  const unit = units[0];
  return unit ? lines.range(unit.anchor.start, unit.anchor.end) : lines.range(0, 0);
}

export type { KindRef };
