/**
 * Argo CD Applications: history from `status.history[]`, and rollback the way
 * the Argo CD API server does it (server/application/application.go Rollback,
 * v3.5): refused while the Application is being deleted, while automated
 * sync is on (`syncPolicy.automated` present and not `enabled: false`), when
 * the history has no entry with that id, or when the entry has no source
 * (deployed by Argo CD ≤ 0.11); otherwise it sets `operation` to
 *
 *   { sync: { revision, revisions, syncOptions, syncStrategy: {apply: {}},
 *             source: &entry.source, sources }, initiatedBy: {username}, retry: {} }
 *
 * (Go's JSON of that struct: empty fields left out except `source`, a pointer
 * to the entry's source even when it is empty, and `retry`, a struct), and
 * clears `status.operationState` — refusing when an operation is already set
 * ("another operation is already in progress"). `argocd app rollback APP`
 * without an id takes the second-newest history entry.
 *
 * The controller then syncs; none runs here. Argo CD writes with a
 * read-modify-update loop; this sends one JSON merge patch carrying the
 * resourceVersion it read, so the stored object is the same and a concurrent
 * change is refused instead of retried over.
 *
 * "Pause auto-sync" is `argocd app set --sync-policy none`: it removes
 * `spec.syncPolicy.automated`, and `spec.syncPolicy` altogether when nothing
 * else is left in it.
 */
import type { KubeObject } from './client';
import { fail, ok, type Result } from './errors';
import type { ApplicationRef } from './kinds';

export interface ApplicationSource {
  repoURL?: string;
  path?: string;
  targetRevision?: string;
  chart?: string;
  ref?: string;
  name?: string;
  [key: string]: unknown;
}

export interface ApplicationHistoryEntry {
  id: number;
  revision?: string;
  revisions?: string[];
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  deployedAt: string;
  deployStartedAt?: string;
  initiatedBy?: { username?: string; automated?: boolean };
  /** The newest entry: what the Application deployed last. */
  live: boolean;
}

export interface ApplicationHistory {
  ref: ApplicationRef;
  uid: string;
  resourceVersion: string;
  project: string;
  /** Automated sync is on: Argo CD refuses a rollback. */
  autoSync: boolean;
  /** spec.syncPolicy as it is. */
  syncPolicy?: Record<string, unknown>;
  /** status.sync.status (Synced, OutOfSync) and status.health.status (Healthy, Degraded, …). */
  syncStatus?: string;
  health?: string;
  /** The revision(s) it is synced to now (status.sync.revision(s)). */
  syncedRevision?: string;
  syncedRevisions?: string[];
  /** An operation is set (a sync or rollback is running or queued). */
  operationInProgress: boolean;
  /** status.operationState.phase of the last operation. */
  operationPhase?: string;
  deleting: boolean;
  /** Where it deploys to. */
  destination?: { server?: string; name?: string; namespace?: string };
  /** Ascending by id. */
  entries: ApplicationHistoryEntry[];
  liveId?: number;
}

interface AppSpec {
  project?: string;
  destination?: { server?: string; name?: string; namespace?: string };
  syncPolicy?: { automated?: { enabled?: boolean } | null; syncOptions?: string[]; retry?: unknown; managedNamespaceMetadata?: unknown; [k: string]: unknown } | null;
}

interface AppStatus {
  history?: (Omit<ApplicationHistoryEntry, 'live'> & { id: number })[];
  sync?: { status?: string; revision?: string; revisions?: string[] };
  health?: { status?: string };
  operationState?: { phase?: string };
}

/** SyncPolicy.IsAutomatedSyncEnabled. */
export function autoSyncEnabled(app: KubeObject): boolean {
  const automated = (app.spec as AppSpec | undefined)?.syncPolicy?.automated;
  return !!automated && (automated.enabled === undefined || automated.enabled === null || automated.enabled === true);
}

export function applicationHistory(app: KubeObject): ApplicationHistory {
  const spec = (app.spec ?? {}) as AppSpec;
  const status = (app.status ?? {}) as AppStatus;
  const raw = [...(status.history ?? [])].sort((a, b) => a.id - b.id);
  const last = raw[raw.length - 1];
  const entries: ApplicationHistoryEntry[] = raw.map((h) => ({ ...h, live: h === last }));
  return {
    ref: { kind: 'Application', namespace: app.metadata.namespace ?? '', name: app.metadata.name },
    uid: app.metadata.uid ?? '',
    resourceVersion: app.metadata.resourceVersion ?? '',
    project: spec.project ?? 'default',
    autoSync: autoSyncEnabled(app),
    ...(spec.syncPolicy ? { syncPolicy: spec.syncPolicy as Record<string, unknown> } : {}),
    ...(status.sync?.status ? { syncStatus: status.sync.status } : {}),
    ...(status.health?.status ? { health: status.health.status } : {}),
    ...(status.sync?.revision ? { syncedRevision: status.sync.revision } : {}),
    ...(status.sync?.revisions?.length ? { syncedRevisions: status.sync.revisions } : {}),
    operationInProgress: app.operation !== undefined && app.operation !== null,
    ...(status.operationState?.phase ? { operationPhase: status.operationState.phase } : {}),
    deleting: !!app.metadata.deletionTimestamp,
    ...(spec.destination ? { destination: spec.destination } : {}),
    entries,
    ...(last ? { liveId: last.id } : {}),
  };
}

/** `<revision>` or `<rev1>, <rev2>` (multi-source), for display. */
export function entryRevisionText(e: Pick<ApplicationHistoryEntry, 'revision' | 'revisions'>): string {
  return e.revisions?.length ? e.revisions.join(', ') : (e.revision ?? '');
}

/** `repo@path` or `chart@version` of each source, for display. */
export function entrySourceText(e: Pick<ApplicationHistoryEntry, 'source' | 'sources'>): string {
  const one = (s: ApplicationSource): string => `${s.repoURL ?? ''}${s.chart ? ` chart ${s.chart}` : s.path ? ` ${s.path}` : ''}${s.targetRevision ? ` @ ${s.targetRevision}` : ''}`;
  return e.sources?.length ? e.sources.map(one).join('; ') : e.source ? one(e.source) : '';
}

/** The operation Argo CD's Rollback sets, as Go's encoding/json writes it. */
export interface RollbackOperation {
  sync: {
    revision?: string;
    revisions?: string[];
    syncOptions?: string[];
    syncStrategy: { apply: Record<string, never> };
    source: ApplicationSource;
    sources?: ApplicationSource[];
  };
  initiatedBy: { username?: string };
  retry: Record<string, never>;
}

export interface ApplicationRollbackPlan {
  ref: ApplicationRef;
  resourceVersion: string;
  fromId?: number;
  toId: number;
  to: ApplicationHistoryEntry;
  operation: RollbackOperation;
  /** The JSON merge patch sent: resourceVersion guard, operation, cleared operationState. */
  patch: { metadata: { resourceVersion: string }; operation: RollbackOperation; status: { operationState: null } };
  history: ApplicationHistory;
}

/** The history entry `argocd app rollback APP [ID]` picks: that id, or without one the second-newest (findRevisionHistory). */
export function findHistoryEntry(history: ApplicationHistory, id?: number): Result<ApplicationHistoryEntry> {
  const { ref } = history;
  if (id === undefined) {
    if (history.entries.length < 2) return fail('no-history', `application '${ref.name}' should have at least two successful deployments`, 'There is no earlier deployment to go back to; sync to a revision instead.');
    return ok(history.entries[history.entries.length - 2]!);
  }
  const found = history.entries.find((e) => e.id === id);
  return found ? ok(found) : fail('revision-not-found', `application ${ref.namespace}/${ref.name} does not have deployment with id ${id}`, `Its history ids: ${history.entries.map((e) => e.id).join(', ') || 'none'}.`);
}

/** Operation.Sync of a rollback to `entry`, with the Application's sync options and the user who asked. */
export function rollbackOperation(app: KubeObject, entry: Pick<ApplicationHistoryEntry, 'revision' | 'revisions' | 'source' | 'sources'>, username: string): RollbackOperation {
  const syncOptions = (app.spec as AppSpec | undefined)?.syncPolicy?.syncOptions;
  return {
    sync: {
      ...(entry.revision ? { revision: entry.revision } : {}),
      ...(entry.revisions?.length ? { revisions: [...entry.revisions] } : {}),
      ...(syncOptions?.length ? { syncOptions: [...syncOptions] } : {}),
      syncStrategy: { apply: {} },
      // &deploymentInfo.Source: a pointer, so an empty source is written as {"repoURL":""}.
      source: entry.source ? { ...entry.source } : { repoURL: '' },
      ...(entry.sources?.length ? { sources: entry.sources.map((s) => ({ ...s })) } : {}),
    },
    initiatedBy: username ? { username } : {},
    retry: {},
  };
}

/** The rollback to history entry `id` (undefined: the previous one), or why Argo CD would refuse it. Pure. */
export function planApplicationRollback(app: KubeObject, id: number | undefined, username: string): Result<ApplicationRollbackPlan> {
  const history = applicationHistory(app);
  const { ref } = history;
  const qualified = `${ref.namespace}/${ref.name}`;
  if (history.deleting) return fail('invalid', `application ${qualified} is deleting`, 'Nothing to roll back: it is being deleted.');
  if (history.autoSync) {
    return fail('auto-sync', `rollback cannot be initiated when auto-sync is enabled (application ${qualified})`, 'Argo CD refuses it too: pause auto-sync first (argocd app set --sync-policy none), roll back, and turn it on again once Git holds the version you want.');
  }
  const entry = findHistoryEntry(history, id);
  if (!entry.ok) return entry;
  const e = entry.value;
  if (!e.source && !e.sources?.length) return fail('unsupported', 'cannot rollback to revision deployed with Argo CD v0.11 or lower. sync to revision instead.', `Sync application ${qualified} to revision ${entryRevisionText(e) || '?'} instead.`);
  if (history.operationInProgress) return fail('conflict', `another operation is already in progress on application ${qualified}`, 'Wait for the running sync to finish (or terminate it in Argo CD), then roll back.');
  const operation = rollbackOperation(app, e, username);
  const resourceVersion = history.resourceVersion;
  return ok({
    ref,
    resourceVersion,
    ...(history.liveId !== undefined ? { fromId: history.liveId } : {}),
    toId: e.id,
    to: e,
    operation,
    patch: { metadata: { resourceVersion }, operation, status: { operationState: null } },
    history,
  });
}

/**
 * `argocd app set --sync-policy none` as a JSON merge patch guarded by the
 * resourceVersion: automated removed, and the whole syncPolicy when nothing
 * else would be left (SyncPolicy.IsZero). Undefined when auto-sync is off.
 */
export function pauseAutoSyncPatch(app: KubeObject): { metadata: { resourceVersion: string }; spec: { syncPolicy: null | { automated: null } } } | undefined {
  const policy = (app.spec as AppSpec | undefined)?.syncPolicy;
  if (!policy || policy.automated === undefined || policy.automated === null) return undefined;
  const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  const zeroAfter = empty(policy.syncOptions) && empty(policy.retry) && empty(policy.managedNamespaceMetadata);
  return { metadata: { resourceVersion: app.metadata.resourceVersion ?? '' }, spec: { syncPolicy: zeroAfter ? null : { automated: null } } };
}
