/**
 * The rollback panel's page (src/extension/webview/rollbackPanelHtml.ts),
 * drawn from the cluster layer's review: what it says first, the order of
 * the checks, what can be pressed, and what a screen reader hears.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Preflight, PreflightCheck } from '../../src/cluster';
import { workloadReview } from '../../src/cluster/review';
import { renderRollbackPanel, type PanelPage } from '../../src/extension/webview/rollbackPanelHtml';
import { workloadPreflight } from './preflightFixture';

const PAGE: PanelPage = { cspSource: 'vscode-webview://x', nonce: 'n0nce', stylesheet: 'style.css', script: 'panel.js' };

function preflight(o: { production?: boolean; refuse?: boolean; checks?: PreflightCheck[] } = {}): Preflight {
  const error = { kind: 'forbidden' as const, message: 'user "viewer" may not patch deployments.apps "catalog"', hint: 'Ask for a Role granting "patch".' };
  const checks: PreflightCheck[] = o.checks ?? [
    { id: 'context', status: 'pass', title: 'context "rg-admin"', evidence: ['server https://127.0.0.1:6443'] },
    { id: 'rbac', status: o.refuse ? 'fail' : 'pass', title: o.refuse ? error.message : 'may patch', evidence: [], ...(o.refuse ? { error } : {}) },
    { id: 'schema', status: 'warn', title: '1 migration <b>changed</b>', evidence: ['db/migrations/000003.up.sql'] },
  ];
  return workloadPreflight({
    checks,
    plan: { action: 'patch', fromRevision: 3, toRevision: 1, resourceVersion: '812', from: { template: { spec: { containers: [{ name: 'catalog', image: 'a:1.4.2' }] } }, images: [] }, to: { template: { spec: { containers: [{ name: 'catalog', image: 'a:1.2.0' }] } } }, patch: { type: 'json', contentType: 'application/json-patch+json', body: [] } } as unknown as Preflight['plan'],
    diff: { equal: false, changes: [], images: [{ container: 'catalog', from: 'a:1.4.2', to: 'a:1.2.0' }], unified: '' },
    production: o.production,
    blocking: o.refuse ? [error] : [],
  });
}

const render = (p: Preflight, reason?: string) => renderRollbackPanel({ kind: 'review', review: workloadReview(p), ...(reason ? { reason } : {}) }, PAGE);

describe('the rollback panel page', () => {
  it('opens with the sentence of what will happen as its focusable heading, then the count as a status', () => {
    const html = render(preflight());
    assert.match(html, /<h1 id="headline" tabindex="-1" class="ready">Roll back deployment\/catalog in namespace bookstore \(context rg-admin\) from revision 3 to revision 1: a:1\.4\.2 → a:1\.2\.0\.<\/h1>/);
    assert.match(html, /<p class="summary" role="status"><span class="counts">2 checks passed · 1 needs attention<\/span>/);
    // The check that needs attention first, open; every status said in words.
    assert.ok(html.indexOf('>schema<') < html.indexOf('>context<'));
    assert.match(html, /<details open id="check-0"><summary><span class="icon" aria-hidden="true">⚠<\/span> <span class="sr-only">Needs attention:<\/span>/);
    assert.match(html, /<span class="sr-only">Passed:<\/span><span class="id">context<\/span>/);
    // Text from the cluster is escaped.
    assert.match(html, /1 migration &lt;b&gt;changed&lt;\/b&gt;/);
  });

  it('has a reason field, the diff inline, and a Roll Back button that is neither focused nor a submit button', () => {
    const html = render(preflight(), 'INC-42');
    assert.match(html, /<label for="reason">Reason <span class="muted">\(incident or ticket id, free text\)<\/span><\/label><input id="reason" type="text"[^>]* value="INC-42"/);
    assert.match(html, /Recorded in the evidence record and in the kubernetes\.io\/change-cause annotation/);
    assert.match(html, /<pre tabindex="0" aria-label="Pod template: revision 3 \(now\) → revision 1">/);
    assert.match(html, /<span class="line del"><span class="sr-only">removed: <\/span>-/);
    // Lines are blocks, one after the other: nothing between them that the pre would draw as an empty line.
    const pre = /<pre[^>]*>([\s\S]*?)<\/pre>/.exec(html)![1]!;
    assert.ok(pre.split('</span>').length > 3, pre);
    assert.doesNotMatch(pre, /<\/span>\s+<span class="line/);
    assert.match(html, /<button type="button" id="rollback" class="primary" aria-describedby="rollback-why" data-blocked="false">Roll Back<\/button>/);
    assert.doesNotMatch(html, /autofocus|type="submit"|<form/);
    // Buttons come after everything they confirm.
    assert.ok(html.indexOf('id="rollback"') > html.indexOf('<pre'));
  });

  it('a refusal: the reason and the buttons that fix it, and Roll Back disabled', () => {
    const html = render(preflight({ refuse: true }));
    assert.match(html, /<section class="refusal" role="alert"[^>]*><h2 id="refusal-heading">Refused<\/h2><p>user &quot;viewer&quot; may not patch/);
    assert.match(html, /What to do:<\/span> Ask for a Role/);
    assert.match(html, /<button type="button" class="secondary fix" data-fix="select-context">Select Kube Context<\/button>/);
    assert.match(html, /<button type="button" id="rollback" class="primary" disabled aria-describedby="rollback-why" data-blocked="true">/);
    assert.match(html, /<span class="tag">blocks the rollback<\/span>/);
    assert.doesNotMatch(html, /id="confirm-context"/);
  });

  it('a failed check whose evidence is its hint says it once, as what to do', () => {
    const error = { kind: 'paused' as const, message: 'deployment/catalog is paused', hint: 'Resume it first (kubectl rollout resume deployment/catalog -n bookstore), then roll back.' };
    const html = renderRollbackPanel({ kind: 'review', review: workloadReview({ ...preflight(), checks: [{ id: 'paused', status: 'fail', title: error.message, evidence: [error.hint], error }], blocking: [error] }) }, PAGE);
    const check = html.slice(html.indexOf('<li class="check blocking">'), html.indexOf('</details></li>', html.indexOf('<li class="check blocking">')));
    assert.equal(check.split('Resume it first').length - 1, 1, check);
    assert.match(check, /What to do:<\/span> Resume it first/);
  });

  it('production: the context name is typed in the panel, and Roll Back starts disabled', () => {
    const html = render(preflight({ production: true }));
    assert.match(html, /<label for="confirm-context">Production context \(matches <code>prod-\*<\/code>\): type <code>prod-eu<\/code> to roll back<\/label><input id="confirm-context" type="text" autocomplete="off" spellcheck="false" data-expected="prod-eu"/);
    assert.match(html, /id="rollback" class="primary" disabled/);
  });

  it('scripts only with the nonce, styles only from the extension', () => {
    const html = render(preflight());
    assert.match(html, /content="default-src &#39;none&#39;; style-src vscode-webview:\/\/x; script-src &#39;nonce-n0nce&#39;; img-src vscode-webview:\/\/x;"/);
    assert.match(html, /<script nonce="n0nce" src="panel\.js"><\/script>/);
  });

  it('after the rollback: the outcome as the heading, its evidence and what to do next', () => {
    const review = workloadReview(preflight());
    const html = renderRollbackPanel({ kind: 'done', review, ok: true, message: 'Rolled back deployment/catalog to revision 1 (now revision 4).', evidence: '.rollback-guard/evidence/x.md', actions: [{ id: 'open-evidence', label: 'Open Evidence' }, { id: 'close', label: 'Close' }], progress: ['patch accepted'] }, PAGE);
    assert.match(html, /<h1 id="headline" tabindex="-1" class="ok">Rolled back deployment\/catalog to revision 1 \(now revision 4\)\.<\/h1>/);
    assert.match(html, /Evidence: <code>\.rollback-guard\/evidence\/x\.md<\/code>/);
    assert.match(html, /data-action="open-evidence">Open Evidence<\/button>/);
    assert.match(html, /<ol id="progress" class="progress" aria-live="polite"><li>patch accepted<\/li><\/ol>/);
    assert.doesNotMatch(html, /id="rollback"/);
  });
});
