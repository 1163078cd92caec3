import * as vscode from 'vscode';
import type { ClusterError, GitOpsOwner } from '../../cluster';
import { appEntryNodes, namespaceChildren, releaseRevisionNodes, revisionNodes, treeItem, VIEW_ID, type ClusterNode, type TreeItemData } from './model';
import { planRefresh, ROOT_KEY, type ServedRow } from './refreshPlan';
import type { Log } from '../log';
import type { ClusterService, ViewState } from './service';

const COLLAPSIBLE = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
} as const;

function watchState(state: ViewState): 'connecting' | 'live' | 'reconnecting' {
  return state === 'live' || state === 'reconnecting' ? state : 'connecting';
}

/**
 * What the view shows without a usable kube context: the cause as an error
 * row, what to do, then "Select Kube Context…" and the kubeconfig setting.
 * Without a known cause, nothing: the welcome content shows.
 */
export function noContextNodes(error: ClusterError | undefined): ClusterNode[] {
  if (!error) return [];
  return [
    { kind: 'error', error, stale: false },
    ...(error.hint ? [{ kind: 'message' as const, text: error.hint, icon: 'lightbulb' }] : []),
    { kind: 'message', text: 'Select Kube Context…', command: { id: 'rollbackGuard.cluster.selectContext', title: 'Select Kube Context' } },
    { kind: 'message', text: 'Open the Kubeconfig Setting…', icon: 'settings-gear', command: { id: 'rollbackGuard.cluster.openKubeconfigSetting', title: 'Open the Kubeconfig Setting' } },
  ];
}

/** Copies the plain description of an item (model.ts) onto a TreeItem. */
export function toTreeItem(data: TreeItemData): vscode.TreeItem {
  const item = new vscode.TreeItem(data.label, COLLAPSIBLE[data.collapsible]);
  if (data.id) item.id = data.id;
  if (data.description) item.description = data.description;
  if (data.tooltip) item.tooltip = new vscode.MarkdownString(data.tooltip);
  item.contextValue = data.contextValue;
  if (data.icon) item.iconPath = new vscode.ThemeIcon(data.icon.id, data.icon.color ? new vscode.ThemeColor(data.icon.color) : undefined);
  if (data.command) item.command = { command: data.command.id, title: data.command.title, ...(data.command.arguments ? { arguments: data.command.arguments } : {}) };
  if (data.accessibilityLabel) item.accessibilityInformation = { label: data.accessibilityLabel };
  return item;
}

/**
 * The Rollback Guard cluster view: context → namespace → workloads (and
 * Argo Rollouts) → revisions, Helm releases → revisions, Argo CD
 * Applications → history entries, Flux objects with their suspend state;
 * fed by the service's watch. Showing it is what starts the
 * connection; it stays empty (its welcome content shows) while untrusted or
 * when no kube context is usable.
 */
export class ClusterView implements vscode.TreeDataProvider<ClusterNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ClusterNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private describeOwner: ((g: GitOpsOwner) => string) | undefined;
  readonly treeView: vscode.TreeView<ClusterNode>;

  /**
   * The node object the editor was given for each row key, kept for as long
   * as the row exists and updated in place: a redraw hands the editor the
   * same object, so its handle keeps resolving to the row.
   */
  private readonly instances = new Map<string, ClusterNode>();
  /** What the editor was last given: each parent's children and each row's signature (refreshPlan.ts). */
  private readonly servedChildren = new Map<string, string[]>();
  private readonly servedSigs = new Map<string, string>();
  private updating = false;
  private updateAgain = false;

  constructor(
    private readonly service: ClusterService,
    private readonly log?: Log,
  ) {
    this.treeView = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.treeView,
      service.onDidChange(() => this.scheduleUpdate()),
      this.treeView.onDidChangeVisibility((e) => {
        if (e.visible) service.start();
      }),
    );
    if (this.treeView.visible) service.start();
  }

  async getChildren(node?: ClusterNode): Promise<ClusterNode[]> {
    const fresh = await this.childrenOf(node);
    const now = Date.now();
    const out = fresh.map((n) => {
      const { key, sig } = this.row(n, now);
      this.servedSigs.set(key, sig);
      const kept = this.instances.get(key);
      if (!kept) {
        this.instances.set(key, n);
        return n;
      }
      if (kept !== n) replaceInPlace(kept, n);
      return kept;
    });
    this.servedChildren.set(node ? this.row(node, now).key : ROOT_KEY, out.map((n) => this.row(n, now).key));
    return out;
  }

  /** A row's key (its TreeItem id, else its kind and label) and the signature of what it shows. */
  private row(node: ClusterNode, now: number): ServedRow {
    const item = treeItem(node, now, this.service.currentFeed()?.secrets ?? []);
    return { key: item.id ?? `${node.kind}:${item.label}`, sig: JSON.stringify(item) };
  }

  /** Redraws what changed (refreshPlan.ts); one update at a time, the next one after it when more changed meanwhile. */
  private scheduleUpdate(): void {
    if (this.updating) {
      this.updateAgain = true;
      return;
    }
    this.updating = true;
    void this.update()
      .catch((error: unknown) => {
        this.log?.error('cluster view: redrawing the changed rows failed; redrawing the whole view', error);
        this.redrawAll();
      })
      .finally(() => {
        this.updating = false;
        if (this.updateAgain) {
          this.updateAgain = false;
          this.scheduleUpdate();
        }
      });
  }

  private redrawAll(): void {
    this.servedChildren.clear();
    this.servedSigs.clear();
    this.changed.fire(undefined);
  }

  private async update(): Promise<void> {
    if (!this.servedChildren.has(ROOT_KEY)) return this.redrawAll();
    const now = Date.now();
    const fresh = new Map<string, ServedRow[]>();
    const nodes = new Map<string, ClusterNode>();
    const walk = async (key: string, parent: ClusterNode | undefined): Promise<void> => {
      const rows = (await this.childrenOf(parent)).map((n) => {
        const r = this.row(n, now);
        nodes.set(r.key, n);
        return r;
      });
      fresh.set(key, rows);
      for (const r of rows) if (this.servedChildren.has(r.key)) await walk(r.key, nodes.get(r.key));
    };
    await walk(ROOT_KEY, undefined);
    const plan = planRefresh({ children: this.servedChildren, sigs: this.servedSigs }, fresh);
    if (plan.full) return this.redrawAll();
    // Every row the editor holds gets the freshest data (what a command from its menu receives).
    for (const [key, n] of nodes) {
      const kept = this.instances.get(key);
      if (kept && kept !== n) replaceInPlace(kept, n);
    }
    for (const key of plan.keys) {
      const kept = this.instances.get(key);
      if (!kept) return this.redrawAll();
      this.servedSigs.set(key, this.row(kept, now).sig);
      // Its children are served again when the editor asks for them.
      this.servedChildren.delete(key);
      this.changed.fire(kept);
    }
  }

  /** The rows under `node` (the top level without one), as the cluster layer's feed has them now. */
  private async childrenOf(node?: ClusterNode): Promise<ClusterNode[]> {
    if (!vscode.workspace.isTrusted) return [];
    if (!node) {
      this.service.start();
      const cluster = await this.service.load();
      this.describeOwner = cluster.describeOwner;
      const feed = this.service.currentFeed();
      if (!feed) {
        const state = this.service.viewState();
        const local = this.service.local.pending();
        if (local && (state === 'noContext' || state === 'connecting')) {
          return [{ kind: 'message', text: `local cluster: ${local.text}`, ...(local.detail ? { detail: local.detail } : {}), icon: local.state === 'failed' ? 'error' : 'sync~spin' }];
        }
        // No usable kube context: why (the kubeconfig file missing, a context it lacks), and the two ways out.
        if (state === 'noContext') return noContextNodes(this.service.lastConfigError());
        return [{ kind: 'message', text: 'Connecting…' }];
      }
      return [{ kind: 'context', context: feed.context.name, ...(feed.context.server ? { server: feed.context.server } : {}), production: feed.production.production, ...(feed.production.pattern ? { pattern: feed.production.pattern } : {}), state: watchState(this.service.viewState()) }];
    }
    const feed = this.service.currentFeed();
    if (!feed) return [];
    switch (node.kind) {
      case 'context': {
        const out: ClusterNode[] = [];
        const failing = this.service.feedError();
        if (failing) {
          out.push({ kind: 'error', context: feed.context.name, error: failing.error, ...(failing.retryInMs !== undefined ? { retryInMs: failing.retryInMs } : {}), attempt: failing.attempt, stale: feed.workloads.size > 0 });
          // The hint on a row of its own: what to do should not hide in a tooltip.
          if (failing.error.hint) out.push({ kind: 'message', context: feed.context.name, text: failing.error.hint, icon: 'lightbulb' });
        }
        if (failing && (failing.error.kind === 'unreachable' || failing.error.kind === 'tls' || failing.error.kind === 'unauthorized')) {
          out.push({ kind: 'message', context: feed.context.name, text: 'Select another kube context…', command: { id: 'rollbackGuard.cluster.selectContext', title: 'Select Kube Context' } });
        }
        if (feed.note) out.push({ kind: 'message', context: feed.context.name, text: feed.note });
        for (const p of this.service.feedProblems()) out.push({ kind: 'message', context: feed.context.name, text: p.message, detail: p.hint, icon: 'warning' });
        const namespaces = this.service.namespaces(this.describeOwner ?? ((g) => g.name));
        for (const ns of namespaces) {
          out.push({ kind: 'namespace', context: feed.context.name, namespace: ns.namespace, workloads: ns.workloads.length, counts: { releases: ns.releases.length, applications: ns.applications.length, flux: ns.flux.length } });
        }
        if (namespaces.length === 0 && this.service.feedListed()) out.push({ kind: 'message', context: feed.context.name, text: 'No Deployments, StatefulSets, DaemonSets, Rollouts, Helm releases, Argo CD Applications or Flux objects here.' });
        else if (namespaces.length === 0 && !failing) out.push({ kind: 'message', context: feed.context.name, text: 'Reading revision history…' });
        return out;
      }
      case 'namespace': {
        const ns = this.service.namespaces(this.describeOwner ?? ((g) => g.name)).find((n) => n.namespace === node.namespace);
        return ns ? namespaceChildren(node.context, ns) : [];
      }
      case 'release': {
        const ns = this.service.namespaces(this.describeOwner ?? ((g) => g.name)).find((n) => n.namespace === node.release.ref.namespace);
        return releaseRevisionNodes(node.context, ns?.releases.find((r) => r.ref.name === node.release.ref.name) ?? node.release);
      }
      case 'application': {
        const ns = this.service.namespaces(this.describeOwner ?? ((g) => g.name)).find((n) => n.namespace === node.application.ref.namespace);
        return appEntryNodes(node.context, ns?.applications.find((a) => a.ref.name === node.application.ref.name) ?? node.application);
      }
      case 'workload': {
        // The freshest copy: the node may be older than the last watch event.
        const ns = this.service.namespaces(this.describeOwner ?? ((g) => g.name)).find((n) => n.namespace === node.workload.ref.namespace);
        const current = ns?.workloads.find((w) => w.ref.kind === node.workload.ref.kind && w.ref.name === node.workload.ref.name) ?? node.workload;
        return revisionNodes(node.context, current);
      }
      default:
        return [];
    }
  }

  getTreeItem(node: ClusterNode): vscode.TreeItem {
    return toTreeItem(treeItem(node, Date.now(), this.service.currentFeed()?.secrets ?? []));
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) d.dispose();
  }
}

/** `target` made equal to `source`, keeping the object (the editor's handle to the row). */
function replaceInPlace(target: ClusterNode, source: ClusterNode): void {
  for (const k of Object.keys(target)) delete (target as unknown as Record<string, unknown>)[k];
  Object.assign(target, source);
}
