/**
 * The record a rollback leaves behind: who (kubeconfig user, the server's
 * username from SelfSubjectReview, the local OS user), when, context, object,
 * from → to revision, images, reason, every preflight check and the outcome.
 * Written as JSON (for machines) and Markdown (for a ticket or a PR), with
 * every string passed through `redact` and secret-looking env values masked.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { redact, redactObject, redactValue } from '../core/redact';
import { diffTemplates } from './diff';
import type { ClusterError } from './errors';
import type { PreflightBase } from './operations';
import type { Preflight } from './preflight';
import { kindLabel, kindName, refText, type HistoryKind } from './kinds';
import { imagesText, type PodTemplate } from './template';

export const EVIDENCE_FORMAT = 'rollback-guard.evidence/v1';

export type OutcomeStatus = 'rolled-back' | 'patched' | 'skipped' | 'refused' | 'failed' | 'timeout';

export interface EvidenceRecord {
  format: typeof EVIDENCE_FORMAT;
  id: string;
  /** What was done, when not a rollback: "abort", "promote", "suspend", … */
  action?: string;
  tool: { name: 'rollback-guard'; version?: string };
  who: { kubeconfigUser: string; username?: string; groups?: string[]; osUser: string; host: string };
  when: { preflightAt: string; startedAt: string; patchedAt?: string; finishedAt: string };
  context: { name: string; cluster: string; server: string; production: boolean; productionPattern?: string; nameTypedBack: boolean };
  /** apiGroup is set for a Flux object (a Flux HelmRelease, not a Helm release). */
  object: { kind: string; apiGroup?: string; namespace: string; name: string; uid: string; resourceVersionBefore: string; resourceVersionAfter?: string };
  from: { revision?: number; images: string };
  to?: { revision: number; images: string; source: string; changeCause?: string; revisionAfter?: number };
  reason?: string;
  gitops: { owner: string; evidence: string; acknowledged: boolean }[];
  preflight: { id: string; status: string; title: string; evidence: string[] }[];
  diff?: { images: { container: string; from?: string; to?: string }[]; fields: string[]; unified: string };
  patch?: { type: string; body: unknown };
  outcome: { status: OutcomeStatus; message: string; error?: { kind: string; message: string; hint: string }; rollout?: string; patchMs?: number; rolloutMs?: number };
  /** A rollback held under GitOps (action "hold"): every step of the flow, what was paused and put back, the commit, the validation and the durations. */
  flow?: FlowEvidence;
}

export interface FlowEvidence {
  id: string;
  steps: { step: string; at: string; detail: string }[];
  paused: string[];
  resumed: string[];
  skipped?: string[];
  commit?: { sha: string; branch?: string; file?: string };
  validation: { window: number; passedAt?: string; failedAt?: string; failures?: string[] };
  /** decide: opened → confirmed; execute: confirmed → rollout complete; verify: rollout complete → validation passed. */
  durations?: { decideMs?: number; executeMs: number; verifyMs?: number };
  /** The record of the rollback step itself. */
  rollbackEvidence?: string;
}

/**
 * A copy of a template (or patch) safe to write down: every env value that is
 * not a reference masked, secret-looking flags and keys, and the same inside
 * JSON held in strings (the last-applied-configuration annotation repeats the
 * whole manifest). See redactObject.
 */
export function maskTemplateSecrets<T>(value: T): T {
  return redactObject(value);
}

export function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/** The input of `buildEvidence`: the workload preflight, and the attempt as any operation records it. */
export interface EvidenceInput extends Omit<OperationEvidenceInput, 'base' | 'action' | 'object' | 'from' | 'to' | 'diff' | 'patch' | 'finishedAt'> {
  preflight: Preflight;
  finishedAt: string;
  resourceVersionAfter?: string;
  revisionAfter?: number;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
}

/** The evidence record of a workload rollback: an operation's record with the workload's revisions, pod template diff and patch. */
export function buildEvidence(input: EvidenceInput, secrets: readonly string[] = []): EvidenceRecord {
  const { preflight: p, resourceVersionAfter, revisionAfter, ...attempt } = input;
  const plan = p.plan;
  return operationEvidence(
    {
      ...attempt,
      base: { ...p, ref: p.request.ref },
      object: { uid: p.history.uid, resourceVersionBefore: p.history.resourceVersion, ...(resourceVersionAfter ? { resourceVersionAfter } : {}) },
      from: { ...(p.history.liveRevision !== undefined ? { revision: p.history.liveRevision } : {}), images: imagesText(p.history.images) },
      ...(plan
        ? {
            to: {
              revision: plan.toRevision,
              images: imagesText(plan.to.images),
              source: `${plan.to.source.kind}/${plan.to.source.name}`,
              ...(plan.to.changeCause ? { changeCause: plan.to.changeCause } : {}),
              ...(revisionAfter !== undefined ? { revisionAfter } : {}),
            },
          }
        : {}),
      ...(p.diff ? { diff: { images: p.diff.images, fields: p.diff.changes.map((c) => `${c.change} ${c.path}`), unified: maskedUnified(p) } } : {}),
      ...(plan?.patch ? { patch: { type: plan.patch.type, body: plan.patch.body } } : {}),
    },
    secrets,
  );
}

/** The pod-template diff with secret env values masked (the preflight's diff shows them as they are). */
export function maskedUnified(p: Preflight): string {
  if (!p.plan || !p.diff || p.diff.equal) return '';
  // Re-diff masked copies so the record never holds a secret value, even in context lines.
  return diffTemplates(maskTemplateSecrets(p.plan.from.template) as PodTemplate, maskTemplateSecrets(p.plan.to.template) as PodTemplate, {
    from: `${refText(p.request.ref)} now (revision ${p.plan.fromRevision ?? '?'})`,
    to: `${refText(p.request.ref)} revision ${p.plan.toRevision}`,
  }).unified;
}

/** The input of `operationEvidence`: what any operation beyond a workload undo records. */
export interface OperationEvidenceInput {
  base: PreflightBase;
  /** "abort", "promote", "suspend", …; leave out for a rollback. */
  action?: string;
  object: { uid: string; apiGroup?: string; resourceVersionBefore: string; resourceVersionAfter?: string };
  from: EvidenceRecord['from'];
  to?: EvidenceRecord['to'];
  diff?: EvidenceRecord['diff'];
  /** What was sent: a patch body, or the helm argv. */
  patch?: { type: string; body: unknown };
  reason?: string;
  toolVersion?: string;
  startedAt: string;
  patchedAt?: string;
  finishedAt?: string;
  nameTypedBack: boolean;
  gitopsAcknowledged: boolean;
  status: OutcomeStatus;
  message: string;
  error?: ClusterError;
  rollout?: string;
  patchMs?: number;
  rolloutMs?: number;
}

/** The evidence record of a Helm or Argo CD rollback, a Rollout action or a Flux suspend/resume: the same format as a workload undo's. */
export function operationEvidence(input: OperationEvidenceInput, secrets: readonly string[] = []): EvidenceRecord {
  const p = input.base;
  const ref = p.ref;
  const stamp = input.startedAt.replace(/[-:]/g, '').replace('.', '');
  const record: EvidenceRecord = {
    format: EVIDENCE_FORMAT,
    id: `${stamp}-${slug(p.context.name)}-${slug(ref.namespace)}-${input.object.apiGroup ? ref.kind.toLowerCase() : kindName(ref.kind)}-${slug(ref.name)}${input.action ? `-${slug(input.action)}` : ''}`,
    ...(input.action ? { action: input.action } : {}),
    tool: { name: 'rollback-guard', ...(input.toolVersion ? { version: input.toolVersion } : {}) },
    who: {
      kubeconfigUser: p.context.user,
      ...(p.identity ? { username: p.identity.username, groups: p.identity.groups } : {}),
      osUser: localUser(),
      host: hostname(),
    },
    when: { preflightAt: p.at, startedAt: input.startedAt, ...(input.patchedAt ? { patchedAt: input.patchedAt } : {}), finishedAt: input.finishedAt ?? new Date().toISOString() },
    context: {
      name: p.context.name,
      cluster: p.context.cluster,
      server: p.server,
      production: p.production.production,
      ...(p.production.pattern ? { productionPattern: p.production.pattern } : {}),
      nameTypedBack: input.nameTypedBack,
    },
    object: { kind: ref.kind, namespace: ref.namespace, name: ref.name, ...input.object },
    from: input.from,
    ...(input.to ? { to: input.to } : {}),
    ...(input.reason ? { reason: input.reason } : {}),
    gitops: p.gitops.map((g) => ({ owner: `${g.controller} ${g.namespace ? `${g.namespace}/` : ''}${g.name}`, evidence: g.evidence, acknowledged: input.gitopsAcknowledged })),
    preflight: p.checks.map((c) => ({ id: c.id, status: c.status, title: c.title, evidence: c.evidence })),
    ...(input.diff ? { diff: input.diff } : {}),
    ...(input.patch ? { patch: { type: input.patch.type, body: maskTemplateSecrets(input.patch.body) } } : {}),
    outcome: {
      status: input.status,
      message: input.message,
      ...(input.error ? { error: { kind: input.error.kind, message: input.error.message, hint: input.error.hint } } : {}),
      ...(input.rollout ? { rollout: input.rollout } : {}),
      ...(input.patchMs !== undefined ? { patchMs: input.patchMs } : {}),
      ...(input.rolloutMs !== undefined ? { rolloutMs: input.rolloutMs } : {}),
    },
  };
  return redactValue(record, secrets);
}

const ICON: Record<string, string> = { pass: '✔', warn: '⚠', fail: '✖', info: 'ℹ', skipped: '–' };

export function evidenceMarkdown(r: EvidenceRecord): string {
  const obj = r.object.apiGroup ? `${r.object.kind.toLowerCase()}/${r.object.name}` : refText(r.object);
  const lines = [
    `# ${r.action ? `${r.action[0]!.toUpperCase()}${r.action.slice(1)}` : 'Rollback'} of ${obj} in ${r.object.namespace} (${r.context.name}): ${r.outcome.status}`,
    '',
    `| | |`,
    `| --- | --- |`,
    `| Outcome | **${r.outcome.status}**: ${r.outcome.message.replace(/\|/g, '\\|')} |`,
    `| Object | ${r.object.apiGroup ? `${r.object.kind}.${r.object.apiGroup}` : kindLabel(r.object.kind as HistoryKind)} \`${r.object.namespace}/${r.object.name}\` (uid ${r.object.uid}) |`,
    `| From → to | revision ${r.from.revision ?? '?'} → ${r.to ? `${r.to.revision}${r.to.revisionAfter !== undefined ? ` (now revision ${r.to.revisionAfter})` : ''}` : '—'} |`,
    `| Images | ${r.from.images || '—'} → ${r.to?.images ?? '—'} |`,
    `| Reason | ${r.reason?.replace(/\|/g, '\\|') ?? '—'} |`,
    `| Context | \`${r.context.name}\` (cluster ${r.context.cluster}, ${r.context.server})${r.context.production ? `, production (matches \`${r.context.productionPattern}\`), name typed back: ${r.context.nameTypedBack ? 'yes' : 'no'}` : ''} |`,
    `| Who | kubeconfig user \`${r.who.kubeconfigUser}\`${r.who.username ? `, authenticated as \`${r.who.username}\`` : ''}, OS user \`${r.who.osUser}\` on ${r.who.host} |`,
    `| When | preflight ${r.when.preflightAt}; started ${r.when.startedAt}${r.when.patchedAt ? `; patched ${r.when.patchedAt}` : ''}; finished ${r.when.finishedAt} |`,
    `| resourceVersion | ${r.object.resourceVersionBefore} → ${r.object.resourceVersionAfter ?? '(unchanged)'} |`,
    '',
    '## Preflight',
    '',
    ...r.preflight.flatMap((c) => [`- ${ICON[c.status] ?? ''} **${c.id}**: ${c.title}`, ...c.evidence.map((e) => `  - ${e}`)]),
    '',
  ];
  if (r.gitops.length) lines.push('## GitOps', '', ...r.gitops.map((g) => `- ${g.owner} (${g.evidence})${g.acknowledged ? ' — acknowledged by the operator' : ''}`), '');
  if (r.outcome.error) lines.push('## Error', '', `${r.outcome.error.kind}: ${r.outcome.error.message}`, '', `Hint: ${r.outcome.error.hint}`, '');
  if (r.outcome.rollout) lines.push('## Rollout', '', r.outcome.rollout, '');
  if (r.flow) {
    const d = r.flow.durations;
    const sec = (ms?: number) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
    lines.push('## Flow', '', `Flow ${r.flow.id}: paused ${r.flow.paused.join(', ') || 'nothing'}; resumed ${r.flow.resumed.join(', ') || 'nothing'}${r.flow.skipped?.length ? `; already resumed by hand: ${r.flow.skipped.join(', ')}` : ''}.`, '');
    lines.push('| step | at | |', '| --- | --- | --- |', ...r.flow.steps.map((s) => `| ${s.step} | ${s.at} | ${s.detail.replace(/\|/g, '\\|')} |`), '');
    lines.push(`Validation: window ${r.flow.validation.window} s, ${r.flow.validation.passedAt ? `passed ${r.flow.validation.passedAt}` : r.flow.validation.failedAt ? `failed ${r.flow.validation.failedAt}: ${(r.flow.validation.failures ?? []).join('; ')}` : 'not passed'}.`, '');
    if (r.flow.commit) lines.push(`Commit: ${r.flow.commit.sha}${r.flow.commit.branch ? ` on ${r.flow.commit.branch}` : ''}${r.flow.commit.file ? ` (${r.flow.commit.file})` : ''}.`, '');
    if (d) lines.push('| decide | execute | verify |', '| ---: | ---: | ---: |', `| ${sec(d.decideMs)} | ${sec(d.executeMs)} | ${sec(d.verifyMs)} |`, '');
  }
  if (r.diff?.unified) lines.push(`## ${r.object.kind === 'HelmRelease' ? 'Manifest and values diff' : r.object.kind === 'Application' ? 'Sources' : 'Pod template diff'}`, '', '```diff', r.diff.unified.trimEnd(), '```', '');
  if (r.patch && r.action) lines.push('## Sent', '', '```json', JSON.stringify(r.patch.body, null, 2), '```', '');
  lines.push(`<sub>${r.format} · ${r.id}</sub>`, '');
  return redact(lines.join('\n'));
}

export interface EvidenceFiles {
  json: string;
  markdown: string;
}

/** Writes `<id>.json` and `<id>.md`; never overwrites an earlier record (a suffix is added instead). */
export function writeEvidence(dir: string, record: EvidenceRecord): EvidenceFiles {
  mkdirSync(dir, { recursive: true });
  for (let n = 1; ; n++) {
    const base = n === 1 ? record.id : `${record.id}-${n}`;
    const json = join(dir, `${base}.json`);
    const markdown = join(dir, `${base}.md`);
    try {
      // `wx`: fail if it exists, so two records in the same millisecond both survive.
      writeFileSync(json, redact(`${JSON.stringify(record, null, 2)}\n`), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    writeFileSync(markdown, redact(evidenceMarkdown(record)), { mode: 0o600 });
    return { json, markdown };
  }
}
