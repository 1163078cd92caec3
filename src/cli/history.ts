import { stringify } from 'yaml';
import { describeOwner, imagesText, refText, type HistoryTree, type WorkloadHistory } from '../cluster';
import { oneOf, parse, UsageError } from './args';
import { exitCodeFor, openSession, positiveInt, printError, table, workloadArg, type ClusterCliIO } from './clusterCommon';
import { HISTORY_USAGE } from './clusterUsage';

const FORMATS = ['text', 'json'] as const;

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
    revisions: h.revisions.map((r) => ({
      revision: r.revision,
      live: r.live,
      createdAt: r.createdAt ?? null,
      changeCause: r.changeCause ?? null,
      images: r.images,
      source: r.source,
      ...(r.replicas ? { replicas: r.replicas } : {}),
    })),
  };
}

function textOf(h: WorkloadHistory, indent = ''): string {
  const rows = [['REVISION', 'CREATED', 'IMAGES', 'CHANGE-CAUSE']];
  for (const r of h.revisions) {
    rows.push([`${r.revision}${r.live ? ' (live)' : ''}`, r.createdAt?.replace('T', ' ').replace('Z', '') ?? '', imagesText(r.images) || '-', r.changeCause ?? '<none>']);
  }
  const notes = [
    ...(h.paused ? ['paused (rollout resume before undo)'] : []),
    ...h.gitops.map((g) => `${g.certainty === 'certain' ? 'managed by' : 'possibly managed by'} ${describeOwner(g)} (${g.evidence})`),
    h.rollout.message,
  ];
  const body = h.revisions.length ? table(rows) : 'No rollout history found.';
  return [...body.split('\n'), ...notes].map((l) => `${indent}${l}`).join('\n');
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
  if (positionals.length > 1) throw new UsageError(`one workload at a time (got ${positionals.join(' ')})`);
  if (values['all-namespaces'] && (positionals.length || values.namespace)) throw new UsageError('--all-namespaces lists every workload; leave out KIND/NAME and --namespace');
  const revision = positiveInt('revision', values.revision);
  const diffArg = values.diff;
  if ((revision !== undefined || diffArg !== undefined) && positionals.length === 0) throw new UsageError('--revision and --diff need KIND/NAME');
  const diffRange = diffArg === undefined ? undefined : /^(\d+)(?:\.\.(\d+))?$/.exec(diffArg);
  if (diffArg !== undefined && !diffRange) throw new UsageError(`--diff takes N or N..M (got "${diffArg}")`);

  const opened = openSession(io, values);
  if (!opened.ok) {
    printError(io, 'history', opened.error);
    return exitCodeFor(opened.error);
  }
  const session = opened.session;
  try {
    const namespace = values.namespace ?? session.namespace;
    if (positionals.length === 0) {
      const tree = await session.history(values['all-namespaces'] ? {} : { namespace });
      if (!tree.ok) {
        printError(io, 'history', tree.error, await session.client.secrets());
        return exitCodeFor(tree.error);
      }
      for (const p of tree.value.problems) printError(io, 'history', p);
      io.out(format === 'json' ? `${JSON.stringify(treeJson(tree.value), null, 2)}\n` : treeText(tree.value));
      return 0;
    }
    const ref = workloadArg(positionals[0], namespace);
    const h = await session.workloadHistory(ref);
    if (!h.ok) {
      printError(io, 'history', h.error, await session.client.secrets());
      return exitCodeFor(h.error);
    }
    if (revision !== undefined) {
      const entry = h.value.revisions.find((r) => r.revision === revision);
      if (!entry) {
        io.err(`rollback-guard history: ${refText(ref)} has no revision ${revision} (revisions: ${h.value.revisions.map((r) => r.revision).join(', ') || 'none'})\n`);
        return 1;
      }
      io.out(format === 'json' ? `${JSON.stringify({ ...(toJson(h.value) as object), revision: entry }, null, 2)}\n` : `${refText(ref)} revision ${revision}:\n${stringify(entry.template)}`);
      return 0;
    }
    if (diffRange) {
      const d = session.diff(h.value, Number(diffRange[1]), diffRange[2] ? Number(diffRange[2]) : 'live');
      if (!d.ok) {
        printError(io, 'history', d.error);
        return 1;
      }
      io.out(format === 'json' ? `${JSON.stringify(d.value, null, 2)}\n` : d.value.equal ? 'No difference.\n' : d.value.unified);
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
  };
}

function treeText(tree: HistoryTree): string {
  if (tree.workloads.length === 0) return `No Deployments, StatefulSets or DaemonSets in ${tree.namespace ? `namespace ${tree.namespace}` : 'any namespace'} (context ${tree.context}).\n`;
  const out: string[] = [];
  for (const h of tree.workloads) {
    out.push(`${tree.namespace === undefined ? `${h.ref.namespace}/` : ''}${refText(h.ref)}`, textOf(h, '  '), '');
  }
  return out.join('\n');
}
