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
      assert.match(href!, /^(command:rollbackGuard\.(openReleaseLocation|createRollbackPlan|refreshRelease|showRuleDocs)\?|https:\/\/github\.com\/rollback-guard\/|vscode-resource:)/, href);
    }
    // The removed claim's file is gone: shown, not linked.
    assert.match(html, /<span class="path">gone\.yaml:2<\/span>/);
    assert.match(html, /<span class="badge">restore-required<\/span>/);
  });

  it('laid out for a side pane: findings as cards with the first sentence shown, the rest folded, digests shortened, rule ids open the rule page', async () => {
    const image = (tag: string, d: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: web\n          image: ghcr.io/acme/web:${tag}@sha256:${d.repeat(64)}\n          readinessProbe: {tcpSocket: {port: 80}}\n`;
    const a = await release(
      { 'web.yaml': image('1.0.0', 'a') },
      { 'web.yaml': image('1.1.0', 'b'), 'db/migrations/000042_rename.up.sql': 'ALTER TABLE orders RENAME COLUMN total TO total_cents;\n', 'db/migrations/000042_rename.down.sql': 'ALTER TABLE orders RENAME COLUMN total_cents TO total;\n' },
    );
    const html = renderReportHtml(a, { cspSource: 'c', stylesheet: 's', root: '/r' });
    assert.doesNotMatch(html, /<table/, 'no table to scroll sideways');
    assert.doesNotMatch(html, /[0-9a-f]{64}/, 'no full digest');
    assert.match(html, /sha256:bbbbbbbb…/);
    assert.match(html, /<h1>Rollback report<\/h1><p class="subtitle"><code>feature<\/code> against <code>main<\/code><\/p>/);
    const cards = [...html.matchAll(/<li class="finding error">.*?<\/li>/g)].map((m) => m[0]).filter((c) => c.includes('>RG301<'));
    assert.equal(cards.length, 2);
    for (const card of cards) assert.match(card, /<a class="rule" href="command:rollbackGuard\.showRuleDocs\?%5B%22RG301%22%5D"/);
    assert.ok(cards.some((c) => c.includes('<p class="what">Rolling back web:1.1.0 alone runs the previous code on the schema of 000042_rename.up.sql.</p><details><summary>Why, and what to do</summary>')), cards.join('\n'));
  });

  it('a branch with no change says so', async () => {
    const a = await release({ 'a.yaml': cm('x') }, { 'a.yaml': cm('x') });
    const html = renderReportHtml(a, { cspSource: 'c', stylesheet: 's', root: '/r' });
    assert.match(html, /Nothing to roll back/);
  });
});
