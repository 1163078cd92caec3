import { resolve } from 'node:path';
import { redact } from '../core/redact';
import { describeOwner, maskedUnified, refText, reviewText, workloadReview, type Preflight } from '../cluster';
import { oneOf, parse, UsageError } from './args';
import { checksJson, confirmWrite, historyArg, needConfirmation, outcomeJson, positiveInt, printDryRun, printError, printOutcome, terminalPrompter, withSession, WRITE_OPTIONS, type ClusterCliIO } from './clusterCommon';
import { UNDO_USAGE } from './clusterUsage';
import { loadConfig } from './config';
import { preflightHead, undoApplication, undoOptions, undoRelease, wouldRefuse } from './clusterUndo';

const FORMATS = ['text', 'json'] as const;

function preflightText(pre: Preflight): string {
  // Secret-looking env values are masked on screen too.
  const diff = pre.diff && !pre.diff.equal ? maskedUnified(pre) : '';
  const review = reviewText(workloadReview(pre));
  return diff ? `${review}\nPod template diff:\n${diff.trimEnd()}\n` : review;
}

function preflightJson(pre: Preflight): unknown {
  const review = workloadReview(pre);
  return {
    ...preflightHead(pre),
    headline: review.headline,
    summary: review.summary,
    object: { ...pre.request.ref, uid: pre.history.uid, resourceVersion: pre.history.resourceVersion },
    fromRevision: pre.plan?.fromRevision ?? pre.history.liveRevision ?? null,
    toRevision: pre.plan?.toRevision ?? pre.request.toRevision ?? null,
    action: pre.plan?.action ?? null,
    checks: checksJson(pre.checks),
    diff: pre.diff ? { images: pre.diff.images, fields: pre.diff.changes.map((c) => `${c.change} ${c.path}`) } : null,
  };
}

export async function undo(argv: string[], io: ClusterCliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...WRITE_OPTIONS,
    'to-revision': { type: 'string' },
    'allow-gitops': { type: 'boolean' },
    repo: { type: 'string' },
    'no-repo': { type: 'boolean' },
    timeout: { type: 'string' },
    'no-wait': { type: 'boolean' },
    helm: { type: 'string' },
    'pause-auto-sync': { type: 'boolean' },
  });
  if (values.help) {
    io.out(`${UNDO_USAGE}\n`);
    return 0;
  }
  const format = oneOf('format', values.format, FORMATS, 'text');
  if (positionals.length !== 1) throw new UsageError('name exactly one object as KIND/NAME (e.g. deployment/web, helm-release/storefront, application/shop)');
  const givenRevision = positiveInt('to-revision', values['to-revision']);
  const toRevision = givenRevision ?? 0;
  const timeoutSeconds = positiveInt('timeout', values.timeout) ?? 300;
  if (timeoutSeconds === 0) throw new UsageError('--timeout must be at least 1 second');
  const { config } = loadConfig(io.cwd, values.config);
  const prompter = io.prompter ?? terminalPrompter();
  needConfirmation(prompter, values, 'roll back');

  return withSession(io, 'undo', values, config.production.contexts, async (session) => {
    const secrets = await session.client.secrets();
    const target = historyArg(positionals[0], values.namespace ?? session.namespace);
    if (values.helm !== undefined && target.kind !== 'HelmRelease') throw new UsageError('--helm applies to helm-release/NAME only');
    if (values['pause-auto-sync'] && target.kind !== 'Application') throw new UsageError('--pause-auto-sync applies to application/NAME only');
    const common = { io, session, values, format, prompter, secrets, timeoutSeconds };
    if (target.kind === 'HelmRelease') return await undoRelease(common, target, toRevision);
    if (target.kind === 'Application') return await undoApplication(common, target, givenRevision);
    const ref = target;
    const pre = await session.preflight({ ref, toRevision });
    if (!pre.ok) {
      return printError(io, 'undo', pre.error, secrets);
    }
    const preflight = pre.value;
    // What Git says: which migrations changed between the two revisions (image tag ↔ commit) — a code rollback
    // leaves their schema — and the config the target revision ran with.
    let known: Awaited<ReturnType<typeof import('../git').configOfRevision>> | undefined;
    if (preflight.plan && preflight.plan.action === 'patch' && !values['no-repo']) {
      const { schemaCheck, configOfRevision } = await import('../git');
      const { Engine } = await import('../core/engine');
      const dir = resolve(io.cwd, values.repo ?? '.');
      const workload = { kind: ref.kind, name: ref.name, namespace: ref.namespace };
      const targetImages = preflight.plan.to.images.map((i) => i.image);
      const [schema, ranWith] = await Promise.all([
        schemaCheck({
          dir,
          workload,
          liveImages: preflight.plan.from.images.map((i) => i.image),
          targetImages,
          ...(preflight.plan.fromRevision !== undefined ? { fromRevision: preflight.plan.fromRevision } : {}),
          toRevision: preflight.plan.toRevision,
          engine: new Engine({ config }),
          ...(config.migrations.owners ? { owners: config.migrations.owners } : {}),
        }),
        configOfRevision({ dir, workload, images: targetImages.filter((_, i) => !preflight.plan!.to.images[i]!.init) }),
      ]);
      preflight.checks.push(schema);
      known = ranWith;
    }
    await session.workloadRollbackChecks(preflight, known ? { known } : {});
    const out = (text: string): void => io.out(redact(text, secrets));
    if (format === 'text') out(preflightText(preflight));

    const owner = preflight.gitops.find((g) => g.certainty === 'certain');
    const refusal = wouldRefuse(preflight, values['allow-gitops'] === true);
    if (values['dry-run']) return printDryRun(out, format, refusal, () => preflightJson(preflight), 'the rollback', preflight.plan?.action === 'skip' ? ' (nothing to change)' : '');

    // Ask on a terminal unless --yes; production contexts need the name typed back.
    let confirmContext = values['confirm-context'];
    if (!refusal && preflight.plan?.action === 'patch') {
      const plan = preflight.plan;
      const answer = await confirmWrite(io, prompter, values, preflight.production.production, preflight.context.name, `Roll back ${refText(ref)} in ${ref.namespace} (context ${preflight.context.name}) from revision ${plan.fromRevision ?? '?'} to ${plan.toRevision}${owner ? ` although ${describeOwner(owner)} manages it` : ''}?`, `roll back ${refText(ref)} to revision ${plan.toRevision}`, 'Not rolled back.');
      if (!answer) return 1;
      confirmContext = answer.confirmContext;
    }

    const result = await session.rollback(preflight, undoOptions(common, confirmContext));
    const json = format === 'json' ? outcomeJson(result, { ...(result.ok ? { revisionAfter: result.value.revisionAfter ?? null, patchMs: result.value.patchMs ?? null, rolloutMs: result.value.rolloutMs ?? null } : {}), preflight: preflightJson(preflight) }) : undefined;
    return printOutcome(io, 'undo', secrets, result, json);
  });
}
