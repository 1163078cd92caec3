import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { ApplicationHistory, ApplicationRef, ClusterError, ClusterSession, GitCompare, ContextInfo, FluxObject, HistoryTree, HistoryWatcher, LoadedKubeconfig, ReleaseHistory, ReleaseRef, Result, WatchStatus, WorkloadHistory } from '../../cluster';
import { DEFAULT_CONFIG } from '../../core/config';
import { excludeFromGit } from '../../git/exclude';
import type { Folders } from '../folders';
import type { Log } from '../log';
import { LocalCluster } from './localCluster';
import { groupAll, groupByNamespace, manifestWorkloads, namespaceScope, productionPatterns, refKey, settingUnion, summarizeApplication, summarizeFlux, summarizeRelease, summarizeWorkload, type HoldView, type NamespaceGroup, type WorkloadSummary } from './model';

type ClusterModule = typeof import('../../cluster');

const CONTEXT_KEY = 'rollbackGuard.cluster.context';
const STATE_KEY = 'rollbackGuard.cluster.state';

/** What the view shows; `noContext` and `untrusted` leave it empty so its welcome content shows. */
export type ViewState = 'idle' | 'untrusted' | 'noContext' | 'connecting' | 'live' | 'reconnecting';

/** One watched scope (a namespace, or every namespace). */
interface Scope {
  namespace?: string;
  watcher: HistoryWatcher;
  status: WatchStatus;
  listed: boolean;
  /** Helm releases, Argo CD Applications and Flux objects in this scope, as last delivered. */
  others: Required<Pick<HistoryTree, 'releases' | 'applications' | 'flux'>>;
}

/** The view's live history of one context: watchers per namespace scope, merged. */
export interface Feed {
  context: ContextInfo;
  production: { production: boolean; pattern?: string };
  session: ClusterSession;
  secrets: string[];
  workloads: Map<string, WorkloadHistory>;
  scopes: Scope[];
  /** Why the view shows fewer namespaces than asked (a forbidden cluster-wide LIST). */
  note?: string;
}

export type Guard = { ok: true } | { ok: false; why: string };

/** A verdict a hold check recorded: the window passed, or a check failed. */
export interface HoldVerdict {
  context: string;
  ref: WorkloadHistory['ref'];
  verdict: 'verified' | 'failed';
  failures: string[];
  git?: HoldView['git'];
}

/** How often held workloads are checked (health, Git) while the view shows them. */
const HOLD_CHECK_MS = 10_000;

/**
 * The editor's connection to clusters, loaded on first use: the cluster
 * layer (and its Kubernetes client) is imported only when the view is shown
 * or a cluster command runs, so activation for diagnostics stays fast.
 * Owns the sessions (one per context), the view's watchers and the context
 * key menus read; commands ask it for sessions, never build their own.
 */
export class ClusterService implements vscode.Disposable {
  private module: Promise<ClusterModule> | undefined;
  private cluster: ClusterModule | undefined;
  private readonly sessions = new Map<string, ClusterSession>();
  private feed: Feed | undefined;
  private started = false;
  private state: ViewState = 'idle';
  private configError: ClusterError | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** The view's data or state changed. */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private restartTimer: NodeJS.Timeout | undefined;
  /** The production patterns the open sessions were opened with. */
  private patternsInUse: string[] | undefined;
  /** The last check of each held workload (by refKey). */
  private readonly holdViews = new Map<string, HoldView>();
  private holdTimer: NodeJS.Timeout | undefined;
  private holdChecking = false;
  private readonly verdicts = new vscode.EventEmitter<HoldVerdict>();
  /** A held workload's verification passed or failed (recorded in its hold). */
  readonly onHoldVerdict = this.verdicts.event;
  /** A local cluster still being prepared (`npm run demo`): shown until ready, then connected to. */
  readonly local = new LocalCluster();

  constructor(
    private readonly memento: vscode.Memento,
    private readonly folders: Folders,
    private readonly log: Log,
  ) {
    this.disposables.push(
      this.verdicts,
      this.onDidChange(() => this.scheduleHoldCheck(500)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('rollbackGuard.cluster.kubeconfig') || e.affectsConfiguration('rollbackGuard.cluster.namespaces') || e.affectsConfiguration('rollbackGuard.cluster.productionContexts')) this.reset();
      }),
      // `.rollbackguard.yaml` changed: reconnect only when its production.contexts did.
      folders.onDidChange(() => {
        if (this.sessions.size === 0) return;
        void this.productionContexts().then((patterns) => {
          if (patterns.join('\n') !== this.patternsInUse?.join('\n')) this.reset();
        });
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.reset()),
      this.local,
      this.local.onDidChange((status) => {
        if (status?.state === 'ready' && this.started) this.refresh();
        else this.changed.fire();
      }),
    );
    void this.setState(vscode.workspace.isTrusted ? 'idle' : 'untrusted');
  }

  /** Whether cluster commands may run here; the reason to show when not. */
  guard(what: string): Guard {
    if (!vscode.workspace.isTrusted) {
      return { ok: false, why: `${what} talks to a Kubernetes cluster, which Rollback Guard only does in a trusted workspace (a workspace's settings could point it at any cluster). Trust the workspace first: Workspaces: Manage Workspace Trust.` };
    }
    return { ok: true };
  }

  /** The cluster layer, imported on first use. */
  load(): Promise<ClusterModule> {
    if (!this.module) {
      const t0 = Date.now();
      this.module = import('../../cluster').then((m) => {
        this.log.info(`cluster layer loaded in ${Date.now() - t0} ms`);
        this.cluster = m;
        return m;
      });
    }
    return this.module;
  }

  get loaded(): boolean {
    return this.module !== undefined;
  }

  viewState(): ViewState {
    return this.state;
  }

  currentFeed(): Feed | undefined {
    return this.feed;
  }

  lastConfigError(): ClusterError | undefined {
    return this.configError;
  }

  // ------------------------------------------------------------ settings

  private setting<T>(key: string, fallback: T): T {
    return vscode.workspace.getConfiguration('rollbackGuard.cluster').get<T>(key, fallback);
  }

  /** `rollbackGuard.cluster.kubeconfig` (machine setting), else KUBECONFIG, else ~/.kube/config. */
  kubeconfigFiles(): string[] | undefined {
    const path = this.setting<string>('kubeconfig', '').trim();
    if (!path) return undefined;
    return [path.startsWith('~/') ? join(homedir(), path.slice(2)) : path];
  }

  async readKubeconfig(): Promise<Result<LoadedKubeconfig>> {
    const cluster = await this.load();
    const files = this.kubeconfigFiles();
    return cluster.loadKubeconfig(files ? { files } : { env: process.env });
  }

  /** Globs from the setting merged with `production.contexts` of the first folder's .rollbackguard.yaml. */
  async productionContexts(): Promise<string[]> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const fromConfig = folder ? (await this.folders.forUri(folder.uri)).config.production.contexts : DEFAULT_CONFIG.production.contexts;
    // Every level of the setting: the workspace's own settings may add patterns, never remove the user's.
    return productionPatterns(settingUnion(vscode.workspace.getConfiguration('rollbackGuard.cluster').inspect<string[]>('productionContexts')), fromConfig);
  }

  /** The repository configuration of the folder of `uri` (else the first folder): what a rollback's Git checks read (migrations.owners). */
  async repositoryConfig(uri?: vscode.Uri): Promise<typeof DEFAULT_CONFIG> {
    const folder = (uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined) ?? vscode.workspace.workspaceFolders?.[0];
    return folder ? (await this.folders.forUri(folder.uri)).config : DEFAULT_CONFIG;
  }

  /** `rollbackGuard.cluster.helmPath` (a machine setting: a workspace must not pick the binary that runs); empty: helm on PATH. */
  helmPath(): string | undefined {
    const path = this.setting<string>('helmPath', '').trim();
    if (!path) return undefined;
    return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
  }

  rolloutTimeoutMs(): number {
    const seconds = this.setting<number>('rolloutTimeoutSeconds', 300);
    return Math.max(1, Number.isFinite(seconds) ? seconds : 300) * 1000;
  }

  /**
   * Where evidence records go: the setting, relative to the folder of `uri`
   * (else the first folder); outside any folder, the extension's storage.
   * A directory inside a Git work tree is added to its info/exclude first, so
   * the records never show as changes (nor get committed by accident).
   */
  evidenceDir(uri: vscode.Uri | undefined, fallback: vscode.Uri): string {
    const configured = this.setting<string>('evidenceDirectory', '.rollback-guard/evidence').trim() || '.rollback-guard/evidence';
    const expanded = configured.startsWith('~/') ? join(homedir(), configured.slice(2)) : configured;
    const folder = (uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined) ?? vscode.workspace.workspaceFolders?.[0];
    const dir = isAbsolute(expanded) ? expanded : folder && folder.uri.scheme === 'file' ? join(folder.uri.fsPath, expanded) : join(fallback.fsPath, 'evidence');
    try {
      const exclude = excludeFromGit(dir);
      if (exclude) this.log.info(`evidence records go to ${dir}; added to ${exclude} so Git does not show them`);
    } catch (error) {
      this.log.warn(`could not add ${dir} to the repository's info/exclude: ${error instanceof Error ? error.message : String(error)}`);
    }
    return dir;
  }

  // ------------------------------------------------------------ sessions

  /** The context the view shows: the one picked with "Select kube context", else the kubeconfig's current-context. */
  selectedContext(config: LoadedKubeconfig): string | undefined {
    const picked = this.memento.get<string>(CONTEXT_KEY);
    if (picked && config.contexts.some((c) => c.name === picked)) return picked;
    return config.currentContext;
  }

  async selectContext(name: string): Promise<void> {
    await this.memento.update(CONTEXT_KEY, name);
    this.reset();
  }

  /** A session on `context` (default: the selected one), opened once and kept until the settings change. */
  async session(context?: string): Promise<Result<ClusterSession>> {
    const cluster = await this.load();
    const config = await this.readKubeconfig();
    if (!config.ok) return config;
    const name = context ?? this.selectedContext(config.value);
    const cached = name ? this.sessions.get(name) : undefined;
    if (cached) return { ok: true, value: cached };
    this.patternsInUse = await this.productionContexts();
    const opened = cluster.ClusterSession.open({
      kubeconfig: config.value,
      ...(name ? { context: name } : {}),
      productionContexts: this.patternsInUse,
      userAgent: `rollback-guard-vscode/${vscode.extensions.getExtension('rollback-guard.rollback-guard')?.packageJSON?.version ?? 'dev'}`,
      onCall: (call) => this.log.debug(`${call.verb} ${call.resource}${call.namespace ? ` -n ${call.namespace}` : ''}${call.name ? ` ${call.name}` : ''} → ${call.status} (${call.ms} ms)${call.dryRun ? ' dry-run' : ''}`),
    });
    if (!opened.ok) return opened;
    this.sessions.set(opened.value.context.name, opened.value);
    return opened;
  }

  // ------------------------------------------------------------ the view's feed

  /** Starts watching (once): called when the view is shown or a cluster command runs. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.connect();
  }

  /** Drops every session and watcher; reconnects if the view had started. */
  reset(): void {
    clearTimeout(this.restartTimer);
    this.stopFeed();
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
    this.configError = undefined;
    if (this.started) {
      // Settings often change a keystroke at a time; connect once they settle.
      this.restartTimer = setTimeout(() => void this.connect(), 200);
    } else void this.setState(vscode.workspace.isTrusted ? 'idle' : 'untrusted');
    this.changed.fire();
  }

  /** Re-lists everything now (the Refresh button): new watchers on the same session. */
  refresh(): void {
    this.started = true;
    this.reset();
  }

  private async connect(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      await this.setState('untrusted');
      this.changed.fire();
      return;
    }
    await this.setState('connecting');
    const opened = await this.session();
    if (!opened.ok) {
      this.configError = opened.error;
      this.log.warn(`cluster view: ${opened.error.message} (${opened.error.hint})`);
      await this.setState('noContext');
      this.changed.fire();
      return;
    }
    const session = opened.value;
    this.stopFeed();
    const feed: Feed = {
      context: session.context,
      production: session.production,
      session,
      secrets: await session.client.secrets(),
      workloads: new Map(),
      scopes: [],
    };
    this.feed = feed;
    const scope = namespaceScope(this.setting<string[]>('namespaces', []));
    if (scope.all) this.watch(feed, undefined);
    else for (const ns of scope.namespaces) this.watch(feed, ns);
    this.log.info(`cluster view: watching context ${session.context.name} (${session.client.server}), ${scope.all ? 'all namespaces' : `namespaces ${scope.namespaces.join(', ')}`}`);
    this.changed.fire();
  }

  private watch(feed: Feed, namespace: string | undefined): void {
    const watcher = feed.session.watch({ ...(namespace !== undefined ? { namespace } : {}), backoff: { initialMs: 1000, maxMs: 30_000 } });
    const scope: Scope = { ...(namespace !== undefined ? { namespace } : {}), watcher, status: { state: 'connecting', attempt: 0 }, listed: false, others: { releases: [], applications: [], flux: [] } };
    feed.scopes.push(scope);
    const inScope = (h: { ref: { namespace: string } }) => namespace === undefined || h.ref.namespace === namespace;
    watcher.onSnapshot((tree) => {
      if (this.feed !== feed) return;
      scope.listed = true;
      for (const [key, h] of feed.workloads) if (inScope(h)) feed.workloads.delete(key);
      for (const h of tree.workloads) feed.workloads.set(refKey(feed.context.name, h.ref), h);
      scope.others = { releases: tree.releases ?? [], applications: tree.applications ?? [], flux: tree.flux ?? [] };
      for (const p of tree.problems) this.log.info(`cluster view: ${p.message}`);
      this.changed.fire();
    });
    watcher.onChange((change) => {
      if (this.feed !== feed) return;
      for (const h of change.changed) feed.workloads.set(refKey(feed.context.name, h.ref), h);
      for (const ref of change.removed) feed.workloads.delete(refKey(feed.context.name, ref));
      if (change.releases) scope.others.releases = change.releases;
      if (change.applications) scope.others.applications = change.applications;
      if (change.flux) scope.others.flux = change.flux;
      this.changed.fire();
    });
    watcher.onStatus((status) => {
      if (this.feed !== feed) return;
      scope.status = status;
      // Listing every namespace may be forbidden to a namespaced user: watch the context's namespace instead.
      if (namespace === undefined && !scope.listed && status.error?.kind === 'forbidden') {
        watcher.dispose();
        feed.scopes.splice(feed.scopes.indexOf(scope), 1);
        feed.note = `Listing workloads in every namespace is forbidden to this user: showing namespace "${feed.session.namespace}". Name the namespaces to show in the setting rollbackGuard.cluster.namespaces.`;
        this.log.info(`cluster view: ${feed.note}`);
        this.watch(feed, feed.session.namespace);
        return;
      }
      if (status.error) this.log.warn(`cluster view: ${status.error.message}; retrying in ${Math.round((status.retryInMs ?? 0) / 1000)} s (attempt ${status.attempt})`);
      void this.setState(this.combinedState(feed));
      this.changed.fire();
    });
    watcher.start();
  }

  private combinedState(feed: Feed): ViewState {
    if (feed.scopes.some((s) => s.status.state === 'reconnecting')) return 'reconnecting';
    if (feed.scopes.every((s) => s.status.state === 'live')) return 'live';
    return 'connecting';
  }

  /** The error to show in the view while a watch retries. */
  feedError(): { error: ClusterError; retryInMs?: number; attempt: number } | undefined {
    const failing = this.feed?.scopes.find((s) => s.status.error);
    return failing?.status.error ? { error: failing.status.error, ...(failing.status.retryInMs !== undefined ? { retryInMs: failing.status.retryInMs } : {}), attempt: failing.status.attempt } : undefined;
  }

  /** Whether the feed has listed at least once (so "no workloads" means none). */
  feedListed(): boolean {
    return !!this.feed && this.feed.scopes.length > 0 && this.feed.scopes.every((s) => s.listed);
  }

  /** The feed's workloads as the view shows them, grouped by namespace. */
  workloadsByNamespace(describeOwner: (g: WorkloadHistory['gitops'][number]) => string): { namespace: string; workloads: WorkloadSummary[] }[] {
    if (!this.feed) return [];
    return groupByNamespace([...this.feed.workloads.values()].map((h) => summarizeWorkload(h, describeOwner, this.seenNumbers(h))));
  }

  /** Everything the feed holds — workloads, Helm releases, Applications, Flux objects — grouped by namespace. */
  namespaces(describeOwner: (g: WorkloadHistory['gitops'][number]) => string): NamespaceGroup[] {
    if (!this.feed) return [];
    const others = this.feed.scopes.map((s) => s.others);
    const cluster = this.cluster;
    const context = this.feed.context.name;
    return groupAll({
      workloads: [...this.feed.workloads.values()].map((h) => this.withHoldView(context, summarizeWorkload(h, describeOwner, this.seenNumbers(h)))),
      releases: others.flatMap((o) => o.releases).map((r) => summarizeRelease(r, describeOwner, (rev) => this.unservedApis(rev.objects))),
      applications: others.flatMap((o) => o.applications).map((a) => summarizeApplication(a, cluster?.entryRevisionText ?? ((e) => e.revision ?? ''), cluster?.entrySourceText ?? (() => ''))),
      flux: others.flatMap((o) => o.flux).map(summarizeFlux),
    });
  }

  private withHoldView(context: string, w: WorkloadSummary): WorkloadSummary {
    const view = w.hold ? this.holdViews.get(refKey(context, w.ref)) : undefined;
    return view && w.hold ? { ...w, hold: { ...w.hold, view } } : w;
  }

  /** The last check of a held workload. */
  holdView(context: string, ref: WorkloadHistory['ref']): HoldView | undefined {
    return this.holdViews.get(refKey(context, ref));
  }

  // ------------------------------------------------------------ held rollbacks

  /** Setting: the verification window of a held rollback, in seconds. */
  holdWindowSeconds(): number {
    const seconds = this.setting<number>('holdWindowSeconds', 300);
    return Math.max(1, Number.isFinite(seconds) ? Math.round(seconds) : 300);
  }

  /** Checks the held workloads soon (the view changed), then every HOLD_CHECK_MS while any is held. */
  scheduleHoldCheck(delayMs = HOLD_CHECK_MS): void {
    if (this.holdTimer || this.holdChecking) return;
    const held = this.feed ? [...this.feed.workloads.values()].some((h) => h.hold) : false;
    if (!held) {
      if (this.holdViews.size) this.holdViews.clear();
      return;
    }
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      void this.checkHolds();
    }, delayMs);
  }

  /**
   * One check of every held workload in the feed: its health and verdict
   * (written into the hold once the window passed or a check failed) and
   * whether Git matches what runs, read in the workspace's repository.
   */
  async checkHolds(): Promise<void> {
    const feed = this.feed;
    if (!feed || this.holdChecking) return;
    this.holdChecking = true;
    let changed = false;
    try {
      const cluster = await this.load();
      const held = [...feed.workloads.values()].filter((h) => h.hold);
      const keys = new Set(held.map((h) => refKey(feed.context.name, h.ref)));
      for (const k of [...this.holdViews.keys()]) if (!keys.has(k)) this.holdViews.delete(k);
      for (const h of held) {
        const st = await cluster.holdStatus(feed.session.client, h.ref, { persist: true });
        if (this.feed !== feed) return;
        if (!st.ok || !st.value.hold || !st.value.verdict) continue;
        const git = await cluster.holdGitMatch(st.value, await this.gitCompare(h.ref));
        const o = st.value.observation;
        const view: HoldView = {
          text: cluster.holdSummary(st.value.hold, st.value.verdict, git),
          verdict: st.value.verdict.verdict,
          failures: st.value.verdict.failures,
          ...(git ? { git: { ...(git.matches !== undefined ? { matches: git.matches } : {}), detail: git.detail } } : {}),
          ...(o ? { health: `${o.rollout.message}; ${o.pods.ready}/${o.pods.total} pods ready; ${o.restarts.length ? `${o.restarts.length} pod(s) restarted` : 'no restarts'}; ${o.warnings.length ? `${o.warnings.length} Warning event(s)` : 'no Warning events'}` } : {}),
          checkedAt: new Date().toISOString(),
        };
        const key = refKey(feed.context.name, h.ref);
        const before = this.holdViews.get(key);
        this.holdViews.set(key, view);
        if (before?.text !== view.text || before?.git?.matches !== view.git?.matches) changed = true;
        if (st.value.recorded) {
          this.log.info(`held rollback of ${h.ref.kind.toLowerCase()}/${h.ref.name} in ${h.ref.namespace}: ${st.value.recorded}${view.failures.length ? `: ${view.failures.join('; ')}` : ''}`);
          this.verdicts.fire({ context: feed.context.name, ref: h.ref, verdict: st.value.recorded, failures: view.failures, ...(view.git ? { git: view.git } : {}) });
        }
      }
    } catch (e) {
      this.log.warn(`checking held rollbacks: ${(e as Error).message}`);
    } finally {
      this.holdChecking = false;
      if (changed) this.changed.fire();
      else this.scheduleHoldCheck();
    }
  }

  /** Repositories that may hold a workload's manifest, by refKey, found at most once a minute. */
  private readonly repoCache = new Map<string, { at: number; dirs: string[] }>();

  /**
   * How "Git matches live" is read for a held workload: in the repository of
   * each workspace YAML file that defines it (a clone of the GitOps source may
   * sit anywhere in the workspace), then in the workspace folders' own; the
   * first that can tell wins.
   */
  async gitCompare(ref: WorkloadHistory['ref']): Promise<GitCompare | undefined> {
    const { GitRepo, liveMatch } = await import('../../git');
    const key = `${ref.namespace}/${ref.kind}/${ref.name}`;
    let cached = this.repoCache.get(key);
    if (!cached || Date.now() - cached.at > 60_000) {
      const dirs = new Set<string>();
      const uris = await vscode.workspace.findFiles('**/*.{yaml,yml}', '{**/node_modules/**,**/.git/**,**/.rollback-guard/**}', 5000);
      for (const uri of uris) {
        if (uri.scheme !== 'file') continue;
        const text = await vscode.workspace.fs.readFile(uri).then((b) => Buffer.from(b).toString('utf8'), () => '');
        if (!text.includes(ref.name)) continue;
        if (manifestWorkloads(text).some((w) => w.kind === ref.kind && w.name === ref.name && (w.namespace ?? ref.namespace) === ref.namespace)) {
          const repo = await GitRepo.open(vscode.Uri.joinPath(uri, '..').fsPath);
          if (repo) dirs.add(repo.root);
        }
      }
      for (const f of vscode.workspace.workspaceFolders ?? []) if (f.uri.scheme === 'file') dirs.add(f.uri.fsPath);
      cached = { at: Date.now(), dirs: [...dirs] };
      this.repoCache.set(key, cached);
    }
    const repos = (await Promise.all(cached.dirs.map((d) => GitRepo.open(d)))).filter((r): r is NonNullable<typeof r> => !!r);
    const unique = repos.filter((r, i) => repos.findIndex((x) => x.root === r.root) === i);
    if (unique.length === 0) return undefined;
    return async (input) => {
      let first: Awaited<ReturnType<GitCompare>> | undefined;
      for (const repo of unique) {
        const m = await liveMatch(repo, input);
        if (m.matches !== undefined) return m;
        first ??= m;
      }
      return first!;
    };
  }

  /** What the server serves, per apiVersion, for marking release revisions it cannot apply any more; filled by discovery in the background. */
  private discovered: { session: ClusterSession; map: Map<string, Set<string> | 'not-served' | 'unknown'>; pending: Set<string> } | undefined;

  /** `apiVersion Kind` of `objects` the server no longer serves (as far as discovery has answered; it is asked in the background). */
  private unservedApis(objects: readonly { apiVersion: string; kind: string; name: string }[]): string[] {
    const feed = this.feed;
    const cluster = this.cluster;
    if (!feed || !cluster) return [];
    if (this.discovered?.session !== feed.session) this.discovered = { session: feed.session, map: new Map(), pending: new Set() };
    const d = this.discovered;
    const missing = [...new Set(objects.map((o) => o.apiVersion))].filter((v) => v && !d.map.has(v) && !d.pending.has(v));
    if (missing.length) {
      for (const v of missing) d.pending.add(v);
      void cluster.discover(feed.session.client, missing).then((found) => {
        for (const [v, answer] of found) {
          d.pending.delete(v);
          d.map.set(v, answer);
        }
        if (this.discovered === d && [...found.values()].some((a) => a !== 'unknown')) this.changed.fire();
      });
    }
    return cluster.unservedOf(objects, d.map).map((u) => `${u.apiVersion} ${u.kind}`);
  }

  /** Every number each history object (by uid) has been seen with: a rollback renumbers the revision it restores. */
  private readonly revisionNumbers = new Map<string, number[]>();

  private seenNumbers(h: WorkloadHistory): ReadonlyMap<string, readonly number[]> {
    for (const r of h.revisions) {
      const seen = this.revisionNumbers.get(r.source.uid);
      if (!seen) this.revisionNumbers.set(r.source.uid, [r.revision]);
      else if (!seen.includes(r.revision)) seen.push(r.revision);
    }
    return this.revisionNumbers;
  }

  /** Kinds the watch could not read (a 403 on Secrets hides Helm releases), to say so in the view. */
  feedProblems(): ClusterError[] {
    const seen = new Set<string>();
    return (this.feed?.scopes ?? []).flatMap((s) => s.watcher.problems()).filter((p) => !seen.has(p.message) && !!seen.add(p.message));
  }

  /** A Helm release's history from the view's feed. */
  cachedRelease(context: string, ref: ReleaseRef): ReleaseHistory | undefined {
    if (this.feed?.context.name !== context) return undefined;
    return this.feed.scopes.flatMap((s) => s.others.releases).find((r) => r.ref.namespace === ref.namespace && r.ref.name === ref.name);
  }

  cachedApplication(context: string, ref: ApplicationRef): ApplicationHistory | undefined {
    if (this.feed?.context.name !== context) return undefined;
    return this.feed.scopes.flatMap((s) => s.others.applications).find((a) => a.ref.namespace === ref.namespace && a.ref.name === ref.name);
  }

  cachedFlux(context: string, ref: { kind: string; namespace: string; name: string }): FluxObject | undefined {
    if (this.feed?.context.name !== context) return undefined;
    return this.feed.scopes.flatMap((s) => s.others.flux).find((f) => f.ref.kind === ref.kind && f.ref.namespace === ref.namespace && f.ref.name === ref.name);
  }

  /** A workload's history from the view's feed, when it watches that context. */
  cachedHistory(context: string, ref: { kind: string; namespace: string; name: string }): WorkloadHistory | undefined {
    if (this.feed?.context.name !== context) return undefined;
    return this.feed.workloads.get(`${context}/${ref.namespace}/${ref.kind}/${ref.name}`);
  }

  private stopFeed(): void {
    for (const s of this.feed?.scopes ?? []) s.watcher.dispose();
    this.feed = undefined;
  }

  private async setState(state: ViewState): Promise<void> {
    if (this.state === state) return;
    this.state = state;
    await vscode.commands.executeCommand('setContext', STATE_KEY, state);
  }

  dispose(): void {
    clearTimeout(this.restartTimer);
    clearTimeout(this.holdTimer);
    this.stopFeed();
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
