/**
 * A rule's page as the editor shows it: the Markdown of docs/rules rendered
 * by the editor's Markdown engine, in a read-only webview with no script and
 * the theme's colours. Links to other rule pages open them here; links to the
 * rest of the documentation go to the repository; links out stay links out.
 * Pure: the caller renders the Markdown and passes the webview's CSP source.
 */
import { REPOSITORY_URL } from '../../core/rule';
import { commandHref, escapeHtml, webviewHtml } from './page';

export interface RuleDocPage {
  cspSource: string;
  /** URI of media/report.css as the webview sees it. */
  stylesheet: string;
  /** `RG101 mutable-image-reference`, the page title. */
  title: string;
}

export const SHOW_RULE_DOCS = 'rollbackGuard.showRuleDocs';

/** Where a link of a rule page (relative to docs/rules/) goes from the webview. */
export function ruleDocLink(href: string): string {
  if (/^(https?:|mailto:|#)/i.test(href)) return href;
  const rule = /^(?:\.\/)?(RG\d{3})-[a-z0-9-]+\.md(?:#.*)?$/.exec(href);
  if (rule) return commandHref(SHOW_RULE_DOCS, [rule[1]]);
  // Other documentation: the page in the repository (docs/rules/../x.md → docs/x.md).
  const parts = ['docs', 'rules'];
  for (const seg of href.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return `${REPOSITORY_URL}/blob/main/${parts.join('/')}`;
}

/** The rendered Markdown body (trusted: the extension's own pages) in a page with a strict CSP and links rewritten. */
export function renderRuleDocHtml(body: string, page: RuleDocPage): string {
  const linked = body.replace(/href="([^"]*)"/g, (_, href: string) => `href="${escapeHtml(ruleDocLink(href.replace(/&amp;/g, '&')))}"`);
  return webviewHtml({ ...page, imageSources: ['https:'], fonts: true, bodyClass: 'rule-doc' }, linked.replace(/<script[\s\S]*?<\/script>/gi, ''));
}
