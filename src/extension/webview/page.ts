/**
 * The page every webview of the extension is drawn in: a strict
 * Content-Security-Policy (nothing but the extension's own stylesheet,
 * images and fonts, and at most one script allowed by its nonce), the
 * viewport, the stylesheet and the title. Pure: the caller passes the
 * webview's CSP source and the URIs as the webview sees them.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** `code spans` in a message become <code>; everything else is escaped. */
export function codeSpans(text: string): string {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part)))
    .join('');
}

/** A command link (the webview allows only the commands it lists). */
export function commandHref(command: string, args: unknown[]): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
}

export interface WebviewPage {
  /** `webview.cspSource`. */
  cspSource: string;
  /** URI of the page's stylesheet as the webview sees it. */
  stylesheet: string;
  title: string;
  /** Where images may come from besides the extension (`https:`). */
  imageSources?: string[];
  /** Fonts from the extension are allowed. */
  fonts?: boolean;
  /** The page's one script, run only with this nonce. */
  script?: { nonce: string; src: string };
  /** The class of `<body>`. */
  bodyClass?: string;
}

/** The Content-Security-Policy of a page: nothing is allowed that the page does not name. */
export function contentSecurityPolicy(page: WebviewPage): string {
  const own = page.cspSource;
  const parts = ["default-src 'none'", `style-src ${own}`];
  if (page.script) parts.push(`script-src 'nonce-${page.script.nonce}'`);
  parts.push(`img-src ${[own, ...(page.imageSources ?? [])].join(' ')}`);
  if (page.fonts) parts.push(`font-src ${own}`);
  return `${parts.join('; ')};`;
}

/** A whole HTML document around `body` (already HTML), with the page's policy, stylesheet, title and script. */
export function webviewHtml(page: WebviewPage, body: string): string {
  const script = page.script ? `<script nonce="${escapeHtml(page.script.nonce)}" src="${escapeHtml(page.script.src)}"></script>\n` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(page))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${escapeHtml(page.stylesheet)}">
<title>${escapeHtml(page.title)}</title>
</head>
<body${page.bodyClass ? ` class="${escapeHtml(page.bodyClass)}"` : ''}>
${body}
${script}</body>
</html>
`;
}
