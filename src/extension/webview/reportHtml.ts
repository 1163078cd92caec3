/**
 * The release report as HTML for a webview: no script, no remote content,
 * a strict Content-Security-Policy, and colours from the theme's CSS
 * variables (media/report.css). Pure: the caller passes the webview's CSP
 * source and stylesheet URI.
 */
import { CLASS_MEANING, classRank, type Finding, type RollbackClass } from '../../core/model';
import type { ReleaseAnalysis } from '../../core/release/model';
import { shortenDigests, splitFirstSentence } from '../../core/text';
import { codeSpans, commandHref, escapeHtml, webviewHtml } from './page';

export interface ReportPage {
  /** `webview.cspSource`. */
  cspSource: string;
  /** URI of media/report.css as the webview sees it. */
  stylesheet: string;
  /** Repository root, passed back to the open-location command. */
  root: string;
}

/** `code spans` in a message become <code>; everything else is escaped; digests are shortened. */
function inline(text: string): string {
  return codeSpans(shortenDigests(text));
}

function severityClass(cls: RollbackClass | null): string {
  if (!cls) return 'none';
  const rank = classRank(cls);
  return rank >= classRank('forward-only') ? 'bad' : rank >= classRank('manual-repair') ? 'warn' : 'ok';
}

function findingLink(page: ReportPage, f: Finding, deleted: boolean): string {
  const where = `${f.file}:${f.range.start.line + 1}`;
  if (deleted) return `<span class="path">${escapeHtml(where)}</span>`;
  const href = commandHref('rollbackGuard.openReleaseLocation', [page.root, f.file, f.range.start.line, f.range.start.character]);
  return `<a class="path" href="${escapeHtml(href)}">${escapeHtml(where)}</a>`;
}

/** One finding: rule, class and place on a line that wraps, its first sentence, then the rest and the help folded. */
function findingCard(page: ReportPage, f: Finding, deleted: boolean): string {
  const { first, rest } = splitFirstSentence(f.message);
  const rule = `<a class="rule" href="${escapeHtml(commandHref('rollbackGuard.showRuleDocs', [f.ruleId]))}" title="${escapeHtml(`${f.ruleId}: the rule's page`)}">${escapeHtml(f.ruleId)}</a>`;
  const cls = f.rollbackClass ? `<span class="cls ${severityClass(f.rollbackClass)}">${escapeHtml(f.rollbackClass)}</span>` : '';
  const more = rest ? `<details><summary>Why, and what to do</summary><p>${inline(rest)}</p><p class="help">${inline(f.help)}</p></details>` : `<details><summary>What to do</summary><p class="help">${inline(f.help)}</p></details>`;
  return `<li class="finding ${escapeHtml(f.severity)}"><div class="meta"><span class="severity">${escapeHtml(f.severity)}</span> ${rule} ${cls} ${findingLink(page, f, deleted)}</div><p class="what">${inline(first)}</p>${more}</li>`;
}

export function renderReportHtml(a: ReleaseAnalysis, page: ReportPage): string {
  const s = a.summary;
  const body: string[] = [];
  body.push(`<header><h1>Rollback report</h1><p class="subtitle"><code>${escapeHtml(a.head.ref)}</code> against <code>${escapeHtml(a.base.ref)}</code></p>`);
  if (s.rollbackClass === null) {
    body.push(`<p>Nothing to roll back: the branch does not change anything against <code>${escapeHtml(a.base.ref)}</code>.</p></header>`);
  } else {
    body.push(
      `<p class="class ${severityClass(s.rollbackClass)}"><span class="badge">${escapeHtml(s.rollbackClass)}</span> ${escapeHtml(CLASS_MEANING[s.rollbackClass])}</p>`,
      '<dl class="facts">',
      `<dt>Recommended action</dt><dd><strong>${escapeHtml(s.action ?? '—')}</strong></dd>`,
      `<dt>Layers</dt><dd>${escapeHtml(s.layers.join(', ') || '—')}</dd>`,
      `<dt>Axes</dt><dd>${escapeHtml(s.axes.join(', ') || '—')}</dd>`,
      `<dt>Files</dt><dd>${s.files.changed} changed, ${s.files.analysed} analysed${s.files.binary ? `, ${s.files.binary} binary` : ''}</dd>`,
      '</dl></header>',
    );
    body.push('<section><h2>What rolling back takes</h2><ol class="steps">');
    for (const step of s.steps) {
      body.push(`<li><span class="action">${escapeHtml(step.action)}</span>${step.layer ? ` <span class="layer">${escapeHtml(step.layer)}</span>` : ''} ${inline(step.title)}`);
      if (step.detail.length) body.push(`<ul>${step.detail.map((d) => `<li>${inline(d)}</li>`).join('')}</ul>`);
      body.push('</li>');
    }
    body.push('</ol></section>');

    const deleted = new Set(a.files.filter((f) => f.status === 'deleted').map((f) => f.path));
    const findings = a.findings.filter((f) => f.ruleId !== 'RG001' && f.ruleId !== 'RG002');
    if (findings.length) {
      // Cards, not a table: each finding reads top to bottom in a side pane of any width.
      body.push(`<section><h2>Findings (${findings.length})</h2><ul class="findings">`);
      for (const f of findings) body.push(findingCard(page, f, deleted.has(f.file)));
      body.push('</ul></section>');
    }

    body.push('<section><h2>Before production</h2><dl class="questions">');
    for (const q of s.questions) {
      const answer = q.answers.length ? `<ul>${q.answers.map((x) => `<li>${inline(x)}</li>`).join('')}</ul>` : '<em>Not shown by the change — say it in <code>rollback-plan.yaml</code>.</em>';
      body.push(`<dt>${escapeHtml(q.question)}</dt><dd>${answer}${q.source ? `<div class="source">from ${inline(q.source)}</div>` : ''}</dd>`);
    }
    body.push('</dl>');
    const plan = s.plan;
    const planText = plan
      ? plan.changed
        ? `<code>${escapeHtml(plan.path)}</code> declares <code>${escapeHtml(plan.class ?? '(no class)')}</code>.`
        : `<code>${escapeHtml(plan.path)}</code> is not changed by this branch: it describes an earlier release.`
      : 'This branch has no rollback plan.';
    body.push(`<p class="plan">${planText} <a class="button" href="${escapeHtml(commandHref('rollbackGuard.createRollbackPlan', [page.root]))}">Create rollback-plan.yaml from this analysis</a></p></section>`);

    const changes: string[] = [];
    for (const i of s.images) changes.push(`image: ${i.object}: ${i.from ? `\`${i.from}\` → ` : ''}\`${i.to}\``);
    for (const m of s.migrations) changes.push(`migration: \`${m.file}\` — ${m.reason} (\`${m.rollbackClass}\`)`);
    for (const r of s.resources.added) changes.push(`added: ${r}`);
    for (const r of s.resources.removed) changes.push(`removed: ${r}`);
    for (const r of s.resources.changed) changes.push(`changed: ${r}`);
    if (changes.length) body.push(`<section><h2>Changes</h2><ul class="changes">${changes.map((c) => `<li>${inline(c)}</li>`).join('')}</ul></section>`);
  }
  for (const note of [...a.notes, ...a.skipped.map((k) => `skipped ${k.file}: ${k.reason}`)]) body.push(`<p class="note">${inline(note)}</p>`);
  body.push(
    `<footer>Base <code>${escapeHtml(a.base.ref)}</code>${a.base.sha ? ` (${escapeHtml(a.base.sha.slice(0, 7))})` : ''} · head <code>${escapeHtml(a.head.ref)}</code> · <a href="${escapeHtml(commandHref('rollbackGuard.refreshRelease', []))}">Refresh</a></footer>`,
  );
  return webviewHtml({ cspSource: page.cspSource, stylesheet: page.stylesheet, title: 'Release rollback report', fonts: true }, body.join('\n'));
}
