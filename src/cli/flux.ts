/** `rollback-guard flux suspend|resume kustomization/NAME|helmrelease/NAME`: flux's spec.suspend patch, after a preflight. */
import { resolve } from 'node:path';
import { redact } from '../core/redact';
import { formatError, fluxText, parseFluxRef } from '../cluster';
import { oneOf, parse, UsageError } from './args';
import { checksJson, checksText, confirmWrite, exitCodeFor, needConfirmation, openSession, positiveInt, printError, terminalPrompter, type ClusterCliIO } from './clusterCommon';
import { FLUX_USAGE } from './clusterUsage';
import { loadConfig } from './config';

const FORMATS = ['text', 'json'] as const;

export async function flux(argv: string[], io: ClusterCliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    reason: { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    namespace: { type: 'string', short: 'n' },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    'dry-run': { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    'confirm-context': { type: 'string' },
    'evidence-dir': { type: 'string' },
    config: { type: 'string' },
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
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
  const { config } = loadConfig(io.cwd, values.config);
  const prompter = io.prompter ?? terminalPrompter();
  needConfirmation(prompter, values);

  const opened = openSession(io, values, config.production.contexts);
  if (!opened.ok) {
    printError(io, 'flux', opened.error);
    return exitCodeFor(opened.error);
  }
  const session = opened.session;
  try {
    const secrets = await session.client.secrets();
    const out = (text: string): void => io.out(redact(text, secrets));
    const ref = { ...parsed.value, namespace: values.namespace ?? session.namespace };
    const pre = await session.fluxPreflight(ref, suspend, values.reason ? { reason: values.reason } : {});
    if (!pre.ok) {
      printError(io, 'flux', pre.error, secrets);
      return exitCodeFor(pre.error);
    }
    const p = pre.value;
    const preflightJson = () => ({ context: p.context.name, server: p.server, production: p.production, object: { ...ref, resourceVersion: p.object.resourceVersion }, suspended: p.object.suspended, patch: p.patch ?? null, checks: checksJson(p.checks) });
    if (format === 'text') out(checksText(`Preflight for flux ${verb} ${fluxText(ref)} in namespace ${ref.namespace} (context ${p.context.name}, ${p.server}):`, p.checks));
    const refusal = p.blocking[0];
    if (values['dry-run']) {
      if (format === 'json') out(`${JSON.stringify({ dryRun: true, wouldProceed: !refusal, preflight: preflightJson() }, null, 2)}\n`);
      else out(refusal ? `\nDry run: it would be refused: ${formatError(refusal)}\n` : '\nDry run: it would proceed; nothing was changed.\n');
      return refusal ? 1 : 0;
    }
    let confirmContext = values['confirm-context'];
    if (!refusal && p.patch) {
      const answer = await confirmWrite(io, prompter, values, p.production.production, p.context.name, `${suspend ? 'Suspend' : 'Resume'} ${p.ref.kind} ${ref.namespace}/${ref.name} (context ${p.context.name})?`, `${verb} ${fluxText(ref)}`);
      if (!answer) return 1;
      confirmContext = answer.confirmContext;
    }
    const progress = format === 'text' ? (m: string): void => io.err(`${m}\n`) : (): void => {};
    const result = await session.fluxSetSuspended(p, {
      ...(confirmContext !== undefined ? { confirmContext } : {}),
      ...(values.reason ? { reason: values.reason } : {}),
      wait: values.wait === true,
      timeoutMs: timeoutSeconds * 1000,
      evidenceDir: resolve(io.cwd, values['evidence-dir'] ?? '.rollback-guard/evidence'),
      toolVersion: io.version,
      onProgress: (pr) => progress(pr.message),
    });
    if (format === 'json') {
      out(`${JSON.stringify(result.ok ? { ok: true, status: result.value.status, message: result.value.message, sent: result.value.sent ?? null, evidence: result.value.files ?? null, preflight: preflightJson() } : { ok: false, status: result.error.outcome, error: { kind: result.error.kind, message: result.error.message, hint: result.error.hint }, evidence: result.error.files ?? null, preflight: preflightJson() }, null, 2)}\n`);
    } else if (result.ok) out(`${result.value.message}\n${result.value.files ? `evidence: ${result.value.files.markdown}\n` : ''}`);
    else {
      printError(io, 'flux', result.error, secrets);
      if (result.error.files) io.err(`evidence: ${result.error.files.markdown}\n`);
    }
    const evidenceError = result.ok ? result.value.evidenceError : result.error.evidenceError;
    if (evidenceError) io.err(`warning: ${evidenceError}\n`);
    return result.ok ? 0 : 1;
  } finally {
    session.dispose();
  }
}
