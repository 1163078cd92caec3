/** `rollback-guard rollout abort|promote|retry rollout/NAME`: the kubectl argo rollouts patches, after a preflight. */
import { resolve } from 'node:path';
import { redact } from '../core/redact';
import { formatError, parseWorkload, rolloutActionOf } from '../cluster';
import { oneOf, parse, UsageError } from './args';
import { checksJson, checksText, confirmWrite, exitCodeFor, needConfirmation, openSession, printError, terminalPrompter, type ClusterCliIO } from './clusterCommon';
import { ROLLOUT_USAGE } from './clusterUsage';
import { loadConfig } from './config';

const FORMATS = ['text', 'json'] as const;
const VERBS = ['abort', 'promote', 'retry'] as const;

export async function rollout(argv: string[], io: ClusterCliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    full: { type: 'boolean' },
    namespace: { type: 'string', short: 'n' },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    'dry-run': { type: 'boolean' },
    reason: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    'confirm-context': { type: 'string' },
    'evidence-dir': { type: 'string' },
    config: { type: 'string' },
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
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
  const { config } = loadConfig(io.cwd, values.config);
  const prompter = io.prompter ?? terminalPrompter();
  needConfirmation(prompter, values);

  const opened = openSession(io, values, config.production.contexts);
  if (!opened.ok) {
    printError(io, 'rollout', opened.error);
    return exitCodeFor(opened.error);
  }
  const session = opened.session;
  try {
    const secrets = await session.client.secrets();
    const out = (text: string): void => io.out(redact(text, secrets));
    const ref = { kind: 'Rollout' as const, namespace: values.namespace ?? session.namespace, name: parsed.value.name };
    const pre = await session.rolloutActionPreflight(ref, action.value);
    if (!pre.ok) {
      printError(io, 'rollout', pre.error, secrets);
      return exitCodeFor(pre.error);
    }
    const p = pre.value;
    const preflightJson = () => ({ context: p.context.name, server: p.server, production: p.production, object: { ...ref, resourceVersion: p.resourceVersion }, action: p.action, plan: p.plan, checks: checksJson(p.checks) });
    if (format === 'text') out(checksText(`Preflight for rollout ${verb}${values.full ? ' --full' : ''} of rollout/${ref.name} in namespace ${ref.namespace} (context ${p.context.name}, ${p.server}):`, p.checks));
    const refusal = p.blocking[0];
    if (values['dry-run']) {
      if (format === 'json') out(`${JSON.stringify({ dryRun: true, wouldProceed: !refusal, preflight: preflightJson() }, null, 2)}\n`);
      else out(refusal ? `\nDry run: it would be refused: ${formatError(refusal)}\n` : '\nDry run: it would proceed; nothing was changed.\n');
      return refusal ? 1 : 0;
    }
    let confirmContext = values['confirm-context'];
    if (!refusal && !p.plan.noop) {
      const answer = await confirmWrite(io, prompter, values, p.production.production, p.context.name, `${verb[0]!.toUpperCase()}${verb.slice(1)}${values.full ? ' fully' : ''} rollout/${ref.name} in ${ref.namespace} (context ${p.context.name})?`, `${verb} rollout/${ref.name}`);
      if (!answer) return 1;
      confirmContext = answer.confirmContext;
    }
    const result = await session.rolloutAction(p, {
      ...(confirmContext !== undefined ? { confirmContext } : {}),
      ...(values.reason ? { reason: values.reason } : {}),
      evidenceDir: resolve(io.cwd, values['evidence-dir'] ?? '.rollback-guard/evidence'),
      toolVersion: io.version,
    });
    if (format === 'json') {
      out(`${JSON.stringify(result.ok ? { ok: true, status: result.value.status, message: result.value.message, sent: result.value.sent, evidence: result.value.files ?? null, preflight: preflightJson() } : { ok: false, status: result.error.outcome, error: { kind: result.error.kind, message: result.error.message, hint: result.error.hint }, evidence: result.error.files ?? null, preflight: preflightJson() }, null, 2)}\n`);
    } else if (result.ok) out(`${result.value.message}\n${result.value.files ? `evidence: ${result.value.files.markdown}\n` : ''}`);
    else {
      printError(io, 'rollout', result.error, secrets);
      if (result.error.files) io.err(`evidence: ${result.error.files.markdown}\n`);
    }
    const evidenceError = result.ok ? result.value.evidenceError : result.error.evidenceError;
    if (evidenceError) io.err(`warning: ${evidenceError}\n`);
    return result.ok ? 0 : 1;
  } finally {
    session.dispose();
  }
}
