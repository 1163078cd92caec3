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
  private readonly subscription: vscode.Disposable;
  /** What each open document showed when it was opened, and last: a revision's uid and number, or the live revision and resourceVersion. */
  private readonly shown = new Map<string, { first: Shown; last: Shown }>();

  constructor(private readonly service: ClusterService) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(REVISION_SCHEME, this);
    // The cluster moved on (a rollback, a deploy): documents that no longer describe it are shown again, marked stale.
    this.subscription = service.onDidChange(() => {
      for (const doc of vscode.workspace.textDocuments) {
        if (doc.uri.scheme !== REVISION_SCHEME) continue;
        const seen = this.shown.get(doc.uri.toString());
        const now = seen && this.current(doc.uri);
        if (seen && now && !sameShown(now, seen.last)) this.changed.fire(doc.uri);
      }
    });
  }

  /** What a document would show now, from the view's cache (undefined when not cached). */
  private current(uri: vscode.Uri): Shown | undefined {
    const parsed = parseRevisionPath(uri.path);
    if (!parsed) return undefined;
    if (parsed.ref.kind === 'HelmRelease') {
      const release = this.service.cachedRelease(parsed.context, parsed.ref);
      if (!release) return undefined;
      return parsed.which === 'live' ? { live: release.liveRevision ?? release.currentRevision, version: release.signature } : { revision: parsed.which, present: release.revisions.some((r) => r.revision === parsed.which) };
    }
    const history = this.service.cachedHistory(parsed.context, parsed.ref);
    if (!history) return undefined;
    return parsed.which === 'live' ? { live: history.liveRevision, version: history.resourceVersion } : { revision: parsed.which, present: history.revisions.some((r) => r.revision === parsed.which) };
  }

  /** The stale notice of a document whose revision moved or went, or whose live side changed, since it was opened. */
  private staleNotice(uri: vscode.Uri, now: Shown, where: (uid: string) => number | undefined): string[] {
    const key = uri.toString();
    const seen = this.shown.get(key);
    if (!seen) {
      this.shown.set(key, { first: now, last: now });
      return [];
    }
    seen.last = now;
    const first = seen.first;
    if ('live' in first && 'live' in now) {
      if (first.version === now.version) return [];
      return [`# STALE: the live side changed since this diff was opened (live was revision ${first.live ?? 'unknown'}, now revision ${now.live ?? 'unknown'}); the title still names the old one. Run Compare with Live again.`];
    }
    if ('revision' in first && 'revision' in now) {
      if (now.present && first.uid !== undefined && where(first.uid) === first.revision) return [];
      const moved = first.uid !== undefined ? where(first.uid) : undefined;
      if (moved !== undefined && moved !== first.revision) return [`# STALE: revision ${first.revision} is now revision ${moved} (a rollback renumbered it); this is the same template. Run Compare with Live again.`];
      if (!now.present) return [`# STALE: revision ${first.revision} is no longer in the history. Run Compare with Live again.`];
    }
    return [];
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
      const stale = this.staleNotice(uri, parsed.which === 'live' ? { live: release.liveRevision ?? release.currentRevision, version: release.signature } : { revision: parsed.which, present: !!entry }, () => undefined);
      if (!entry) return `# ${refText(ref)} has no revision ${parsed.which} any more (revisions: ${release.revisions.map((r) => r.revision).join(', ') || 'none'}).\n`;
      // Manifest and values are redacted when read (helm.ts): Secret data and secret-looking values are masked.
      const header = [
        ...stale,
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
    const key = uri.toString();
    const firstUid = this.shown.get(key)?.first;
    const sameObject = firstUid && 'uid' in firstUid && firstUid.uid ? history.revisions.find((r) => r.source.uid === firstUid.uid) : undefined;
    // A revision a rollback renumbered is still shown, from the same object, marked stale.
    const entry = parsed.which === 'live' ? undefined : (sameObject ?? history.revisions.find((r) => r.revision === parsed.which));
    const h = history;
    const stale = this.staleNotice(uri, parsed.which === 'live' ? { live: h.liveRevision, version: h.resourceVersion } : { revision: parsed.which, present: h.revisions.some((r) => r.revision === parsed.which), ...(entry ? { uid: entry.source.uid } : {}) }, (uid) => h.revisions.find((r) => r.source.uid === uid)?.revision);
    if (parsed.which !== 'live' && !entry) return `${stale.length ? `${stale.join('\n')}\n` : ''}# ${refText(parsed.ref)} has no revision ${parsed.which} any more (revisions: ${history.revisions.map((r) => r.revision).join(', ') || 'none'}).\n`;
    const template = entry ? entry.template : history.template;
    const header = [
      ...stale,
      `# ${refText(parsed.ref)} in namespace ${parsed.ref.namespace} (context ${parsed.context})`,
      entry ? `# revision ${entry.revision}${entry.live ? ' (live)' : ''} from ${entry.source.kind} ${entry.source.name}${entry.changeCause ? `: ${entry.changeCause}` : ''}` : `# live spec.template (revision ${history.liveRevision ?? 'unknown'}, resourceVersion ${history.resourceVersion})`,
      '# read-only; secret-looking values are masked',
    ];
    const body = stringify(sorted(cluster.maskTemplateSecrets(template)), { lineWidth: 0 });
    return redact(`${header.join('\n')}\n${body}`, secrets);
  }

  dispose(): void {
    this.subscription.dispose();
    this.registration.dispose();
    this.changed.dispose();
  }
}

type Shown = { live: number | undefined; version: string } | { revision: number; present: boolean; uid?: string };

function sameShown(a: Shown, b: Shown): boolean {
  if ('live' in a && 'live' in b) return a.live === b.live && a.version === b.version;
  if ('revision' in a && 'revision' in b) return a.present === b.present;
  return false;
}
