import * as vscode from 'vscode';
import * as notify from '../notify';
import type { Folders } from '../folders';
import type { Log } from '../log';
import { alignManifest, compareWithLive, copyImage, fluxAction, openMachineSetting, rollBack, rollBackWorkload, rolloutAction, selectContext, showHistory, type ActionDeps } from './actions';
import { RevisionDocuments } from './documents';
import { resumeHeld, showHoldVerdict } from './holdActions';
import { RollbackPanels } from './panel';
import { WorkloadLensProvider } from './lens';
import { ClusterService } from './service';
import { ClusterView } from './view';

/** YAML documents a workload CodeLens may sit on. */
const MANIFEST_DOCUMENTS: vscode.DocumentSelector = [
  { language: 'yaml', scheme: 'file' },
  { language: 'yaml', scheme: 'untitled' },
];

/**
 * The editor side of clusters: the history view, the read-only revision
 * documents, the workload CodeLens and the command handlers. Creating it
 * loads nothing of the cluster layer; that happens when the view is shown
 * or one of its commands runs.
 */
export class ClusterFeature implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly service: ClusterService;
  private readonly deps: ActionDeps;

  constructor(context: vscode.ExtensionContext, folders: Folders, log: Log) {
    this.service = this.own(new ClusterService(context.globalState, folders, log));
    this.own(new ClusterView(this.service));
    this.own(new RevisionDocuments(this.service));
    this.own(vscode.languages.registerCodeLensProvider(MANIFEST_DOCUMENTS, this.own(new WorkloadLensProvider(this.service))));
    const panels = this.own(new RollbackPanels(context.extensionUri, log, this.service.onDidChange));
    this.deps = { service: this.service, log, storage: context.globalStorageUri, panels };
    this.own(this.service.onHoldVerdict((v) => void showHoldVerdict(this.deps, v)));
  }

  /** Handlers for the cluster commands; each starts the service (and so the lazy load) itself. */
  handlers() {
    const run =
      <A extends unknown[]>(fn: (deps: ActionDeps, ...args: A) => Promise<void>) =>
      (...args: A): Promise<void> =>
        fn(this.deps, ...args);
    return {
      'rollbackGuard.cluster.selectContext': run(selectContext),
      'rollbackGuard.cluster.openKubeconfigSetting': () => openMachineSetting('rollbackGuard.cluster.kubeconfig'),
      'rollbackGuard.cluster.refresh': () => {
        const guard = this.service.guard('Refreshing the cluster history');
        if (!guard.ok) void notify.showWarningMessage(guard.why);
        else this.service.refresh();
      },
      'rollbackGuard.cluster.rollBackWorkload': run((deps, arg?: unknown) => rollBackWorkload(deps, arg)),
      'rollbackGuard.cluster.rollBackToRevision': run((deps, arg?: unknown) => rollBack(deps, arg)),
      'rollbackGuard.cluster.showHistory': run((deps, arg?: unknown) => showHistory(deps, arg)),
      'rollbackGuard.cluster.compareWithLive': run((deps, arg?: unknown) => compareWithLive(deps, arg)),
      'rollbackGuard.cluster.copyImage': run((deps, arg?: unknown) => copyImage(deps, arg)),
      'rollbackGuard.cluster.alignManifest': run((deps, arg?: unknown) => alignManifest(deps, arg)),
      'rollbackGuard.cluster.abortRollout': run((deps, arg?: unknown) => rolloutAction(deps, arg, 'abort')),
      'rollbackGuard.cluster.promoteRollout': run((deps, arg?: unknown) => rolloutAction(deps, arg, 'promote')),
      'rollbackGuard.cluster.promoteRolloutFully': run((deps, arg?: unknown) => rolloutAction(deps, arg, 'promote-full')),
      'rollbackGuard.cluster.retryRollout': run((deps, arg?: unknown) => rolloutAction(deps, arg, 'retry')),
      'rollbackGuard.cluster.suspendFlux': run((deps, arg?: unknown) => fluxAction(deps, arg, true)),
      'rollbackGuard.cluster.resumeFlux': run((deps, arg?: unknown) => fluxAction(deps, arg, false)),
      'rollbackGuard.cluster.resumeHold': run((deps, arg?: unknown) => resumeHeld(deps, arg)),
    } as const;
  }

  private own<T extends vscode.Disposable>(d: T): T {
    this.disposables.push(d);
    return d;
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) {
      try {
        d.dispose();
      } catch {
        // Keep disposing the rest.
      }
    }
  }
}
