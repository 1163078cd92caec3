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
import { after, before, test } from 'node:test';
import { createDemoRepo } from '../../scripts/demo-repo.mjs';
import { capture, goTo, horizontalOverflow, openSession, ROOT, waitForProblems, webviewFrame, type Session } from './support';

let session: Session;
let repo: string;
let failed = false;
const MISSING_KUBECONFIG = path.join(os.tmpdir(), 'rg-e2e-no-such-dir', 'kubeconfig');

async function step(fn: () => Promise<void>) {
  try {
    await fn();
  } catch (error) {
    failed = true;
    throw error;
  }
}

before(async () => {
  repo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rg-e2e-first-hour-')), 'bookstore');
  createDemoRepo({ target: repo, log: () => undefined });
  session = await openSession('first-hour', repo, { env: { KUBECONFIG: MISSING_KUBECONFIG } });
});

after(async () => {
  await session?.stop(failed);
});

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
