/**
 * The Rollback Guard cluster view as plain data, with no `vscode` import so
 * it is tested with plain Node (test/unit/cluster-view*.test.ts): tree
 * elements (a union on `kind`) and what each looks like as a TreeItem, ages,
 * the confirmation a rollback shows, errors worded with what to do, the
 * matching of manifest documents to live workloads (CodeLens), and the
 * layout-preserving edit that sets a manifest's images to what runs.
 *
 * Only types come from src/cluster: the cluster layer (and its Kubernetes
 * client) is loaded on demand, never by activation.
 */
import { isScalar, type Scalar } from 'yaml';
import type {
  ApplicationHistory,
  ApplicationRef,
  ClusterError,
  ContainerImage,
  FluxObject,
  FluxRef,
  Preflight,
  PreflightCheck,
  ReleaseHistory,
  ReleaseRef,
  RevisionEntry,
  WatchStatus,
  WorkloadHistory,
  WorkloadKind,
  WorkloadRef,
} from '../../cluster';
import { redact } from '../../core/redact';
import { parseManifestFile, type ManifestDoc } from '../../core/yaml/manifest';
import { span } from '../../core/yaml/nodes';
import { yamlString } from '../../core/yaml/edits';
import { shortenDigests, trimEndOf, WHITESPACE } from '../../core/text';
import { parseImageReference } from '../../core/k8s/image';

export const VIEW_ID = 'rollbackGuard.cluster';
export const REVISION_SCHEME = 'rollback-guard-revision';
export const WORKLOAD_KIND_NAMES: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'];
/** The API group a manifest of each workload kind is written with. */
const KIND_GROUP: Record<WorkloadKind, string> = { Deployment: 'apps', StatefulSet: 'apps', DaemonSet: 'apps', Rollout: 'argoproj.io' };

// ---------------------------------------------------------------- tree elements

export interface RevisionSummary {
  revision: number;
  live: boolean;
  images: ContainerImage[];
  changeCause?: string;
  createdAt?: string;
  /** ReplicaSets only: pods it runs now. */
  replicas?: { desired: number; ready: number };
  /** Argo Rollouts only: the stable ReplicaSet (status.stableRS). */
  stable?: boolean;
  /** The numbers it had before a rollback renumbered it (revision 1 → now 4). */
  previousRevisions?: number[];
  source: string;
}

export interface WorkloadSummary {
  ref: WorkloadRef;
  uid: string;
  liveRevision?: number;
  paused: boolean;
  images: ContainerImage[];
  rollout: { done: boolean; failed?: boolean; message: string };
  /** `Argo CD Application argocd/shop (label …)`, when a GitOps controller manages it. */
  gitops: { certain: boolean; text: string }[];
  revisions: RevisionSummary[];
  /** Argo Rollouts only: what the rollout is doing, for abort / promote / retry. */
  argo?: { aborted: boolean; paused: boolean; pauseReasons: string[]; step?: { index: number; count: number }; phase?: string; strategy: string };
  /** Rolled back and held by Rollback Guard while its GitOps loops are paused. */
  hold?: HoldSummary;
}

/** A held rollback as the view shows it; `view` is filled in by the service's periodic check (health, Git). */
export interface HoldSummary {
  flow: string;
  since: string;
  by: string;
  window: number;
  paused: string[];
  from: string;
  to: string;
  /** What the last check found; undefined until the first check. */
  view?: HoldView;
  /** The verdict recorded in the hold, when one was. */
  recorded?: 'verified' | 'failed';
  failures?: string[];
  commit?: string;
}

export interface HoldView {
  /** "held by Rollback Guard since 12:03 · healthy 4/5 min · Git matches live: no" */
  text: string;
  verdict: 'verifying' | 'verified' | 'failed';
  failures: string[];
  git?: { matches?: boolean; detail: string };
  /** One line about the health seen: rollout, pods ready, restarts, Warning events. */
  health?: string;
  checkedAt: string;
}

export interface ReleaseRevisionSummary {
  revision: number;
  status: string;
  chart: string;
  appVersion: string;
  description: string;
  /** info.last_deployed. */
  updated: string;
  /** Helm's status is deployed. */
  live: boolean;
  /** The highest revision (what a helm rollback rolls back from). */
  current: boolean;
  images: ContainerImage[];
  secret: string;
  /** API versions of its manifest the server no longer serves (`policy/v1beta1 PodDisruptionBudget`): a rollback to it is refused. */
  unservedApis?: string[];
}

export interface ReleaseSummary {
  ref: ReleaseRef;
  status: string;
  chart: string;
  appVersion: string;
  currentRevision?: number;
  liveRevision?: number;
  images: ContainerImage[];
  gitops: { certain: boolean; text: string }[];
  revisions: ReleaseRevisionSummary[];
}

export interface AppEntrySummary {
  id: number;
  /** The revision, or the revisions of a multi-source Application joined. */
  revision: string;
  source: string;
  deployedAt: string;
  initiatedBy?: string;
  live: boolean;
}

export interface ApplicationSummary {
  ref: ApplicationRef;
  project: string;
  autoSync: boolean;
  syncStatus?: string;
  health?: string;
  operationInProgress: boolean;
  liveId?: number;
  entries: AppEntrySummary[];
}

export interface FluxSummary {
  ref: FluxRef;
  suspended: boolean;
  suspendReason?: string;
  ready?: { status: string; reason?: string; message?: string };
  lastAppliedRevision?: string;
  source?: string;
  /** HelmRelease: the Helm release it manages. */
  releaseName?: string;
  /** Paused by a Rollback Guard flow: for which object, since when, by whom. */
  heldFor?: { object: string; since: string; by: string };
}

/** One namespace's items as the view shows them. */
export interface NamespaceGroup {
  namespace: string;
  workloads: WorkloadSummary[];
  releases: ReleaseSummary[];
  applications: ApplicationSummary[];
  flux: FluxSummary[];
}

export type ClusterNode =
  | { kind: 'context'; context: string; server?: string; production: boolean; pattern?: string; state: WatchStatus['state'] | 'idle' }
  | { kind: 'namespace'; context: string; namespace: string; workloads: number; counts?: { releases: number; applications: number; flux: number } }
  | { kind: 'workload'; context: string; workload: WorkloadSummary }
  | { kind: 'revision'; context: string; ref: WorkloadRef; workloadLive?: number; revision: RevisionSummary }
  | { kind: 'hold'; context: string; ref: WorkloadRef; hold: HoldSummary }
  | { kind: 'release'; context: string; release: ReleaseSummary }
  | { kind: 'releaseRevision'; context: string; ref: ReleaseRef; revision: ReleaseRevisionSummary }
  | { kind: 'application'; context: string; application: ApplicationSummary }
  | { kind: 'appEntry'; context: string; ref: ApplicationRef; autoSync: boolean; entry: AppEntrySummary }
  | { kind: 'flux'; context: string; flux: FluxSummary }
  | { kind: 'error'; context?: string; error: Pick<ClusterError, 'kind' | 'message' | 'hint'>; retryInMs?: number; attempt?: number; stale: boolean }
  | { kind: 'message'; context?: string; text: string; detail?: string; icon?: string; command?: { id: string; title: string } };

/** What a TreeItem is made of; the view copies it onto a vscode.TreeItem. */
export interface TreeItemData {
  id?: string;
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  contextValue: string;
  /** A codicon id, with an optional theme colour id. */
  icon?: { id: string; color?: string };
  collapsible: 'none' | 'collapsed' | 'expanded';
  command?: { id: string; title: string; arguments?: unknown[] };
  accessibilityLabel?: string;
}

/**
 * A workload as the view shows it. `earlier`: the revision numbers each
 * history object (by uid) was seen with before, so a revision a rollback
 * renumbered says where it went even when the controller keeps no record.
 */
export function summarizeWorkload(h: WorkloadHistory, describeOwner: (g: WorkloadHistory['gitops'][number]) => string, earlier?: ReadonlyMap<string, readonly number[]>): WorkloadSummary {
  return {
    ref: h.ref,
    uid: h.uid,
    ...(h.liveRevision !== undefined ? { liveRevision: h.liveRevision } : {}),
    paused: h.paused,
    images: h.images,
    rollout: h.rollout,
    gitops: h.gitops.map((g) => ({ certain: g.certainty === 'certain', text: `${describeOwner(g)} (${g.evidence})` })),
    revisions: h.revisions.map((r) => summarizeRevision(r, earlier?.get(r.source.uid))),
    ...(h.argo ? { argo: { aborted: h.argo.aborted, paused: h.argo.paused, pauseReasons: h.argo.pauseReasons, ...(h.argo.step ? { step: h.argo.step } : {}), ...(h.argo.phase ? { phase: h.argo.phase } : {}), strategy: h.argo.strategy } } : {}),
    ...(h.hold ? { hold: summarizeHold(h.hold) } : {}),
  };
}

const LOOP_WORDS: Record<string, string> = { Kustomization: 'Flux Kustomization', HelmRelease: 'Flux HelmRelease', ImageUpdateAutomation: 'Flux ImageUpdateAutomation', Application: 'Argo CD Application' };

export function summarizeHold(h: NonNullable<WorkloadHistory['hold']>): HoldSummary {
  return {
    flow: h.flow,
    since: h.since,
    by: h.by,
    window: h.window,
    paused: h.paused.map((l) => `${LOOP_WORDS[l.kind] ?? l.kind} ${l.namespace}/${l.name}`),
    from: `revision ${h.from.revision ?? '?'} (${h.from.images})`,
    to: `revision ${h.to.revision ?? '?'} (${h.to.images})`,
    ...(h.verify.passedAt ? { recorded: 'verified' as const } : h.verify.failedAt ? { recorded: 'failed' as const, failures: h.verify.failures ?? [] } : {}),
    ...(h.git?.commit ? { commit: `${h.git.commit.slice(0, 12)}${h.git.branch ? ` on ${h.git.branch}` : ''}` } : {}),
  };
}

/** "held by Rollback Guard since 12:03 · verifying…" before the first check has run. */
export function holdText(h: HoldSummary): string {
  if (h.view) return h.view.text;
  const d = new Date(h.since);
  const at = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return `held by Rollback Guard since ${at} · ${h.recorded === 'verified' ? 'verified' : h.recorded === 'failed' ? `validation failed: ${h.failures?.[0] ?? ''}` : 'checking health…'}`;
}

export function summarizeRelease(h: ReleaseHistory, describeOwner: (g: ReleaseHistory['gitops'][number]) => string, unserved?: (r: ReleaseHistory['revisions'][number]) => string[]): ReleaseSummary {
  return {
    ref: h.ref,
    status: h.status,
    chart: h.chart,
    appVersion: h.appVersion,
    ...(h.currentRevision !== undefined ? { currentRevision: h.currentRevision } : {}),
    ...(h.liveRevision !== undefined ? { liveRevision: h.liveRevision } : {}),
    images: h.images,
    gitops: h.gitops.map((g) => ({ certain: g.certainty === 'certain', text: `${describeOwner(g)} (${g.evidence})` })),
    revisions: h.revisions.map((r) => summarizeReleaseRevision(r, h.currentRevision, unserved?.(r))),
  };
}

/** A release revision as the view shows it; `current` when it is the release's highest revision. */
export function summarizeReleaseRevision(r: ReleaseHistory['revisions'][number], currentRevision: number | undefined, unservedApis: readonly string[] = []): ReleaseRevisionSummary {
  return { revision: r.revision, status: r.status, chart: r.chart, appVersion: r.appVersion, description: r.description, updated: r.updated, live: r.live, current: r.revision === currentRevision, images: r.images, secret: r.secret.name, ...(unservedApis.length ? { unservedApis: [...unservedApis] } : {}) };
}

export function summarizeApplication(a: ApplicationHistory, revisionText: (e: ApplicationHistory['entries'][number]) => string, sourceText: (e: ApplicationHistory['entries'][number]) => string): ApplicationSummary {
  return {
    ref: a.ref,
    project: a.project,
    autoSync: a.autoSync,
    ...(a.syncStatus ? { syncStatus: a.syncStatus } : {}),
    ...(a.health ? { health: a.health } : {}),
    operationInProgress: a.operationInProgress,
    ...(a.liveId !== undefined ? { liveId: a.liveId } : {}),
    entries: a.entries.map((e) => {
      const by = e.initiatedBy?.username ?? (e.initiatedBy?.automated ? 'auto-sync' : undefined);
      return { id: e.id, revision: revisionText(e), source: sourceText(e), deployedAt: e.deployedAt, ...(by ? { initiatedBy: by } : {}), live: e.live };
    }),
  };
}

export function summarizeFlux(f: FluxObject): FluxSummary {
  return {
    ref: f.ref,
    suspended: f.suspended,
    ...(f.suspendReason ? { suspendReason: f.suspendReason } : {}),
    ...(f.ready ? { ready: f.ready } : {}),
    ...(f.lastAppliedRevision ? { lastAppliedRevision: f.lastAppliedRevision } : {}),
    ...(f.source ? { source: f.source } : {}),
    ...(f.releaseName ? { releaseName: f.releaseName } : {}),
    ...(f.pausedBy ? { heldFor: { object: f.pausedBy.object, since: f.pausedBy.since, by: f.pausedBy.by } } : {}),
  };
}

export function summarizeRevision(r: RevisionEntry, earlier: readonly number[] = []): RevisionSummary {
  const previous = [...new Set([...(r.previousRevisions ?? []), ...earlier])].filter((n) => n !== r.revision).sort((a, b) => a - b);
  return {
    revision: r.revision,
    live: r.live,
    images: r.images,
    ...(r.changeCause ? { changeCause: r.changeCause } : {}),
    ...(r.createdAt ? { createdAt: r.createdAt } : {}),
    ...(r.replicas ? { replicas: { desired: r.replicas.desired, ready: r.replicas.ready } } : {}),
    ...(r.stable ? { stable: true } : {}),
    ...(previous.length ? { previousRevisions: previous } : {}),
    source: `${r.source.kind}/${r.source.name}`,
  };
}

/**
 * `deployment/catalog`, `helm-release/storefront`, `application/shop`, as the
 * CLI prints them (src/cluster/kinds.ts refText, repeated here because
 * activation must not load the cluster layer; a unit test keeps them equal).
 */
export function refText(ref: { kind: string; name: string }): string {
  return `${ref.kind === 'HelmRelease' ? 'helm-release' : ref.kind.toLowerCase()}/${ref.name}`;
}

export function refKey(context: string, ref: WorkloadRef): string {
  return `${context}/${ref.namespace}/${ref.kind}/${ref.name}`;
}

/** kubectl's age column: 45s, 12m, 5h, 3d, 2y. */
export function ageText(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/** `ghcr.io/bookstore/catalog:1.4.2@sha256:…` → `catalog:1.4.2`: the part people recognise. */
export function shortImage(image: string): string {
  const noDigest = image.includes('@') ? image.slice(0, image.indexOf('@')) : image;
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  return last || image;
}

function containersOnly(images: readonly ContainerImage[]): ContainerImage[] {
  return images.filter((i) => !i.init);
}

function imagesShort(images: readonly ContainerImage[]): string {
  return containersOnly(images).map((i) => shortImage(i.image)).join(', ');
}

function imagesFull(images: readonly ContainerImage[]): string {
  return images.map((i) => `- \`${i.container}\`${i.init ? ' (init)' : ''}: \`${i.image}\``).join('\n');
}

const KIND_ICON: Record<WorkloadKind, string> = { Deployment: 'layers', StatefulSet: 'database', DaemonSet: 'server', Rollout: 'rocket' };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "Rollout · 3 revisions · live 3 · canary step 1/4 · paused" parts for a Rollout. */
function argoState(w: WorkloadSummary): string {
  const a = w.argo;
  if (!a) return '';
  return [a.aborted ? 'aborted' : '', a.step ? `step ${a.step.index}/${a.step.count}` : '', a.paused ? 'paused' : ''].filter(Boolean).join(' · ');
}

/** Text shown to a person: secrets masked, whatever the cluster sent. */
function safe(text: string, secrets: readonly string[]): string {
  return redact(text, secrets);
}

/** A row's description without its first part (the kind, which the accessible label already names). */
function withoutFirst(description: string): string {
  return description.split(' · ').slice(1).join(' · ');
}

/** Markdown special characters escaped, for text from the cluster inside a tooltip. */
function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

export function treeItem(node: ClusterNode, now: number, secrets: readonly string[] = []): TreeItemData {
  switch (node.kind) {
    case 'context': {
      const state = node.state === 'live' ? 'watching' : node.state === 'reconnecting' ? 'reconnecting' : node.state === 'connecting' ? 'connecting…' : '';
      return {
        id: `context:${node.context}`,
        label: node.context,
        description: [node.production ? 'production' : '', state].filter(Boolean).join(' · '),
        tooltip: [
          `**Kube context** \`${node.context}\``,
          node.server ? `Server: ${node.server}` : '',
          node.production ? `**Production** (matches \`${node.pattern ?? ''}\`): a rollback asks for the context name to be typed back.` : '',
        ]
          .filter(Boolean)
          .join('\n\n'),
        contextValue: `rollbackGuard:context${node.production ? '+production' : ''}`,
        icon: { id: node.state === 'reconnecting' ? 'debug-disconnect' : 'cloud', ...(node.production ? { color: 'charts.red' } : {}) },
        collapsible: 'expanded',
      };
    }
    case 'namespace':
      return {
        id: `namespace:${node.context}/${node.namespace}`,
        label: node.namespace,
        description: [
          node.workloads || !node.counts ? plural(node.workloads, 'workload') : '',
          node.counts?.releases ? plural(node.counts.releases, 'Helm release') : '',
          node.counts?.applications ? plural(node.counts.applications, 'Application') : '',
          node.counts?.flux ? plural(node.counts.flux, 'Flux object') : '',
        ]
          .filter(Boolean)
          .join(' · '),
        tooltip: `Namespace \`${node.namespace}\` in context \`${node.context}\``,
        contextValue: 'rollbackGuard:namespace',
        icon: { id: 'symbol-namespace' },
        collapsible: 'expanded',
      };
    case 'workload': {
      const w = node.workload;
      const count = w.revisions.length;
      const state = w.argo ? argoState(w) : w.paused ? 'paused' : w.rollout.failed ? 'rollout failed' : w.rollout.done ? '' : 'rolling out';
      const gitops = w.hold ? 'held' : w.gitops.some((g) => g.certain) ? 'GitOps' : '';
      const description = [w.ref.kind, `${count} revision${count === 1 ? '' : 's'}`, w.liveRevision !== undefined ? `live ${w.liveRevision}` : 'live unknown', state, gitops].filter(Boolean).join(' · ');
      const tooltip = [
        `**${w.ref.kind} \`${w.ref.namespace}/${w.ref.name}\`**`,
        `Live revision: ${w.liveRevision ?? 'unknown'} of ${w.revisions.map((r) => r.revision).join(', ') || 'none'}`,
        `Images:\n${imagesFull(w.images)}`,
        md(safe(w.rollout.message, secrets)),
        ...(w.paused ? ['Paused: `kubectl rollout resume` before rolling back.'] : []),
        ...(w.argo ? [`Argo Rollouts ${w.argo.strategy}${w.argo.step ? `, step ${w.argo.step.index} of ${w.argo.step.count}` : ''}${w.argo.aborted ? ', **aborted**' : ''}${w.argo.pauseReasons.length ? `, paused (${w.argo.pauseReasons.join(', ')})` : ''}: abort, promote and retry are in the context menu.`] : []),
        ...w.gitops.map((g) => `${g.certain ? 'Managed by' : 'Possibly managed by'} ${md(safe(g.text, secrets))}`),
        ...(w.hold ? [`**Held by Rollback Guard** since ${w.hold.since}: ${md(w.hold.paused.join(', ') || 'no loop')} paused until resumed.`] : []),
      ].join('\n\n');
      return {
        id: `workload:${node.context}/${w.ref.namespace}/${w.ref.kind}/${w.ref.name}`,
        label: w.ref.name,
        description,
        tooltip,
        contextValue: `rollbackGuard:workload${count > 1 ? '+history' : ''}${w.argo ? `+rollout${w.argo.aborted ? '+aborted' : ''}` : ''}${w.hold ? '+held' : w.gitops.some((g) => g.certain) ? '+gitops' : ''}`,
        icon: { id: KIND_ICON[w.ref.kind], ...(w.rollout.failed ? { color: 'errorForeground' } : w.rollout.done ? {} : { color: 'charts.yellow' }) },
        collapsible: w.hold ? 'expanded' : count > 0 ? 'collapsed' : 'none',
        accessibilityLabel: `${w.ref.kind} ${w.ref.name}, ${withoutFirst(description)}`,
      };
    }
    case 'revision': {
      const r = node.revision;
      const age = ageText(r.createdAt, now);
      const cause = r.changeCause ? safe(r.changeCause, secrets) : '';
      const moved = r.previousRevisions?.length ? `revision ${r.previousRevisions.join(', ')} → now ${r.revision}` : '';
      const details = [r.stable ? 'stable' : '', moved, imagesShort(r.images), cause, age].filter(Boolean);
      const description = [r.live ? 'live' : '', ...details].filter(Boolean).join(' · ');
      const tooltip = [
        `**Revision ${r.revision}** of ${refText(node.ref)} in \`${node.ref.namespace}\`${r.live ? ' — **live**' : ''}`,
        `Images:\n${imagesFull(r.images)}`,
        cause ? `Change-cause: ${md(cause)}` : 'No change-cause recorded.',
        r.createdAt ? `Created ${r.createdAt} (${age} ago)` : '',
        r.replicas ? `Pods: ${r.replicas.ready}/${r.replicas.desired} ready` : '',
        r.stable ? 'The stable ReplicaSet of the Rollout: an abort sends traffic back to it.' : '',
        moved ? `${moved}: a rollback to revision ${r.previousRevisions!.join(', ')} reused this ${r.source.split('/')[0]}, and the controller numbered it as the newest revision.` : '',
        `Stored in ${r.source}`,
      ]
        .filter(Boolean)
        .join('\n\n');
      return {
        id: `revision:${node.context}/${node.ref.namespace}/${node.ref.kind}/${node.ref.name}/${r.revision}`,
        label: `revision ${r.revision}`,
        description,
        tooltip,
        contextValue: `rollbackGuard:revision${r.live ? '+current' : ''}`,
        icon: r.live ? { id: 'pass-filled', color: 'charts.green' } : { id: 'history' },
        collapsible: 'none',
        accessibilityLabel: [`revision ${r.revision}`, r.live ? 'live' : '', details.join(' · ')].filter(Boolean).join(', '),
      };
    }
    case 'hold': {
      const h = node.hold;
      const v = h.view;
      const verdict = v?.verdict ?? (h.recorded === 'verified' ? 'verified' : h.recorded === 'failed' ? 'failed' : 'verifying');
      const git = v?.git?.matches === true ? 'yes' : v?.git?.matches === false ? 'no' : 'unknown';
      const text = holdText(h);
      const failures = v?.failures.length ? v.failures : (h.failures ?? []);
      return {
        id: `hold:${node.context}/${node.ref.namespace}/${node.ref.kind}/${node.ref.name}`,
        label: safe(text, secrets),
        tooltip: [
          `**Held by Rollback Guard** since ${h.since} (by ${md(h.by)}): ${refText(node.ref)} rolled back from ${md(h.from)} to ${md(h.to)}.`,
          h.paused.length ? `Paused until resumed: ${md(h.paused.join(', '))}. Resume puts back exactly what was paused.` : 'No GitOps loop was paused.',
          verdict === 'verified' ? `Verified: healthy for ${h.window} s.` : verdict === 'failed' ? `**Validation failed:**\n${failures.map((f) => `- ${md(safe(f, secrets))}`).join('\n')}\n\nRoll further back, or escalate with the evidence; the loops stay paused.` : `Verifying for ${h.window} s: rollout complete, pods ready, restarts not rising, no new Warning events.`,
          v?.health ? `Health now: ${md(safe(v.health, secrets))}` : '',
          v?.git ? `Git matches live: **${git}** — ${md(safe(v.git.detail, secrets))}` : '',
          h.commit ? `Commit ${md(h.commit)} makes the manifest match.` : '',
          v ? `Checked ${ageText(v.checkedAt, now)} ago.` : '',
        ]
          .filter(Boolean)
          .join('\n\n'),
        contextValue: `rollbackGuard:hold+${verdict}+git-${git}`,
        icon: verdict === 'verified' ? { id: 'verified-filled', color: 'charts.green' } : verdict === 'failed' ? { id: 'error', color: 'errorForeground' } : { id: 'shield', color: 'charts.yellow' },
        collapsible: 'none',
        accessibilityLabel: `${refText(node.ref)} ${text}`,
      };
    }
    case 'release': {
      const r = node.release;
      const count = r.revisions.length;
      const gitops = r.gitops.some((g) => g.certain) ? 'GitOps' : '';
      const description = ['Helm release', plural(count, 'revision'), r.liveRevision !== undefined ? `live ${r.liveRevision}` : `${r.status}`, r.chart, gitops].filter(Boolean).join(' · ');
      return {
        id: `release:${node.context}/${r.ref.namespace}/${r.ref.name}`,
        label: r.ref.name,
        description,
        tooltip: [
          `**Helm release \`${r.ref.namespace}/${r.ref.name}\`**`,
          `Revision ${r.currentRevision ?? '?'} is ${r.status}; chart ${md(r.chart)}, app version ${md(r.appVersion || '-')}`,
          `Images:\n${imagesFull(r.images)}`,
          'History from the release Secrets (`sh.helm.release.v1.*`); a rollback runs `helm rollback`.',
          ...r.gitops.map((g) => `${g.certain ? 'Managed by' : 'Possibly managed by'} ${md(safe(g.text, secrets))}`),
        ].join('\n\n'),
        contextValue: `rollbackGuard:release${count > 1 ? '+history' : ''}`,
        icon: { id: 'package', ...(/^failed$/.test(r.status) ? { color: 'errorForeground' } : /^pending/.test(r.status) ? { color: 'charts.yellow' } : {}) },
        collapsible: count > 0 ? 'collapsed' : 'none',
        accessibilityLabel: `Helm release ${r.ref.name}, ${withoutFirst(description)}`,
      };
    }
    case 'releaseRevision': {
      const r = node.revision;
      const age = ageText(r.updated, now);
      const unserved = r.unservedApis?.length ? `uses ${[...new Set(r.unservedApis.map((a) => a.split(' ')[0]))].join(', ')}, no longer served` : '';
      const details = [unserved, imagesShort(r.images), safe(r.description, secrets), age].filter(Boolean);
      const description = [r.live ? 'live' : r.status, ...details].filter(Boolean).join(' · ');
      return {
        id: `releaseRevision:${node.context}/${node.ref.namespace}/${node.ref.name}/${r.revision}`,
        label: `revision ${r.revision}`,
        description,
        tooltip: [
          `**Revision ${r.revision}** of Helm release \`${node.ref.namespace}/${node.ref.name}\` — ${r.status}`,
          `Chart ${md(r.chart)}, app version ${md(r.appVersion || '-')}`,
          `Images:\n${imagesFull(r.images)}`,
          r.description ? `Description: ${md(safe(r.description, secrets))}` : '',
          r.updated ? `Deployed ${r.updated} (${age} ago)` : '',
          `Stored in Secret ${md(r.secret)}`,
          r.unservedApis?.length ? `**Uses API versions this server no longer serves**: ${r.unservedApis.map(md).join(', ')}. A rollback to it is refused until the release's stored manifests are mapped to served versions (\`helm mapkubeapis ${md(node.ref.name)} --namespace ${md(node.ref.namespace)}\`).` : '',
        ]
          .filter(Boolean)
          .join('\n\n'),
        contextValue: `rollbackGuard:releaseRevision${r.current ? '+current' : ''}`,
        icon: r.live ? { id: 'pass-filled', color: 'charts.green' } : r.unservedApis?.length ? { id: 'warning', color: 'editorWarning.foreground' } : r.status === 'failed' ? { id: 'error', color: 'errorForeground' } : { id: 'history' },
        collapsible: 'none',
        accessibilityLabel: [`revision ${r.revision}`, r.live ? 'live' : r.status, details.join(' · ')].filter(Boolean).join(', '),
      };
    }
    case 'application': {
      const a = node.application;
      const description = ['Argo CD', plural(a.entries.length, 'deployment'), a.liveId !== undefined ? `live ${a.liveId}` : '', a.syncStatus ?? '', a.health ?? '', a.autoSync ? 'auto-sync' : '', a.operationInProgress ? 'syncing' : ''].filter(Boolean).join(' · ');
      return {
        id: `application:${node.context}/${a.ref.namespace}/${a.ref.name}`,
        label: a.ref.name,
        description,
        tooltip: [
          `**Argo CD Application \`${a.ref.namespace}/${a.ref.name}\`** (project ${md(a.project)})`,
          `${a.syncStatus ?? 'Sync status unknown'}, ${a.health ?? 'health unknown'}`,
          a.autoSync ? 'Automated sync is **on**: Argo CD refuses a rollback until it is paused; rolling back offers to pause it first.' : 'Automated sync is off.',
          a.operationInProgress ? 'An operation is in progress.' : '',
        ]
          .filter(Boolean)
          .join('\n\n'),
        contextValue: `rollbackGuard:application${a.entries.length > 1 ? '+history' : ''}${a.autoSync ? '+autosync' : ''}`,
        icon: { id: 'git-merge', ...(a.health === 'Degraded' ? { color: 'errorForeground' } : a.syncStatus === 'OutOfSync' ? { color: 'charts.yellow' } : {}) },
        collapsible: a.entries.length > 0 ? 'collapsed' : 'none',
        accessibilityLabel: `Argo CD Application ${a.ref.name}, ${withoutFirst(description)}`,
      };
    }
    case 'appEntry': {
      const e = node.entry;
      const age = ageText(e.deployedAt, now);
      const short = e.revision.split(', ').map((r) => (/^[0-9a-f]{40}$/.test(r) ? r.slice(0, 7) : r)).join(', ');
      const details = [short, e.initiatedBy ? `by ${e.initiatedBy}` : '', age].filter(Boolean);
      const description = [e.live ? 'live' : '', ...details].filter(Boolean).join(' · ');
      return {
        id: `appEntry:${node.context}/${node.ref.namespace}/${node.ref.name}/${e.id}`,
        label: `history ${e.id}`,
        description,
        tooltip: [`**History id ${e.id}** of Argo CD Application \`${node.ref.namespace}/${node.ref.name}\`${e.live ? ' — **live**' : ''}`, `Revision: \`${md(e.revision || '?')}\``, e.source ? `Source: ${md(e.source)}` : '', `Deployed ${e.deployedAt}${e.initiatedBy ? ` by ${md(e.initiatedBy)}` : ''}`].filter(Boolean).join('\n\n'),
        contextValue: `rollbackGuard:appRevision${e.live ? '+current' : ''}`,
        icon: e.live ? { id: 'pass-filled', color: 'charts.green' } : { id: 'history' },
        collapsible: 'none',
        accessibilityLabel: [`history ${e.id}`, e.live ? 'live' : '', details.join(' · ')].filter(Boolean).join(', '),
      };
    }
    case 'flux': {
      const f = node.flux;
      const held = f.heldFor ? `paused by Rollback Guard for ${f.heldFor.object.split(' ').map((x, i) => (i === 0 ? x.toLowerCase() : x.split('/').pop())).join('/')}` : '';
      const description = [`Flux ${f.ref.kind}`, held || (f.suspended ? 'suspended' : 'reconciling'), f.ready ? `Ready ${f.ready.status}` : '', f.lastAppliedRevision ?? ''].filter(Boolean).join(' · ');
      return {
        id: `flux:${node.context}/${f.ref.namespace}/${f.ref.kind}/${f.ref.name}`,
        label: f.ref.name,
        description,
        tooltip: [
          `**Flux ${f.ref.kind} \`${f.ref.namespace}/${f.ref.name}\`** — ${f.suspended ? '**suspended**: Flux does not reconcile it' : 'reconciling'}`,
          f.heldFor ? `Paused by Rollback Guard since ${f.heldFor.since} (by ${md(f.heldFor.by)}) while ${md(f.heldFor.object)} is held after a rollback: resume it from the held workload, which puts back exactly what was paused.` : f.suspendReason ? `Suspended because: ${md(safe(f.suspendReason, secrets))}` : '',
          f.ready ? `Ready ${f.ready.status}${f.ready.reason ? ` (${md(f.ready.reason)})` : ''}${f.ready.message ? `: ${md(safe(f.ready.message, secrets))}` : ''}` : '',
          f.source ? `Source: ${md(f.source)}` : '',
          f.releaseName ? `Manages the Helm release ${md(f.releaseName)}` : '',
          f.suspended ? '' : 'Suspend it before rolling back what it manages in the cluster, or its next reconcile re-applies Git.',
        ]
          .filter(Boolean)
          .join('\n\n'),
        contextValue: `rollbackGuard:flux+${f.suspended ? 'suspended' : 'reconciling'}${f.heldFor ? '+held' : ''}`,
        icon: f.suspended ? { id: 'debug-pause', color: 'charts.yellow' } : { id: 'sync', ...(f.ready?.status === 'False' ? { color: 'errorForeground' } : {}) },
        collapsible: 'none',
        accessibilityLabel: `Flux ${f.ref.kind} ${f.ref.name}, ${withoutFirst(description)}`,
      };
    }
    case 'error': {
      const retry = node.retryInMs !== undefined ? `retrying in ${Math.max(1, Math.round(node.retryInMs / 1000))} s${node.attempt ? ` (attempt ${node.attempt})` : ''}` : '';
      const message = safe(node.error.message, secrets);
      const hint = safe(node.error.hint, secrets);
      return {
        id: `error:${node.context ?? ''}`,
        label: message,
        description: [node.stale ? 'showing the last known history' : '', retry].filter(Boolean).join(' · '),
        tooltip: [`**${node.error.kind}**: ${md(message)}`, hint ? `**What to do:** ${md(hint)}` : '', retry ? `Rollback Guard is ${retry}.` : ''].filter(Boolean).join('\n\n'),
        contextValue: 'rollbackGuard:error',
        icon: { id: 'error', color: 'errorForeground' },
        collapsible: 'none',
      };
    }
    case 'message':
      return {
        label: safe(node.text, secrets),
        ...(node.detail ? { description: node.detail } : {}),
        contextValue: 'rollbackGuard:message',
        icon: { id: node.icon ?? (node.command ? 'plug' : 'info') },
        collapsible: 'none',
        ...(node.command ? { command: { id: node.command.id, title: node.command.title } } : {}),
      };
  }
}

/** The children of a workload: newest revision first, each knowing the live one. */
export function revisionNodes(context: string, w: WorkloadSummary): ClusterNode[] {
  return [
    ...(w.hold ? [{ kind: 'hold', context, ref: w.ref, hold: w.hold } as ClusterNode] : []),
    ...[...w.revisions]
      .sort((a, b) => b.revision - a.revision)
      .map((revision): ClusterNode => ({ kind: 'revision', context, ref: w.ref, ...(w.liveRevision !== undefined ? { workloadLive: w.liveRevision } : {}), revision })),
  ];
}

/** A Helm release's revisions, newest first. */
export function releaseRevisionNodes(context: string, r: ReleaseSummary): ClusterNode[] {
  return [...r.revisions].sort((a, b) => b.revision - a.revision).map((revision) => ({ kind: 'releaseRevision', context, ref: r.ref, revision }));
}

/** An Application's history entries, newest first. */
export function appEntryNodes(context: string, a: ApplicationSummary): ClusterNode[] {
  return [...a.entries].sort((x, y) => y.id - x.id).map((entry) => ({ kind: 'appEntry', context, ref: a.ref, autoSync: a.autoSync, entry }));
}

/** Everything in one namespace, in the view's order: workloads, Helm releases, Applications, Flux objects. */
export function namespaceChildren(context: string, group: NamespaceGroup): ClusterNode[] {
  return [
    ...group.workloads.map((workload): ClusterNode => ({ kind: 'workload', context, workload })),
    ...group.releases.map((release): ClusterNode => ({ kind: 'release', context, release })),
    ...group.applications.map((application): ClusterNode => ({ kind: 'application', context, application })),
    ...group.flux.map((flux): ClusterNode => ({ kind: 'flux', context, flux })),
  ];
}

/** Namespaces with everything the view shows in them, sorted by namespace, each kind by name. */
export function groupAll(items: { workloads: readonly WorkloadSummary[]; releases?: readonly ReleaseSummary[]; applications?: readonly ApplicationSummary[]; flux?: readonly FluxSummary[] }): NamespaceGroup[] {
  const groups = new Map<string, NamespaceGroup>();
  const group = (ns: string): NamespaceGroup => {
    let g = groups.get(ns);
    if (!g) groups.set(ns, (g = { namespace: ns, workloads: [], releases: [], applications: [], flux: [] }));
    return g;
  };
  for (const w of groupByNamespace(items.workloads)) group(w.namespace).workloads.push(...w.workloads);
  const byName = <T extends { ref: { name: string; kind: string } }>(a: T, b: T) => a.ref.kind.localeCompare(b.ref.kind) || a.ref.name.localeCompare(b.ref.name);
  for (const r of [...(items.releases ?? [])].sort(byName)) group(r.ref.namespace).releases.push(r);
  for (const a of [...(items.applications ?? [])].sort(byName)) group(a.ref.namespace).applications.push(a);
  for (const f of [...(items.flux ?? [])].sort(byName)) group(f.ref.namespace).flux.push(f);
  return [...groups.values()].sort((a, b) => a.namespace.localeCompare(b.namespace));
}

/** Namespaces with their workloads, sorted; workloads by kind then name. */
export function groupByNamespace(workloads: readonly WorkloadSummary[]): { namespace: string; workloads: WorkloadSummary[] }[] {
  const byNs = new Map<string, WorkloadSummary[]>();
  for (const w of workloads) {
    let list = byNs.get(w.ref.namespace);
    if (!list) byNs.set(w.ref.namespace, (list = []));
    list.push(w);
  }
  return [...byNs.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([namespace, list]) => ({
      namespace,
      workloads: list.sort((a, b) => WORKLOAD_KIND_NAMES.indexOf(a.ref.kind) - WORKLOAD_KIND_NAMES.indexOf(b.ref.kind) || a.ref.name.localeCompare(b.ref.name)),
    }));
}

// ---------------------------------------------------------------- settings

/**
 * Every level of a list setting together (user, remote, workspace, folder):
 * a workspace's `.vscode/settings.json` comes with the repository, so it may
 * add patterns but never replace the user's, as `get()` would.
 */
export function settingUnion(inspected: { globalValue?: readonly string[]; workspaceValue?: readonly string[]; workspaceFolderValue?: readonly string[] } | undefined): string[] {
  return [...(inspected?.globalValue ?? []), ...(inspected?.workspaceValue ?? []), ...(inspected?.workspaceFolderValue ?? [])].filter((p): p is string => typeof p === 'string');
}

/** Production globs: the `rollbackGuard.cluster.productionContexts` setting plus `production.contexts` of .rollbackguard.yaml, without duplicates. */
export function productionPatterns(setting: readonly string[] | undefined, fromConfig: readonly string[] | undefined): string[] {
  return [...new Set([...(setting ?? []), ...(fromConfig ?? [])].map((p) => p.trim()).filter((p) => p.length > 0))];
}

/**
 * Which namespaces the view watches: `all` (one watch across the cluster,
 * falling back to the context's namespace when that is forbidden) or a list.
 */
export function namespaceScope(setting: readonly string[] | undefined): { all: true } | { all: false; namespaces: string[] } {
  const list = [...new Set((setting ?? []).map((n) => n.trim()).filter((n) => n.length > 0))];
  if (list.length === 0 || list.includes('*')) return { all: true };
  return { all: false, namespaces: list };
}

// ---------------------------------------------------------------- errors

/** One sentence plus what to do, for a notification. */
export function errorText(error: Pick<ClusterError, 'kind' | 'message' | 'hint' | 'permission'>, secrets: readonly string[] = []): string {
  const p = error.permission;
  // A 403 names the exact verb, resource and namespace, so the fix can be asked for.
  const permission =
    error.kind === 'forbidden' && p && !error.message.includes(p.verb)
      ? ` (needs "${p.verb}" on ${p.resource}${p.group ? `.${p.group}` : ''}${p.namespace ? ` in namespace "${p.namespace}"` : ''})`
      : '';
  const message = trimEndOf(error.message, `.${WHITESPACE}`);
  return safe(`${message[0]?.toUpperCase() ?? ''}${message.slice(1)}${permission}.${error.hint ? ` ${error.hint}` : ''}`, secrets);
}

export type ErrorAction = 'retry' | 'selectContext' | 'openSettings' | 'rollBackAgain' | 'showLog' | 'installHelm';

/** The buttons an error notification offers, by kind. */
export function errorActions(kind: ClusterError['kind']): ErrorAction[] {
  switch (kind) {
    case 'config':
      return ['selectContext', 'openSettings'];
    case 'unreachable':
    case 'tls':
    case 'server':
      return ['retry', 'selectContext'];
    case 'unauthorized':
    case 'forbidden':
      return ['selectContext', 'showLog'];
    case 'conflict':
      return ['rollBackAgain'];
    case 'tool-missing':
      return ['installHelm', 'openSettings'];
    default:
      return ['showLog'];
  }
}

// ---------------------------------------------------------------- confirmation

const CHECK_ICON: Record<PreflightCheck['status'], string> = { pass: '✔', warn: '⚠', fail: '✖', info: 'ℹ', skipped: '–' };

export interface Confirmation {
  /** The modal's message (one line). */
  message: string;
  /** Every preflight check with its evidence, then the image changes. */
  detail: string;
  /** What the user must do: confirm, type the context name back (production), acknowledge GitOps, or nothing (refused / skip). */
  needs: 'confirm' | 'typed-context' | 'refused' | 'skip';
  /** A certain GitOps owner the user must acknowledge before a cluster-side rollback. */
  gitops?: string;
  /** The first blocking problem, when refused. */
  refusal?: Pick<ClusterError, 'kind' | 'message' | 'hint'>;
}

/** The confirmation of a workload rollback: an operation whose "nothing to do" is a plan that skips, with the pod template's image changes. */
export function confirmation(pre: Preflight, secrets: readonly string[] = []): Confirmation {
  const ref = pre.request.ref;
  const where = `in namespace "${ref.namespace}" (context "${pre.context.name}")`;
  return operationConfirmation(
    pre,
    {
      question: `Roll back ${refText(ref)} ${where} from revision ${pre.plan?.fromRevision ?? '?'} to revision ${pre.plan?.toRevision ?? '?'}?`,
      refused: `Rollback Guard will not roll back ${refText(ref)} ${where}`,
      ...(pre.plan?.action === 'skip' ? { nothingToDo: `${refText(ref)} ${where} already runs revision ${pre.plan.toRevision}: nothing to roll back.` } : {}),
      ...(pre.diff ? { images: pre.diff.images } : {}),
    },
    secrets,
  );
}

/** What a Helm, Argo CD, Rollout or Flux preflight shows in its confirmation. */
export interface OperationPreflightView {
  checks: readonly PreflightCheck[];
  blocking: readonly Pick<ClusterError, 'kind' | 'message' | 'hint'>[];
  production: { production: boolean; pattern?: string };
  context: { name: string };
}

/**
 * The confirmation of a write — a workload rollback, a Helm or Argo CD
 * rollback, a Rollout abort/promote/retry, a Flux suspend/resume: every check
 * with its evidence, then the image changes and anything else to know, and
 * what the user must do.
 */
export function operationConfirmation(
  pre: OperationPreflightView,
  text: { question: string; refused: string; nothingToDo?: string; images?: readonly { container: string; from?: string; to?: string }[]; extra?: readonly string[] },
  secrets: readonly string[] = [],
): Confirmation {
  const lines: string[] = [];
  for (const c of pre.checks) {
    lines.push(`${CHECK_ICON[c.status]} ${c.id}: ${c.title}`);
    for (const e of c.evidence) lines.push(`    ${e}`);
    if (c.status === 'fail' && c.error?.hint) lines.push(`    → ${c.error.hint}`);
  }
  if (text.images && text.images.length > 0) {
    lines.push('', 'Images after the rollback:');
    for (const i of text.images) lines.push(`    ${i.container}: ${i.from ?? '∅'} → ${i.to ?? '∅'}`);
  }
  if (text.extra?.length) lines.push('', ...text.extra);
  const owner = pre.checks.find((c) => c.id === 'gitops' && c.status === 'fail');
  const blocking = pre.blocking[0];
  let message: string;
  let needs: Confirmation['needs'];
  if (blocking) {
    message = `${text.refused}: ${blocking.message}`;
    needs = 'refused';
  } else if (text.nothingToDo) {
    message = text.nothingToDo;
    needs = 'skip';
  } else {
    message = text.question;
    needs = pre.production.production ? 'typed-context' : 'confirm';
  }
  if (pre.production.production && needs === 'typed-context') lines.push('', `"${pre.context.name}" is a production context (matches "${pre.production.pattern}"): you will be asked to type its name.`);
  if (owner && needs !== 'refused') lines.push('', `GitOps: ${owner.error?.hint ?? owner.title}`);
  return {
    message: safe(message, secrets),
    detail: safe(lines.join('\n'), secrets),
    needs,
    ...(owner && needs !== 'refused' ? { gitops: safe(owner.title, secrets) } : {}),
    ...(blocking ? { refusal: { kind: blocking.kind, message: safe(blocking.message, secrets), hint: safe(blocking.hint, secrets) } } : {}),
  };
}

// ---------------------------------------------------------------- manifests ↔ workloads

export interface ManifestWorkload {
  kind: WorkloadKind;
  name: string;
  /** As written; undefined when the document leaves it to the context's namespace. */
  namespace?: string;
  /** Offset of the document's first line (`apiVersion` or `kind`), where the CodeLens goes. */
  offset: number;
  /** Index of the document in its file. */
  index: number;
  /** Containers with their image scalars, for "make the manifest match the cluster". */
  containers: { name: string; init: boolean; image?: string; imageSpan?: [number, number]; imageStyle?: Scalar.Type }[];
  templated: boolean;
}

const CONTAINER_FIELDS: readonly [string, boolean][] = [
  ['initContainers', true],
  ['containers', false],
];

/** The Deployments, StatefulSets, DaemonSets and Argo Rollouts of a YAML file, with where their images are written. */
export function manifestWorkloads(text: string): ManifestWorkload[] {
  const file = parseManifestFile(text);
  const out: ManifestWorkload[] = [];
  for (const doc of file.manifests) {
    const kind = WORKLOAD_KIND_NAMES.find((k) => k === doc.kind);
    if (!kind || doc.group !== KIND_GROUP[kind] || !doc.name) continue;
    const start = span(doc.root)?.[0] ?? 0;
    out.push({
      kind,
      name: doc.name,
      ...(doc.namespace ? { namespace: doc.namespace } : {}),
      offset: start,
      index: doc.index,
      containers: containersOf(doc),
      templated: file.templated,
    });
  }
  return out;
}

function containersOf(doc: ManifestDoc): ManifestWorkload['containers'] {
  const { nav } = doc;
  const spec = nav.at(doc.root, ['spec', 'template', 'spec']);
  const out: ManifestWorkload['containers'] = [];
  for (const [field, init] of CONTAINER_FIELDS) {
    for (const c of nav.items(nav.get(spec, field))) {
      const name = nav.str(nav.get(c, 'name'));
      if (!name) continue;
      const pair = nav.pair(c, 'image');
      // Only a scalar written right here can be edited in place (not an alias, not a merged key).
      const node = pair?.value;
      const direct = isScalar(node) && (c as { items?: unknown[] }).items?.includes(pair);
      const s = direct ? span(node) : undefined;
      out.push({
        name,
        init,
        ...(nav.str(node) !== undefined ? { image: nav.str(node)! } : {}),
        ...(s ? { imageSpan: s, imageStyle: (node as Scalar).type ?? 'PLAIN' } : {}),
      });
    }
  }
  return out;
}

/** The live workload a manifest document describes: same kind and name, in its namespace (or the context's when it has none). */
export function matchWorkload<W extends { ref: WorkloadRef }>(doc: Pick<ManifestWorkload, 'kind' | 'name' | 'namespace'>, workloads: readonly W[], defaultNamespace: string): W | undefined {
  const namespace = doc.namespace ?? defaultNamespace;
  return workloads.find((w) => w.ref.kind === doc.kind && w.ref.name === doc.name && w.ref.namespace === namespace);
}

/** "3 revisions · live 3 · roll back…" */
export function lensTitle(w: Pick<WorkloadSummary, 'revisions' | 'liveRevision' | 'paused' | 'rollout'>): string {
  const n = w.revisions.length;
  const state = w.paused ? ' · paused' : w.rollout.done ? '' : ' · rolling out';
  return `$(history) ${n} revision${n === 1 ? '' : 's'} · live ${w.liveRevision ?? 'unknown'}${state} · roll back…`;
}

export interface ImageEdit {
  container: string;
  from: string;
  to: string;
  /** The reference the cluster runs (without the digest `to` may add). */
  running: string;
  /**
   * The manifest pinned a digest and the cluster names a tag alone: `kept`
   * when `to` carries the digest known for that tag, `lost` when none is known.
   */
  pin?: 'kept' | 'lost';
  /** Offsets in the file text. */
  start: number;
  end: number;
  newText: string;
}

export interface SetImagesOptions {
  /** The digest known for a tag-only reference (from the file's Git history), if any. */
  digestOf?: (image: string) => string | undefined;
}

/**
 * What the manifest should name for an image the cluster runs: the running
 * reference, in the form the manifest used. A manifest pinned by digest
 * stays pinned: the same tag keeps its digest, another tag gets the digest
 * known for it, and only when none is known does the pin go (`lost`).
 */
export function imageToWrite(current: string | undefined, running: string, options: SetImagesOptions = {}): { image: string; pin?: 'kept' | 'lost' } {
  if (current === undefined || current === running) return { image: running };
  const now = parseImageReference(current);
  const live = parseImageReference(running);
  if (!now.digest || live.digest) return { image: running };
  // The cluster names the tag the manifest pins: nothing to change.
  if (current.slice(0, current.indexOf('@')) === running) return { image: current };
  const digest = options.digestOf?.(running);
  return digest ? { image: `${running}@${digest}`, pin: 'kept' } : { image: running, pin: 'lost' };
}

/** A scalar in the style it was written in: plain stays plain when it can, quotes keep their kind. */
export function scalarText(value: string, style: Scalar.Type | undefined): string {
  if (style === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (style === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  // Image references hold ':' and '@'; yamlString quotes only what needs it.
  return /^[A-Za-z0-9_./:@-]+$/.test(value) && !/^[-:?]/.test(value) && !/: /.test(value) ? value : yamlString(value);
}

export type ImageEditResult =
  | { ok: true; edits: ImageEdit[]; text: string; unchanged: string[] }
  | { ok: false; reason: string };

/**
 * Sets the images of the document describing `doc` (kind/name/namespace) to
 * `live` (by container name), editing only the image scalars so comments,
 * quoting and layout stay as they were.
 */
export function setImages(text: string, doc: Pick<ManifestWorkload, 'kind' | 'name' | 'namespace' | 'index'>, live: readonly ContainerImage[], options: SetImagesOptions = {}): ImageEditResult {
  const target = manifestWorkloads(text).find((w) => w.kind === doc.kind && w.name === doc.name && w.index === doc.index);
  if (!target) return { ok: false, reason: `the file no longer holds ${doc.kind} ${doc.name}` };
  if (target.templated) return { ok: false, reason: 'the file is a Helm template: set the image in the chart values instead' };
  const edits: ImageEdit[] = [];
  const unchanged: string[] = [];
  for (const image of live) {
    const c = target.containers.find((x) => x.name === image.container && x.init === (image.init === true));
    if (!c) return { ok: false, reason: `the manifest has no ${image.init ? 'init container' : 'container'} named "${image.container}", which runs in the cluster` };
    const write = imageToWrite(c.image, image.image, options);
    if (c.image === write.image) {
      unchanged.push(image.container);
      continue;
    }
    if (!c.imageSpan) return { ok: false, reason: `the image of container "${image.container}" is not written as a plain value in this document (an alias or a merge key)` };
    edits.push({ container: image.container, from: c.image ?? '', to: write.image, running: image.image, ...(write.pin ? { pin: write.pin } : {}), start: c.imageSpan[0], end: c.imageSpan[1], newText: scalarText(write.image, c.imageStyle) });
  }
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return { ok: true, edits, text: out, unchanged };
}

/**
 * The branch of "make the manifest match the cluster":
 * `rollback/deployment-catalog-revision-4` after a rollback, else
 * `match-cluster/deployment-catalog-revision-4` (the caller adds `-2`, `-3` when taken).
 */
export function alignBranchName(ref: Pick<WorkloadRef, 'kind' | 'name'>, revision: number | undefined, afterRollback = true): string {
  const slug = `${ref.kind.toLowerCase()}-${ref.name}`.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${afterRollback ? 'rollback' : 'match-cluster'}/${slug}${revision !== undefined ? `-revision-${revision}` : ''}`;
}

/**
 * The confirmation of "make the manifest match the cluster": the question and
 * what changes, digests shortened for reading (`sha256:3d5d4763…`); the commit
 * writes the exact references.
 */
export function alignConfirmation(ref: WorkloadRef, relPath: string, branch: string, edits: readonly ImageEdit[], head: { branch?: string; sha?: string }): { message: string; detail: string } {
  const one = edits.length === 1;
  const detail = [
    ...edits.flatMap((e) => [
      `${e.container}: ${shortenDigests(e.from)} → ${shortenDigests(e.to)}`,
      ...(e.pin === 'kept' ? [`    the cluster names ${shortImage(e.running)} without a digest; the digest is the one ${relPath} pinned for it before`] : []),
      ...(e.pin === 'lost' ? [`    the cluster names ${shortImage(e.running)} without a digest and none is known for it: the manifest loses its pin (RG101)`] : []),
    ]),
    '',
    `Only the image value${one ? ' changes' : 's change'}; comments and layout stay. The commit's parent is ${head.branch ?? 'the detached HEAD'} (${(head.sha ?? '').slice(0, 7)}); the working tree and ${head.branch ?? 'HEAD'} do not change, and nothing is pushed.`,
  ].join('\n');
  return { message: `Commit the image${one ? '' : 's'} ${refText(ref)} runs now to ${relPath} on a new branch ${branch}?`, detail };
}

/** What the commit of "make the manifest match the cluster" knows about how the cluster came to run it. */
export interface AlignOrigin {
  context: string;
  /** The live revision the images come from. */
  liveRevision?: number;
  /** Set when the commit follows a rollback Rollback Guard ran: the revision rolled back to and its evidence record. */
  rollback?: { toRevision?: number; evidence?: string };
}

/**
 * The commit message of "make the manifest match the cluster": the subject
 * says which images the manifest now names; the body says where they run,
 * how each digest was kept (or why it could not be), and mentions a
 * rollback only when one happened.
 */
export function alignCommitMessage(ref: WorkloadRef, origin: AlignOrigin, edits: readonly ImageEdit[]): string {
  const images = [...new Set(edits.map((e) => shortImage(e.running)))].join(', ');
  const subject = `${refText(ref)}: name the image${edits.length === 1 ? '' : 's'} the cluster runs (${images})`;
  const where = `the ${ref.kind} in namespace ${ref.namespace} (context ${origin.context})${origin.liveRevision !== undefined ? `, live revision ${origin.liveRevision}` : ''}`;
  const body: string[] = [`Sets ${edits.length === 1 ? 'the image' : 'the images'} to what ${where} runs:`];
  for (const e of edits) {
    body.push(`- ${e.container}: ${e.to} (was ${e.from})`);
    if (e.pin === 'kept') body.push(`  The cluster names the tag; the digest is the one this file pinned for it before.`);
    if (e.pin === 'lost') body.push(`  The cluster names the tag alone and no digest for it is known here: pin it again.`);
  }
  const rollback = origin.rollback;
  if (rollback) {
    body.push('', `The cluster runs ${edits.length === 1 ? 'it' : 'them'} since Rollback Guard rolled the ${ref.kind} back${rollback.toRevision !== undefined ? ` to revision ${rollback.toRevision}` : ''}.`);
    if (rollback.evidence) body.push(`Evidence: ${rollback.evidence}`);
  }
  return `${subject}\n\n${body.join('\n')}\n`;
}

// ---------------------------------------------------------------- revision documents

/** The path part of a read-only revision document: `/<context>/<namespace>/<kind>/<name>/<revision|live>.yaml`. */
export function revisionPath(context: string, ref: WorkloadRef | ReleaseRef, which: number | 'live'): string {
  const seg = (s: string) => encodeURIComponent(s);
  return `/${seg(context)}/${seg(ref.namespace)}/${ref.kind}/${seg(ref.name)}/${which === 'live' ? 'live' : `revision-${which}`}.yaml`;
}

export function parseRevisionPath(path: string): { context: string; ref: WorkloadRef | ReleaseRef; which: number | 'live' } | undefined {
  const m = /^\/([^/]+)\/([^/]+)\/(Deployment|StatefulSet|DaemonSet|Rollout|HelmRelease)\/([^/]+)\/(live|revision-(\d+))\.yaml$/.exec(path);
  if (!m) return undefined;
  return {
    context: decodeURIComponent(m[1]!),
    ref: { kind: m[3] as WorkloadKind | 'HelmRelease', namespace: decodeURIComponent(m[2]!), name: decodeURIComponent(m[4]!) } as WorkloadRef | ReleaseRef,
    which: m[5] === 'live' ? 'live' : Number(m[6]),
  };
}

/** What a command was given, for the log: a row of the view (its kind and object), a target, or nothing. */
export function argumentText(arg: unknown): string {
  if (arg === undefined || arg === null) return 'no row given (from the palette, or a row the view no longer had)';
  if (typeof arg !== 'object') return `given ${typeof arg}`;
  type Ref = { kind?: string; namespace?: string; name?: string };
  const node = arg as { kind?: unknown; ref?: Ref; workload?: { ref?: Ref }; release?: { ref?: Ref }; application?: { ref?: Ref }; flux?: { ref?: Ref }; revision?: unknown };
  const ref = node.ref ?? node.workload?.ref ?? node.release?.ref ?? node.application?.ref ?? node.flux?.ref;
  const what = ref?.kind && ref.name ? `${ref.kind.toLowerCase()}/${ref.name}${ref.namespace ? ` in ${ref.namespace}` : ''}` : 'an object';
  const revision = typeof node.revision === 'number' ? node.revision : (node.revision as { revision?: unknown } | undefined)?.revision;
  return typeof node.kind === 'string' ? `the ${node.kind} row of ${what}${typeof revision === 'number' ? ` (revision ${revision})` : ''}` : `${what}${typeof revision === 'number' ? `, revision ${revision}` : ''}`;
}
