/**
 * The page every webview is drawn in (src/extension/webview/page.ts): its
 * Content-Security-Policy allows only what the page names, everything taken
 * from outside is escaped, and the body is placed as given.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeSpans, commandHref, contentSecurityPolicy, escapeHtml, webviewHtml } from '../../src/extension/webview/page';

const OWN = 'vscode-webview://abc';

describe('the webview page', () => {
  it('allows nothing by default but the extension’s stylesheet and images', () => {
    assert.equal(contentSecurityPolicy({ cspSource: OWN, stylesheet: 's.css', title: 't' }), `default-src 'none'; style-src ${OWN}; img-src ${OWN};`);
  });

  it('adds a script only by its nonce, images from the sources named, fonts only when asked', () => {
    assert.equal(
      contentSecurityPolicy({ cspSource: OWN, stylesheet: 's.css', title: 't', script: { nonce: 'N1', src: 'p.js' }, imageSources: ['https:'], fonts: true }),
      `default-src 'none'; style-src ${OWN}; script-src 'nonce-N1'; img-src ${OWN} https:; font-src ${OWN};`,
    );
  });

  it('a page without a script has no script element and no script source', () => {
    const html = webviewHtml({ cspSource: OWN, stylesheet: 's.css', title: 't' }, '<p>hello</p>');
    assert.doesNotMatch(html, /<script/);
    assert.doesNotMatch(html, /script-src/);
    assert.match(html, /<body>\n<p>hello<\/p>\n<\/body>\n<\/html>\n$/);
  });

  it('the script comes last in the body, with the nonce of the policy', () => {
    const html = webviewHtml({ cspSource: OWN, stylesheet: 's.css', title: 't', script: { nonce: 'ab+/=', src: 'media/p.js' } }, '<main>x</main>');
    assert.match(html, /content="default-src &#39;none&#39;; style-src vscode-webview:\/\/abc; script-src &#39;nonce-ab\+\/=&#39;; img-src vscode-webview:\/\/abc;"/);
    assert.match(html, /<main>x<\/main>\n<script nonce="ab\+\/=" src="media\/p\.js"><\/script>\n<\/body>/);
    assert.equal(html.match(/<script/g)?.length, 1);
  });

  it('escapes the title, the stylesheet, the script and the body class; the body is placed as given', () => {
    const html = webviewHtml({ cspSource: OWN, stylesheet: 'a"><script>.css', title: '</title><script>alert(1)</script>', bodyClass: 'x" onload="y', script: { nonce: 'n"', src: 'p.js"' } }, '<h1>trusted</h1>');
    assert.match(html, /<title>&lt;\/title&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/title>/);
    assert.match(html, /<link rel="stylesheet" href="a&quot;&gt;&lt;script&gt;\.css">/);
    assert.match(html, /<body class="x&quot; onload=&quot;y">/);
    assert.match(html, /<script nonce="n&quot;" src="p\.js&quot;"><\/script>/);
    assert.match(html, /<h1>trusted<\/h1>/);
    assert.match(html, /^<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n/);
    assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  });

  it('code spans become <code>, everything else escaped', () => {
    assert.equal(codeSpans('run `kubectl <x>` & "go"'), 'run <code>kubectl &lt;x&gt;</code> &amp; &quot;go&quot;');
    assert.equal(codeSpans('no spans'), 'no spans');
    assert.equal(escapeHtml(`<a href='x'>&</a>`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('a command link carries its arguments as encoded JSON', () => {
    assert.equal(commandHref('rollbackGuard.showRuleDocs', ['RG001']), 'command:rollbackGuard.showRuleDocs?%5B%22RG001%22%5D');
    assert.equal(commandHref('c', []), 'command:c?%5B%5D');
  });
});
