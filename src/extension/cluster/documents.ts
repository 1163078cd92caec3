import * as vscode from 'vscode';
import { stringify } from 'yaml';
import { redact } from '../../core/redact';
import { parseRevisionPath, refText, REVISION_SCHEME } from './model';
import type { ClusterService } from './service';

/** Keys sorted, empty values dropped, so two templates diff line by line (as the CLI's --diff does). */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined && v !== null) out[k] = sorted(v);
    }
    return out;
  }
  return value;
}

/**
 * Read-only documents of a revision's pod template (and the live one) for
 * "Compare with live": `rollback-guard-revision:/<context>/<ns>/<kind>/<name>/revision-3.yaml`.
 * Secret-looking env values are masked and credentials redacted.
 */
export class RevisionDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;

  constructor(private readonly service: ClusterService) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(REVISION_SCHEME, this);
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const parsed = parseRevisionPath(uri.path);
    if (!parsed) return `# ${uri.toString()} is not a revision document.\n`;
    if (!vscode.workspace.isTrusted) return '# Rollback Guard reads clusters only in a trusted workspace.\n';
    const cluster = await this.service.load();
    const opened = await this.service.session(parsed.context);
    if (!opened.ok) return `# ${opened.error.message}\n# ${opened.error.hint}\n`;
    const session = opened.value;
    const secrets = await session.client.secrets();
    if (parsed.ref.kind === 'HelmRelease') {
      const ref = parsed.ref;
      let release = this.service.cachedRelease(parsed.context, ref);
      if (!release) {
        const read = await session.releaseHistory(ref);
        if (!read.ok) return redact(`# ${read.error.message}\n# ${read.error.hint}\n`, secrets);
        release = read.value;
      }
      const wanted = parsed.which === 'live' ? (release.liveRevision ?? release.currentRevision) : parsed.which;
      const entry = release.revisions.find((r) => r.revision === wanted);
      if (!entry) return `# ${refText(ref)} has no revision ${parsed.which} any more (revisions: ${release.revisions.map((r) => r.revision).join(', ') || 'none'}).\n`;
      // Manifest and values are redacted when read (helm.ts): Secret data and secret-looking values are masked.
      const header = [
        `# Helm release ${ref.name} in namespace ${ref.namespace} (context ${parsed.context})`,
        `# revision ${entry.revision}${parsed.which === 'live' ? ' (live)' : ''}: ${entry.status}, ${entry.chart}, app version ${entry.appVersion || '-'}${entry.description ? `: ${entry.description}` : ''}`,
        '# read-only; secret-looking values are masked',
        '# values',
      ];
      return redact(`${header.join('\n')}\n${stringify(sorted(entry.values), { lineWidth: 0 })}---\n# manifest\n${entry.manifest.replace(/^---\n/, '')}`, secrets);
    }
    let history = this.service.cachedHistory(parsed.context, parsed.ref);
    if (!history) {
      const read = await session.workloadHistory(parsed.ref);
      if (!read.ok) return redact(`# ${read.error.message}\n# ${read.error.hint}\n`, secrets);
      history = read.value;
    }
    const entry = parsed.which === 'live' ? undefined : history.revisions.find((r) => r.revision === parsed.which);
    if (parsed.which !== 'live' && !entry) return `# ${refText(parsed.ref)} has no revision ${parsed.which} any more (revisions: ${history.revisions.map((r) => r.revision).join(', ') || 'none'}).\n`;
    const template = entry ? entry.template : history.template;
    const header = [
      `# ${refText(parsed.ref)} in namespace ${parsed.ref.namespace} (context ${parsed.context})`,
      entry ? `# revision ${entry.revision}${entry.live ? ' (live)' : ''} from ${entry.source.kind} ${entry.source.name}${entry.changeCause ? `: ${entry.changeCause}` : ''}` : `# live spec.template (revision ${history.liveRevision ?? 'unknown'}, resourceVersion ${history.resourceVersion})`,
      '# read-only; secret-looking values are masked',
    ];
    const body = stringify(sorted(cluster.maskTemplateSecrets(template)), { lineWidth: 0 });
    return redact(`${header.join('\n')}\n${body}`, secrets);
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
