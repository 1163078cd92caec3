/**
 * Drive the VS Code workbench served by code-server with Debian's Chromium
 * through playwright-core.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../../scripts/editor/install';

export interface OpenWorkbenchOptions {
  /** Where screenshot(name) writes `<name>.png`. Defaults to a temp dir. */
  screenshotsDir?: string;
  /** Folder to open; added as `?folder=` unless the URL already has one. */
  folder?: string;
  executablePath?: string;
  headless?: boolean;
  viewport?: { width: number; height: number };
  /** Default timeout for the helpers (ms, default 30 s). */
  timeoutMs?: number;
  /**
   * When a workspace-trust dialog shows at startup (only with trust enabled and
   * a startup prompt), answer it: true = "Yes, I trust the authors" (default),
   * false = "No, I don't trust the authors" (restricted mode), 'leave' = do nothing.
   * When given explicitly, openWorkbench waits up to 5 s for the dialog; by
   * default the helpers answer it whenever they meet it.
   */
  answerTrustDialog?: boolean | 'leave';
}

export interface Workbench {
  page: Page;
  context: BrowserContext;
  /** null: the harness uses a persistent context (fresh profile dir); close via close(). */
  browser: Browser | null;
  screenshotsDir: string;
  /** Run a command by its palette title (e.g. "Rollback Guard: Check Branch"). */
  runCommand(title: string): Promise<void>;
  /** Wait for a notification toast containing `text`; returns its full text. */
  /** `centre`: also look in the notification centre (opened after 15 s without a toast). */
  waitForNotification(text: string | RegExp, options?: { timeoutMs?: number; centre?: boolean }): Promise<string>;
  /** Full-page PNG at `<screenshotsDir>/<name>.png`; returns the path. */
  screenshot(name: string): Promise<string>;
  /**
   * Open a workspace file via quick open; waits for its editor tab.
   * `timeoutMs`: how long file search may take to find it (a fresh workspace
   * on a loaded machine indexes slowly).
   */
  openFile(relPath: string, opts?: { timeoutMs?: number }): Promise<void>;
  /** Open the Problems panel and return each row's text (file rows and marker rows). */
  problems(): Promise<string[]>;
  /** Console messages and page errors seen so far (useful when a test fails). */
  consoleMessages(): string[];
  close(): Promise<void>;
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function openWorkbench(url: string, options: OpenWorkbenchOptions = {}): Promise<Workbench> {
  const timeout = options.timeoutMs ?? 30_000;
  const trustAnswer = options.answerTrustDialog ?? true;
  const screenshotsDir = path.resolve(options.screenshotsDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rg-screens-')));
  fs.mkdirSync(screenshotsDir, { recursive: true });
  const target = new URL(url);
  if (options.folder && !target.searchParams.has('folder')) target.searchParams.set('folder', path.resolve(options.folder));

  // A fresh profile each time: launchPersistentContext with a new temp user-data-dir.
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: options.executablePath ?? CHROMIUM_PATH,
    headless: options.headless ?? true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1400, height: 900 },
    // Clipboard access keeps VS Code's paste paths quiet; harmless otherwise.
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const browser = context.browser();
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  const messages: string[] = [];
  page.on('console', (m) => messages.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => messages.push(`[pageerror] ${e.message}`));

  const close = async (): Promise<void> => {
    await context.close().catch(() => undefined);
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };

  try {
    await page.goto(target.toString(), { waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    // The status bar and activity bar appear once the workbench has laid out its parts.
    await page.locator('#workbench\\.parts\\.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.monaco-workbench .part.activitybar, .monaco-workbench .part.sidebar').first().waitFor({ timeout: 60_000 });
    // Only wait for the trust modal when the caller said it may come (it only
    // shows with trust enabled); the helpers below answer it lazily anyway.
    await answerTrustDialog(page, trustAnswer, options.answerTrustDialog === undefined ? 0 : 5000);
  } catch (error) {
    const shot = path.join(screenshotsDir, 'workbench-load-failure.png');
    await page.screenshot({ path: shot }).catch(() => undefined);
    await close();
    throw new Error(`workbench did not load from ${target} (${(error as Error).message}); screenshot: ${shot}\n${messages.slice(-20).join('\n')}`);
  }

  const quickInput = page.locator('.quick-input-widget');
  const quickInputBox = quickInput.locator('.quick-input-box input');

  /**
   * Open the quick input in command mode. F1 is the palette key VS Code binds
   * that no browser claims (Ctrl+Shift+P also works in Chromium, Ctrl+P is
   * left to quick open but is not relied on). Retry because keys pressed
   * before the workbench has focus go nowhere.
   */
  const openPalette = async (): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      await answerTrustDialog(page, trustAnswer, 0);
      const modal = page.locator('.monaco-dialog-box');
      if (await modal.isVisible().catch(() => false)) {
        throw new Error(`a modal dialog blocks the workbench: ${(await modal.innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 300)}`);
      }
      if (attempt > 0 && (await quickInput.isVisible())) {
        await page.keyboard.press('Escape');
      }
      await focusWorkbench(page);
      await page.keyboard.press(attempt % 2 === 0 ? 'F1' : 'Control+Shift+P');
      try {
        await quickInputBox.waitFor({ state: 'visible', timeout: 3000 });
        return;
      } catch {
        /* try again */
      }
    }
    throw new Error('command palette did not open (F1 / Ctrl+Shift+P)');
  };

  /**
   * Type `query` into the quick input and click the first row `pick` accepts.
   * The list is re-requested (palette closed and reopened) every few seconds:
   * commands contributed by extensions appear only once the extension host
   * has registered them, and an open palette does not refresh its list.
   */
  const pickFromQuickInput = async (
    query: string,
    pick: (rows: Array<{ name: string; label: string; text: string }>) => number,
    what: string,
    timeoutMs = timeout,
  ): Promise<void> => {
    const rowLocator = quickInput.locator('.quick-input-list .monaco-list-row');
    const deadline = Date.now() + timeoutMs;
    let rows: Array<{ name: string; label: string; text: string }> = [];
    for (;;) {
      await openPalette();
      await quickInputBox.fill(query);
      const retryAt = Date.now() + 4000;
      while (Date.now() < Math.min(retryAt, deadline)) {
        rows = await rowLocator
          .evaluateAll((els) =>
            els.map((e) => ({
              name: (e.querySelector('.label-name') as HTMLElement | null)?.innerText ?? '',
              label: e.getAttribute('aria-label') ?? '',
              text: (e as HTMLElement).innerText,
            })),
          )
          .catch(() => []);
        const index = pick(rows);
        if (index >= 0) {
          await rowLocator.nth(index).click();
          await quickInput.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
          return;
        }
        await page.waitForTimeout(200);
      }
      await page.keyboard.press('Escape');
      if (Date.now() >= deadline) {
        throw new Error(`${what} not found in the quick input after ${timeoutMs} ms; it offered: ${JSON.stringify(rows.slice(0, 10).map((r) => r.label || r.text))}`);
      }
    }
  };

  const runCommand = async (title: string): Promise<void> => {
    await pickFromQuickInput(`>${title}`, (rows) => rows.findIndex((r) => normalise(r.name) === normalise(title)), `command "${title}"`);
  };

  const waitForNotification = async (text: string | RegExp, opts: { timeoutMs?: number; centre?: boolean } = {}): Promise<string> => {
    const toast = page.locator('.notifications-toasts .notification-toast, .notifications-center .notification-list-item').filter({ hasText: text });
    const total = opts.timeoutMs ?? timeout;
    const started = Date.now();
    try {
      // A notification can go to the notification centre without a toast (the
      // workbench does not always draw one, e.g. right after a modal dialog):
      // with `centre`, after 15 s the centre is opened and the wait goes on there.
      const asToast = opts.centre ? Math.min(total, 15_000) : total;
      const seen = await toast.first().waitFor({ state: 'visible', timeout: asToast }).then(() => true, () => false);
      if (!seen) {
        if (total <= asToast) throw new Error(`no toast within ${total} ms`);
        await runCommand('Notifications: Show Notifications');
        await toast.first().waitFor({ state: 'visible', timeout: Math.max(1_000, total - (Date.now() - started)) });
        const message = (await toast.first().locator('.notification-list-item-message').innerText()).trim();
        // Closed again, so that the next notifications are drawn as toasts.
        await runCommand('Notifications: Hide Notifications');
        return message;
      }
    } catch (error) {
      const seen = await page.locator('.notification-list-item-message').allInnerTexts().catch(() => []);
      throw new Error(`no notification matching ${String(text)} (visible: ${JSON.stringify(seen)}): ${(error as Error).message}`);
    }
    return (await toast.first().locator('.notification-list-item-message').innerText()).trim();
  };

  const screenshot = async (name: string): Promise<string> => {
    const file = path.join(screenshotsDir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
    await page.screenshot({ path: file, animations: 'disabled' });
    return file;
  };

  const openFile = async (relPath: string, opts: { timeoutMs?: number } = {}): Promise<void> => {
    // Quick open through the palette's input without the '>' prefix: the same
    // widget switches to file search. Avoids depending on Ctrl+P.
    const wanted = relPath.replace(/\\/g, '/').replace(/^\.\//, '');
    const base = path.posix.basename(wanted);
    const dirs = wanted.split('/').slice(0, -1);
    await pickFromQuickInput(
      wanted,
      (rows) =>
        rows.findIndex((r) => {
          const t = `${r.label} ${r.text}`.replace(/\\/g, '/');
          return normalise(r.name) === normalise(base) && dirs.every((seg) => t.includes(seg));
        }),
      `file "${relPath}"`,
      opts.timeoutMs ?? timeout,
    );
    await page.locator('.tabs-container .tab').filter({ hasText: base }).first().waitFor({ state: 'visible', timeout });
  };

  const problems = async (): Promise<string[]> => {
    await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const panel = page.locator('.markers-panel');
    await panel.waitFor({ state: 'visible', timeout });
    // Give the tree one beat to render after diagnostics change.
    await page.waitForTimeout(300);
    const rows = panel.locator('.monaco-list-row');
    const texts = await rows.evaluateAll((els) =>
      els.map((e) => {
        const label = e.getAttribute('aria-label');
        return (label && label.trim()) || (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim();
      }),
    );
    return texts.filter((t) => t.length > 0);
  };

  return {
    page,
    context,
    browser,
    screenshotsDir,
    runCommand,
    waitForNotification,
    screenshot,
    openFile,
    problems,
    consoleMessages: () => [...messages],
    close,
  };
}

function normalise(s: string): string {
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * Make sure a key press reaches VS Code's window-level keybinding listener:
 * drop focus from whatever holds it (a webview iframe, say, would swallow
 * keys) without clicking anything that could change editor state.
 */
async function focusWorkbench(page: Page): Promise<void> {
  await page.bringToFront();
  await page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (el && el.tagName === 'IFRAME') el.blur();
  });
}

/** Answer the workspace-trust modal if it is (or soon becomes) visible. */
async function answerTrustDialog(page: Page, answer: boolean | 'leave', waitMs: number): Promise<void> {
  if (answer === 'leave') return;
  const dialog = page.locator('.monaco-dialog-box').filter({ hasText: /trust the authors/i });
  try {
    if (waitMs > 0) await dialog.waitFor({ state: 'visible', timeout: waitMs });
    else if (!(await dialog.isVisible())) return;
  } catch {
    return; // no trust dialog (the harness default: trust disabled)
  }
  const button = dialog.locator('.monaco-button', { hasText: answer ? /Yes, I trust/i : /No, I don.t trust/i });
  await button.first().click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
}
