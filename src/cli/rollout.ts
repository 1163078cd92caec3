/** `rollback-guard rollout abort|promote|retry rollout/NAME`: the kubectl argo rollouts patches, after a preflight. */
import { parseWorkload, rolloutActionOf } from '../cluster';
import { oneOf, parse, UsageError } from './args';
import { checksJson, runOperation, WRITE_OPTIONS, type ClusterCliIO } from './clusterCommon';
import { ROLLOUT_USAGE } from './clusterUsage';

const FORMATS = ['text', 'json'] as const;
const VERBS = ['abort', 'promote', 'retry'] as const;

export async function rollout(argv: string[], io: ClusterCliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...WRITE_OPTIONS,
    full: { type: 'boolean' },
  });
  if (values.help) {
    io.out(`${ROLLOUT_USAGE}\n`);
    return 0;
  }
  const format = oneOf('format', values.format, FORMATS, 'text');
  const [verb, target, ...extra] = positionals;
  if (!verb || !(VERBS as readonly string[]).includes(verb)) throw new UsageError(`name the action: ${VERBS.join(', ')} (got ${verb ? `"${verb}"` : 'none'})`);
  if (!target || extra.length) throw new UsageError('name exactly one Rollout as rollout/NAME');
  const parsed = parseWorkload(target);
  if (!parsed.ok || parsed.value.kind !== 'Rollout') throw new UsageError(`"${target}" is not a Rollout: name it as rollout/NAME (ro/NAME)`);
  const action = rolloutActionOf(verb, values.full === true);
  if (!action.ok) throw new UsageError(action.error.message);
  const name = parsed.value.name;

  return runOperation(io, values, format, {
    command: 'rollout',
    preflight: (session, namespace) => session.rolloutActionPreflight({ kind: 'Rollout', namespace, name }, action.value),
    title: (p) => `Preflight for rollout ${verb}${values.full ? ' --full' : ''} of rollout/${name} in namespace ${p.ref.namespace} (context ${p.context.name}, ${p.server}):`,
    json: (p) => ({ context: p.context.name, server: p.server, production: p.production, object: { ...p.ref, resourceVersion: p.resourceVersion }, action: p.action, plan: p.plan, checks: checksJson(p.checks) }),
    ask: (p) => (p.plan.noop ? undefined : { question: `${verb[0]!.toUpperCase()}${verb.slice(1)}${values.full ? ' fully' : ''} rollout/${name} in ${p.ref.namespace} (context ${p.context.name})?`, production: `${verb} rollout/${name}` }),
    run: (session, p, options) => session.rolloutAction(p, options),
    sentJson: (v) => ({ sent: v.sent }),
  });
}
