/**
 * What the end-to-end suites share: the packaged extension, a copy of a
 * workspace, a running code-server with Rollback Guard installed, and editor
 * gestures (go to a position, apply a quick fix, answer a quick pick, find the
 * rollback panel) on top of the harness.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { createDemoRepo } from '../../scripts/demo-repo.mjs';
import type { Locator } from 'playwright-core';
import { startCodeServer, type CodeServerHandle } from './harness/codeServer';
import { openWorkbench, type Workbench } from './harness/browser';

export const ROOT = path.join(__dirname, '..', '..');

/** The .vsix `npm test` packaged before this suite (scripts/package.mjs). */
export function packagedVsix(): string {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const vsix = path.join(ROOT, `${name}-${version}.vsix`);
  assert.ok(fs.existsSync(vsix), `${vsix} is missing: run \`npm run package\` (npm test does it before this suite)`);
  return vsix;
}

/** Where a suite keeps screenshots and logs: $ROLLBACK_GUARD_E2E_ARTIFACTS/<suite>, else test-results/e2e/<suite>. */
export function artifactsDir(suite: string): string {
  const dir = path.join(process.env.ROLLBACK_GUARD_E2E_ARTIFACTS ?? path.join(ROOT, 'test-results', 'e2e'), suite);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function copyDirectory(from: string, prefix: string): string {
  const to = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.cpSync(from, to, { recursive: true, filter: (src) => !src.includes(`${path.sep}.demo`) });
  return to;
}

export interface Session {
  server: CodeServerHandle;
  workbench: Workbench;
  artifacts: string;
  stop(failed: boolean): Promise<void>;
}

/** Starts code-server with the packaged extension on `workspace` and opens it in Chromium. */
export async function openSession(suite: string, workspace: string, options: { settings?: Record<string, unknown>; env?: Record<string, string>; trusted?: boolean } = {}): Promise<Session> {
  const artifacts = artifactsDir(suite);
  const server = await startCodeServer({
    workspace,
    vsix: packagedVsix(),
    workspaceTrust: options.trusted === false,
    settings: { 'workbench.startupEditor': 'none', 'git.openRepositoryInParentFolders': 'never', ...options.settings },
    env: options.env,
  });
  let workbench: Workbench;
  try {
    workbench = await openWorkbench(server.workbenchUrl, { screenshotsDir: artifacts, answerTrustDialog: options.trusted === false ? false : undefined });
  } catch (error) {
    fs.writeFileSync(path.join(artifacts, 'extension-host.log'), server.extensionHostLogs());
    await server.stop();
    throw error;
  }
  return {
    server,
    workbench,
    artifacts,
    async stop(failed) {
      // Keep the evidence of a failure where the CI output says.
      fs.writeFileSync(path.join(artifacts, 'extension-host.log'), server.extensionHostLogs());
      if (failed) {
        await workbench.screenshot('failure').catch(() => undefined);
        console.error(`e2e artifacts (screenshots, extension host log): ${artifacts}`);
      }
      await workbench.close();
      await server.stop();
    },
  };
}

/**
 * Registers a test file's `before` and `after`: a fresh copy of the demo
 * repository (on its risky branch) in a temporary directory and an editor on
 * it, handed to `started`; the editor stops after the last test, keeping a
 * screenshot and its log when a step failed. Returns `step`, which runs a
 * test's body and records its failure.
 */
export function demoRepoSession(suite: string, started: (session: Session, repo: string) => void, options: Parameters<typeof openSession>[2] = {}): { step(fn: () => Promise<void>): Promise<void> } {
  let session: Session | undefined;
  let failed = false;
  before(async () => {
    const repo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), `rg-e2e-${suite}-`)), 'bookstore');
    createDemoRepo({ target: repo, log: () => undefined });
    session = await openSession(suite, repo, options);
    started(session, repo);
  });
  after(async () => {
    await session?.stop(failed);
  });
  return {
    async step(fn) {
      try {
        await fn();
      } catch (error) {
        failed = true;
        throw error;
      }
    },
  };
}

/**
 * `step(name, fn)` runs a test's body; when it throws, the suite is marked
 * failed (`failed()`, for `session.stop`) and the window is saved as
 * `failure-<name>.png` before the error goes on.
 */
export function failureSteps(current: () => Session | undefined): { step(name: string, fn: () => Promise<void>): Promise<void>; failed(): boolean } {
  let failed = false;
  return {
    async step(name, fn) {
      try {
        await fn();
      } catch (error) {
        failed = true;
        await current()?.workbench.screenshot(`failure-${name.replace(/\W+/g, '-')}`).catch(() => undefined);
        throw error;
      }
    },
    failed: () => failed,
  };
}

/**
 * A screenshot of the current step in the suite's artifacts; with
 * ROLLBACK_GUARD_SCREENSHOTS=docs it is also copied to docs/screenshots/<docName>
 * (how the README's pictures are refreshed: `ROLLBACK_GUARD_SCREENSHOTS=docs npm test -- e2e`).
 */
export async function capture(session: Session, name: string, docName?: string): Promise<string> {
  const file = await session.workbench.screenshot(name);
  if (docName && process.env.ROLLBACK_GUARD_SCREENSHOTS === 'docs') {
    const dir = path.join(ROOT, 'docs', 'screenshots');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(file, path.join(dir, docName));
  }
  return file;
}

/**
 * Chooses `item` from the context menu of `row` (a tree or list row). A menu
 * of the workbench ignores clicks for its first 100 ms (so the release of
 * the right button that opened it chooses nothing): a click made as soon as
 * the item shows can be ignored, which leaves the menu open with nothing
 * run. Such a click is made again; a menu that closed before the click is
 * opened again. Returns once a click closed the menu (the command runs).
 */
export async function chooseFromContextMenu(workbench: Workbench, row: Locator, item: string): Promise<void> {
  const { page } = workbench;
  const entry = page.locator('.monaco-menu .action-item').filter({ hasText: item }).first();
  for (let attempt = 1; attempt <= 4; attempt++) {
    if (!(await entry.isVisible())) {
      // No hover left over the row by the last pointer position.
      await page.mouse.move(0, 0);
      await page.keyboard.press('Escape');
      await page.locator('.context-view, .monaco-hover').filter({ hasText: /\S/ }).first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
      await row.first().click({ button: 'right' });
      if (!(await entry.waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false))) continue;
    }
    const clicked = await entry.click({ timeout: 5_000 }).then(() => true, () => false);
    if (clicked && (await entry.waitFor({ state: 'hidden', timeout: 5_000 }).then(() => true, () => false))) return;
    if (clicked) console.error(`[e2e] the context menu ignored the click on "${item}" (made as it was drawn): clicking again`);
  }
  throw new Error(`"${item}" from the context menu never ran: the menu ${(await entry.isVisible()) ? 'stayed open' : 'did not show it'}`);
}

/** Moves the cursor to a 1-based line and column with Go to Line (`:line:col` in quick open). */
export async function goTo(workbench: Workbench, line: number, column: number): Promise<void> {
  const { page } = workbench;
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** Opens the quick fix menu at the cursor and applies the action whose title matches. */
export async function applyQuickFix(workbench: Workbench, title: string | RegExp): Promise<void> {
  const { page } = workbench;
  const item = page.locator('.action-widget .monaco-list-row.action').filter({ hasText: title });
  for (let attempt = 0; attempt < 10; attempt++) {
    await page.keyboard.press('Control+.');
    try {
      await item.first().waitFor({ state: 'visible', timeout: 3000 });
      await item.first().click();
      return;
    } catch {
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
  }
  const offered = await page.locator('.action-widget').innerText().catch(() => '(menu not shown)');
  throw new Error(`quick fix ${String(title)} not offered; menu: ${offered}`);
}

/**
 * The Problems panel's rows as shown: message, source and code (`Rollback
 * Guard(RG103)`), position. The harness' aria labels omit the code.
 */
export async function problemRows(workbench: Workbench): Promise<string[]> {
  await workbench.problems();
  return workbench.page
    .locator('.markers-panel .monaco-list-row')
    .evaluateAll((els) => els.map((e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim()).filter((t) => t.length > 0));
}

/** Polls the Problems panel until `predicate` holds; returns the rows. */
export async function waitForProblems(workbench: Workbench, predicate: (rows: string[]) => boolean, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: string[] = [];
  while (Date.now() < deadline) {
    rows = await problemRows(workbench);
    if (predicate(rows)) return rows;
    await workbench.page.waitForTimeout(1000);
  }
  throw new Error(`Problems panel never matched; last rows:\n${rows.join('\n')}`);
}

/**
 * Elements inside `root` (and `root` itself) whose content is wider than
 * their box where they cannot scroll to it visibly — what a reader would
 * have to scroll sideways for, or could not see at all. Returns a line per
 * offender: its tag, classes, widths and the start of its text.
 */
export async function horizontalOverflow(root: import('playwright-core').Locator): Promise<string[]> {
  return root.evaluateAll((roots) => {
    const out: string[] = [];
    for (const r of roots) {
      for (const el of [r, ...Array.from(r.querySelectorAll('*'))] as HTMLElement[]) {
        if (el.clientWidth === 0) continue;
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'visible') out.push(`${el.tagName.toLowerCase()}.${el.className}: content ${el.scrollWidth}px in ${el.clientWidth}px: ${(el.innerText ?? '').slice(0, 80)}`);
      }
      const box = r.getBoundingClientRect();
      if (box.right > window.innerWidth + 1) out.push(`${r.tagName.toLowerCase()}.${r.className} ends at ${Math.round(box.right)}px, past the window's ${window.innerWidth}px`);
    }
    return out;
  });
}

/** The text of the first frame (a webview's inner iframe) whose body matches `pattern`, and that frame. */
export async function webviewFrame(workbench: Workbench, pattern: RegExp, timeoutMs = 30_000): Promise<import('playwright-core').Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of workbench.page.frames()) {
      const text = await frame.locator('body').innerText({ timeout: 1000 }).catch(() => '');
      if (pattern.test(text)) return frame;
    }
    await workbench.page.waitForTimeout(500);
  }
  throw new Error(`no webview shows ${String(pattern)}`);
}

/** The rollback panel's page (the webview's inner frame), once its heading shows `headline`. */
export async function rollbackPanel(workbench: Workbench, headline: RegExp, timeoutMs = 90_000): Promise<import('playwright-core').Frame> {
  const { page } = workbench;
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const text = await frame.locator('#headline').innerText({ timeout: 200 }).catch(() => '');
      if (text) seen = text;
      if (headline.test(text)) return frame;
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`the rollback panel never showed ${headline} (last heading: ${seen || 'none'})`);
}

/** The rollback panel's page once its `selector` shows `text` (the page is drawn anew on each change: find it again). */
export async function rollbackPanelShowing(workbench: Workbench, selector: string, text: RegExp, timeoutMs = 60_000): Promise<import('playwright-core').Frame> {
  const { page } = workbench;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const shown = await frame.locator(selector).first().innerText({ timeout: 200 }).catch(() => '');
      if (text.test(shown)) return frame;
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`the rollback panel never showed ${text} in ${selector}`);
}

/** Answers the quick pick whose title matches `title`: types `filter`, then chooses the item named `label`. */
export async function quickPick(workbench: Workbench, title: RegExp, label: string, filter = label): Promise<void> {
  const { page } = workbench;
  const widget = page.locator('.quick-input-widget').filter({ has: page.locator('.quick-input-title', { hasText: title }) });
  await widget.waitFor({ state: 'visible', timeout: 60_000 });
  await widget.locator('.quick-input-box input').fill(filter);
  const item = widget.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: label }) });
  await item.first().waitFor({ state: 'visible', timeout: 10_000 });
  await item.first().click();
}
