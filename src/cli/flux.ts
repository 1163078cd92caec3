/** `rollback-guard flux suspend|resume kustomization/NAME|helmrelease/NAME`: flux's spec.suspend patch, after a preflight. */
import { fluxText, parseFluxRef } from '../cluster';
import { oneOf, parse, UsageError } from './args';
import { checksJson, positiveInt, runOperation, WRITE_OPTIONS, type ClusterCliIO } from './clusterCommon';
import { FLUX_USAGE } from './clusterUsage';

const FORMATS = ['text', 'json'] as const;

export async function flux(argv: string[], io: ClusterCliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...WRITE_OPTIONS,
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
  });
  if (values.help) {
    io.out(`${FLUX_USAGE}\n`);
    return 0;
  }
  const format = oneOf('format', values.format, FORMATS, 'text');
  const [verb, target, ...extra] = positionals;
  if (verb !== 'suspend' && verb !== 'resume') throw new UsageError(`name the action: suspend or resume (got ${verb ? `"${verb}"` : 'none'})`);
  if (!target || extra.length) throw new UsageError('name exactly one Flux object as kustomization/NAME or helmrelease/NAME');
  const parsed = parseFluxRef(target);
  if (!parsed.ok) throw new UsageError(`${parsed.error.message}. ${parsed.error.hint}`);
  if (values.wait && verb === 'suspend') throw new UsageError('--wait applies to resume only');
  const timeoutSeconds = positiveInt('timeout', values.timeout) ?? 300;
  if (timeoutSeconds === 0) throw new UsageError('--timeout must be at least 1 second');
  const suspend = verb === 'suspend';

  return runOperation(io, values, format, {
    command: 'flux',
    preflight: (session, namespace) => session.fluxPreflight({ ...parsed.value, namespace }, suspend, values.reason ? { reason: values.reason } : {}),
    title: (p) => `Preflight for flux ${verb} ${fluxText(p.ref)} in namespace ${p.ref.namespace} (context ${p.context.name}, ${p.server}):`,
    json: (p) => ({ context: p.context.name, server: p.server, production: p.production, object: { ...p.ref, resourceVersion: p.object.resourceVersion }, suspended: p.object.suspended, patch: p.patch ?? null, checks: checksJson(p.checks) }),
    ask: (p) => (p.patch ? { question: `${suspend ? 'Suspend' : 'Resume'} ${p.ref.kind} ${p.ref.namespace}/${p.ref.name} (context ${p.context.name})?`, production: `${verb} ${fluxText(p.ref)}` } : undefined),
    run: (session, p, options, progress) => session.fluxSetSuspended(p, { ...options, wait: values.wait === true, timeoutMs: timeoutSeconds * 1000, onProgress: (pr) => progress(pr.message) }),
    sentJson: (v) => ({ sent: v.sent ?? null }),
  });
}
