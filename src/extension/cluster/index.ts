import * as vscode from 'vscode';
import * as notify from '../notify';
import type { Folders } from '../folders';
import type { Log } from '../log';
import { alignManifest, compareWithLive, copyImage, fluxAction, openMachineSetting, rollBack, rollBackWorkload, rolloutAction, selectContext, showHistory, type ActionDeps } from './actions';
import { RevisionDocuments } from './documents';
import { argumentText } from './model';
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
    this.own(new ClusterView(this.service, log));
    this.own(new RevisionDocuments(this.service));
    this.own(vscode.languages.registerCodeLensProvider(MANIFEST_DOCUMENTS, this.own(new WorkloadLensProvider(this.service))));
    const panels = this.own(new RollbackPanels(context.extensionUri, log, this.service.onDidChange));
    this.deps = { service: this.service, log, storage: context.globalStorageUri, panels };
    this.own(this.service.onHoldVerdict((v) => void showHoldVerdict(this.deps, v).catch((error: unknown) => failed(log, 'showing the verdict of a held rollback', error))));
  }

  /** Handlers for the cluster commands; each starts the service (and so the lazy load) itself. */
  handlers() {
    // Every command says in the log what it was given (a row of the view, or nothing: pickers follow), and an error
    // it throws is logged and shown instead of ending in the editor's console.
    const run =
      <A extends unknown[]>(fn: (deps: ActionDeps, ...args: A) => Promise<void>, title: string) =>
      async (...args: A): Promise<void> => {
        this.deps.log.info(`${title}: ${argumentText(args[0])}`);
        try {
          await fn(this.deps, ...args);
        } catch (error) {
          failed(this.deps.log, title, error);
        }
      };
    return {
      'rollbackGuard.cluster.selectContext': run(selectContext, 'Select Kube Context'),
      'rollbackGuard.cluster.openKubeconfigSetting': () => openMachineSetting('rollbackGuard.cluster.kubeconfig'),
      'rollbackGuard.cluster.refresh': () => {
        const guard = this.service.guard('Refreshing the cluster history');
        if (!guard.ok) void notify.showWarningMessage(guard.why);
        else this.service.refresh();
      },
      'rollbackGuard.cluster.rollBackWorkload': run((deps, arg?: unknown) => rollBackWorkload(deps, arg), 'Roll Back Workload'),
      'rollbackGuard.cluster.rollBackToRevision': run((deps, arg?: unknown) => rollBack(deps, arg), 'Roll Back to This Revision'),
      'rollbackGuard.cluster.showHistory': run((deps, arg?: unknown) => showHistory(deps, arg), 'Show Revision History'),
      'rollbackGuard.cluster.compareWithLive': run((deps, arg?: unknown) => compareWithLive(deps, arg), 'Compare with Live'),
      'rollbackGuard.cluster.copyImage': run((deps, arg?: unknown) => copyImage(deps, arg), 'Copy Image Reference'),
      'rollbackGuard.cluster.alignManifest': run((deps, arg?: unknown) => alignManifest(deps, arg), 'Make the Manifest Match the Cluster'),
      'rollbackGuard.cluster.abortRollout': run((deps, arg?: unknown) => rolloutAction(deps, arg, 'abort'), 'Abort Rollout'),
      'rollbackGuard.cluster.promoteRollout': run((deps, arg?: unknown) => rolloutAction(deps, arg, 'promote'), 'Promote Rollout'),
      'rollbackGuard.cluster.promoteRolloutFully': run((deps, arg?: unknown) => rolloutAction(deps, arg, 'promote-full'), 'Promote Rollout Fully'),
      'rollbackGuard.cluster.retryRollout': run((deps, arg?: unknown) => rolloutAction(deps, arg, 'retry'), 'Retry Rollout'),
      'rollbackGuard.cluster.suspendFlux': run((deps, arg?: unknown) => fluxAction(deps, arg, true), 'Suspend Reconciliation'),
      'rollbackGuard.cluster.resumeFlux': run((deps, arg?: unknown) => fluxAction(deps, arg, false), 'Resume Reconciliation'),
      'rollbackGuard.cluster.resumeHold': run((deps, arg?: unknown) => resumeHeld(deps, arg), 'Resume GitOps After a Held Rollback'),
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

function failed(log: Log, what: string, error: unknown): void {
  log.error(`${what} failed`, error);
  if (error instanceof Error && error.stack) log.debug(error.stack);
  void notify.showErrorMessage(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, 'Show Log').then((c) => (c ? log.show() : undefined));
}
