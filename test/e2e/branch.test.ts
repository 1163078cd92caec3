/**
 * Branch mode in a real VS Code: the bookstore demo repository on its risky
 * branch (image bump + column drop + selector change). The Problems panel
 * follows the pull request, the status bar shows the release class and opens
 * the report, "Revert the commit that introduced this line" creates the
 * revert branch, and "Create rollback-plan.yaml" clears RG303.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { applyQuickFix, capture, demoRepoSession, goTo, horizontalOverflow, waitForProblems, type Session } from './support';

let session: Session;
let repo: string;

function git(args: string[]): string {
  const r = spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

const { step } = demoRepoSession('branch', (started, dir) => {
  session = started;
  repo = dir;
});

test('the Problems panel lists the release findings of a manifest and of a migration', () =>
  step(async () => {
    await session.workbench.openFile('db/migrations/000003_drop_legacy_total.up.sql');
    await session.workbench.openFile('apps/catalog/deployment.yaml');
    const rows = await waitForProblems(session.workbench, (r) => ['RG106', 'RG202', 'RG301'].every((id) => r.some((t) => t.includes(id))), 60_000);
    const joined = rows.join('\n');
    assert.match(joined, /deployment\.yaml/);
    assert.match(joined, /000003_drop_legacy_total\.up\.sql/);
    assert.match(joined, /RG106/);
    assert.match(joined, /RG202/);
    // Unchanged files of the branch stay quiet: the Helm chart's RG103 is not part of this pull request.
    assert.doesNotMatch(joined, /RG103/);
    await capture(session, 'branch-problems');
  }));

test('the status bar shows the release class and opens the report', () =>
  step(async () => {
    const { page } = session.workbench;
    const item = page.locator('#workbench\\.parts\\.statusbar .statusbar-item').filter({ hasText: 'restore-required' });
    await item.first().waitFor({ state: 'visible', timeout: 60_000 });
    await item.first().click();
    await page.locator('.tabs-container .tab').filter({ hasText: /Rollback/i }).first().waitFor({ state: 'visible', timeout: 30_000 });
    // The report is a webview: an iframe inside an iframe. Wait for its text.
    const deadline = Date.now() + 30_000;
    let text = '';
    while (Date.now() < deadline && !/data-first/.test(text)) {
      for (const frame of page.frames()) {
        text = await frame.locator('body').innerText({ timeout: 1000 }).catch(() => '');
        if (/data-first/.test(text)) break;
      }
      if (!/data-first/.test(text)) await page.waitForTimeout(500);
    }
    assert.match(text, /restore-required/);
    assert.match(text, /data-first/);
    assert.match(text, /RG301/);
    // The README's picture of the report is the 600 px one of the first-hour suite.
    await capture(session, 'release-report');
  }));

test('the Rollback Risks view lists the release findings with the open files\' findings, worst class first', () =>
  step(async () => {
    const { page } = session.workbench;
    await page.locator('.activitybar .action-item a[aria-label^="Rollback Guard"], .activitybar .action-item[aria-label^="Rollback Guard"]').first().click();
    const pane = page.locator('.pane').filter({ has: page.locator('.pane-header', { hasText: 'Rollback Risks' }) });
    const texts = () => pane.locator('.monaco-list-row').evaluateAll((els) => els.map((e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ')));
    const deadline = Date.now() + 30_000;
    let rows: string[] = [];
    // Expand the migration under the worst class until its release finding (RG301, never a per-file finding) shows.
    while (Date.now() < deadline && !rows.some((r) => r.startsWith('RG301'))) {
      rows = await texts().catch(() => []);
      const migration = pane.locator('.monaco-list-row[aria-expanded="false"]').filter({ hasText: '000003_drop_legacy_total.up.sql' }).first();
      if (await migration.count()) await migration.click();
      else await page.waitForTimeout(500);
    }
    const classes = rows.filter((r) => !/outside the pull request/.test(r));
    assert.ok(classes[0]?.startsWith('restore-required'), `the worst class comes first:\n${rows.join('\n')}`);
    assert.ok(rows.some((r) => r.startsWith('RG301')), `a release finding is listed:\n${rows.join('\n')}`);
    assert.ok(rows.some((r) => r.startsWith('RG202')), `the open migration's own finding is listed:\n${rows.join('\n')}`);
  }));

test('"Revert the commit that introduced this line" creates revert/<sha> from HEAD and leaves the feature branch alone', () =>
  step(async () => {
    const { page } = session.workbench;
    const before = git(['rev-parse', 'HEAD']);
    const selectorCommit = git(['log', '-1', '--format=%H', '--', 'apps/catalog/deployment.yaml']);
    await session.workbench.openFile('apps/catalog/deployment.yaml');
    await goTo(session.workbench, 18, 3);
    await applyQuickFix(session.workbench, /Revert the commit that introduced this line/);
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible' });
    assert.match(await dialog.innerText(), new RegExp(`revert/${selectorCommit.slice(0, 7)}`));
    assert.deepEqual(await horizontalOverflow(dialog), [], 'the dialog needs no horizontal scrolling');
    await capture(session, 'revert-confirmation', 'revert-confirmation.png');
    await dialog.locator('.monaco-button', { hasText: 'Revert on a New Branch' }).click();
    await session.workbench.waitForNotification(/Created revert\//, { timeoutMs: 30_000 });
    const branch = `revert/${selectorCommit.slice(0, 7)}`;
    assert.equal(git(['rev-parse', 'feature/drop-legacy-total']), before, 'the feature branch did not move');
    assert.equal(git(['rev-parse', '--abbrev-ref', 'HEAD']), branch, 'the revert branch is checked out');
    assert.equal(git(['rev-parse', `${branch}^`]), before);
    assert.match(git(['log', '-1', '--format=%s', branch]), /^Revert "catalog: select pods by app and tier"/);
    assert.deepEqual(git(['diff', '--name-only', before, branch]).split('\n'), ['apps/catalog/deployment.yaml']);
    assert.equal(git(['status', '--porcelain']), '');
    await capture(session, 'revert-created');
    // Back to the pull request for the next step; the editor follows HEAD.
    git(['switch', 'feature/drop-legacy-total']);
    await waitForProblems(session.workbench, (rows) => rows.some((t) => t.includes('RG106')), 60_000);
  }));

test('"Create rollback-plan.yaml from this analysis" writes a prefilled plan and RG303 goes away', () =>
  step(async () => {
    const { page } = session.workbench;
    await session.workbench.openFile('apps/catalog/deployment.yaml');
    await goTo(session.workbench, 32, 18);
    await applyQuickFix(session.workbench, /Create rollback-plan\.yaml/);
    await page.locator('.tabs-container .tab.active').filter({ hasText: 'rollback-plan.yaml' }).first().waitFor({ state: 'visible' });
    // The plan arrives as an unsaved edit to review; saving it is the author's decision.
    const file = path.join(repo, 'rollback-plan.yaml');
    const read = () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
    for (let i = 0; i < 20 && read() === ''; i++) {
      await page.locator('.editor-instance .view-lines').first().click();
      await page.keyboard.press('Control+S');
      await page.waitForTimeout(500);
    }
    const plan = read();
    assert.match(plan, /^class: restore-required$/m);
    await waitForProblems(session.workbench, (rows) => !rows.some((t) => t.includes('RG303')), 60_000);
    await capture(session, 'rollback-plan', 'rollback-plan.png');
  }));
