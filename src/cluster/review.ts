/**
 * What a rollback will do, as one model for every kind — a workload (and an
 * Argo Rollout), a Helm release, an Argo CD Application: one sentence saying
 * what happens, the count of checks ("7 checks passed · 1 needs attention"),
 * the checks with failures first, each with its evidence, whether each one
 * blocks, the buttons that fix a refusal, what proceeding takes (the label,
 * the context name to type back, the GitOps owner to acknowledge, pausing
 * auto-sync), and the diff. The editor's rollback panel renders it and the
 * CLI prints it, so both show the same checks in the same order.
 *
 * Pure: preflights in, a review out. Text from the cluster is not redacted
 * here; whoever shows it passes it through `redact` with the session's
 * secrets (the panel and the CLI do).
 */
import type { ApplicationPreflight } from './argocdRollback';
import { entryRevisionText } from './argocd';
import type { ClusterError, ClusterErrorKind } from './errors';
import { maskedUnified } from './evidence';
import { describeOwner } from './gitops';
import { helmRollbackArgs, type HelmPreflight } from './helmRollback';
import { refText } from './kinds';
import type { PreflightBase } from './operations';
import type { CheckStatus, Preflight, PreflightCheck } from './preflight';
import type { HoldPreflight } from './holdFlow';
import { loopText } from './hold';
import { trimEndOf, WHITESPACE } from '../core/text';

/** Something that removes the cause of a refusal; the editor shows it as a button, the CLI as a hint. */
export interface ReviewFix {
  id: 'select-context' | 'open-settings' | 'install-helm' | 'check-again' | 'copy-command';
  label: string;
  /** open-settings: the setting to open. */
  setting?: string;
  /** copy-command: the command line that fixes it. */
  command?: string;
}

export interface ReviewCheck extends PreflightCheck {
  /** A failure that refuses the rollback whatever is confirmed. */
  blocking: boolean;
  fixes: ReviewFix[];
}

export type ReviewSubjectKind = 'workload' | 'helm' | 'application';

export interface RollbackReview {
  subject: { type: ReviewSubjectKind; kind: string; namespace: string; name: string; text: string };
  context: { name: string; server: string; production: boolean; pattern?: string };
  /** One sentence: what will happen (or why nothing will). */
  headline: string;
  counts: { passed: number; attention: number; blocking: number; unknown: number; info: number };
  /** "7 checks passed · 1 needs attention". */
  summary: string;
  /** Failures first (blocking, then the rest by status), then warnings, unknowns, information, passes. */
  checks: ReviewCheck[];
  state: 'ready' | 'refused' | 'nothing-to-do';
  refusal?: Pick<ClusterError, 'kind' | 'message' | 'hint'> & { fixes: ReviewFix[] };
  proceed: {
    label: string;
    /** The context name to type back (production). */
    typeContext?: string;
    /** The GitOps owner a cluster-side rollback is made against, when certain. */
    gitops?: string;
    /** Argo CD: auto-sync is paused first. */
    pauseAutoSync?: boolean;
  };
  /** From → to, as "revision 3" / "history 2". */
  from?: string;
  to?: string;
  images: { container: string; from?: string; to?: string }[];
  diff?: { title: string; unified: string };
  /** What will be sent or run, one line each. */
  actions: string[];
  /** Where the reason goes besides the evidence record. */
  reasonGoesTo: string[];
  /** A rollback held under GitOps: the loops paused first and the verification window. */
  hold?: { pausing: string[]; window: number };
}

const ORDER: Record<CheckStatus, number> = { fail: 1, warn: 2, skipped: 3, info: 4, pass: 5 };

/** `ghcr.io/bookstore/catalog:1.4.2@sha256:…` → `catalog:1.4.2`: the part people recognise. */
export function shortImage(image: string): string {
  const noDigest = image.includes('@') ? image.slice(0, image.indexOf('@')) : image;
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  return last || image;
}

/** The buttons that remove the cause of an error of this kind. */
export function fixesFor(error: Pick<ClusterError, 'kind'> & { fix?: ReviewFix }): ReviewFix[] {
  const fixes: ReviewFix[] = error.fix ? [error.fix] : [];
  const byKind: Partial<Record<ClusterErrorKind, ReviewFix[]>> = {
    forbidden: [{ id: 'select-context', label: 'Select Kube Context' }],
    unauthorized: [{ id: 'select-context', label: 'Select Kube Context' }],
    unreachable: [{ id: 'check-again', label: 'Check Again' }, { id: 'select-context', label: 'Select Kube Context' }],
    tls: [{ id: 'select-context', label: 'Select Kube Context' }],
    config: [{ id: 'select-context', label: 'Select Kube Context' }, { id: 'open-settings', label: 'Open Settings', setting: 'rollbackGuard.cluster' }],
    'tool-missing': [{ id: 'install-helm', label: 'Install Helm…' }, { id: 'open-settings', label: 'Open Settings', setting: 'rollbackGuard.cluster.helmPath' }],
    conflict: [{ id: 'check-again', label: 'Check Again' }],
    'dry-run-failed': [{ id: 'check-again', label: 'Check Again' }],
    paused: [{ id: 'check-again', label: 'Check Again' }],
    'artifact-missing': [{ id: 'check-again', label: 'Check Again' }],
    'api-not-served': [{ id: 'check-again', label: 'Check Again' }],
  };
  for (const f of byKind[error.kind] ?? []) if (!fixes.some((x) => x.id === f.id)) fixes.push(f);
  return fixes;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "7 checks passed · 1 needs attention · 1 blocks the rollback · 1 could not be checked". */
export function summaryText(counts: RollbackReview['counts']): string {
  const parts = [`${plural(counts.passed, 'check')} passed`];
  if (counts.attention) parts.push(`${counts.attention} need${counts.attention === 1 ? 's' : ''} attention`);
  if (counts.blocking) parts.push(`${counts.blocking} block${counts.blocking === 1 ? 's' : ''} the rollback`);
  if (counts.unknown) parts.push(`${counts.unknown} could not be checked`);
  return parts.join(' · ');
}

/** The checks with whether each blocks, its fixes, failures first (a stable sort: the preflight's order within a status). */
export function reviewChecks(pre: Pick<PreflightBase, 'checks' | 'blocking'>): ReviewCheck[] {
  const blockingError = (c: PreflightCheck) => c.status === 'fail' && !!c.error && pre.blocking.some((b) => b === c.error || (b.kind === c.error!.kind && b.message === c.error!.message));
  return pre.checks
    .map((c, i) => ({ ...c, blocking: blockingError(c), fixes: c.status === 'fail' && c.error ? fixesFor(c.error as ClusterError & { fix?: ReviewFix }) : [], i }))
    .sort((a, b) => Number(b.blocking) - Number(a.blocking) || ORDER[a.status] - ORDER[b.status] || a.i - b.i)
    .map(({ i, ...c }) => (void i, c));
}

function countsOf(checks: readonly ReviewCheck[]): RollbackReview['counts'] {
  return {
    passed: checks.filter((c) => c.status === 'pass').length,
    attention: checks.filter((c) => (c.status === 'fail' && !c.blocking) || c.status === 'warn').length,
    blocking: checks.filter((c) => c.blocking).length,
    unknown: checks.filter((c) => c.status === 'skipped').length,
    info: checks.filter((c) => c.status === 'info').length,
  };
}

function imageChange(images: readonly { container: string; from?: string; to?: string }[]): string {
  if (images.length === 0) return '';
  return images.map((i) => `${i.from ? shortImage(i.from) : '∅'} → ${i.to ? shortImage(i.to) : '∅'}`).join(', ');
}

interface Parts {
  type: ReviewSubjectKind;
  pre: PreflightBase;
  subject: string;
  /** "from revision 3 to revision 1", "history 2 → 1"; undefined without a plan. */
  from?: string;
  to?: string;
  nothingToDo?: string;
  images: { container: string; from?: string; to?: string }[];
  diff?: { title: string; unified: string };
  actions: string[];
  reasonGoesTo: string[];
  pauseAutoSync?: boolean;
  /** Said after the images in the headline ("with helm rollback, recorded as revision 4"). */
  how?: string;
}

function assemble(p: Parts): RollbackReview {
  const { pre } = p;
  const checks = reviewChecks(pre);
  const counts = countsOf(checks);
  const where = `in namespace ${pre.ref.namespace} (context ${pre.context.name})`;
  const owner = pre.gitops.find((g) => g.certainty === 'certain');
  const refusal = pre.blocking[0];
  const state: RollbackReview['state'] = refusal ? 'refused' : p.nothingToDo ? 'nothing-to-do' : 'ready';
  const images = imageChange(p.images);
  const target = p.to ?? 'the target revision';
  let headline: string;
  if (refusal) headline = `${p.subject} ${where} will not be rolled back to ${target}: ${trimEndOf(refusal.message, `.${WHITESPACE}`)}.`;
  else if (p.nothingToDo) headline = p.nothingToDo;
  else headline = `${p.pauseAutoSync ? `Pause auto-sync of ${p.subject} ${where}, then roll it back` : `Roll back ${p.subject} ${where}`} from ${p.from ?? 'now'} to ${target}${p.how ? ` ${p.how}` : ''}${images ? `: ${images}` : ''}.`;
  const label = p.pauseAutoSync ? 'Pause Auto-Sync, Then Roll Back' : owner ? 'Roll Back in the Cluster Anyway' : 'Roll Back';
  return {
    subject: { type: p.type, kind: pre.ref.kind, namespace: pre.ref.namespace, name: pre.ref.name, text: p.subject },
    context: { name: pre.context.name, server: pre.server, production: pre.production.production, ...(pre.production.pattern ? { pattern: pre.production.pattern } : {}) },
    headline,
    counts,
    summary: summaryText(counts),
    checks,
    state,
    ...(refusal ? { refusal: { kind: refusal.kind, message: refusal.message, hint: refusal.hint, fixes: fixesFor(refusal as ClusterError & { fix?: ReviewFix }) } } : {}),
    proceed: {
      label,
      ...(pre.production.production ? { typeContext: pre.context.name } : {}),
      ...(owner ? { gitops: `${describeOwner(owner)} (${owner.evidence})` } : {}),
      ...(p.pauseAutoSync ? { pauseAutoSync: true } : {}),
    },
    ...(p.from ? { from: p.from } : {}),
    ...(p.to ? { to: p.to } : {}),
    images: p.images,
    ...(p.diff && p.diff.unified ? { diff: p.diff } : {}),
    actions: p.actions,
    reasonGoesTo: p.reasonGoesTo,
  };
}

/** The review of a Deployment, StatefulSet, DaemonSet or Argo Rollout rollback; its diff has secret-looking env values masked (or is `unified`, given masked). */
export function workloadReview(pre: Preflight, unified?: string): RollbackReview {
  const ref = pre.request.ref;
  const plan = pre.plan;
  return assemble({
    type: 'workload',
    pre: { ...pre, ref },
    subject: refText(ref),
    ...(plan ? { from: `revision ${plan.fromRevision ?? '?'}`, to: `revision ${plan.toRevision}` } : pre.request.toRevision ? { to: `revision ${pre.request.toRevision}` } : {}),
    ...(plan?.action === 'skip' ? { nothingToDo: `${refText(ref)} in namespace ${ref.namespace} (context ${pre.context.name}) already runs revision ${plan.toRevision}: nothing to roll back.` } : {}),
    images: pre.diff?.images ?? [],
    ...(pre.diff && !pre.diff.equal ? { diff: { title: `Pod template: revision ${plan?.fromRevision ?? '?'} (now) → revision ${plan?.toRevision ?? '?'}`, unified: unified ?? maskedUnified(pre) } } : {}),
    actions: plan?.patch ? [`${plan.patch.type === 'json' ? 'JSON' : 'strategic merge'} patch of ${refText(ref)}: the pod template of revision ${plan.toRevision}, as kubectl ${ref.kind === 'Rollout' ? 'argo rollouts undo' : 'rollout undo'} sends it, guarded by resourceVersion ${plan.resourceVersion}`] : [],
    reasonGoesTo: ['the evidence record', `the kubernetes.io/change-cause annotation of ${refText(ref)}, as kubectl records it`],
  });
}

/** The review of a Helm release rollback (`helm rollback`). */
export function helmReview(pre: HelmPreflight, timeoutSeconds?: number): RollbackReview {
  const plan = pre.plan;
  return assemble({
    type: 'helm',
    pre,
    subject: `Helm release ${pre.ref.name}`,
    ...(plan ? { from: `revision ${plan.fromRevision}`, to: `revision ${plan.toRevision}`, how: `with helm rollback (recorded as revision ${plan.newRevision})` } : pre.request.toRevision ? { to: `revision ${pre.request.toRevision}` } : {}),
    images: pre.diff?.images ?? [],
    ...(pre.diff && !pre.diff.equal ? { diff: { title: `Manifest and values: revision ${plan?.fromRevision ?? '?'} (now) → revision ${plan?.toRevision ?? '?'}`, unified: pre.diff.unified } } : {}),
    actions: pre.argv && plan ? [`helm ${helmRollbackArgs(plan, pre.context.name, { wait: true, timeoutSeconds: timeoutSeconds ?? 300 }).join(' ')}`] : [],
    reasonGoesTo: ['the evidence record (helm records its own description, "Rollback to N")'],
  });
}

/** The review of an Argo CD Application rollback (operation.sync from a history entry). */
export function applicationReview(pre: ApplicationPreflight): RollbackReview {
  const plan = pre.plan;
  const rev = (e: Parameters<typeof entryRevisionText>[0]) => {
    const text = entryRevisionText(e);
    return text ? text.split(', ').map((r) => (/^[0-9a-f]{40}$/.test(r) ? r.slice(0, 7) : r)).join(', ') : '?';
  };
  const live = pre.history.entries.find((e) => e.live);
  return assemble({
    type: 'application',
    pre,
    subject: `Argo CD Application ${pre.ref.name}`,
    ...(plan ? { from: `history ${plan.fromId ?? '?'}${live ? ` (${rev(live)})` : ''}`, to: `history ${plan.toId} (${rev(plan.to)})` } : pre.request.id !== undefined ? { to: `history ${pre.request.id}` } : {}),
    images: [],
    ...(pre.diff?.unified ? { diff: { title: 'Application sources: deployed now → target', unified: pre.diff.unified } } : {}),
    actions: [
      ...(pre.autoSync && pre.pausePatch ? [`merge patch pausing auto-sync: ${JSON.stringify(pre.pausePatch)}`] : []),
      ...(plan ? [`merge patch setting operation.sync to history ${plan.toId}, guarded by resourceVersion ${plan.resourceVersion}; the Argo CD controller runs the sync`] : []),
    ],
    reasonGoesTo: ['the evidence record', "the operation's info (Reason), which Argo CD shows with the sync"],
    ...(pre.autoSync ? { pauseAutoSync: true } : {}),
  });
}

/**
 * The review of a rollback held under GitOps (holdFlow.ts): the workload's
 * review with the flow's checks — the loops that would re-apply it instead of
 * the GitOps refusal — and a headline that says what is paused first and how
 * long it is held.
 */
export function holdReview(pre: HoldPreflight, unified?: string): RollbackReview {
  const base = workloadReview({ ...pre.rollback, checks: pre.checks, blocking: pre.blocking, gitops: [] }, unified);
  const pausing = pre.loops.filter((l) => !l.error && !l.paused).map((l) => loopText(l.ref));
  const window = pre.window % 60 === 0 ? `${pre.window / 60} min` : `${pre.window} s`;
  const images = imageChange(base.images);
  const ref = pre.rollback.request.ref;
  const where = `in namespace ${ref.namespace} (context ${pre.rollback.context.name})`;
  const headline =
    base.state === 'ready'
      ? `${pausing.length ? `Pause ${pausing.join(', ')}, roll` : 'Roll'} ${refText(ref)} ${where} back from ${base.from ?? 'now'} to ${base.to ?? 'the target revision'}${images ? ` (${images})` : ''}, and hold it for ${window} of healthy running.`
      : base.headline;
  return {
    ...base,
    headline,
    proceed: { ...base.proceed, label: pausing.length ? 'Pause, Roll Back and Hold' : 'Roll Back and Hold' },
    actions: [...pre.loops.filter((l) => !l.error && !l.paused).map((l) => `merge patch pausing ${loopText(l.ref)} (${l.ref.kind === 'Application' ? 'spec.syncPolicy.automated removed' : 'spec.suspend: true'}), recording what to put back, guarded by its resourceVersion`), ...base.actions, `the hold record on ${refText(ref)}: verified after ${window}; resume puts back exactly what was paused`],
    hold: { pausing, window: pre.window },
  };
}

/** The review as the terminal shows it: the sentence, the count, then every check (failures first) with its evidence and, for a failure, its hint. */
export function reviewText(review: RollbackReview, idWidth = 10): string {
  const ICON: Record<CheckStatus, string> = { pass: '✔', warn: '!', fail: '✖', info: 'i', skipped: '-' };
  const lines = [review.headline, review.summary];
  for (const c of review.checks) {
    lines.push(`  ${ICON[c.status]} ${c.id.padEnd(idWidth)} ${c.title}${c.blocking ? ' (blocks the rollback)' : ''}`);
    for (const e of c.evidence) lines.push(`  ${' '.repeat(idWidth + 3)}${e}`);
    if (c.status === 'fail' && c.error?.hint) lines.push(`  ${' '.repeat(idWidth + 3)}hint: ${c.error.hint}`);
  }
  return `${lines.join('\n')}\n`;
}
