/**
 * `undo helm-release/NAME` (runs `helm rollback` after the preflight) and
 * `undo application/NAME` (sets the Argo CD Application's operation.sync),
 * with the same preflight output, confirmation, refusals, evidence and exit
 * codes as a workload undo.
 */
import { resolve } from 'node:path';
import { redact } from '../core/redact';
import { applicationReview, describeOwner, entryRevisionText, helmReview, helmRollbackArgs, refText, reviewText, type ApplicationRef, type ClusterError, type ClusterSession, type PreflightBase, type ReleaseRef } from '../cluster';
import { checksJson, confirmWrite, outcomeJson, printDryRun, printError, printOutcome, writeOptions, type ClusterCliIO, type Prompter } from './clusterCommon';

export interface UndoContext {
  io: ClusterCliIO;
  session: ClusterSession;
  values: {
    yes?: boolean;
    'dry-run'?: boolean;
    'confirm-context'?: string;
    'allow-gitops'?: boolean;
    'pause-auto-sync'?: boolean;
    'evidence-dir'?: string;
    'no-wait'?: boolean;
    reason?: string;
    helm?: string;
    repo?: string;
    'no-repo'?: boolean;
  };
  format: 'text' | 'json';
  prompter: Prompter;
  secrets: string[];
  timeoutSeconds: number;
}

/** The refusal a run would meet before anything is sent (blocking checks first, then an unacknowledged GitOps owner). */
export function wouldRefuse(pre: Pick<PreflightBase, 'blocking' | 'gitops' | 'checks'>, allowGitOps: boolean): ClusterError | undefined {
  if (pre.blocking[0]) return pre.blocking[0];
  const owner = pre.gitops.find((g) => g.certainty === 'certain');
  if (owner && !allowGitOps) return pre.checks.find((c) => c.id === 'gitops')?.error;
  return undefined;
}

/** What --format json shows of every undo's preflight first. */
export function preflightHead(pre: Pick<PreflightBase, 'context' | 'server' | 'production' | 'identity'>): { context: string; server: string; production: PreflightBase['production']; identity: PreflightBase['identity'] | null } {
  return { context: pre.context.name, server: pre.server, production: pre.production, identity: pre.identity ?? null };
}

/** What every undo's write takes from the flags: the confirmations, the record-keeping, how long to follow it, progress on stderr (text only). */
export function undoOptions(ctx: Pick<UndoContext, 'io' | 'values' | 'format' | 'timeoutSeconds'>, confirmContext: string | undefined) {
  const { io, values } = ctx;
  const progress = ctx.format === 'text' ? (m: string): void => io.err(`${m}\n`) : (): void => {};
  return {
    ...writeOptions(io, values, confirmContext),
    acknowledgeGitOps: values['allow-gitops'] === true,
    wait: !values['no-wait'],
    timeoutMs: ctx.timeoutSeconds * 1000,
    onProgress: (p: { message: string }) => progress(p.message),
  };
}

export async function undoRelease(ctx: UndoContext, ref: ReleaseRef, toRevision: number): Promise<number> {
  const { io, session, values, format, secrets } = ctx;
  const out = (text: string): void => io.out(redact(text, secrets));
  const pre = await session.helmPreflight({ ref, toRevision }, { ...(values.helm ? { helmPath: values.helm } : {}), env: io.env });
  if (!pre.ok) {
    return printError(io, 'undo', pre.error, secrets);
  }
  const p = pre.value;
  await session.helmRollbackChecks(p);
  const review = helmReview(p, ctx.timeoutSeconds);
  const preflightJson = () => ({
    ...preflightHead(p),
    headline: review.headline,
    summary: review.summary,
    object: { ...ref },
    fromRevision: p.plan?.fromRevision ?? p.history?.currentRevision ?? null,
    toRevision: p.plan?.toRevision ?? null,
    newRevision: p.plan?.newRevision ?? null,
    helm: p.helm ?? null,
    argv: p.argv ? ['helm', ...p.argv] : null,
    checks: checksJson(p.checks),
    diff: p.diff ? { images: p.diff.images, fields: p.diff.changes.map((c) => `${c.change} ${c.path}`) } : null,
  });
  if (format === 'text') {
    out(reviewText(review));
    if (p.diff && !p.diff.equal) out(`\nManifest and values diff (secret-looking values redacted):\n${p.diff.unified.trimEnd()}\n`);
    if (p.argv && p.plan) out(`\nWill run: helm ${helmRollbackArgs(p.plan, p.context.name, { wait: !values['no-wait'], timeoutSeconds: ctx.timeoutSeconds }).join(' ')}\n`);
  }
  const refusal = wouldRefuse(p, values['allow-gitops'] === true);
  if (values['dry-run']) return printDryRun(out, format, refusal, preflightJson, 'the rollback');
  let confirmContext = values['confirm-context'];
  if (!refusal && p.plan) {
    const owner = p.gitops.find((g) => g.certainty === 'certain');
    const answer = await confirmWrite(io, ctx.prompter, values, p.production.production, p.context.name, `Roll back ${refText(ref)} in ${ref.namespace} (context ${p.context.name}) from revision ${p.plan.fromRevision} to ${p.plan.toRevision} with helm${owner ? ` although ${describeOwner(owner)} manages it` : ''}?`, `roll back ${refText(ref)} to revision ${p.plan.toRevision}`);
    if (!answer) return 1;
    confirmContext = answer.confirmContext;
  }
  const result = await session.helmRollback(p, undoOptions(ctx, confirmContext));
  const json = format === 'json' ? outcomeJson(result, { revisionAfter: result.ok ? (result.value.revisionAfter ?? null) : null, preflight: preflightJson() }) : undefined;
  return printOutcome(io, 'undo', secrets, result, json);
}

export async function undoApplication(ctx: UndoContext, ref: ApplicationRef, id: number | undefined): Promise<number> {
  const { io, session, values, format, secrets } = ctx;
  const out = (text: string): void => io.out(redact(text, secrets));
  const pre = await session.applicationPreflight({ ref, ...(id !== undefined ? { id } : {}) });
  if (!pre.ok) {
    return printError(io, 'undo', pre.error, secrets);
  }
  const p = pre.value;
  // The target revision's manifests, when its commit is in the repository at hand (a plain directory source).
  const to = p.plan?.to;
  const objects = values['no-repo'] || !to ? { objectsUnknown: 'no repository was read (--no-repo)' } : await (await import('../git')).objectsOfRevision({ dir: resolve(io.cwd, values.repo ?? '.'), ...(to.revision ? { revision: to.revision } : {}), ...(to.source?.path !== undefined && !to.sources ? { path: to.source.path } : {}) });
  await session.applicationRollbackChecks(p, objects);
  const review = applicationReview(p);
  const preflightJson = () => ({
    ...preflightHead(p),
    headline: review.headline,
    summary: review.summary,
    object: { ...ref, uid: p.history.uid, resourceVersion: p.history.resourceVersion },
    fromId: p.plan?.fromId ?? p.history.liveId ?? null,
    toId: p.plan?.toId ?? null,
    autoSync: p.autoSync,
    operation: p.plan?.operation ?? null,
    pausePatch: p.pausePatch ?? null,
    checks: checksJson(p.checks),
  });
  if (format === 'text') {
    out(reviewText(review));
    if (p.diff?.unified) out(`\n${p.diff.unified.trimEnd()}\n`);
    if (p.plan) out(`\nWill set operation (${p.autoSync ? 'after pausing auto-sync with ' + JSON.stringify(p.pausePatch?.spec) : 'one merge patch guarded by the resourceVersion'}):\n${JSON.stringify(p.plan.operation, null, 2)}\n`);
  }
  let refusal = wouldRefuse(p, values['allow-gitops'] === true);
  let pauseAutoSync = values['pause-auto-sync'] === true;
  const autoSyncRefusal: ClusterError = { kind: 'auto-sync', message: `rollback cannot be initiated when auto-sync is enabled (application ${ref.namespace}/${ref.name})`, hint: 'Pass --pause-auto-sync to pause it first (argocd app set --sync-policy none), then roll back.' };
  if (!refusal && p.autoSync && !pauseAutoSync && (values.yes || values['dry-run'] || !ctx.prompter.interactive)) refusal = autoSyncRefusal;
  if (values['dry-run']) return printDryRun(out, format, refusal, preflightJson, 'the rollback', p.autoSync ? ' after pausing auto-sync' : '');
  let confirmContext = values['confirm-context'];
  if (!refusal && p.plan) {
    if (p.autoSync && !pauseAutoSync) {
      // Asked on a terminal only: in a script the flag says it.
      const answer = (await ctx.prompter.ask(`\n${refText(ref)} syncs automatically, and Argo CD refuses a rollback while it does. Pause auto-sync, then roll back? [y/N] `))?.trim().toLowerCase();
      if (answer !== 'y' && answer !== 'yes') {
        io.err('Nothing was changed.\n');
        return 1;
      }
      pauseAutoSync = true;
    }
    const owner = p.gitops.find((g) => g.certainty === 'certain');
    const answer = await confirmWrite(io, ctx.prompter, values, p.production.production, p.context.name, `Roll back ${refText(ref)} in ${ref.namespace} (context ${p.context.name}) from history id ${p.plan.fromId ?? '?'} to ${p.plan.toId} (revision ${entryRevisionText(p.plan.to) || '?'})${pauseAutoSync ? ', pausing auto-sync first' : ''}${owner ? ` although ${describeOwner(owner)} manages it` : ''}?`, `roll back ${refText(ref)} to history id ${p.plan.toId}`);
    if (!answer) return 1;
    confirmContext = answer.confirmContext;
  }
  const result = await session.applicationRollback(p, { ...undoOptions(ctx, confirmContext), pauseAutoSync });
  const json = format === 'json' ? outcomeJson(result, { pausedAutoSync: result.ok ? result.value.pausedAutoSync : null, sent: result.ok ? result.value.sent : null, preflight: preflightJson() }) : undefined;
  return printOutcome(io, 'undo', secrets, result, json);
}
