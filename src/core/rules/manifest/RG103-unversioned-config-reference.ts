import { looksVersioned } from '../../k8s/configContent';
import { describeObject, podTemplate } from '../../k8s/workload';
import { appendUnder } from '../../yaml/edits';
import { span, type YamlNav } from '../../yaml/nodes';
import { defineManifestRule, type ManifestContext } from './context';

type ConfigKind = 'ConfigMap' | 'Secret';

/** Where a pod template names a ConfigMap or Secret, as paths from a volume or a container. */
const VOLUME_REFERENCES: readonly { kind: ConfigKind; path: readonly string[] }[] = [
  { kind: 'ConfigMap', path: ['configMap', 'name'] },
  { kind: 'Secret', path: ['secret', 'secretName'] },
];
const PROJECTED_REFERENCES: readonly { kind: ConfigKind; path: readonly string[] }[] = [
  { kind: 'ConfigMap', path: ['configMap', 'name'] },
  { kind: 'Secret', path: ['secret', 'name'] },
];
const ENV_FROM_REFERENCES: readonly { kind: ConfigKind; path: readonly string[] }[] = [
  { kind: 'ConfigMap', path: ['configMapRef', 'name'] },
  { kind: 'Secret', path: ['secretRef', 'name'] },
];
const ENV_REFERENCES: readonly { kind: ConfigKind; path: readonly string[] }[] = [
  { kind: 'ConfigMap', path: ['valueFrom', 'configMapKeyRef', 'name'] },
  { kind: 'Secret', path: ['valueFrom', 'secretKeyRef', 'name'] },
];

interface Reference {
  kind: ConfigKind;
  name: string;
  node: unknown;
}

function collect(nav: YamlNav, display: (node: unknown) => string | undefined, items: unknown[], table: readonly { kind: ConfigKind; path: readonly string[] }[], out: Reference[]) {
  for (const item of items) {
    for (const ref of table) {
      const node = nav.at(item, ref.path);
      const name = display(node);
      if (name) out.push({ kind: ref.kind, name, node });
    }
  }
}

/** Images of sidecars that watch a mounted ConfigMap or Secret and make the main process reload it (configmap-reload, prometheus-config-reloader, config-reloader). */
const RELOADER_IMAGE = /(^|[/_-])(configmap-reload|config-reloader|config-reload)([:@]|$)/;

/**
 * Names of ConfigMaps and Secrets a reloader sidecar of the pod mounts: a
 * change to them is applied live, without a rollout, so their content was
 * never part of a revision to begin with.
 */
function reloaded(nav: YamlNav, pod: NonNullable<ReturnType<typeof podTemplate>>): Set<string> {
  const mounted = new Set<string>();
  for (const container of pod.containers) {
    const image = nav.str(nav.get(container.node, 'image')) ?? '';
    if (!RELOADER_IMAGE.test(image.toLowerCase())) continue;
    for (const mount of nav.items(nav.get(container.node, 'volumeMounts'))) {
      const name = nav.str(nav.get(mount, 'name'));
      if (name) mounted.add(name);
    }
  }
  const out = new Set<string>();
  if (mounted.size === 0) return out;
  for (const volume of nav.items(nav.get(pod.spec, 'volumes'))) {
    if (!mounted.has(nav.str(nav.get(volume, 'name')) ?? '')) continue;
    for (const path of [['configMap', 'name'], ['secret', 'secretName']]) {
      const name = nav.str(nav.at(volume, path));
      if (name) out.add(name);
    }
  }
  return out;
}

/** A CoreDNS `reload` directive: the server re-reads its Corefile when the mounted file changes. */
const COREDNS_RELOAD = /^[ \t]*reload(?:[ \t]|$)/m;

/**
 * Why the content of a ConfigMap or Secret analysed with the workload (in its
 * file, or its rendered chart) changes on a schedule of its own rather than
 * with releases, if it does: then it never belonged in a revision.
 */
function ownSchedule(ctx: ManifestContext, kind: ConfigKind, name: string): boolean {
  const doc = ctx.unit.find((d) => d.kind === kind && d.group === '' && d.name === name);
  if (!doc) return false;
  const { nav, root } = doc;
  // A certificate renews on its own schedule: rolling it back with the pods would restore an older one (RG113's reasoning).
  if (kind === 'Secret' && nav.str(nav.get(root, 'type')) === 'kubernetes.io/tls') return true;
  // Created by an install hook only: an upgrade never changes it.
  const hook = nav.str(nav.at(root, ['metadata', 'annotations', 'helm.sh/hook']));
  if (hook && hook.split(',').every((phase) => /^(pre|post)-install$/.test(phase.trim()))) return true;
  const fields = kind === 'Secret' ? ['data', 'stringData'] : ['data', 'binaryData'];
  // A rendered chart is the whole release: an object it renders with no data field at all is filled at run time, by a controller
  // (an empty `data:` is the values' to fill).
  if (ctx.wholeRelease && fields.every((field) => nav.pair(root, field) === undefined)) return true;
  const content = fields.flatMap((field) => nav.entries(nav.get(root, field)));
  // CoreDNS re-reads a Corefile with the `reload` plugin by itself.
  return kind === 'ConfigMap' && content.some((e) => /^corefile/i.test(e.key) && COREDNS_RELOAD.test(nav.str(e.value) ?? ''));
}

/** Whether the same file (or rendered chart) or a file next to it defines the object. */
function definedHere(ctx: ManifestContext, kind: string, name: string): boolean {
  const same = ctx.unit.some((d) => d.kind === kind && d.group === '' && d.name === name);
  return same || (ctx.project.definesNearby?.(ctx.path, kind, name) ?? false);
}

export default defineManifestRule({
  meta: {
    id: 'RG103',
    name: 'unversioned-config-reference',
    severity: 'warning',
    rollbackClass: 'manual-repair',
    layer: 'config',
    scope: 'manifest',
    summary: 'A workload reads a ConfigMap or Secret by a fixed name, so config changes never enter its revision history.',
    help: 'Make config part of the revision: generate it with a content hash (Kustomize `configMapGenerator`/`secretGenerator`), version its name, or add a `checksum/config` annotation to the pod template (Helm: `{{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}`).',
  },
  check(ctx) {
    const pod = podTemplate(ctx.doc);
    if (!pod || !pod.workload.rolledOut) return;
    const { nav } = ctx;
    // Charts name the key after what it protects (`checksum/config` may hash a Secret template): any counts for both.
    const annotationsPair = nav.pair(pod.metadata, 'annotations');
    const hashed =
      nav.entries(annotationsPair?.value).some((a) => a.key.startsWith('checksum/')) ||
      // Annotations printed by a helper (`{{- include "app.checksums" . | nindent 8 }}`) may be checksums.
      (annotationsPair !== undefined && ((nav.str(annotationsPair.value) !== undefined && ctx.templated(annotationsPair.value)) || ctx.injected(annotationsPair).some((i) => i.helper))) ||
      ctx.injected(nav.pair(pod.template, 'metadata')).some((i) => i.helper);
    if (hashed) return;

    const refs: Reference[] = [];
    const volumes = nav.items(nav.get(pod.spec, 'volumes'));
    collect(nav, ctx.display, volumes, VOLUME_REFERENCES, refs);
    collect(nav, ctx.display, volumes.flatMap((v) => nav.items(nav.at(v, ['projected', 'sources']))), PROJECTED_REFERENCES, refs);
    for (const container of pod.containers) {
      collect(nav, ctx.display, nav.items(nav.get(container.node, 'envFrom')), ENV_FROM_REFERENCES, refs);
      collect(nav, ctx.display, nav.items(nav.get(container.node, 'env')), ENV_REFERENCES, refs);
    }

    // Report each ConfigMap/Secret once, at its first reference in the source.
    refs.sort((a, b) => (span(a.node)?.[0] ?? 0) - (span(b.node)?.[0] ?? 0));
    const generated = ctx.project.kustomizeGeneratedNames(ctx.path);
    const seen = new Set<string>();
    const live = reloaded(nav, pod);
    for (const ref of refs) {
      const key = `${ref.kind}/${ref.name}`;
      if (seen.has(key) || generated.has(ref.name) || looksVersioned(ref.name) || live.has(ref.name)) continue;
      // A Secret made elsewhere (a credential, a certificate, an external secret) rotates on its own schedule:
      // rolling it back with the pods is what RG113 warns about. Only one the project renders is release config.
      // A rendered chart is the whole release: a ConfigMap it does not render is made elsewhere too, and no hash of the chart can follow it.
      if ((ref.kind === 'Secret' || ctx.wholeRelease) && !definedHere(ctx, ref.kind, ref.name)) continue;
      // A certificate, a config its process reloads, one an install hook creates or a controller fills: it changes on its own schedule.
      if (ownSchedule(ctx, ref.kind, ref.name)) continue;
      seen.add(key);
      const annotation = ref.kind === 'ConfigMap' ? 'checksum/config' : 'checksum/secret';
      const fixes = [];
      const target = ctx.fixTarget(pod.metadata);
      if (target?.templated) {
        const template = ref.kind === 'ConfigMap' ? 'configmap.yaml' : 'secret.yaml';
        const edit = appendUnder(
          target.lines,
          target.node,
          'annotations',
          [`${annotation}: {{ include (print $.Template.BasePath "/${template}") . | sha256sum }}`],
          (n, k) => target.nav.get(n, k),
        );
        if (edit) fixes.push({ title: `Add a ${annotation} annotation to the pod template`, edits: [edit], preferred: true });
      }
      ctx.report({
        node: ref.node,
        message: `${describeObject(ctx.doc)} reads ${ref.kind} \`${ref.name}\` by a fixed name, so \`rollout undo\` keeps its new content. A change to it never enters the ReplicaSet history: the old pods come back with the new ${ref.kind === 'ConfigMap' ? 'config' : 'secret'}.`,
        fixes,
      });
    }
  },
});
