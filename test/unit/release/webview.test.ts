import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderReportHtml } from '../../../src/extension/webview/reportHtml';
import { release } from './helpers';

const cm = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "x<script>"}\ndata: {FLOW: "${value}"}\n`;

describe('release report webview HTML', () => {
  it('a strict CSP, no script, no remote resource, everything escaped, links only to allowed commands and docs', async () => {
    const a = await release(
      { 'a.yaml': cm('classic'), 'gone.yaml': 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec: {accessModes: [ReadWriteOnce]}\n' },
      { 'a.yaml': cm('<img src=x onerror=alert(1)>') },
    );
    const html = renderReportHtml(a, { cspSource: 'vscode-resource:', stylesheet: 'vscode-resource:/media/report.css', root: '/repo' });
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src vscode-resource:; img-src vscode-resource:; font-src vscode-resource:;">/);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /\bsrc="https?:/i);
    assert.doesNotMatch(html, /<link[^>]+href="https?:/i);
    assert.match(html, /x&lt;script&gt;/);
    for (const [, href] of html.matchAll(/href="([^"]+)"/g)) {
      assert.match(href!, /^(command:rollbackGuard\.(openReleaseLocation|createRollbackPlan|refreshRelease)\?|https:\/\/github\.com\/rollback-guard\/|vscode-resource:)/, href);
    }
    // The removed claim's file is gone: shown, not linked.
    assert.match(html, /<span class="path">gone\.yaml:2<\/span>/);
    assert.match(html, /<span class="badge">restore-required<\/span>/);
  });

  it('a branch with no change says so', async () => {
    const a = await release({ 'a.yaml': cm('x') }, { 'a.yaml': cm('x') });
    const html = renderReportHtml(a, { cspSource: 'c', stylesheet: 's', root: '/r' });
    assert.match(html, /Nothing to roll back/);
  });
});
