import * as vscode from 'vscode';
import * as notify from '../notify';
import type { ClusterSession, HoldPreflight, Preflight, WorkloadRef } from '../../cluster';
import { operationConfirmation, refText, type ClusterNode } from './model';
import type { HoldVerdict } from './service';
import type { ActionDeps, Target } from './actions';

/**
 * The editor side of a rollback GitOps will not undo: from a revision of a
 * GitOps-managed workload, pause the loops, roll back and hold; the tree
 * shows the hold under the workload; resume puts back what was paused once
 * Git matches (or after a confirmation naming what Git would re-apply); a
 * failed validation offers to roll further back or to escalate. The cluster
 * layer (holdFlow.ts) does every read and write; this only asks and shows.
 */

function minutes(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

/** The loops a hold preflight will pause, as words. */
function pausing(pre: HoldPreflight): string[] {
  return pre.loops.filter((l) => !l.error && !l.paused).map((l) => `${l.ref.kind === 'Application' ? `Argo CD Application ${l.ref.name}'s auto-sync` : `Flux ${l.ref.kind} ${l.ref.namespace}/${l.ref.name}`}`);
}

/** Whether a rollback is offered as the held flow: a certain GitOps owner, nothing blocking, something to patch. */
export function offersHold(preflight: Preflight): boolean {
  return preflight.gitops.some((g) => g.certainty === 'certain') && preflight.blocking.length === 0 && preflight.plan?.action === 'patch';
}

/**
 * Pause, roll back and hold `target` (a workload and revision), after the
 * flow's own preflight and one confirmation; `clusterOnly` is the plain
 * rollback the confirmation also offers (undone by the next sync).
 */
export async function rollBackAndHold(deps: ActionDeps, session: ClusterSession, target: Target & { revision: number }, openedAt: string, secrets: string[], clusterOnly: () => Promise<void>): Promise<void> {
  const ref = target.ref;
  const cluster = await deps.service.load();
  const window = deps.service.holdWindowSeconds();
  const productionContexts = await deps.service.productionContexts();
  const pre = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rollback Guard: checking the loops that re-apply ${refText(ref)}` }, () =>
    cluster.holdPreflight(session.client, { ref, toRevision: target.revision }, { productionContexts, window }),
  );
  if (!pre.ok) {
    void notify.showErrorMessage(cluster.formatError(pre.error));
    return;
  }
  const p = pre.value;
  const loops = pausing(p);
  const c = operationConfirmation(
    { checks: p.checks, blocking: p.blocking, production: p.rollback.production, context: p.rollback.context },
    {
      question: `${loops.length ? `Pause ${loops.join(', ')}, then roll` : 'Roll'} ${refText(ref)} in namespace "${ref.namespace}" back from revision ${p.rollback.plan?.fromRevision ?? '?'} to ${target.revision}, and hold it for ${minutes(p.window)}?`,
      refused: `Rollback Guard will not roll back ${refText(ref)} in namespace "${ref.namespace}"`,
      ...(p.rollback.diff ? { images: p.rollback.diff.images } : {}),
      extra: ['Resume (from the held workload in the view) puts back exactly what was paused, once Git names what runs.'],
    },
    secrets,
  );
  deps.log.info(`hold preflight of ${refText(ref)} in ${ref.namespace}:\n${c.detail}`);
  if (c.needs === 'refused') {
    void notify.showErrorMessage(c.message, { modal: true, detail: `${c.detail}${c.refusal?.hint ? `\n\n${c.refusal.hint}` : ''}` });
    return;
  }
  const proceed = c.needs === 'typed-context' ? 'Pause and Roll Back…' : 'Pause and Roll Back';
  const only = 'Roll Back in the Cluster Only…';
  const asked = await notify.showWarningMessage(c.message, { modal: true, detail: c.detail }, proceed, only);
  if (asked === only) return clusterOnly();
  if (asked !== proceed) return;
  let confirmContext: string | undefined;
  if (c.needs === 'typed-context') {
    confirmContext = await vscode.window.showInputBox({ title: `Production context: type "${p.rollback.context.name}" to roll back ${refText(ref)}`, placeHolder: p.rollback.context.name, ignoreFocusOut: true, validateInput: (v) => (v.trim() === p.rollback.context.name ? undefined : `Type the context name exactly: ${p.rollback.context.name}`) });
    if (confirmContext === undefined) return;
  }
  const confirmedAt = new Date().toISOString();
  const evidenceDir = deps.service.evidenceDir(target.uri, deps.storage);
  const version = vscode.extensions.getExtension('rollback-guard.rollback-guard')?.packageJSON?.version as string | undefined;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rolling back ${refText(ref)} to revision ${target.revision} and holding it`, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      return await cluster.startHold(session.client, p, {
        ...(confirmContext ? { confirmContext } : {}),
        reason: `rolled back and held from the editor (${vscode.env.appName})`,
        window,
        openedAt,
        confirmedAt,
        timeoutMs: deps.service.rolloutTimeoutMs(),
        evidenceDir,
        ...(version ? { toolVersion: version } : {}),
        signal: abort.signal,
        onProgress: (pr) => {
          deps.log.info(`${refText(ref)}: ${pr.message}`);
          progress.report({ message: pr.message });
        },
      });
    } finally {
      sub.dispose();
    }
  });
  if (!result.ok) {
    deps.log.warn(`held rollback of ${refText(ref)} failed: ${result.error.message}`);
    void notify.showErrorMessage(`${result.error.message}. ${result.error.hint}`);
    deps.service.refresh();
    return;
  }
  const v = result.value;
  deps.log.info(v.message);
  const align = 'Make the Manifest Match…';
  const evidence = v.rollback.files ? 'Open Evidence' : undefined;
  const choice = await notify.showInformationMessage(
    `Rolled back ${refText(ref)} to revision ${target.revision}${v.paused.length ? ` and paused ${v.paused.map((l) => `${l.kind} ${l.name}`).join(', ')}` : ''}: held for ${minutes(v.hold.window)} of healthy running. Make Git match, then resume from the view.`,
    align,
    ...(evidence ? [evidence] : []),
  );
  if (choice === align) await vscode.commands.executeCommand('rollbackGuard.cluster.alignManifest', { ...target, rolledBack: true, ...(v.rollback.files ? { evidence: v.rollback.files.markdown } : {}) });
  if (choice === evidence && v.rollback.files) await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(v.rollback.files.markdown));
}

/** A held workload from a tree node (the hold row or the workload), or picked among the held ones the view shows. */
async function heldTarget(deps: ActionDeps, arg: unknown): Promise<{ context: string; ref: WorkloadRef } | undefined> {
  const node = arg as ClusterNode | { context?: string; ref?: WorkloadRef } | undefined;
  if (node && 'kind' in node && node.kind === 'hold') return { context: node.context, ref: node.ref };
  if (node && 'kind' in node && node.kind === 'workload') return { context: node.context, ref: node.workload.ref };
  if (node && !('kind' in node) && node.context && node.ref) return { context: node.context, ref: node.ref };
  const feed = deps.service.currentFeed();
  const held = feed ? [...feed.workloads.values()].filter((h) => h.hold) : [];
  if (!feed || held.length === 0) {
    void notify.showInformationMessage('No rollback is held by Rollback Guard in the context the view shows.');
    return undefined;
  }
  if (held.length === 1) return { context: feed.context.name, ref: held[0]!.ref };
  const pick = await vscode.window.showQuickPick(
    held.map((h) => ({ label: `${refText(h.ref)}`, description: `${h.ref.namespace} · ${deps.service.holdView(feed.context.name, h.ref)?.text ?? `held since ${h.hold!.since}`}`, ref: h.ref })),
    { title: 'Resume GitOps after which held rollback?' },
  );
  return pick ? { context: feed.context.name, ref: pick.ref } : undefined;
}

/**
 * "Resume GitOps…": puts back exactly what the flow paused. Offered plainly
 * once Git matches what runs and the window passed; otherwise the
 * confirmation says what Git would re-apply and needs its own button.
 */
export async function resumeHeld(deps: ActionDeps, arg?: unknown): Promise<void> {
  const guard = deps.service.guard('Resuming GitOps');
  if (!guard.ok) {
    void notify.showWarningMessage(guard.why);
    return;
  }
  const target = await heldTarget(deps, arg);
  if (!target) return;
  const opened = await deps.service.session(target.context);
  if (!opened.ok) {
    void notify.showErrorMessage(`${opened.error.message} ${opened.error.hint}`);
    return;
  }
  const session = opened.value;
  const cluster = await deps.service.load();
  const ref = target.ref;
  const checked = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rollback Guard: checking the hold on ${refText(ref)}` }, async () => {
    const st = await cluster.holdStatus(session.client, ref, { persist: true });
    if (!st.ok) return st;
    const git = await cluster.holdGitMatch(st.value, await deps.service.gitCompare(ref));
    return { ok: true as const, value: { st: st.value, git } };
  });
  if (!checked.ok) {
    void notify.showErrorMessage(`${checked.error.message} ${checked.error.hint}`);
    return;
  }
  const { st, git } = checked.value;
  if (!st.hold && st.pausedFor.length === 0) {
    void notify.showInformationMessage(`${refText(ref)} in ${ref.namespace} is not held by Rollback Guard: nothing to resume.`);
    return;
  }
  const loops = (st.hold?.paused ?? st.pausedFor.map((l) => l.ref)).map((l) => cluster.loopText(l));
  const verified = !st.hold || st.verdict?.verdict === 'verified';
  const matches = git?.matches === true;
  const detail = [
    `Puts back exactly what was paused: ${loops.join(', ') || 'nothing'}.`,
    `Git matches live: ${git?.matches === true ? 'yes' : git?.matches === false ? 'no' : 'unknown'}${git ? ` — ${git.detail}` : ''}.`,
    st.hold ? `Verification: ${st.verdict?.verdict ?? 'unknown'}${st.verdict?.failures.length ? ` (${st.verdict.failures.join('; ')})` : ''}.` : 'The flow stopped before the rollback was recorded.',
  ].join('\n');
  let confirmed: string | undefined;
  if (matches && verified) {
    const resume = 'Resume';
    if ((await notify.showInformationMessage(`Resume ${loops.join(', ')} and end the hold on ${refText(ref)}?`, { modal: true, detail }, resume)) !== resume) return;
  } else {
    const reapply = 'Resume and Re-apply Git';
    const align = 'Make the Manifest Match…';
    const what = git?.matches === false ? `Git does not name what ${refText(ref)} runs: resuming lets ${loops.join(', ')} re-apply ${git.detail.split(' gives ')[1]?.split(' (')[0] ?? 'what Git says'}.` : git?.matches === undefined ? `Rollback Guard cannot tell whether Git names what ${refText(ref)} runs: resuming re-applies whatever Git says.` : `The rollback of ${refText(ref)} is not verified yet.`;
    const choice = await notify.showWarningMessage(what, { modal: true, detail }, reapply, ...(git?.matches !== true ? [align] : []));
    if (choice === align) {
      await vscode.commands.executeCommand('rollbackGuard.cluster.alignManifest', { context: target.context, ref });
      return;
    }
    if (choice !== reapply) return;
    confirmed = what;
  }
  const evidenceDir = deps.service.evidenceDir(undefined, deps.storage);
  const r = await cluster.resumeHold(session.client, ref, { ...(git ? { gitMatch: git } : {}), ...(confirmed ? { confirmed } : {}), evidenceDir });
  deps.service.refresh();
  if (!r.ok) {
    deps.log.warn(`resume of ${refText(ref)}: ${r.error.message}`);
    void notify.showErrorMessage(`${r.error.message}. ${r.error.hint}`, ...(r.error.kind === 'forbidden' ? ['Select Kube Context'] : [])).then((c) => (c ? vscode.commands.executeCommand('rollbackGuard.cluster.selectContext') : undefined));
    return;
  }
  const d = r.value.evidence?.flow?.durations;
  const sec = (ms?: number) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(0)} s`);
  deps.log.info(`${r.value.message}${d ? ` (decide ${sec(d.decideMs)}, execute ${sec(d.executeMs)}, verify ${sec(d.verifyMs)})` : ''}`);
  const open = r.value.files ? 'Open Evidence' : undefined;
  const choice = await notify.showInformationMessage(`${r.value.message[0]!.toUpperCase()}${r.value.message.slice(1)}.${d ? ` Decide ${sec(d.decideMs)} · execute ${sec(d.executeMs)} · verify ${sec(d.verifyMs)}.` : ''}`, ...(open ? [open] : []));
  if (choice === open && r.value.files) await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(r.value.files.markdown));
}

/** What a recorded verdict shows: a failed validation offers to roll further back or to escalate; a passed one says what is left. */
export async function showHoldVerdict(deps: ActionDeps, v: HoldVerdict): Promise<void> {
  const what = `${refText(v.ref)} in ${v.ref.namespace}`;
  if (v.verdict === 'verified') {
    const resume = 'Resume GitOps…';
    const align = 'Make the Manifest Match…';
    const choice = await notify.showInformationMessage(`The rollback of ${what} is verified. ${v.git?.matches === true ? 'Git matches what runs: resume GitOps.' : 'Make Git name what runs, then resume GitOps.'}`, ...(v.git?.matches === true ? [resume] : [align, resume]));
    if (choice === resume) await resumeHeld(deps, { context: v.context, ref: v.ref });
    if (choice === align) await vscode.commands.executeCommand('rollbackGuard.cluster.alignManifest', { context: v.context, ref: v.ref });
    return;
  }
  const further = 'Roll Further Back…';
  const escalate = 'Escalate…';
  const choice = await notify.showErrorMessage(`The rollback of ${what} failed validation: ${v.failures[0] ?? 'unhealthy'}${v.failures.length > 1 ? ` (+${v.failures.length - 1} more)` : ''}. The GitOps loops stay paused.`, further, escalate);
  if (choice === further) await vscode.commands.executeCommand('rollbackGuard.cluster.rollBackWorkload', { context: v.context, ref: v.ref });
  if (choice === escalate) {
    const text = [`Rollback of ${what} (context ${v.context}) failed validation:`, ...v.failures.map((f) => `- ${f}`), '', 'The GitOps loops stay paused (held by Rollback Guard).'].join('\n');
    await vscode.env.clipboard.writeText(text);
    void notify.showInformationMessage('Copied a summary of the failed validation to the clipboard for the incident channel.');
  }
}

export type { Target };
