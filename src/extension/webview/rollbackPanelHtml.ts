/**
 * The rollback panel as HTML for a webview — one page for every rollback
 * (workloads and Argo Rollouts, Helm releases, Argo CD Applications), drawn
 * from the cluster layer's review model: the sentence saying what will
 * happen, the count of checks, the checks (failures first) each expandable
 * to its evidence, the diff, the reason field, the context name typed back
 * for production, and the buttons. Pure: the caller passes the webview's CSP
 * source, a nonce and the URIs of media/rollback-panel.{css,js}, and text
 * that is already redacted.
 *
 * Accessibility: native controls only (details/summary, label + input,
 * button), the sentence is the focused heading, the count and the progress
 * are live regions, and every status is said in words, not only by colour
 * or icon. Roll Back is never the default: it is not focused, Enter in a
 * field does not press it, and it is disabled while a check blocks or the
 * context name is not typed back.
 */
import type { CheckStatus, ReviewCheck, ReviewFix, RollbackReview } from '../../cluster';
import { codeSpans as inline, escapeHtml, webviewHtml } from './page';

export interface PanelPage {
  cspSource: string;
  nonce: string;
  stylesheet: string;
  script: string;
}

/** What the panel shows: checking, the review (with what was typed so far), the rollback running, or its outcome. */
export type PanelState =
  | { kind: 'checking'; title: string }
  | { kind: 'error'; title: string; message: string; hint?: string; fixes: ReviewFix[] }
  | { kind: 'review'; review: RollbackReview; reason?: string; stale?: string }
  | { kind: 'running'; review: RollbackReview; reason: string; progress: string[] }
  | { kind: 'done'; review: RollbackReview; ok: boolean; message: string; hint?: string; evidence?: string; actions: PanelAction[]; progress: string[] };

/** A button after the rollback: open the evidence, make the manifest match, check again. */
export interface PanelAction {
  id: 'open-evidence' | 'align-manifest' | 'check-again' | 'close';
  label: string;
}

const STATUS_WORD: Record<CheckStatus, string> = { pass: 'Passed', warn: 'Needs attention', fail: 'Failed', info: 'Information', skipped: 'Not checked' };
const STATUS_ICON: Record<CheckStatus, string> = { pass: '✔', warn: '⚠', fail: '✖', info: 'ℹ', skipped: '–' };

function fixButton(fix: ReviewFix): string {
  const data = [`data-fix="${escapeHtml(fix.id)}"`, fix.setting ? `data-setting="${escapeHtml(fix.setting)}"` : '', fix.command ? `data-command="${escapeHtml(fix.command)}"` : ''].filter(Boolean).join(' ');
  return `<button type="button" class="secondary fix" ${data}>${escapeHtml(fix.label)}</button>`;
}

function checkItem(c: ReviewCheck, index: number): string {
  const status = c.blocking ? 'Blocks the rollback' : STATUS_WORD[c.status];
  const cls = c.blocking ? 'blocking' : c.status;
  const open = c.blocking || c.status === 'fail' || c.status === 'warn' ? ' open' : '';
  const hintText = c.status === 'fail' && c.error?.hint ? c.error.hint : undefined;
  // A hint the check also lists as evidence is said once, as what to do.
  const lines = c.evidence.filter((e) => e !== hintText);
  const evidence = lines.length ? `<ul class="evidence">${lines.map((e) => `<li>${inline(e)}</li>`).join('')}</ul>` : hintText ? '' : '<p class="evidence none">No further evidence.</p>';
  const hint = hintText ? `<p class="hint"><span class="label">What to do:</span> ${inline(hintText)}</p>` : '';
  const fixes = c.fixes.length ? `<p class="fixes">${c.fixes.map(fixButton).join(' ')}</p>` : '';
  return `<li class="check ${cls}"><details${open} id="check-${index}"><summary><span class="icon" aria-hidden="true">${STATUS_ICON[c.status]}</span> <span class="sr-only">${escapeHtml(status)}:</span><span class="id">${escapeHtml(c.id)}</span> <span class="title">${inline(c.title)}</span>${c.blocking ? ' <span class="tag">blocks the rollback</span>' : ''}</summary>${evidence}${hint}${fixes}</details></li>`;
}

function diffBlock(review: RollbackReview): string {
  if (!review.diff) return '';
  const lines = review.diff.unified.replace(/\n$/, '').split('\n');
  const body = lines
    .map((l) => {
      const cls = l.startsWith('+++') || l.startsWith('---') ? 'file' : l.startsWith('@@') ? 'hunk' : l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : 'ctx';
      const said = cls === 'add' ? '<span class="sr-only">added: </span>' : cls === 'del' ? '<span class="sr-only">removed: </span>' : '';
      return `<span class="line ${cls}">${said}${escapeHtml(l)}</span>`;
    })
    // Each line is a block of its own: a newline between them would draw an empty line after each.
    .join('');
  return `<section aria-labelledby="diff-heading"><details class="diff" open><summary><h2 id="diff-heading">${escapeHtml(review.diff.title)}</h2></summary><pre tabindex="0" aria-label="${escapeHtml(review.diff.title)}">${body}</pre></details></section>`;
}

function imagesBlock(review: RollbackReview): string {
  if (review.images.length === 0) return '';
  const rows = review.images.map((i) => `<tr><th scope="row">${escapeHtml(i.container)}</th><td><code>${escapeHtml(i.from ?? '∅')}</code></td><td><code>${escapeHtml(i.to ?? '∅')}</code></td></tr>`).join('');
  return `<table class="images"><caption>Images</caption><thead><tr><th scope="col">container</th><th scope="col">now</th><th scope="col">after the rollback</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function form(review: RollbackReview, state: Extract<PanelState, { kind: 'review' | 'running' }>): string {
  const running = state.kind === 'running';
  const disabled = running ? ' disabled' : '';
  const blocked = review.state !== 'ready';
  const why = review.state === 'refused' ? 'A check blocks the rollback.' : review.state === 'nothing-to-do' ? 'Nothing to roll back.' : review.proceed.typeContext ? `Type the context name ${review.proceed.typeContext} to enable Roll Back.` : '';
  const parts: string[] = [];
  parts.push(`<div class="field"><label for="reason">Reason <span class="muted">(incident or ticket id, free text)</span></label><input id="reason" type="text" autocomplete="off" spellcheck="true" maxlength="500" value="${escapeHtml(state.reason ?? '')}" aria-describedby="reason-help"${disabled}><p id="reason-help" class="muted">Recorded in ${escapeHtml(review.reasonGoesTo.join(' and in '))}.</p></div>`);
  if (review.proceed.typeContext && !blocked) {
    const name = review.proceed.typeContext;
    parts.push(
      `<div class="field production"><label for="confirm-context">Production context (matches <code>${escapeHtml(review.context.pattern ?? '')}</code>): type <code>${escapeHtml(name)}</code> to roll back</label><input id="confirm-context" type="text" autocomplete="off" spellcheck="false" data-expected="${escapeHtml(name)}" aria-describedby="confirm-help"${disabled}><p id="confirm-help" class="muted" aria-live="polite"></p></div>`,
    );
  }
  if (review.proceed.gitops && !blocked) parts.push(`<p class="gitops" role="note"><span class="label">GitOps:</span> ${inline(review.proceed.gitops)} manages this; its next sync re-applies what Git holds. Rolling back here is a cluster-side change.</p>`);
  const label = review.state === 'refused' ? 'Roll Back' : review.proceed.label;
  // Disabled while blocked or while the production name is not typed; the script enables it.
  const startDisabled = blocked || running || !!review.proceed.typeContext;
  parts.push(
    `<div class="buttons"><button type="button" id="rollback" class="primary"${startDisabled ? ' disabled' : ''} aria-describedby="rollback-why" data-blocked="${blocked}">${escapeHtml(label)}</button><button type="button" id="cancel" class="secondary"${disabled}>${running ? 'Running…' : 'Cancel'}</button><span id="rollback-why" class="muted">${escapeHtml(why)}</span></div>`,
  );
  return `<section class="confirm" aria-label="Confirm the rollback">${parts.join('')}</section>`;
}

/** The page: the body in <main>, the panel's one script allowed by its nonce. */
function shell(page: PanelPage, title: string, body: string): string {
  return webviewHtml({ cspSource: page.cspSource, stylesheet: page.stylesheet, title, script: { nonce: page.nonce, src: page.script } }, `<main>\n${body}\n</main>`);
}

export function renderRollbackPanel(state: PanelState, page: PanelPage): string {
  if (state.kind === 'checking') {
    return shell(page, state.title, `<h1 id="headline" tabindex="-1">${escapeHtml(state.title)}</h1><p role="status" class="muted busy">Checking: reading the object and its history, RBAC, a server-side dry run, the registry, what the rollback will not undo…</p>`);
  }
  if (state.kind === 'error') {
    return shell(
      page,
      state.title,
      `<h1 id="headline" tabindex="-1">${escapeHtml(state.title)}</h1><section class="refusal" role="alert"><p>${inline(state.message)}</p>${state.hint ? `<p class="hint"><span class="label">What to do:</span> ${inline(state.hint)}</p>` : ''}<p class="fixes">${[...state.fixes, { id: 'check-again' as const, label: 'Check Again' }].filter((f, i, all) => all.findIndex((x) => x.id === f.id) === i).map(fixButton).join(' ')}</p></section>`,
    );
  }
  const review = state.review;
  const parts: string[] = [];
  const headline = state.kind === 'done' ? state.message : review.headline;
  parts.push(`<header><h1 id="headline" tabindex="-1" class="${state.kind === 'done' ? (state.ok ? 'ok' : 'failed') : review.state}">${inline(headline)}</h1>`);
  parts.push(`<p class="summary" role="status"><span class="counts">${escapeHtml(review.summary)}</span> <span class="muted">· context <code>${escapeHtml(review.context.name)}</code>${review.context.production ? ' <span class="tag production">production</span>' : ''} · ${escapeHtml(review.context.server)}</span></p></header>`);
  if (state.kind === 'review' && state.stale) parts.push(`<p class="stale" role="alert">${inline(state.stale)}</p>`);
  if (state.kind === 'review' && review.refusal) {
    parts.push(
      `<section class="refusal" role="alert" aria-labelledby="refusal-heading"><h2 id="refusal-heading">Refused</h2><p>${inline(review.refusal.message)}</p>${review.refusal.hint ? `<p class="hint"><span class="label">What to do:</span> ${inline(review.refusal.hint)}</p>` : ''}${review.refusal.fixes.length ? `<p class="fixes">${review.refusal.fixes.map(fixButton).join(' ')}</p>` : ''}</section>`,
    );
  }
  if (state.kind === 'done') {
    const actions = state.actions.map((a) => `<button type="button" class="${a.id === 'close' ? 'secondary' : 'primary'} action" data-action="${a.id}">${escapeHtml(a.label)}</button>`).join(' ');
    parts.push(`<section class="outcome ${state.ok ? 'ok' : 'failed'}" role="${state.ok ? 'status' : 'alert'}">${state.hint ? `<p class="hint"><span class="label">What to do:</span> ${inline(state.hint)}</p>` : ''}${state.evidence ? `<p>Evidence: <code>${escapeHtml(state.evidence)}</code></p>` : ''}<p class="buttons">${actions}</p></section>`);
  }
  if (state.kind === 'running' || state.kind === 'done') {
    parts.push(`<section aria-labelledby="progress-heading"><h2 id="progress-heading">Progress</h2><ol id="progress" class="progress" aria-live="polite">${state.progress.map((p) => `<li>${inline(p)}</li>`).join('')}</ol></section>`);
  }
  parts.push(`<section aria-labelledby="checks-heading"><h2 id="checks-heading">Checks <span class="muted">(${escapeHtml(review.summary)})</span></h2><ul class="checks">${review.checks.map(checkItem).join('')}</ul></section>`);
  parts.push(imagesBlock(review));
  if (review.actions.length) parts.push(`<section aria-labelledby="sent-heading"><h2 id="sent-heading">What is sent</h2><ul class="sent">${review.actions.map((a) => `<li>${inline(a)}</li>`).join('')}</ul></section>`);
  parts.push(diffBlock(review));
  // Last in reading order, after everything it confirms; the stylesheet keeps it in view at the bottom.
  if (state.kind === 'review' || state.kind === 'running') parts.push(form(review, state));
  return shell(page, review.headline, parts.join('\n'));
}
