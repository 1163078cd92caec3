/**
 * The first hour with Rollback Guard, in a real VS Code (code-server) at
 * 1400×900, on the bookstore demo repository's risky branch: the Problems
 * panel holds the branch's findings before any file is opened; a hover reads
 * in one sentence per finding and fits; the quick-fix menu has one
 * documentation entry, last, which opens the rule's page rendered and
 * read-only; the ignore fix leaves the cursor on the reason.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { capture, demoRepoSession, goTo, horizontalOverflow, problemRows, ROOT, waitForProblems, webviewFrame, type Session } from './support';

const MISSING_KUBECONFIG = path.join(os.tmpdir(), 'rg-e2e-no-such-dir', 'kubeconfig');
let session: Session;
let repo: string;
const { step } = demoRepoSession('first-hour', (started, dir) => {
  session = started;
  repo = dir;
}, { env: { KUBECONFIG: MISSING_KUBECONFIG } });

/** The number on the Problems tab: every diagnostic, of files open or not. */
async function problemsBadge(): Promise<number> {
  const badge = session.workbench.page.locator('.composite-bar .action-item').filter({ hasText: /^Problems/ }).locator('.badge-content');
  return Number((await badge.first().innerText({ timeout: 2000 }).catch(() => '0')).trim() || 0);
}

async function waitForCount(read: () => Promise<number>, want: number, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let got = await read();
  while (got !== want && Date.now() < deadline) {
    await session.workbench.page.waitForTimeout(500);
    got = await read();
  }
  assert.equal(got, want, what);
}

/** Drags the side bar's edge until it is `width` px wide; returns the width it had. */
async function sideBarWidth(width: number): Promise<number> {
  const { page } = session.workbench;
  const sidebar = page.locator('#workbench\\.parts\\.sidebar');
  const before = (await sidebar.boundingBox())!;
  for (let attempt = 0; attempt < 3; attempt++) {
    const box = (await sidebar.boundingBox())!;
    if (Math.abs(box.width - width) <= 4) break;
    await page.mouse.move(box.x + box.width + 1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + width + 1, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.waitForTimeout(300);
  }
  return Math.round(before.width);
}

/** Rollback Guard rows of the Problems panel (one per finding; file rows left out). */
const findingRows = (rows: string[]) => rows.filter((r) => /Rollback Guard\s*\(?RG\d{3}/.test(r) || /RG\d{3}\)?\s*\[?Ln/.test(r));

test('before any file is opened, the Problems panel holds every finding of the report', () =>
  step(async () => {
    // The report's findings, from the CLI on the same repository: the findings in the change and the release's.
    const cli = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'check', '--base', 'main', '--format', 'json'], { cwd: repo, encoding: 'utf8' });
    const expected = (JSON.parse(cli.stdout) as { findings: unknown[] }).findings.length;
    assert.equal(expected, 7, cli.stderr);
    await waitForProblems(session.workbench, (r) => ['RG106', 'RG301', 'RG302', 'RG303'].every((id) => r.some((t) => t.includes(id))), 90_000);
    await waitForCount(() => problemsBadge(), expected, 'the Problems badge');
    const tabs = await session.workbench.page.locator('.tabs-container .tab').count();
    assert.equal(tabs, 0, 'no file was opened');
    await capture(session, 'problems-before-opening', 'branch-problems.png');
  }));

test('a hover on the image line: one short sentence per finding, digests shortened, related places linked, nothing cut off', () =>
  step(async () => {
    const { page } = session.workbench;
    await session.workbench.openFile('apps/catalog/deployment.yaml');
    await goTo(session.workbench, 32, 18);
    const hover = page.locator('.monaco-hover:visible').filter({ hasText: 'RG301' });
    for (let attempt = 0; attempt < 10 && !(await hover.count()); attempt++) {
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      await page.waitForTimeout(1000);
    }
    await hover.first().waitFor({ state: 'visible', timeout: 10_000 });
    const text = await hover.first().innerText();
    assert.match(text, /Rolling back catalog:1\.5\.0 alone runs the previous code on the schema of 000003_drop_legacy_total\.up\.sql\./);
    assert.match(text, /This release changes \d axes at once/);
    assert.match(text, /This `?restore-required`? release carries no rollback plan\./);
    assert.doesNotMatch(text, /[0-9a-f]{64}/, 'no full digest');
    assert.match(text, /000003_drop_legacy_total\.up\.sql\(2, 1\): the migration: drops/, 'the migration as related information');
    assert.ok(text.split(/\s+/).length < 160, `a short hover (${text.split(/\s+/).length} words):\n${text}`);
    assert.deepEqual(await horizontalOverflow(hover.first()), []);
    await capture(session, 'hover', 'hover.png');
    await page.keyboard.press('Escape');
  }));

test('the quick-fix menu: the fixes, then one documentation entry, last; it opens the rule page rendered and read-only', () =>
  step(async () => {
    const { page } = session.workbench;
    await goTo(session.workbench, 32, 18);
    const rows = page.locator('.action-widget .monaco-list-row.action');
    for (let attempt = 0; attempt < 10 && !(await rows.count()); attempt++) {
      await page.keyboard.press('Control+.');
      await page.waitForTimeout(1500);
    }
    const titles = (await rows.allInnerTexts()).map((t) => t.trim());
    const docs = titles.filter((t) => /documentation/i.test(t));
    assert.equal(docs.length, 1, titles.join('\n'));
    assert.equal(titles.at(-1), docs[0], `the documentation entry comes last:\n${titles.join('\n')}`);
    assert.match(docs[0]!, /Show documentation for RG\d{3}/);
    assert.deepEqual(await horizontalOverflow(page.locator('.action-widget')), []);
    await capture(session, 'quick-fix-menu', 'quick-fix-menu.png');
    await rows.filter({ hasText: /documentation/i }).first().click();
    // Several rules here: the page of the one picked.
    const pick = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: 'RG301' });
    if (await pick.first().waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false)) await pick.first().click();
    await page.locator('.tabs-container .tab').filter({ hasText: 'RG301 code-rollback-meets-new-schema' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const frame = await webviewFrame(session.workbench, /Why it blocks rollback/);
    assert.ok((await frame.locator('h2', { hasText: 'Why it blocks rollback' }).count()) > 0, 'Markdown rendered to HTML');
    assert.equal(await frame.locator('textarea, [contenteditable="true"]').count(), 0, 'read-only');
    assert.deepEqual(await horizontalOverflow(frame.locator('body')), []);
    await capture(session, 'rule-docs', 'rule-docs.png');
  }));

test('the rule id of a finding in the Problems panel opens the same page, rendered and read-only', () =>
  step(async () => {
    const { page } = session.workbench;
    await session.workbench.problems();
    await page.locator('.markers-panel .monaco-list-row .marker-code', { hasText: /^RG106$/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    // The rule id is a link (the diagnostic's code target): what a click opens.
    const link = page.locator('.markers-panel .monaco-list-row a.monaco-link').filter({ has: page.locator('.marker-code', { hasText: /^RG106$/ }) });
    assert.match((await link.first().getAttribute('href')) ?? '', /^command:rollbackGuard\.showRuleDocs/);
    await link.first().click();
    await page.locator('.tabs-container .tab').filter({ hasText: 'RG106 immutable-field-change' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    // The page's own text (the workbench around it shows the rule id too).
    const frame = await webviewFrame(session.workbench, /spec\.serviceName/);
    assert.ok((await frame.locator('h1', { hasText: 'RG106 immutable-field-change' }).count()) > 0, 'Markdown rendered to HTML');
    assert.ok((await frame.locator('table').count()) > 0, 'its tables rendered');
    assert.equal(await frame.locator('textarea, [contenteditable="true"]').count(), 0, 'read-only');
    assert.deepEqual(await horizontalOverflow(frame.locator('body')), []);
    // No Markdown source opened in an editor.
    assert.equal(await page.locator('.tabs-container .tab').filter({ hasText: /\.md$/ }).count(), 0);
  }));

test('"Ignore … here (with a reason)" leaves the cursor on the reason, selected, to type over', () =>
  step(async () => {
    const { page } = session.workbench;
    await session.workbench.openFile('db/migrations/000003_drop_legacy_total.up.sql');
    await goTo(session.workbench, 2, 1);
    const item = page.locator('.action-widget .monaco-list-row.action').filter({ hasText: /Ignore RG202 here/ });
    for (let attempt = 0; attempt < 10 && !(await item.count()); attempt++) {
      await page.keyboard.press('Control+.');
      await page.waitForTimeout(1500);
    }
    await item.first().click();
    await page.waitForTimeout(500);
    await page.keyboard.type('restored from the nightly snapshot; see runbook DB-12');
    await page.keyboard.press('Control+S');
    const file = path.join(repo, 'db/migrations/000003_drop_legacy_total.up.sql');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !fs.readFileSync(file, 'utf8').includes('runbook')) await page.waitForTimeout(300);
    assert.match(fs.readFileSync(file, 'utf8'), /^-- rollback-guard-ignore RG202: restored from the nightly snapshot; see runbook DB-12\nALTER TABLE orders DROP COLUMN legacy_total;/m);
    // The reason is there: no RG001, and RG202 is suppressed.
    await waitForProblems(session.workbench, (rows) => !rows.some((t) => /RG001/.test(t)) && !findingRows(rows).some((t) => /RG202/.test(t)), 30_000);
  }));

test('Analyse Workspace says how many findings the pull-request scope hides; the Rollback Risks view shows them on request', () =>
  step(async () => {
    const { page } = session.workbench;
    await session.workbench.runCommand('Rollback Guard: Analyse Workspace for Rollback Risks');
    const message = await session.workbench.waitForNotification(/Rollback Guard analysed \d+ files: \d+ findings?, \d+ outside the pull request\./, { timeoutMs: 120_000 });
    const [, total, outside] = /: (\d+) findings?, (\d+) outside/.exec(message)!;
    assert.ok(Number(outside) > 0 && Number(outside) <= Number(total), message);
    const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'outside the pull request' });
    assert.ok((await toast.locator('.monaco-button', { hasText: 'Show All' }).count()) > 0, 'the message offers Show All');
    await page.locator('.activitybar .action-item a[aria-label^="Rollback Guard"], .activitybar .action-item[aria-label^="Rollback Guard"]').first().click();
    const pane = page.locator('.pane').filter({ has: page.locator('.pane-header', { hasText: 'Rollback Risks' }) });
    const scopeRow = pane.locator('.monaco-list-row').filter({ hasText: `${total} findings, ${outside} outside the pull request` });
    await scopeRow.first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await scopeRow.first().innerText(), /Show all/);
    await capture(session, 'risks-view-scope', 'risks-view.png');
    const before = await problemsBadge();
    // The view's row does what the message's Show All does (the toast may have moved to the notification centre).
    await scopeRow.first().click();
    await pane.locator('.monaco-list-row').filter({ hasText: 'Show only the pull request' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    // The findings outside the pull request are now in the Problems panel too.
    // The Problems badge counts errors, warnings and infos (hints are not counted): it grows.
    const deadline = Date.now() + 30_000;
    while ((await problemsBadge()) <= before && Date.now() < deadline) await page.waitForTimeout(500);
    assert.ok((await problemsBadge()) > before, 'the findings outside the pull request are in the Problems panel');
    await pane.locator('.monaco-list-row').filter({ hasText: 'Show only the pull request' }).first().click();
    await scopeRow.filter({ hasText: 'Show all' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  }));

test('the report fits a 600 px side pane: no section needs horizontal scrolling', () =>
  step(async () => {
    const { page } = session.workbench;
    await session.workbench.runCommand('Rollback Guard: Show Release Rollback Report');
    const frame = await webviewFrame(session.workbench, /What rolling back takes/);
    // Make the report's pane 600 px wide: drag the sash between the editor groups.
    const iframe = page.locator('iframe.webview.ready').last();
    for (let attempt = 0; attempt < 3; attempt++) {
      const box = await iframe.boundingBox();
      if (!box || Math.abs(box.width - 600) <= 8) break;
      const sash = page.locator('.part.editor .monaco-sash.vertical:visible').first();
      const s = await sash.boundingBox();
      if (!s) break;
      await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
      await page.mouse.down();
      await page.mouse.move(s.x + s.width / 2 + (box.width - 600), s.y + s.height / 2, { steps: 6 });
      await page.mouse.up();
      await page.waitForTimeout(500);
    }
    const width = await frame.evaluate(() => document.documentElement.clientWidth);
    assert.ok(Math.abs(width - 600) <= 24, `the report pane is ${width} px wide (iframe ${JSON.stringify(await iframe.boundingBox())})`);
    assert.deepEqual(await horizontalOverflow(frame.locator('body')), []);
    assert.ok(await frame.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'the page does not scroll sideways');
    const title = frame.locator('h1');
    assert.equal((await title.innerText()).trim(), 'Rollback report');
    assert.equal(await frame.locator('table').count(), 0);
    const heading = await frame.locator('h2', { hasText: /^Findings \(\d+\)$/ }).innerText();
    assert.equal(await frame.locator('li.finding').count(), Number(/\d+/.exec(heading)![0]), 'one card per finding');
    await capture(session, 'release-report', 'release-report.png');
  }));

test('without a usable kubeconfig, the Cluster History view says why and opens the setting where it can be set', () =>
  step(async () => {
    const { page } = session.workbench;
    const header = page.locator('.pane-header', { hasText: /Cluster History/i });
    // The activity bar icon toggles the side bar: click it only when the view is not showing.
    if (!(await header.first().isVisible())) await page.locator('.activitybar .action-item a[aria-label^="Rollback Guard"], .activitybar .action-item[aria-label^="Rollback Guard"]').first().click();
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const pane = page.locator('.pane').filter({ has: header });
    const cause = pane.locator('.monaco-list-row').filter({ hasText: MISSING_KUBECONFIG });
    await cause.first().waitFor({ state: 'visible', timeout: 60_000 });
    const rows = await pane.locator('.monaco-list-row').allInnerTexts();
    assert.ok(rows.some((r) => /^no kubeconfig found \(looked for /.test(r)), `the cause is shown:\n${rows.join('\n')}`);
    assert.ok(rows.some((r) => r.includes('Select Kube Context')), rows.join('\n'));
    // The picture: this view alone, in a side bar wide enough that no row is cut off; no panel or toast.
    // Analyse Workspace's progress ended with its analysis, before its result was read.
    assert.equal(await page.locator('.notifications-toasts .notification-toast', { hasText: /analysing workspace/ }).count(), 0, 'no analysis in progress');
    const risks = page.locator('.pane-header', { hasText: 'Rollback Risks' }).first();
    const risksOpen = (await risks.getAttribute('aria-expanded')) === 'true';
    if (risksOpen) await risks.click();
    if (await page.locator('.notifications-toasts .notification-toast').first().isVisible()) await session.workbench.runCommand('Notifications: Clear All Notifications');
    const panelShown = await page.locator('.part.panel').isVisible();
    if (panelShown) await session.workbench.runCommand('View: Hide Panel');
    const width = await sideBarWidth(840);
    assert.deepEqual(await horizontalOverflow(pane.locator('.monaco-list-row')), [], 'every row of the view reads in full');
    await capture(session, 'cluster-no-kubeconfig', 'cluster-no-kubeconfig.png');
    await sideBarWidth(width);
    if (risksOpen) await risks.click();
    if (panelShown) await session.workbench.problems();
    await pane.locator('.monaco-list-row').filter({ hasText: 'Open the Kubeconfig Setting' }).first().click();
    const setting = page.locator('.settings-editor .setting-item').filter({ hasText: /Kubeconfig/ });
    await setting.first().waitFor({ state: 'visible', timeout: 30_000 });
    // code-server is a remote window: the machine setting is edited in the Remote tab, where it shows.
    const tab = page.locator('.settings-editor .settings-tabs-widget .action-item .checked, .settings-editor .settings-tabs-widget [aria-selected="true"]');
    assert.match((await tab.first().innerText().catch(() => '')) || '', /Remote|User/);
    assert.doesNotMatch(await setting.first().innerText(), /can only be applied|not applicable/i, 'the setting can be set in this tab');
    await capture(session, 'kubeconfig-setting', 'kubeconfig-setting.png');
    await page.keyboard.press('Escape');
  }));

test('the walkthrough shows its five steps with their pictures', () =>
  step(async () => {
    const { page } = session.workbench;
    await session.workbench.runCommand('Welcome: Open Walkthrough...');
    const pick = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: 'Get Started with Rollback Guard' });
    await pick.first().waitFor({ state: 'visible', timeout: 30_000 });
    await pick.first().click();
    const walkthrough = page.locator('.gettingStartedContainer');
    await walkthrough.waitFor({ state: 'visible', timeout: 30_000 });
    for (const title of ['What Rollback Guard does', 'Open a manifest', 'See the release class', 'Connect a cluster', 'Roll back, safely']) {
      await walkthrough.locator('.getting-started-step').filter({ hasText: title }).first().waitFor({ state: 'visible', timeout: 10_000 });
    }
    // The first step is selected: its picture is the one shown.
    await walkthrough.locator('.getting-started-step').filter({ hasText: 'What Rollback Guard does' }).first().click();
    const image = walkthrough.locator('.getting-started-media img[alt^="The Problems panel"]');
    await image.first().waitFor({ state: 'attached', timeout: 10_000 });
    let loaded = false;
    for (let i = 0; i < 20 && !loaded; i++) {
      loaded = await image.first().evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0);
      if (!loaded) await page.waitForTimeout(500);
    }
    assert.ok(loaded, 'the step picture loads');
    // Nothing of ours is cut off or needs sideways scrolling: the step texts wrap, the picture is scaled into its pane.
    assert.deepEqual(await horizontalOverflow(walkthrough.locator('.getting-started-step')), [], 'the steps need no horizontal scrolling');
    const placed = await image.first().evaluate((img) => {
      const box = img.getBoundingClientRect();
      const pane = (img.closest('.getting-started-media') ?? img.parentElement!).getBoundingClientRect();
      return { box: [box.left, box.top, box.right, box.bottom].map(Math.round), pane: [pane.left, pane.right].map(Math.round), window: [window.innerWidth, window.innerHeight] };
    });
    const [left, top, right, bottom] = placed.box;
    assert.ok(left! >= placed.pane[0]! - 1 && right! <= placed.pane[1]! + 1, `the picture fits its pane: ${JSON.stringify(placed)}`);
    assert.ok(top! >= 0 && right! <= placed.window[0]! + 1 && bottom! <= placed.window[1]! + 1, `the picture is inside the window: ${JSON.stringify(placed)}`);
    await capture(session, 'walkthrough', 'walkthrough.png');
  }));
