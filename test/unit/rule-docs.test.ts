/**
 * Rule documentation opens one way: the rule's page rendered in a read-only
 * webview. Its links stay inside that page for other rules, go to the
 * repository for the rest of the documentation, and nothing runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRuleDocHtml, ruleDocLink } from '../../src/extension/webview/ruleDocHtml';

describe('rule pages in the editor', () => {
  it('a link to another rule page opens it in the panel; other docs go to the repository; links out stay', () => {
    assert.equal(ruleDocLink('RG001-ignore-without-reason.md'), 'command:rollbackGuard.showRuleDocs?%5B%22RG001%22%5D');
    assert.equal(ruleDocLink('./RG002-unused-ignore.md#fix'), 'command:rollbackGuard.showRuleDocs?%5B%22RG002%22%5D');
    assert.equal(ruleDocLink('../configuration.md#suppression-comments'), 'https://github.com/rollback-guard/rollback-guard/blob/main/docs/configuration.md#suppression-comments');
    assert.equal(ruleDocLink('README.md'), 'https://github.com/rollback-guard/rollback-guard/blob/main/docs/rules/README.md');
    assert.equal(ruleDocLink('https://kubernetes.io/docs/'), 'https://kubernetes.io/docs/');
    assert.equal(ruleDocLink('#bad'), '#bad');
  });

  it('the page has a strict CSP, no script, and every link rewritten', () => {
    const body = '<h1>RG001</h1><p>See <a href="RG002-unused-ignore.md">RG002</a> and <a href="../configuration.md">configuration</a>.</p><script>alert(1)</script>';
    const html = renderRuleDocHtml(body, { cspSource: 'vscode-resource:', stylesheet: 'vscode-resource:/media/report.css', title: 'RG001 ignore-without-reason' });
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src vscode-resource:;/);
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /href="command:rollbackGuard\.showRuleDocs\?%5B%22RG002%22%5D"/);
    assert.match(html, /href="https:\/\/github\.com\/rollback-guard\/rollback-guard\/blob\/main\/docs\/configuration\.md"/);
    assert.match(html, /<title>RG001 ignore-without-reason<\/title>/);
  });
});
