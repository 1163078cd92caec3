import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import * as vscode from 'vscode';

/** The environment variable naming the status file of a local cluster being prepared (set by `npm run demo`). */
export const LOCAL_CLUSTER_ENV = 'ROLLBACK_GUARD_LOCAL_CLUSTER';

/** What the status file holds (written by scripts/demo/cluster.ts). */
export interface LocalClusterStatus {
  state: 'building' | 'starting' | 'seeding' | 'ready' | 'failed';
  /** One line: "building (kube-apiserver 2/7, ~9 min left)". */
  text: string;
  /** Where to read more (the log file), shown after the line. */
  detail?: string;
}

export function parseLocalClusterStatus(text: string): LocalClusterStatus | undefined {
  try {
    const value = JSON.parse(text) as Partial<LocalClusterStatus>;
    const states = ['building', 'starting', 'seeding', 'ready', 'failed'];
    if (typeof value.state !== 'string' || !states.includes(value.state) || typeof value.text !== 'string') return undefined;
    return { state: value.state, text: value.text, ...(typeof value.detail === 'string' ? { detail: value.detail } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * A local cluster that is still being built or started, from the status
 * file named by ROLLBACK_GUARD_LOCAL_CLUSTER: the Cluster History view shows
 * its line while the kubeconfig is not usable yet, and connects when it
 * turns ready.
 */
export class LocalCluster implements vscode.Disposable {
  private status: LocalClusterStatus | undefined;
  private readonly changed = new vscode.EventEmitter<LocalClusterStatus | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly file: string | undefined;

  constructor(file = process.env[LOCAL_CLUSTER_ENV]) {
    this.file = file?.trim() || undefined;
    if (!this.file) return;
    this.status = this.read();
    watchFile(this.file, { interval: 2000, persistent: false }, () => {
      const next = this.read();
      if (next?.state === this.status?.state && next?.text === this.status?.text) return;
      this.status = next;
      this.changed.fire(next);
    });
  }

  /** The status while the cluster is not ready; undefined when there is none or it is ready. */
  pending(): LocalClusterStatus | undefined {
    return this.status && this.status.state !== 'ready' ? this.status : undefined;
  }

  private read(): LocalClusterStatus | undefined {
    if (!this.file) return undefined;
    try {
      return parseLocalClusterStatus(readFileSync(this.file, 'utf8'));
    } catch {
      return undefined;
    }
  }

  dispose(): void {
    if (this.file) unwatchFile(this.file);
    this.changed.dispose();
  }
}
