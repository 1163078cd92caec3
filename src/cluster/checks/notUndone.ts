/**
 * "What this rollback will not undo": the state a rollback leaves as it is,
 * listed for the target revision so nobody learns it after the fact —
 *
 * - ConfigMaps and Secrets the target revision reads by a plain name, whose
 *   content differs from what that revision ran with. What it ran with comes
 *   from the Helm release's stored manifest (the revision that deployed those
 *   images) or, given by the caller, from the manifest's Git history at the
 *   commit that set those images; otherwise it is "unknown: shared config is
 *   not versioned". Compared key by key as fingerprints; no value is shown.
 * - PersistentVolumeClaims and StatefulSet volumeClaimTemplates: their data
 *   stays (and a Helm rollback deletes a PVC the target revision lacks).
 * - CRDs: the chart's crds/ (never touched by helm) and CRDs whose stored
 *   versions the target revision no longer serves.
 * - Hook Jobs that will not run again (helm rollback runs only rollback hooks).
 * - Replicas owned by a HorizontalPodAutoscaler.
 *
 * Reads: the referenced ConfigMaps and Secrets, the HPAs of the namespace,
 * the workload (StatefulSets), the CRDs of a release, and for a workload of a
 * Helm release its release Secrets.
 */
import { configDifference, configFingerprint, differenceText, looksVersioned, podConfigReferences, type ConfigFingerprint, type ConfigKind } from '../../core/k8s/configContent';
import type { ApplicationPreflight } from '../argocdRollback';
import type { KubeClient, KubeObject } from '../client';
import type { HelmPreflight } from '../helmRollback';
import { readReleaseHistory } from '../helmRollback';
import type { ManifestObject } from '../helm';
import { objectPath, refText } from '../kinds';
import type { Preflight, PreflightCheck } from '../preflight';
import { imagesOf, type PodTemplate } from '../template';

/** What a revision ran with, when the caller knows it (Git), or why not. */
export type VersionedConfig = { source: string; config: Map<string, ConfigFingerprint> } | { unknown: string };

/** One thing the rollback leaves as it is. */
interface Item {
  /** `differs`, `missing`, `deleted` and hooks need attention; the rest inform. */
  severity: 'attention' | 'info' | 'same';
  text: string;
}

type Hpa = { name: string; target: { kind: string; name: string }; min?: number; max: number; current?: number };

async function hpas(client: KubeClient, namespace: string): Promise<Hpa[] | string> {
  const list = await client.request<{ items: KubeObject[] }>({ path: `/apis/autoscaling/v2/namespaces/${encodeURIComponent(namespace)}/horizontalpodautoscalers` });
  if (!list.ok) return list.error.kind === 'not-found' ? [] : `HorizontalPodAutoscalers could not be read: ${list.error.message}`;
  return list.value.items.map((h) => {
    const spec = (h.spec ?? {}) as { scaleTargetRef?: { kind?: string; name?: string }; minReplicas?: number; maxReplicas?: number };
    const status = (h.status ?? {}) as { currentReplicas?: number };
    return { name: h.metadata.name, target: { kind: spec.scaleTargetRef?.kind ?? '', name: spec.scaleTargetRef?.name ?? '' }, ...(spec.minReplicas !== undefined ? { min: spec.minReplicas } : {}), max: spec.maxReplicas ?? 0, ...(status.currentReplicas !== undefined ? { current: status.currentReplicas } : {}) };
  });
}

function hpaText(h: Hpa): string {
  return `HorizontalPodAutoscaler ${h.name} (${h.min ?? 1}–${h.max} replicas${h.current !== undefined ? `, ${h.current} now` : ''})`;
}

function configPath(kind: ConfigKind, namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/${kind === 'ConfigMap' ? 'configmaps' : 'secrets'}/${encodeURIComponent(name)}`;
}

/** The live content of each reference, or why it is not there. */
async function liveConfig(client: KubeClient, namespace: string, refs: readonly { kind: ConfigKind; name: string }[]): Promise<Map<string, { fingerprint?: ConfigFingerprint; problem?: 'missing' | string }>> {
  const out = new Map<string, { fingerprint?: ConfigFingerprint; problem?: string }>();
  await Promise.all(
    refs.map(async (r) => {
      const got = await client.request<KubeObject>({ path: configPath(r.kind, namespace, r.name) });
      if (got.ok) out.set(`${r.kind}/${r.name}`, { fingerprint: configFingerprint(r.kind, got.value as { data?: unknown; binaryData?: unknown }) });
      else out.set(`${r.kind}/${r.name}`, { problem: got.error.kind === 'not-found' ? 'missing' : got.error.kind === 'forbidden' ? `may not be read (${got.error.message})` : got.error.message });
    }),
  );
  return out;
}

/** Compares each referenced ConfigMap/Secret with what the revision ran with. */
function configItems(refs: readonly { kind: ConfigKind; name: string; optional: boolean }[], live: Map<string, { fingerprint?: ConfigFingerprint; problem?: string }>, revision: string, known: VersionedConfig | undefined, releaseOwned = new Set<string>()): Item[] {
  const items: Item[] = [];
  for (const r of refs) {
    const key = `${r.kind}/${r.name}`;
    const now = live.get(key);
    if (releaseOwned.has(key)) {
      items.push({ severity: 'same', text: `${key}: part of the release, restored by helm rollback` });
      continue;
    }
    if (now?.problem === 'missing') {
      items.push({ severity: r.optional ? 'info' : 'attention', text: `${key}: does not exist now${r.optional ? ' (optional)' : `; the pods of ${revision} will not start without it`}` });
      continue;
    }
    if (now?.problem) {
      items.push({ severity: 'info', text: `${key}: unknown, it ${now.problem}` });
      continue;
    }
    if (looksVersioned(r.name)) {
      items.push({ severity: 'same', text: `${key}: versioned by its name, so ${revision} reads the content it ran with` });
      continue;
    }
    if (!known || 'unknown' in known) {
      items.push({ severity: 'info', text: `${key}: unknown: shared config is not versioned${known && 'unknown' in known ? ` (${known.unknown})` : ''}; the rollback keeps what it holds now` });
      continue;
    }
    const then = known.config.get(key);
    if (!then) {
      items.push({ severity: 'info', text: `${key}: unknown: ${known.source} does not define it, and shared config is not versioned` });
      continue;
    }
    const diff = configDifference(then, now!.fingerprint!);
    items.push(
      diff
        ? { severity: 'attention', text: `${key}: differs from what ${revision} ran with (${known.source}): ${differenceText(diff)}; the rollback keeps the current content` }
        : { severity: 'same', text: `${key}: the same as ${revision} ran with (${known.source})` },
    );
  }
  return items;
}

function check(items: readonly Item[], what: string): PreflightCheck {
  const attention = items.filter((i) => i.severity === 'attention');
  const informed = items.filter((i) => i.severity === 'info');
  const order = (i: Item) => (i.severity === 'attention' ? 0 : i.severity === 'info' ? 1 : 2);
  const evidence = [...items].sort((a, b) => order(a) - order(b)).map((i) => i.text);
  if (attention.length) return { id: 'not-undone', status: 'warn', title: `${attention.length} thing${attention.length === 1 ? '' : 's'} ${what} will not undo ${attention.length === 1 ? 'differs' : 'differ'} from the target revision${informed.length ? ` (and ${informed.length} more it leaves as they are)` : ''}`, evidence };
  if (informed.length) return { id: 'not-undone', status: 'info', title: `${what} leaves ${informed.length} thing${informed.length === 1 ? '' : 's'} as ${informed.length === 1 ? 'it is' : 'they are'}: ${evidence.slice(0, 3).map((e) => e.split(':')[0]).join(', ')}${informed.length > 3 ? ', …' : ''}`, evidence };
  return { id: 'not-undone', status: 'pass', title: items.length ? `everything the target revision reads outside its template is as it ran with` : `nothing outside the pod template: no config by name, volume claim, HPA or hook`, evidence };
}

/** The Helm release revision that deployed `images` for the workload, from the release's stored manifests. */
async function releaseConfig(client: KubeClient, release: { namespace: string; name: string }, workload: { kind: string; name: string }, images: readonly string[]): Promise<{ known: VersionedConfig; hooks: string[] } | undefined> {
  const history = await readReleaseHistory(client, { kind: 'HelmRelease', namespace: release.namespace, name: release.name });
  if (!history.ok) return { known: { unknown: `Helm release ${release.name} could not be read: ${history.error.message}` }, hooks: [] };
  const runs = (o: ManifestObject) => o.kind === workload.kind && o.name === workload.name && images.every((i) => o.images.some((x) => x.image === i));
  const revision = [...history.value.revisions].reverse().find((r) => r.objects.some(runs));
  if (!revision) return { known: { unknown: `no revision of Helm release ${release.name} deployed these images` }, hooks: [] };
  const config = new Map<string, ConfigFingerprint>();
  for (const o of revision.objects) if (o.config) config.set(`${o.kind}/${o.name}`, o.config);
  return { known: { source: `Helm release ${release.name} revision ${revision.revision}`, config }, hooks: revision.hooks };
}

/**
 * `Kind/name (event, event)` → [the text, kind, name, events], as
 * `/^(\S+?)\/(\S+) \(([^)]*)\)$/` splits it, by position (that expression
 * retries from every `/` of a long name).
 */
export function hookParts(h: string): [string, string, string, string] | undefined {
  const space = h.indexOf(' ');
  if (space === -1 || !h.startsWith(' (', space) || !h.endsWith(')') || h.length < space + 3) return undefined;
  const head = h.slice(0, space);
  const events = h.slice(space + 2, -1);
  if (/\s/.test(head) || events.includes(')')) return undefined;
  const slash = head.indexOf('/', 1);
  if (slash === -1 || slash === head.length - 1) return undefined;
  return [h, head.slice(0, slash), head.slice(slash + 1), events];
}

/** Hooks helm runs only on install/upgrade (not rollback), as items: they will not run again. */
function hookItems(hooks: readonly string[], by: string): Item[] {
  const out: Item[] = [];
  for (const h of hooks) {
    const m = hookParts(h);
    if (!m) continue;
    const events = m[3].split(',').map((e) => e.trim());
    if (events.some((e) => e === 'pre-rollback' || e === 'post-rollback')) continue;
    out.push({ severity: m[1] === 'Job' ? 'attention' : 'info', text: `hook ${m[1]}/${m[2]} (${events.join(', ')}): ran when it was installed or upgraded; ${by} does not run it again, and does not undo what it did` });
  }
  return out;
}

/** The check for a Deployment, StatefulSet, DaemonSet or Rollout rollback. `known`: what the target ran with, from Git (the caller reads it). */
export async function workloadNotUndone(client: KubeClient, pre: Preflight, known?: VersionedConfig): Promise<PreflightCheck | undefined> {
  const plan = pre.plan;
  if (!plan || plan.action === 'skip') return undefined;
  const ref = pre.request.ref;
  const template = plan.to.template as PodTemplate;
  const spec = (template.spec ?? {}) as { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] };
  const refs = podConfigReferences(spec);
  const revision = `revision ${plan.toRevision}`;
  const targetImages = imagesOf(template).map((i) => i.image);
  const [live, scalers, fromRelease, object] = await Promise.all([
    liveConfig(client, ref.namespace, refs),
    hpas(client, ref.namespace),
    pre.helmRelease && (!known || 'unknown' in known) ? releaseConfig(client, pre.helmRelease, ref, targetImages) : Promise.resolve(undefined),
    ref.kind === 'StatefulSet' ? client.request<KubeObject>({ path: objectPath(ref) }) : Promise.resolve(undefined),
  ]);
  const items = configItems(refs, live, revision, fromRelease && !('unknown' in fromRelease.known) ? fromRelease.known : (known ?? fromRelease?.known));
  for (const v of spec.volumes ?? []) {
    const claim = v?.persistentVolumeClaim?.claimName;
    if (claim) items.push({ severity: 'info', text: `PersistentVolumeClaim ${claim}: keeps the data written since ${revision}; a rollback never restores a volume` });
  }
  if (object?.ok) {
    for (const t of ((object.value.spec as { volumeClaimTemplates?: { metadata?: { name?: string } }[] } | undefined)?.volumeClaimTemplates ?? [])) {
      const name = t?.metadata?.name;
      if (name) items.push({ severity: 'info', text: `volumeClaimTemplates ${name}: the PVCs ${name}-${ref.name}-0… keep their data; a rollback never restores a volume` });
    }
  }
  if (typeof scalers === 'string') items.push({ severity: 'info', text: scalers });
  else for (const h of scalers.filter((s) => s.target.kind === ref.kind && s.target.name === ref.name)) items.push({ severity: 'info', text: `${hpaText(h)} owns the replicas of ${refText(ref)}: the rollback changes the pod template only, and the HPA keeps scaling` });
  if (fromRelease) items.push(...hookItems(fromRelease.hooks, `rolling ${refText(ref)} back`));
  return check(items, 'the rollback');
}

/** The check for a Helm release rollback. */
export async function helmNotUndone(client: KubeClient, pre: HelmPreflight): Promise<PreflightCheck | undefined> {
  const plan = pre.plan;
  if (!plan) return undefined;
  const ns = pre.ref.namespace;
  const target = plan.to.objects;
  const current = plan.from.objects;
  const revision = `revision ${plan.toRevision}`;
  const inRelease = new Set(target.filter((o) => o.config).map((o) => `${o.kind}/${o.name}`));
  const refs = target.flatMap((o) => o.configRefs ?? []).filter((r, i, all) => all.findIndex((x) => x.kind === r.kind && x.name === r.name) === i);
  const crdNames = target.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.name);
  const [live, scalers, crds] = await Promise.all([
    liveConfig(client, ns, refs.filter((r) => !inRelease.has(`${r.kind}/${r.name}`))),
    hpas(client, ns),
    Promise.all(crdNames.map((name) => client.request<KubeObject>({ path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}` }))),
  ]);
  const items = configItems(refs, live, revision, { unknown: 'it is not part of the release' }, inRelease);
  const key = (o: ManifestObject) => `${o.kind}/${o.namespace ?? ns}/${o.name}`;
  const targetKeys = new Set(target.map(key));
  for (const o of current.filter((x) => x.kind === 'PersistentVolumeClaim' && !targetKeys.has(key(x)))) {
    const keep = o.annotations['helm.sh/resource-policy'] === 'keep';
    items.push(keep ? { severity: 'info', text: `PersistentVolumeClaim ${o.name}: not in ${revision}, kept by helm.sh/resource-policy: keep, with its data` } : { severity: 'attention', text: `PersistentVolumeClaim ${o.name}: not in ${revision}, so helm rollback deletes it, and its data with it` });
  }
  for (const o of target.filter((x) => x.kind === 'PersistentVolumeClaim')) items.push({ severity: 'info', text: `PersistentVolumeClaim ${o.name}: keeps the data written since ${revision}; helm rollback never restores a volume` });
  for (const o of target) for (const t of o.volumeClaimTemplates ?? []) items.push({ severity: 'info', text: `volumeClaimTemplates ${t} of statefulset/${o.name}: the PVCs ${t}-${o.name}-0… keep their data` });
  const chartCrds = [...new Set([...plan.to.chartCrds, ...plan.from.chartCrds])];
  if (chartCrds.length) items.push({ severity: 'info', text: `CRDs in the chart's crds/ directory (${chartCrds.join(', ')}): helm installs them once and never upgrades or rolls them back` });
  crdNames.forEach((name, i) => {
    const got = crds[i]!;
    if (!got.ok) return;
    const stored = ((got.value.status as { storedVersions?: string[] } | undefined)?.storedVersions ?? []);
    const served = new Set((target.find((o) => o.kind === 'CustomResourceDefinition' && o.name === name)?.crdVersions ?? []).filter((v) => v.served).map((v) => v.name));
    const lost = stored.filter((v) => !served.has(v));
    items.push(lost.length ? { severity: 'attention', text: `CRD ${name}: objects are stored as ${lost.join(', ')}, which ${revision} does not serve; after the rollback they cannot be read until the CRD serves ${lost.length === 1 ? 'it' : 'them'} again` } : { severity: 'same', text: `CRD ${name}: ${revision} serves every stored version (${stored.join(', ') || 'none'})` });
  });
  items.push(...hookItems(plan.to.hooks, 'helm rollback'));
  if (typeof scalers === 'string') items.push({ severity: 'info', text: scalers });
  else {
    for (const h of scalers) {
      const o = target.find((x) => x.kind === h.target.kind && x.name === h.target.name);
      if (!o) continue;
      items.push(
        o.replicas !== undefined
          ? { severity: 'attention', text: `${hpaText(h)} scales ${o.kind.toLowerCase()}/${o.name}, but ${revision} sets spec.replicas: ${o.replicas}: helm rollback resets it to ${o.replicas} until the HPA scales it again` }
          : { severity: 'info', text: `${hpaText(h)} owns the replicas of ${o.kind.toLowerCase()}/${o.name}; ${revision} does not set them, so they stay` },
      );
    }
  }
  return check(items, 'helm rollback');
}

/** The check for an Argo CD Application rollback: what the sync of an older revision leaves (from the Application's resources). */
export async function applicationNotUndone(client: KubeClient, pre: ApplicationPreflight): Promise<PreflightCheck | undefined> {
  if (!pre.plan) return undefined;
  const got = await client.request<KubeObject>({ path: `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(pre.ref.namespace)}/applications/${encodeURIComponent(pre.ref.name)}` });
  if (!got.ok) return { id: 'not-undone', status: 'skipped', title: `what the rollback will not undo is unknown: ${got.error.message}`, evidence: [] };
  const resources = ((got.value.status as { resources?: { kind?: string; name?: string; namespace?: string; group?: string }[] } | undefined)?.resources ?? []);
  const items: Item[] = [];
  for (const r of resources.filter((x) => x.kind === 'PersistentVolumeClaim')) items.push({ severity: 'info', text: `PersistentVolumeClaim ${r.namespace ? `${r.namespace}/` : ''}${r.name}: keeps its data; a sync of an older revision never restores a volume` });
  for (const r of resources.filter((x) => x.kind === 'CustomResourceDefinition')) {
    const crd = await client.request<KubeObject>({ path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(r.name ?? '')}` });
    const stored = crd.ok ? ((crd.value.status as { storedVersions?: string[] } | undefined)?.storedVersions ?? []) : [];
    items.push({ severity: 'info', text: `CRD ${r.name}: objects are stored as ${stored.join(', ') || '?'}; if the target revision's CRD no longer serves one of these, they cannot be read after the sync` });
  }
  const namespaces = [...new Set(resources.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet').map((x) => x.namespace ?? pre.ref.namespace))];
  for (const ns of namespaces) {
    const scalers = await hpas(client, ns);
    if (typeof scalers === 'string') continue;
    for (const h of scalers) if (resources.some((x) => x.kind === h.target.kind && x.name === h.target.name)) items.push({ severity: 'info', text: `${hpaText(h)} owns the replicas of ${h.target.kind.toLowerCase()}/${h.target.name}: a synced spec.replicas resets them until the HPA scales again` });
  }
  items.push({ severity: 'info', text: 'ConfigMaps and Secrets outside the Application: unknown: shared config is not versioned, and the sync keeps what they hold now' });
  return check(items, 'the rollback');
}
