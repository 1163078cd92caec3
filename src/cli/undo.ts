import { resolve } from 'node:path';
import { redact } from '../core/redact';
import { describeOwner, formatError, maskTemplateSecrets, refText, diffTemplates, type Preflight, type PodTemplate } from '../cluster';
import { oneOf, parse, UsageError } from './args';
import { exitCodeFor, historyArg, openSession, positiveInt, printError, terminalPrompter, type ClusterCliIO } from './clusterCommon';
import { UNDO_USAGE } from './clusterUsage';
import { loadConfig } from './config';
import { undoApplication, undoRelease } from './clusterUndo';

const FORMATS = ['text', 'json'] as const;
const ICON: Record<string, string> = { pass: '✔', warn: '!', fail: '✖', info: 'i', skipped: '-' };

function preflightText(pre: Preflight): string {
  const ref = pre.request.ref;
  const lines = [`Preflight for ${refText(ref)} in namespace ${ref.namespace} (context ${pre.context.name}, ${pre.server}):`];
  for (const c of pre.checks) {
    lines.push(`  ${ICON[c.status] ?? ' '} ${c.id.padEnd(8)} ${c.title}`);
    for (const e of c.evidence) lines.push(`               ${e}`);
    if (c.error?.hint && c.status === 'fail') lines.push(`               hint: ${c.error.hint}`);
  }
  if (pre.plan && pre.diff && !pre.diff.equal) {
    // Secret-looking env values are masked on screen too.
    const shown = diffTemplates(maskTemplateSecrets(pre.plan.from.template) as PodTemplate, maskTemplateSecrets(pre.plan.to.template) as PodTemplate, {
      from: `${refText(ref)} now (revision ${pre.plan.fromRevision ?? '?'})`,
      to: `${refText(ref)} revision ${pre.plan.toRevision}`,
    });
    lines.push('', 'Pod template diff:', shown.unified.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

function preflightJson(pre: Preflight): unknown {
  return {
    context: pre.context.name,
    server: pre.server,
    production: pre.production,
    identity: pre.identity ?? null,
    object: { ...pre.request.ref, uid: pre.history.uid, resourceVersion: pre.history.resourceVersion },
    fromRevision: pre.plan?.fromRevision ?? pre.history.liveRevision ?? null,
    toRevision: pre.plan?.toRevision ?? pre.request.toRevision ?? null,
    action: pre.plan?.action ?? null,
    checks: pre.checks.map((c) => ({ id: c.id, status: c.status, title: c.title, evidence: c.evidence, ...(c.error ? { error: { kind: c.error.kind, message: c.error.message, hint: c.error.hint } } : {}) })),
    diff: pre.diff ? { images: pre.diff.images, fields: pre.diff.changes.map((c) => `${c.change} ${c.path}`) } : null,
  };
}

export async function undo(argv: string[], io: ClusterCliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    'to-revision': { type: 'string' },
    namespace: { type: 'string', short: 'n' },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    'dry-run': { type: 'boolean' },
    reason: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    'confirm-context': { type: 'string' },
    'allow-gitops': { type: 'boolean' },
    'evidence-dir': { type: 'string' },
    repo: { type: 'string' },
    'no-repo': { type: 'boolean' },
    timeout: { type: 'string' },
    'no-wait': { type: 'boolean' },
    config: { type: 'string' },
    format: { type: 'string' },
    helm: { type: 'string' },
    'pause-auto-sync': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(`${UNDO_USAGE}\n`);
    return 0;
  }
  const format = oneOf('format', values.format, FORMATS, 'text');
  if (positionals.length !== 1) throw new UsageError('name exactly one object as KIND/NAME (e.g. deployment/web, helmrelease/storefront, application/shop)');
  const givenRevision = positiveInt('to-revision', values['to-revision']);
  const toRevision = givenRevision ?? 0;
  const timeoutSeconds = positiveInt('timeout', values.timeout) ?? 300;
  if (timeoutSeconds === 0) throw new UsageError('--timeout must be at least 1 second');
  const { config } = loadConfig(io.cwd, values.config);
  const prompter = io.prompter ?? terminalPrompter();
  if (!values.yes && !values['dry-run'] && !prompter.interactive) {
    throw new UsageError('stdin is not a terminal, so there is no one to confirm: pass --yes to roll back without a prompt (or --dry-run to only check)');
  }

  const opened = openSession(io, values, config.production.contexts);
  if (!opened.ok) {
    printError(io, 'undo', opened.error);
    return exitCodeFor(opened.error);
  }
  const session = opened.session;
  try {
    const secrets = await session.client.secrets();
    const target = historyArg(positionals[0], values.namespace ?? session.namespace);
    if (values.helm !== undefined && target.kind !== 'HelmRelease') throw new UsageError('--helm applies to helmrelease/NAME only');
    if (values['pause-auto-sync'] && target.kind !== 'Application') throw new UsageError('--pause-auto-sync applies to application/NAME only');
    const common = { io, session, values, format, prompter, secrets, timeoutSeconds };
    if (target.kind === 'HelmRelease') return await undoRelease(common, target, toRevision);
    if (target.kind === 'Application') return await undoApplication(common, target, givenRevision);
    const ref = target;
    const pre = await session.preflight({ ref, toRevision });
    if (!pre.ok) {
      printError(io, 'undo', pre.error, secrets);
      return exitCodeFor(pre.error);
    }
    const preflight = pre.value;
    // Which migrations changed in Git between the two revisions (image tag ↔ commit): a code rollback leaves their schema.
    if (preflight.plan && !values['no-repo']) {
      const { schemaCheck } = await import('../git/schemaChanges');
      const { Engine } = await import('../core/engine');
      preflight.checks.push(
        await schemaCheck({
          dir: resolve(io.cwd, values.repo ?? '.'),
          workload: { kind: ref.kind, name: ref.name, namespace: ref.namespace },
          liveImages: preflight.plan.from.images.map((i) => i.image),
          targetImages: preflight.plan.to.images.map((i) => i.image),
          ...(preflight.plan.fromRevision !== undefined ? { fromRevision: preflight.plan.fromRevision } : {}),
          toRevision: preflight.plan.toRevision,
          engine: new Engine({ config }),
        }),
      );
    }
    const out = (text: string): void => io.out(redact(text, secrets));
    if (format === 'text') out(preflightText(preflight));

    const owner = preflight.gitops.find((g) => g.certainty === 'certain');
    const wouldRefuse = preflight.blocking[0] ?? (owner && !values['allow-gitops'] ? preflight.checks.find((c) => c.id === 'gitops')?.error : undefined);
    if (values['dry-run']) {
      if (format === 'json') out(`${JSON.stringify({ dryRun: true, wouldProceed: !wouldRefuse, preflight: preflightJson(preflight) }, null, 2)}\n`);
      else out(wouldRefuse ? `\nDry run: the rollback would be refused: ${formatError(wouldRefuse)}\n` : `\nDry run: the rollback would proceed${preflight.plan?.action === 'skip' ? ' (nothing to change)' : ''}; nothing was changed.\n`);
      return wouldRefuse ? 1 : 0;
    }

    // Ask on a terminal unless --yes; production contexts need the name typed back.
    let confirmContext = values['confirm-context'];
    if (!values.yes && !wouldRefuse && preflight.plan?.action === 'patch') {
      if (preflight.production.production && confirmContext === undefined) {
        confirmContext = (await prompter.ask(`\n${preflight.context.name} is a production context. Type its name to roll back ${refText(ref)} to revision ${preflight.plan.toRevision}: `))?.trim();
      } else {
        const answer = (await prompter.ask(`\nRoll back ${refText(ref)} in ${ref.namespace} (context ${preflight.context.name}) from revision ${preflight.plan.fromRevision ?? '?'} to ${preflight.plan.toRevision}${owner ? ` although ${describeOwner(owner)} manages it` : ''}? [y/N] `))?.trim().toLowerCase();
        if (answer !== 'y' && answer !== 'yes') {
          io.err('Not rolled back.\n');
          return 1;
        }
      }
    }

    const progress = format === 'text' ? (m: string): void => io.err(`${m}\n`) : (): void => {};
    const result = await session.rollback(preflight, {
      ...(confirmContext !== undefined ? { confirmContext } : {}),
      acknowledgeGitOps: values['allow-gitops'] === true,
      ...(values.reason ? { reason: values.reason } : {}),
      wait: !values['no-wait'],
      timeoutMs: timeoutSeconds * 1000,
      evidenceDir: resolve(io.cwd, values['evidence-dir'] ?? '.rollback-guard/evidence'),
      toolVersion: io.version,
      onProgress: (p) => progress(p.message),
    });
    if (format === 'json') {
      out(
        `${JSON.stringify(
          result.ok
            ? { ok: true, status: result.value.status, message: result.value.message, revisionAfter: result.value.revisionAfter ?? null, patchMs: result.value.patchMs ?? null, rolloutMs: result.value.rolloutMs ?? null, evidence: result.value.files ?? null, preflight: preflightJson(preflight) }
            : { ok: false, status: result.error.outcome, error: { kind: result.error.kind, message: result.error.message, hint: result.error.hint, ...(result.error.permission ? { permission: result.error.permission } : {}) }, evidence: result.error.files ?? null, preflight: preflightJson(preflight) },
          null,
          2,
        )}\n`,
      );
    } else if (result.ok) {
      out(`${result.value.message}\n${result.value.files ? `evidence: ${result.value.files.markdown}\n` : ''}`);
    } else {
      printError(io, 'undo', result.error, secrets);
      if (result.error.files) io.err(`evidence: ${result.error.files.markdown}\n`);
    }
    const evidenceError = result.ok ? result.value.evidenceError : result.error.evidenceError;
    if (evidenceError) io.err(`warning: ${evidenceError}\n`);
    return result.ok ? 0 : 1;
  } finally {
    session.dispose();
  }
}
