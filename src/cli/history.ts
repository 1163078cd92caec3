import { stringify } from 'yaml';
import {
  describeOwner,
  entryRevisionText,
  entrySourceText,
  imagesText,
  maskTemplateSecrets,
  refText,
  releaseDiff,
  type ApplicationHistory,
  type FluxObject,
  type HistoryTree,
  type ReleaseHistory,
  type WorkloadHistory,
} from '../cluster';
import { oneOf, parse, UsageError } from './args';
import { historyArg, openSession, positiveInt, printError, table, type ClusterCliIO } from './clusterCommon';
import { HISTORY_USAGE } from './clusterUsage';

const FORMATS = ['text', 'json'] as const;

/** The history with every pod template safe to show (env values that are not references, secret flags, Secret data masked). */
function maskedHistory(h: WorkloadHistory): WorkloadHistory {
  return { ...h, template: maskTemplateSecrets(h.template), revisions: h.revisions.map((r) => ({ ...r, template: maskTemplateSecrets(r.template) })) };
}

/** What --format json prints per workload: everything but the pod templates (use --revision for one). */
function toJson(h: WorkloadHistory): unknown {
  return {
    kind: h.ref.kind,
    namespace: h.ref.namespace,
    name: h.ref.name,
    uid: h.uid,
    resourceVersion: h.resourceVersion,
    liveRevision: h.liveRevision ?? null,
    paused: h.paused,
    images: h.images,
    rollout: h.rollout,
    gitops: h.gitops,
    ...(h.argo ? { argo: h.argo } : {}),
    revisions: h.revisions.map((r) => ({
      revision: r.revision,
      live: r.live,
      createdAt: r.createdAt ?? null,
      changeCause: r.changeCause ?? null,
      images: r.images,
      source: r.source,
      ...(r.replicas ? { replicas: r.replicas } : {}),
      ...(r.stable ? { stable: true } : {}),
    })),
  };
}

/** A Helm release as --format json prints it: the fields of `helm history -o json` per revision, and more (no manifests). */
function releaseJson(h: ReleaseHistory): unknown {
  return {
    kind: 'HelmRelease',
    namespace: h.ref.namespace,
    name: h.ref.name,
    currentRevision: h.currentRevision ?? null,
    liveRevision: h.liveRevision ?? null,
    status: h.status,
    chart: h.chart,
    appVersion: h.appVersion,
    images: h.images,
    gitops: h.gitops,
    revisions: h.revisions.map((r) => ({ revision: r.revision, updated: r.updated, status: r.status, chart: r.chart, app_version: r.appVersion, description: r.description, live: r.live, images: r.images, secret: r.secret.name })),
    ...(h.undecodable.length ? { undecodable: h.undecodable } : {}),
  };
}

function applicationJson(a: ApplicationHistory): unknown {
  return {
    kind: 'Application',
    namespace: a.ref.namespace,
    name: a.ref.name,
    project: a.project,
    autoSync: a.autoSync,
    syncStatus: a.syncStatus ?? null,
    health: a.health ?? null,
    operationInProgress: a.operationInProgress,
    liveId: a.liveId ?? null,
    history: a.entries,
  };
}

function fluxJson(f: FluxObject): unknown {
  return { ...f.ref, suspended: f.suspended, suspendReason: f.suspendReason ?? null, ready: f.ready ?? null, lastAppliedRevision: f.lastAppliedRevision ?? null, source: f.source ?? null, ...(f.releaseName ? { releaseName: f.releaseName, storageNamespace: f.storageNamespace } : {}) };
}

function argoLine(h: WorkloadHistory): string[] {
  const a = h.argo;
  if (!a) return [];
  const parts = [a.strategy === 'blueGreen' ? 'blue-green' : a.strategy, a.step ? `step ${a.step.index}/${a.step.count}` : '', a.aborted ? 'aborted' : '', a.paused ? `paused${a.pauseReasons.length ? ` (${a.pauseReasons.join(', ')})` : ''}` : '', a.workloadRef ? `template from ${a.workloadRef}` : ''];
  return [parts.filter(Boolean).join(', ')];
}

function textOf(h: WorkloadHistory, indent = ''): string {
  const rows = [['REVISION', 'CREATED', 'IMAGES', 'CHANGE-CAUSE']];
  for (const r of h.revisions) {
    rows.push([`${r.revision}${r.live ? ' (live)' : ''}${r.stable ? ' (stable)' : ''}`, r.createdAt?.replace('T', ' ').replace('Z', '') ?? '', imagesText(r.images) || '-', r.changeCause ?? '<none>']);
  }
  const notes = [
    ...(h.paused ? ['paused (rollout resume before undo)'] : []),
    ...h.gitops.map((g) => `${g.certainty === 'certain' ? 'managed by' : 'possibly managed by'} ${describeOwner(g)} (${g.evidence})`),
    h.rollout.message,
    ...argoLine(h),
  ];
  const body = h.revisions.length ? table(rows) : 'No rollout history found.';
  return [...body.split('\n'), ...notes].map((l) => `${indent}${l}`).join('\n');
}

/** `helm history`'s columns (UPDATED as stored, in UTC), plus the images. */
function releaseText(h: ReleaseHistory, indent = ''): string {
  const rows = [['REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION', 'DESCRIPTION', 'IMAGES']];
  for (const r of h.revisions) rows.push([`${r.revision}${r.live ? ' (live)' : ''}`, r.updated.replace('T', ' ').replace(/\.\d+/, '').replace('Z', ''), r.status, r.chart, r.appVersion || '-', r.description || '-', imagesText(r.images) || '-']);
  const notes = [...h.gitops.map((g) => `${g.certainty === 'certain' ? 'managed by' : 'possibly managed by'} ${describeOwner(g)} (${g.evidence})`), ...(h.undecodable.length ? [`could not decode: ${h.undecodable.join(', ')}`] : [])];
  return [...table(rows).split('\n'), ...notes].map((l) => `${indent}${l}`).join('\n');
}

function applicationText(a: ApplicationHistory, indent = ''): string {
  const rows = [['ID', 'DEPLOYED', 'REVISION', 'SOURCE', 'INITIATED BY']];
  for (const e of a.entries) rows.push([`${e.id}${e.live ? ' (live)' : ''}`, e.deployedAt.replace('T', ' ').replace('Z', ''), entryRevisionText(e) || '-', entrySourceText(e) || '-', e.initiatedBy?.username ?? (e.initiatedBy?.automated ? 'auto-sync' : '-')]);
  const notes = [`${a.syncStatus ?? 'sync unknown'}, ${a.health ?? 'health unknown'}; auto-sync ${a.autoSync ? 'on (argocd refuses a rollback until it is paused)' : 'off'}${a.operationInProgress ? '; an operation is in progress' : ''}`];
  const body = a.entries.length ? table(rows) : 'No deployment history.';
  return [...body.split('\n'), ...notes].map((l) => `${indent}${l}`).join('\n');
}

function fluxText(f: FluxObject): string {
  return `${f.suspended ? 'suspended' : 'reconciling'}${f.suspendReason ? ` (${f.suspendReason})` : ''}${f.ready ? `, Ready ${f.ready.status}${f.ready.reason ? ` (${f.ready.reason})` : ''}` : ''}${f.lastAppliedRevision ? `, applied ${f.lastAppliedRevision}` : ''}${f.source ? `, source ${f.source}` : ''}`;
}

export async function history(argv: string[], io: ClusterCliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    namespace: { type: 'string', short: 'n' },
    'all-namespaces': { type: 'boolean', short: 'A' },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    revision: { type: 'string' },
    diff: { type: 'string' },
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(`${HISTORY_USAGE}\n`);
    return 0;
  }
  const format = oneOf('format', values.format, FORMATS, 'text');
  if (positionals.length > 1) throw new UsageError(`one object at a time (got ${positionals.join(' ')})`);
  if (values['all-namespaces'] && (positionals.length || values.namespace)) throw new UsageError('--all-namespaces lists everything; leave out KIND/NAME and --namespace');
  const revision = positiveInt('revision', values.revision);
  const diffArg = values.diff;
  if ((revision !== undefined || diffArg !== undefined) && positionals.length === 0) throw new UsageError('--revision and --diff need KIND/NAME');
  const diffRange = diffArg === undefined ? undefined : /^(\d+)(?:\.\.(\d+))?$/.exec(diffArg);
  if (diffArg !== undefined && !diffRange) throw new UsageError(`--diff takes N or N..M (got "${diffArg}")`);

  const opened = openSession(io, values);
  if (!opened.ok) {
    return printError(io, 'history', opened.error);
  }
  const session = opened.session;
  try {
    const namespace = values.namespace ?? session.namespace;
    const secrets = async () => session.client.secrets();
    if (positionals.length === 0) {
      const tree = await session.history(values['all-namespaces'] ? {} : { namespace });
      if (!tree.ok) {
        return printError(io, 'history', tree.error, await secrets());
      }
      for (const p of tree.value.problems) printError(io, 'history', p);
      io.out(format === 'json' ? `${JSON.stringify(treeJson(tree.value), null, 2)}\n` : treeText(tree.value));
      return 0;
    }
    const ref = historyArg(positionals[0], namespace);
    const json = (v: unknown) => io.out(`${JSON.stringify(v, null, 2)}\n`);

    if (ref.kind === 'HelmRelease') {
      const h = await session.releaseHistory(ref);
      if (!h.ok) {
        return printError(io, 'history', h.error, await secrets());
      }
      const pick = (n: number) => h.value.revisions.find((r) => r.revision === n);
      if (revision !== undefined) {
        const entry = pick(revision);
        if (!entry) {
          io.err(`rollback-guard history: ${refText(ref)} has no revision ${revision} (revisions: ${h.value.revisions.map((r) => r.revision).join(', ') || 'none'})\n`);
          return 1;
        }
        if (format === 'json') json({ ...(releaseJson(h.value) as object), revision: { ...entry, secret: entry.secret.name } });
        else io.out(`${refText(ref)} revision ${revision} (${entry.status}, ${entry.chart}): values (secret-looking ones redacted)\n${stringify(entry.values)}---\n# manifest\n${entry.manifest}`);
        return 0;
      }
      if (diffRange) {
        const a = pick(Number(diffRange[1]));
        const bNum = diffRange[2] ? Number(diffRange[2]) : (h.value.liveRevision ?? h.value.currentRevision);
        const b = bNum !== undefined ? pick(bNum) : undefined;
        if (!a || !b) {
          io.err(`rollback-guard history: ${refText(ref)} has no revision ${!a ? diffRange[1] : bNum} (revisions: ${h.value.revisions.map((r) => r.revision).join(', ')})\n`);
          return 1;
        }
        const d = releaseDiff({ label: `${refText(ref)} revision ${a.revision}`, ...a }, { label: `${refText(ref)} revision ${b.revision}${b.live ? ' (live)' : ''}`, ...b });
        io.out(format === 'json' ? `${JSON.stringify(d, null, 2)}\n` : d.equal ? 'No difference.\n' : d.unified);
        return 0;
      }
      if (format === 'json') json(releaseJson(h.value));
      else io.out(`${refText(ref)} in namespace ${ref.namespace} (context ${session.context.name})\n${releaseText(h.value)}\n`);
      return 0;
    }

    if (ref.kind === 'Application') {
      if (diffRange) throw new UsageError('--diff compares pod templates and Helm manifests; an Application\'s history holds revisions and sources only (see --revision N)');
      const a = await session.applicationHistory(ref);
      if (!a.ok) {
        return printError(io, 'history', a.error, await secrets());
      }
      if (revision !== undefined) {
        const entry = a.value.entries.find((e) => e.id === revision);
        if (!entry) {
          io.err(`rollback-guard history: ${refText(ref)} has no history id ${revision} (ids: ${a.value.entries.map((e) => e.id).join(', ') || 'none'})\n`);
          return 1;
        }
        if (format === 'json') json(entry);
        else io.out(`${refText(ref)} history id ${revision}:\n${stringify(entry)}`);
        return 0;
      }
      if (format === 'json') json(applicationJson(a.value));
      else io.out(`${refText(ref)} in namespace ${ref.namespace} (context ${session.context.name})\n${applicationText(a.value)}\n`);
      return 0;
    }

    const h = await session.workloadHistory(ref);
    if (!h.ok) {
      return printError(io, 'history', h.error, await secrets());
    }
    if (revision !== undefined) {
      const entry = h.value.revisions.find((r) => r.revision === revision);
      if (!entry) {
        io.err(`rollback-guard history: ${refText(ref)} has no revision ${revision} (revisions: ${h.value.revisions.map((r) => r.revision).join(', ') || 'none'})\n`);
        return 1;
      }
      const shown = maskTemplateSecrets(entry);
      io.out(format === 'json' ? `${JSON.stringify({ ...(toJson(h.value) as object), revision: shown }, null, 2)}\n` : `${refText(ref)} revision ${revision} (env values that are not references and secret-looking flags redacted):\n${stringify(shown.template)}`);
      return 0;
    }
    if (diffRange) {
      const to = diffRange[2] ? Number(diffRange[2]) : 'live';
      // Which fields change comes from the templates as they are; the values shown, from the masked ones
      // (a masked env value that changed is listed by its path, its values are not shown).
      const d = session.diff(h.value, Number(diffRange[1]), to);
      if (!d.ok) {
        printError(io, 'history', d.error);
        return 1;
      }
      const masked = session.diff(maskedHistory(h.value), Number(diffRange[1]), to);
      const shown = new Map((masked.ok ? masked.value.changes : []).map((c) => [c.path, c]));
      const changes = d.value.changes.map((c) => shown.get(c.path) ?? { path: c.path, change: c.change });
      const unified = masked.ok ? masked.value.unified : '';
      if (format === 'json') io.out(`${JSON.stringify({ equal: d.value.equal, changes, images: d.value.images, unified }, null, 2)}\n`);
      else if (d.value.equal) io.out('No difference.\n');
      else {
        const hidden = d.value.changes.filter((c) => !shown.has(c.path)).map((c) => `  ${c.change} ${c.path}`);
        io.out(`${unified}${hidden.length ? `${unified ? '\n' : ''}Also changed (values redacted):\n${hidden.join('\n')}\n` : ''}`);
      }
      return 0;
    }
    io.out(format === 'json' ? `${JSON.stringify(toJson(h.value), null, 2)}\n` : `${refText(ref)} in namespace ${ref.namespace} (context ${session.context.name})\n${textOf(h.value)}\n`);
    return 0;
  } finally {
    session.dispose();
  }
}

function treeJson(tree: HistoryTree): unknown {
  return {
    context: tree.context,
    namespace: tree.namespace ?? null,
    readAt: tree.readAt,
    apiCalls: tree.calls,
    problems: tree.problems.map((p) => ({ kind: p.kind, message: p.message })),
    workloads: tree.workloads.map(toJson),
    releases: (tree.releases ?? []).map(releaseJson),
    applications: (tree.applications ?? []).map(applicationJson),
    flux: (tree.flux ?? []).map(fluxJson),
  };
}

function treeText(tree: HistoryTree): string {
  const releases = tree.releases ?? [];
  const applications = tree.applications ?? [];
  const flux = tree.flux ?? [];
  if (tree.workloads.length + releases.length + applications.length + flux.length === 0) {
    return `No Deployments, StatefulSets, DaemonSets, Rollouts, Helm releases, Argo CD Applications or Flux objects in ${tree.namespace ? `namespace ${tree.namespace}` : 'any namespace'} (context ${tree.context}).\n`;
  }
  const prefix = (ns: string) => (tree.namespace === undefined ? `${ns}/` : '');
  const out: string[] = [];
  for (const h of tree.workloads) out.push(`${prefix(h.ref.namespace)}${refText(h.ref)}`, textOf(h, '  '), '');
  for (const r of releases) out.push(`${prefix(r.ref.namespace)}${refText(r.ref)}`, releaseText(r, '  '), '');
  for (const a of applications) out.push(`${prefix(a.ref.namespace)}${refText(a.ref)} (Argo CD)`, applicationText(a, '  '), '');
  for (const f of flux) out.push(`${prefix(f.ref.namespace)}${f.ref.kind.toLowerCase()}/${f.ref.name} (Flux): ${fluxText(f)}`);
  if (flux.length) out.push('');
  return out.join('\n');
}
