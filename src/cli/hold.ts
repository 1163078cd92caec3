/**
 * `rollback-guard hold start|status|resume KIND/NAME`: a rollback GitOps will
 * not undo. `start` (also `undo --hold`) pauses the loops that would re-apply
 * the workload, rolls it back and holds it; `status` shows where the flow
 * stands (and records a verdict once the window passed or a check failed);
 * `resume` puts back exactly what was paused, once Git matches what runs.
 */
import { resolve } from 'node:path';
import { redact } from '../core/redact';
import { holdGitMatch, holdPreflight, holdReview, reviewText, holdStatus, holdSummary, loopText, refText, resumeHold, startHold, verdictOf, type ClusterSession, type GitMatch, type HoldStatus, type WorkloadRef } from '../cluster';
import { oneOf, parse, UsageError } from './args';
import { checksJson, confirmWrite, needConfirmation, positiveInt, printDryRun, printError, terminalPrompter, withSession, workloadArg, writeOptions, WRITE_OPTIONS, type ClusterCliIO } from './clusterCommon';
import { HOLD_USAGE } from './clusterUsage';
import { loadConfig } from './config';

const FORMATS = ['text', 'json'] as const;

/** `300`, `300s`, `5m`: seconds. */
export function windowSeconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)(s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--window takes seconds or minutes: 300, 300s or 5m (got "${text}")`);
  const n = Number(m[1]) * (m[2] === 'm' ? 60 : 1);
  if (n < 1) throw new UsageError('--window must be at least 1 second');
  return n;
}

/** "Git matches live", as far as this machine can tell: Argo CD's own comparison, or the Flux source revision read in the repository at `repoDir`. */
export async function gitMatchOf(status: HoldStatus, repoDir: string | undefined): Promise<GitMatch | undefined> {
  const { GitRepo, liveMatch } = await import('../git');
  const repo = repoDir ? await GitRepo.open(repoDir) : undefined;
  return holdGitMatch(status, repo ? async (input) => liveMatch(repo, input) : undefined);
}

function statusJson(s: HoldStatus, git: GitMatch | undefined): Record<string, unknown> {
  return {
    object: s.ref,
    held: !!s.hold,
    hold: s.hold ?? null,
    summary: s.hold && s.verdict ? holdSummary(s.hold, s.verdict, git) : null,
    verdict: s.verdict ?? null,
    recorded: s.recorded ?? null,
    health: s.observation ?? null,
    git: git ?? null,
    loops: s.loops.map((l) => ({ ...l.ref, paused: l.paused, pausedBy: l.pausedBy?.flow ?? null, detail: l.detail, ...(l.error ? { error: { kind: l.error.kind, message: l.error.message } } : {}) })),
  };
}

function statusText(s: HoldStatus, git: GitMatch | undefined): string {
  const lines: string[] = [];
  const what = `${refText(s.ref)} in ${s.ref.namespace}`;
  if (!s.hold) {
    if (s.pausedFor.length) {
      lines.push(`${what}: not held, but ${s.pausedFor.map((l) => loopText(l.ref)).join(', ')} ${s.pausedFor.length === 1 ? 'is' : 'are'} paused for it by Rollback Guard (flow ${s.pausedFor[0]!.pausedBy!.flow}, since ${s.pausedFor[0]!.pausedBy!.since}): the flow stopped before the rollback was recorded.`);
      lines.push(`  Roll back again with \`rollback-guard hold start ${refText(s.ref)} -n ${s.ref.namespace}\` (it continues that flow), or put the loops back with \`rollback-guard hold resume ${refText(s.ref)} -n ${s.ref.namespace} --reapply\`.`);
    } else lines.push(`${what} is not held by Rollback Guard.`);
    return `${lines.join('\n')}\n`;
  }
  const h = s.hold;
  lines.push(`${what}: ${holdSummary(h, s.verdict!, git)}`);
  lines.push(`  rolled back revision ${h.from.revision ?? '?'} (${h.from.images}) → ${h.to.revision ?? '?'} (${h.to.images}) by ${h.by}${h.reason ? `: ${h.reason}` : ''}`);
  for (const l of s.loops) {
    const mine = l.pausedBy?.flow === h.flow;
    lines.push(`  ${mine ? (l.paused ? '⏸' : '!') : l.paused ? '–' : '▶'} ${loopText(l.ref)}: ${mine ? (l.paused ? `paused by this flow since ${l.pausedBy!.since}` : 'resumed outside Rollback Guard while held') : l.paused ? 'paused (not by this flow)' : l.error ? `cannot be read: ${l.error.message}` : 'reconciling'}${l.detail ? ` (${l.detail})` : ''}`);
  }
  for (const r of h.paused) if (!s.loops.some((l) => l.ref.kind === r.kind && l.ref.namespace === r.namespace && l.ref.name === r.name)) lines.push(`  ? ${loopText(r)}: paused by this flow, not found now`);
  const o = s.observation;
  if (o) lines.push(`  health now: ${o.rollout.message}; ${o.pods.ready}/${o.pods.total} pods ready; ${o.restarts.length ? `${o.restarts.length} pod(s) restarted` : 'no restarts'}; ${o.warnings.length ? `${o.warnings.length} Warning event(s)` : 'no Warning events'} since ${h.verify.from}`);
  if (s.verdict?.verdict === 'failed') {
    lines.push('  validation failed:');
    for (const f of s.verdict.failures) lines.push(`    ✖ ${f}`);
    lines.push(`  Roll further back (rollback-guard hold start ${refText(s.ref)} -n ${s.ref.namespace} --to-revision N), or escalate with the evidence; the loops stay paused until you resume.`);
  }
  if (git) lines.push(`  Git: ${git.detail}`);
  if (h.git?.commit) lines.push(`  commit ${h.git.commit.slice(0, 12)}${h.git.branch ? ` on ${h.git.branch}` : ''} makes ${h.git.file ?? 'the manifest'} match`);
  if (s.recorded) lines.push(`  recorded: ${s.recorded}`);
  lines.push(git?.matches === true && s.verdict?.verdict === 'verified' ? `  Ready to resume: rollback-guard hold resume ${refText(s.ref)} -n ${s.ref.namespace}` : `  Resume once Git matches what runs and the window passed: rollback-guard hold resume ${refText(s.ref)} -n ${s.ref.namespace}`);
  return `${lines.join('\n')}\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows the window until verified or failed, recording the verdict; prints a line per change. */
async function followVerification(session: ClusterSession, ref: WorkloadRef, say: (line: string) => void, timeoutMs: number): Promise<HoldStatus | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const s = await holdStatus(session.client, ref, { persist: true });
    if (!s.ok) return undefined;
    const v = s.value.verdict;
    if (!s.value.hold || !v) return s.value;
    const line = holdSummary(s.value.hold, v, undefined).replace(/ · Git matches live: \w+$/, '');
    if (line !== last) say(line);
    last = line;
    if (v.verdict !== 'verifying' || Date.now() > deadline) return s.value;
    await sleep(Math.min(5000, Math.max(500, (s.value.hold.window * 1000) / 20)));
  }
}

export async function hold(argv: string[], io: ClusterCliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...WRITE_OPTIONS,
    'to-revision': { type: 'string' },
    window: { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    repo: { type: 'string' },
    reapply: { type: 'boolean' },
  });
  if (values.help) {
    io.out(`${HOLD_USAGE}\n`);
    return 0;
  }
  const format = oneOf('format', values.format, FORMATS, 'text');
  const [verb, target, ...extra] = positionals;
  if (verb !== 'start' && verb !== 'status' && verb !== 'resume') throw new UsageError(`name the step: start, status or resume (got ${verb ? `"${verb}"` : 'none'})`);
  if (!target || extra.length) throw new UsageError('name exactly one workload as KIND/NAME (e.g. deployment/web)');
  const window = windowSeconds(values.window);
  const toRevision = positiveInt('to-revision', values['to-revision']) ?? 0;
  const timeoutSeconds = positiveInt('timeout', values.timeout) ?? 300;
  const { config } = loadConfig(io.cwd, values.config);
  const prompter = io.prompter ?? terminalPrompter();
  const repoDir = resolve(io.cwd, values.repo ?? '.');
  if (verb !== 'status') needConfirmation(prompter, values, verb === 'start' ? 'roll back' : 'resume');

  return withSession(io, 'hold', values, config.production.contexts, async (session) => {
    const secrets = await session.client.secrets();
    const out = (text: string): void => io.out(redact(text, secrets));
    const say = format === 'text' ? (m: string): void => io.err(redact(`${m}\n`, secrets)) : (): void => {};
    const ref = workloadArg(target, values.namespace ?? session.namespace);

    if (verb === 'status') {
      const s = values.wait ? await followVerification(session, ref, say, timeoutSeconds * 1000) : undefined;
      const st = s ? ({ ok: true, value: s } as const) : await holdStatus(session.client, ref, { persist: true });
      if (!st.ok) return printError(io, 'hold', st.error, secrets);
      const git = await gitMatchOf(st.value, repoDir);
      out(format === 'json' ? `${JSON.stringify(statusJson(st.value, git), null, 2)}\n` : statusText(st.value, git));
      return 0;
    }

    if (verb === 'start') {
      const openedAt = new Date().toISOString();
      const pre = await holdPreflight(session.client, { ref, toRevision }, { productionContexts: config.production.contexts, ...(window ? { window } : {}) });
      if (!pre.ok) return printError(io, 'hold', pre.error, secrets);
      const p = pre.value;
      const json = () => ({ object: ref, context: p.rollback.context.name, fromRevision: p.rollback.plan?.fromRevision ?? null, toRevision: p.rollback.plan?.toRevision ?? null, loops: p.loops.map((l) => ({ ...l.ref, paused: l.paused, detail: l.detail })), window: p.window, checks: checksJson(p.checks) });
      if (format === 'text') out(reviewText(holdReview(p)));
      const refusal = p.blocking[0];
      if (values['dry-run']) return printDryRun(out, format, refusal, json, 'the held rollback');
      if (refusal) return printError(io, 'hold', refusal, secrets);
      const plan = p.rollback.plan;
      const pausing = p.loops.filter((l) => !l.error && !l.paused);
      const answer = await confirmWrite(io, prompter, values, p.rollback.production.production, p.rollback.context.name, `${pausing.length ? `Pause ${pausing.map((l) => loopText(l.ref)).join(', ')}, then roll` : 'Roll'} ${refText(ref)} in ${ref.namespace} back from revision ${plan?.fromRevision ?? '?'} to ${plan?.toRevision ?? '?'} and hold it?`, `roll back ${refText(ref)} and hold it`, 'Not rolled back.');
      if (!answer) return 1;
      const result = await startHold(session.client, p, { ...writeOptions(io, values, answer.confirmContext), openedAt, confirmedAt: new Date().toISOString(), timeoutMs: timeoutSeconds * 1000, ...(window ? { window } : {}), onProgress: (pr) => say(pr.message) });
      if (!result.ok) {
        if (format === 'json') out(`${JSON.stringify({ ok: false, status: 'failed', error: { kind: result.error.kind, message: result.error.message, hint: result.error.hint }, paused: result.error.paused ?? [], restored: result.error.restored ?? [] }, null, 2)}\n`);
        else printError(io, 'hold', result.error, secrets);
        return 1;
      }
      const v = result.value;
      let verified: HoldStatus | undefined;
      if (values.wait) verified = await followVerification(session, ref, say, (v.hold.window + timeoutSeconds) * 1000);
      if (format === 'json') {
        out(`${JSON.stringify({ ok: true, status: 'held', message: v.message, hold: verified?.hold ?? v.hold, paused: v.paused, verdict: verified?.verdict ?? null, evidence: v.rollback.files ?? null }, null, 2)}\n`);
      } else {
        out(`${v.message}\n${v.rollback.files ? `evidence: ${v.rollback.files.markdown}\n` : ''}`);
        const h = verified?.hold ?? v.hold;
        out(`${holdSummary(h, verified?.verdict ?? verdictOf(h, undefined, new Date()), undefined).replace(/ · Git matches live: \w+$/, '')}\n`);
        out(`Next: make Git name ${v.hold.to.images} (commit it where ${v.paused.map(loopText).join(', ') || 'your GitOps tool'} reads), then \`rollback-guard hold resume ${refText(ref)} -n ${ref.namespace}\`.\n`);
      }
      return verified?.verdict?.verdict === 'failed' ? 1 : 0;
    }

    // resume
    const st = await holdStatus(session.client, ref, { persist: true });
    if (!st.ok) return printError(io, 'hold', st.error, secrets);
    const git = await gitMatchOf(st.value, repoDir);
    if (format === 'text') out(statusText(st.value, git));
    let confirmed: string | undefined;
    const notVerified = st.value.hold && st.value.verdict?.verdict !== 'verified';
    if (git?.matches !== true || notVerified) {
      const why = [git?.matches !== true ? `Git does not match what runs (${git?.detail ?? 'no GitOps source found'}): resuming lets ${st.value.pausedFor.map((l) => loopText(l.ref)).join(', ') || 'the loops'} re-apply what Git says` : '', notVerified ? `the rollback is not verified (${st.value.verdict?.verdict})` : ''].filter(Boolean).join('; ');
      if (!values.reapply && (values.yes || !prompter.interactive)) {
        return printError(io, 'hold', { kind: 'needs-confirmation', message: why, hint: 'Make Git match first, or pass --reapply to resume anyway.' }, secrets);
      }
      if (!values.reapply) {
        const a = (await prompter.ask(`\n${why}.\nResume anyway? Type "reapply" to confirm: `))?.trim();
        if (a !== 'reapply') {
          io.err('Not resumed; the loops stay paused.\n');
          return 1;
        }
      }
      confirmed = why;
    } else {
      const a = await confirmWrite(io, prompter, values, session.production.production, session.context.name, `Resume ${st.value.pausedFor.map((l) => loopText(l.ref)).join(', ') || 'the loops'} and end the hold on ${refText(ref)}?`, `resume the loops of ${refText(ref)}`, 'Not resumed; the loops stay paused.');
      if (!a) return 1;
    }
    const r = await resumeHold(session.client, ref, { ...(git ? { gitMatch: git } : {}), ...(confirmed ? { confirmed } : {}), ...writeOptions(io, values, undefined) });
    if (!r.ok) {
      if (format === 'json') out(`${JSON.stringify({ ok: false, status: 'failed', error: { kind: r.error.kind, message: r.error.message, hint: r.error.hint, ...(r.error.permission ? { permission: r.error.permission } : {}) } }, null, 2)}\n`);
      else printError(io, 'hold', r.error, secrets);
      return 1;
    }
    if (format === 'json') out(`${JSON.stringify({ ok: true, status: 'resumed', message: r.value.message, restored: r.value.restored, skipped: r.value.skipped, durations: r.value.evidence?.flow?.durations ?? null, evidence: r.value.files ?? null, ...(r.value.evidenceError ? { evidenceError: r.value.evidenceError } : {}) }, null, 2)}\n`);
    else {
      out(`${r.value.message}\n`);
      const d = r.value.evidence?.flow?.durations;
      if (d) out(`decide ${d.decideMs !== undefined ? `${(d.decideMs / 1000).toFixed(1)} s` : '—'} · execute ${(d.executeMs / 1000).toFixed(1)} s · verify ${d.verifyMs !== undefined ? `${(d.verifyMs / 1000).toFixed(1)} s` : '—'}\n`);
      if (r.value.files) out(`evidence: ${r.value.files.markdown}\n`);
      if (r.value.evidenceError) io.err(`warning: ${r.value.evidenceError}\n`);
    }
    return 0;
  });
}
