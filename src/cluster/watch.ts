/**
 * Live revision history: one LIST then one WATCH per resource (Deployments,
 * ReplicaSets, StatefulSets, DaemonSets, ControllerRevisions, Rollouts,
 * Secrets labelled owner=helm, Argo CD Applications, Flux Kustomizations and
 * HelmReleases) for a namespace or the cluster, kept in memory like an
 * informer. A resource whose CRD is not installed (404) or that the user may
 * not list (403) is shown as empty and listed again now and then, without
 * failing the watch. Changes are grouped per
 * workload and delivered after a short debounce; a dropped connection is
 * retried with exponential backoff and jitter, resuming from the last
 * resourceVersion (bookmarks keep it fresh) and re-listing on 410 Gone.
 *
 * Events follow VS Code's `Event<T>` shape (subscribe → disposable), so the
 * extension can expose them without adapters.
 */
import type { KubeClient, KubeObject, WatchEvent } from './client';
import type { ApplicationHistory } from './argocd';
import type { ClusterError, Result } from './errors';
import type { FluxObject } from './flux';
import type { HelmReleaseRecord, ReleaseHistory } from './helm';
import { buildHistories, buildTree, listAll, OPTIONAL_RESOURCES, optionalProblem, treeQuery, treeResources, type HistoryTree, type TreeResource, type WorkloadHistory } from './history';
import { TREE_KINDS, collectionPath, type TreeKind, type WorkloadRef } from './kinds';

export interface Disposable {
  dispose(): void;
}
export type Event<T> = (listener: (e: T) => void) => Disposable;

export type WatchState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface WatchStatus {
  state: WatchState;
  /** Consecutive failed attempts of the resource that is retrying (0 when live). */
  attempt: number;
  /** Delay before the next attempt, when reconnecting. */
  retryInMs?: number;
  /** Why it is reconnecting. */
  error?: ClusterError;
}

export interface HistoryChange {
  /** Workloads added or whose history changed, with their full new history. */
  changed: WorkloadHistory[];
  removed: WorkloadRef[];
  /** Set when a Helm release changed: every release in scope, as now. */
  releases?: ReleaseHistory[];
  /** Set when an Argo CD Application changed: every Application in scope. */
  applications?: ApplicationHistory[];
  /** Set when a Flux object changed: every one in scope. */
  flux?: FluxObject[];
}

export interface WatchOptions {
  /** One namespace, or undefined for all namespaces. */
  namespace?: string;
  /** What to watch (default: everything the tree shows). */
  kinds?: readonly TreeKind[];
  /** How often a resource that is not installed or not allowed is listed again (default 60 s). */
  unavailableRetryMs?: number;
  /** Backoff after a failure: first delay and cap (defaults 500 ms, 30 s), doubled each attempt with ±20 % jitter. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Quiet time before changes are delivered (default 150 ms). */
  debounceMs?: number;
  /** Server-side timeout of each watch request (default 300 s); the watch is renewed after it. */
  watchTimeoutSeconds?: number;
}

type Resource = TreeResource;

class Emitter<T> {
  private readonly listeners = new Set<(e: T) => void>();
  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // A listener's failure must not stop the watch.
      }
    }
  }
  clear(): void {
    this.listeners.clear();
  }
}

interface ResourceState {
  store: Map<string, KubeObject>;
  resourceVersion?: string;
  listed: boolean;
  live: boolean;
  attempt: number;
  retryInMs?: number;
  error?: ClusterError;
  /** An optional resource that answered 404 (not installed) or 403: shown empty, listed again later. */
  unavailable?: ClusterError;
}

export class HistoryWatcher implements Disposable {
  private readonly snapshotEmitter = new Emitter<HistoryTree>();
  private readonly changeEmitter = new Emitter<HistoryChange>();
  private readonly statusEmitter = new Emitter<WatchStatus>();
  /** The whole tree, once every resource has been listed (and after each re-list). */
  readonly onSnapshot = this.snapshotEmitter.event;
  /** Workloads whose history changed. */
  readonly onChange = this.changeEmitter.event;
  readonly onStatus = this.statusEmitter.event;

  private readonly resources: Resource[];
  private readonly state = new Map<Resource, ResourceState>();
  private readonly abort = new AbortController();
  private readonly dirty = new Set<string>();
  private debounce?: NodeJS.Timeout;
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  /** Last delivered history per workload uid, with a signature to skip no-op updates. */
  private readonly delivered = new Map<string, { ref: WorkloadRef; signature: string; history: WorkloadHistory }>();
  private lastStatus?: WatchStatus;
  private started = false;
  private disposed = false;
  /** Helm releases, Applications and Flux objects changed since the last delivery. */
  private othersDirty = new Set<'releases' | 'applications' | 'flux'>();
  private deliveredOthers: { releases: string; applications: string; flux: string } = { releases: '', applications: '', flux: '' };
  private others: Pick<HistoryTree, 'releases' | 'applications' | 'flux'> = { releases: [], applications: [], flux: [] };
  /** Decoded release Secrets by uid and resourceVersion: a watch re-delivers them often. */
  private readonly releaseCache = new Map<string, { rv: string; decoded: Result<HelmReleaseRecord> }>();

  constructor(
    private readonly client: KubeClient,
    private readonly options: WatchOptions = {},
  ) {
    this.resources = treeResources(options.kinds ?? TREE_KINDS);
    for (const r of this.resources) this.state.set(r, { store: new Map(), listed: false, live: false, attempt: 0 });
  }

  start(): this {
    if (this.started || this.disposed) return this;
    this.started = true;
    this.emitStatus();
    for (const r of this.resources) void this.run(r);
    return this;
  }

  status(): WatchStatus {
    return this.lastStatus ?? { state: this.disposed ? 'stopped' : 'connecting', attempt: 0 };
  }

  /** Every workload's history as last delivered. */
  current(): WorkloadHistory[] {
    return [...this.delivered.values()].map((d) => d.history);
  }

  /** Helm releases, Argo CD Applications and Flux objects as last delivered. */
  currentOthers(): Pick<HistoryTree, 'releases' | 'applications' | 'flux'> {
    return this.others;
  }

  /** Kinds not shown because their resource could not be listed (403), with why. */
  problems(): ClusterError[] {
    return [...this.state.values()].map((s) => s.unavailable).filter((e): e is ClusterError => !!e && e.kind !== 'not-found');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    clearTimeout(this.debounce);
    for (const s of this.sleeps) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.statusEmitter.fire((this.lastStatus = { state: 'stopped', attempt: 0 }));
    this.snapshotEmitter.clear();
    this.changeEmitter.clear();
    this.statusEmitter.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => { this.sleeps.delete(entry); resolve(); }, ms), resolve };
      this.sleeps.add(entry);
    });
  }

  private backoffMs(attempt: number): number {
    const initial = this.options.backoff?.initialMs ?? 500;
    const max = this.options.backoff?.maxMs ?? 30_000;
    const base = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private emitStatus(): void {
    if (this.disposed) return;
    const states = [...this.state.values()];
    const failing = states.filter((s) => s.error);
    const worst = failing.sort((a, b) => b.attempt - a.attempt)[0];
    const status: WatchStatus = worst
      ? { state: 'reconnecting', attempt: worst.attempt, ...(worst.retryInMs !== undefined ? { retryInMs: worst.retryInMs } : {}), ...(worst.error ? { error: worst.error } : {}) }
      : states.every((s) => s.live)
        ? { state: 'live', attempt: 0 }
        : { state: 'connecting', attempt: 0 };
    const prev = this.lastStatus;
    if (prev && prev.state === status.state && prev.attempt === status.attempt) return;
    this.lastStatus = status;
    this.statusEmitter.fire(status);
  }

  private async run(resource: Resource): Promise<void> {
    const st = this.state.get(resource)!;
    const path = collectionPath(resource, this.options.namespace);
    let needList = true;
    while (!this.disposed) {
      if (needList) {
        const list = await listAll(this.client, path, treeQuery(resource));
        if (this.disposed) return;
        if (!list.ok && OPTIONAL_RESOURCES.has(resource) && (list.error.kind === 'not-found' || list.error.kind === 'forbidden')) {
          await this.unavailable(resource, st, list.error);
          continue;
        }
        if (!list.ok) {
          await this.failed(st, list.error);
          continue;
        }
        if (st.unavailable) {
          delete st.unavailable;
          this.othersDirty.add(resource === 'secrets' ? 'releases' : resource === 'applications' ? 'applications' : 'flux');
        }
        const before = [...st.store.values()];
        st.store = new Map(list.value.items.map((o) => [o.metadata.uid ?? `${o.metadata.namespace}/${o.metadata.name}`, o]));
        st.resourceVersion = list.value.metadata.resourceVersion;
        for (const o of [...before, ...list.value.items]) this.markDirty(resource, o);
        const firstTime = !st.listed;
        st.listed = true;
        needList = false;
        if (firstTime && [...this.state.values()].every((s) => s.listed)) this.flush(true);
        else this.schedule();
      }
      let gone = false;
      const onEvent = (event: WatchEvent): void => {
        if (event.type === 'ERROR') {
          if ((event.object as unknown as { code?: number }).code === 410) gone = true;
          return;
        }
        const rv = event.object.metadata?.resourceVersion;
        if (rv) st.resourceVersion = rv;
        if (event.type === 'BOOKMARK') return;
        const key = event.object.metadata.uid ?? `${event.object.metadata.namespace}/${event.object.metadata.name}`;
        const previous = st.store.get(key);
        if (event.type === 'DELETED') st.store.delete(key);
        else st.store.set(key, event.object);
        if (previous) this.markDirty(resource, previous);
        this.markDirty(resource, event.object);
        this.schedule();
      };
      const result = await this.client.watch(
        path,
        { ...treeQuery(resource), resourceVersion: st.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: this.options.watchTimeoutSeconds ?? 300 },
        onEvent,
        this.abort.signal,
        () => {
          st.live = true;
          st.attempt = 0;
          delete st.error;
          delete st.retryInMs;
          this.emitStatus();
        },
      );
      if (this.disposed) return;
      if (gone || (!result.ok && result.error.status === 410)) {
        needList = true;
        continue;
      }
      if (!result.ok) {
        await this.failed(st, result.error);
        // Resume from the last resourceVersion; a 410 on the next try re-lists.
      }
    }
  }

  /** An optional kind that is not installed or not allowed: empty and live, listed again after a while. */
  private async unavailable(resource: Resource, st: ResourceState, error: ClusterError): Promise<void> {
    const first = !st.listed;
    const before = [...st.store.values()];
    st.store = new Map();
    for (const o of before) this.markDirty(resource, o);
    const problem = optionalProblem(resource, error);
    st.unavailable = problem ?? error;
    st.listed = true;
    st.live = true;
    st.attempt = 0;
    delete st.error;
    delete st.retryInMs;
    this.emitStatus();
    if (first && [...this.state.values()].every((s) => s.listed)) this.flush(true);
    else if (before.length > 0) this.schedule();
    await this.sleep(this.options.unavailableRetryMs ?? 60_000);
  }

  private async failed(st: ResourceState, error: ClusterError): Promise<void> {
    st.live = false;
    st.attempt += 1;
    st.error = error;
    st.retryInMs = this.backoffMs(st.attempt);
    this.emitStatus();
    await this.sleep(st.retryInMs);
  }

  private markDirty(resource: Resource, o: KubeObject): void {
    if (resource === 'secrets') this.othersDirty.add('releases');
    else if (resource === 'applications') this.othersDirty.add('applications');
    else if (resource === 'kustomizations' || resource === 'helmreleases') this.othersDirty.add('flux');
    else if (resource === 'replicasets' || resource === 'controllerrevisions') {
      const owner = o.metadata.ownerReferences?.find((r) => r.controller)?.uid;
      if (owner) this.dirty.add(owner);
    } else if (o.metadata.uid) this.dirty.add(o.metadata.uid);
  }

  private schedule(): void {
    if (this.debounce || this.disposed) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.flush(false);
    }, this.options.debounceMs ?? 150);
  }

  private objects(resource: Resource): KubeObject[] {
    return [...(this.state.get(resource)?.store.values() ?? [])];
  }

  private flush(snapshot: boolean): void {
    if (this.disposed) return;
    if (![...this.state.values()].every((s) => s.listed)) return;
    const dirty = snapshot ? undefined : new Set(this.dirty);
    this.dirty.clear();
    const pick = (r: Resource): KubeObject[] => {
      const all = this.objects(r);
      if (!dirty) return all;
      if (r === 'replicasets' || r === 'controllerrevisions') return all.filter((o) => dirty.has(o.metadata.ownerReferences?.find((x) => x.controller)?.uid ?? ''));
      return all.filter((o) => dirty.has(o.metadata.uid ?? ''));
    };
    const histories = buildHistories({
      deployments: pick('deployments'),
      replicaSets: pick('replicasets'),
      statefulSets: pick('statefulsets'),
      daemonSets: pick('daemonsets'),
      controllerRevisions: pick('controllerrevisions'),
      rollouts: pick('rollouts'),
    });
    // Helm releases, Applications and Flux objects: few, rebuilt whole when one of them changed.
    const othersChanged: Pick<HistoryChange, 'releases' | 'applications' | 'flux'> = {};
    if (snapshot || this.othersDirty.size > 0) {
      const built = buildTree({ secrets: this.objects('secrets'), applications: this.objects('applications'), kustomizations: this.objects('kustomizations'), helmreleases: this.objects('helmreleases') }, this.releaseCache);
      this.others = { releases: built.releases ?? [], applications: built.applications ?? [], flux: built.flux ?? [] };
      const sig = {
        releases: this.others.releases!.map((r) => `${r.ref.namespace}/${r.ref.name}:${r.signature}`).join('|'),
        applications: this.others.applications!.map((a) => `${a.uid}:${a.resourceVersion}`).join('|'),
        flux: this.others.flux!.map((f) => `${f.uid}:${f.resourceVersion}`).join('|'),
      };
      if (sig.releases !== this.deliveredOthers.releases) othersChanged.releases = this.others.releases!;
      if (sig.applications !== this.deliveredOthers.applications) othersChanged.applications = this.others.applications!;
      if (sig.flux !== this.deliveredOthers.flux) othersChanged.flux = this.others.flux!;
      this.deliveredOthers = sig;
      this.othersDirty.clear();
      // Forget decodes of Secrets that are gone.
      const live = new Set(this.objects('secrets').map((o) => o.metadata.uid ?? `${o.metadata.namespace}/${o.metadata.name}`));
      for (const k of this.releaseCache.keys()) if (!live.has(k)) this.releaseCache.delete(k);
    }
    const changed: WorkloadHistory[] = [];
    const seen = new Set<string>();
    for (const h of histories) {
      seen.add(h.uid);
      const signature = `${h.resourceVersion}|${h.revisions.map((r) => `${r.source.uid}:${r.revision}:${r.live}:${r.replicas ? `${r.replicas.desired}/${r.replicas.ready}` : ''}`).join(',')}|${h.rollout.message}`;
      const prev = this.delivered.get(h.uid);
      this.delivered.set(h.uid, { ref: h.ref, signature, history: h });
      if (!prev || prev.signature !== signature) changed.push(h);
    }
    const removed: WorkloadRef[] = [];
    for (const [uid, d] of this.delivered) {
      const considered = dirty ? dirty.has(uid) : true;
      if (considered && !seen.has(uid)) {
        removed.push(d.ref);
        this.delivered.delete(uid);
      }
    }
    if (snapshot) {
      this.snapshotEmitter.fire({
        context: this.client.context.name,
        ...(this.options.namespace !== undefined ? { namespace: this.options.namespace } : {}),
        workloads: histories,
        ...this.others,
        problems: this.problems(),
        readAt: new Date().toISOString(),
        calls: this.client.calls.length,
        ms: 0,
      });
    } else if (changed.length > 0 || removed.length > 0 || Object.keys(othersChanged).length > 0) this.changeEmitter.fire({ changed, removed, ...othersChanged });
  }
}
