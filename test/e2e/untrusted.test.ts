/**
 * An untrusted workspace in a real VS Code: the bookstore repository on its
 * risky branch, whose `.git/config` sets `core.fsmonitor` and whose hooks
 * would leave a marker if git ran them. Opened in restricted mode, Rollback
 * Guard runs no git at all: open files are analysed, branch mode says it
 * needs trust, and its status bar item offers to manage trust.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { createDemoRepo } from '../../scripts/demo-repo.mjs';
import { capture, openSession, problemRows, waitForProblems, type Session } from './support';

let session: Session;
let repo: string;
let marker: string;
let failed = false;

async function step(fn: () => Promise<void>) {
  try {
    await fn();
  } catch (error) {
    failed = true;
    throw error;
  }
}

before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-e2e-untrusted-'));
  repo = path.join(dir, 'bookstore');
  marker = path.join(dir, 'FSMONITOR_RAN');
  createDemoRepo({ target: repo, log: () => undefined });
  // A dirty tracked file makes `git status`/`git diff` consult the fsmonitor.
  fs.appendFileSync(path.join(repo, 'apps/catalog/deployment.yaml'), '# local edit\n');
  const set = spawnSync('git', ['-C', repo, 'config', 'core.fsmonitor', `touch '${marker}'; false`]);
  assert.equal(set.status, 0, String(set.stderr));
  for (const hook of ['post-checkout', 'reference-transaction', 'post-index-change']) {
    const file = path.join(repo, '.git', 'hooks', hook);
    fs.writeFileSync(file, `#!/bin/sh\ntouch '${marker}'\n`);
    fs.chmodSync(file, 0o755);
  }
  session = await openSession('untrusted', repo, { trusted: false });
});

after(async () => {
  await session?.stop(failed);
});

test('open files are analysed; branch mode waits for trust and offers it; git never runs', () =>
  step(async () => {
    const { page } = session.workbench;
    // Nothing is published before a file is opened: branch mode (which would report the
    // branch's findings in files not open) does not run in restricted mode.
    assert.ok(!(await problemRows(session.workbench)).some((t) => /RG\d{3}/.test(t)), 'findings before any file was opened');
    // Per-file analysis goes on in restricted mode: the branch's migration drops a column (RG202)…
    await session.workbench.openFile('db/migrations/000003_drop_legacy_total.up.sql');
    let rows = await waitForProblems(session.workbench, (r) => r.some((t) => /RG202/.test(t)), 60_000);
    assert.ok(rows.some((t) => /000003_drop_legacy_total\.up\.sql/.test(t)), rows.join('\n'));
    assert.ok(rows.some((t) => /RG202/.test(t) && /legacy_total/.test(t)), rows.join('\n'));
    // …and the chart's Deployment reads its ConfigMap by a fixed name (RG103), a manifest finding.
    await session.workbench.openFile('charts/storefront/templates/deployment.yaml');
    rows = await waitForProblems(session.workbench, (r) => r.some((t) => /RG103/.test(t)), 60_000);
    assert.ok(rows.some((t) => /RG103/.test(t) && /reads ConfigMap/.test(t)), rows.join('\n'));
    // The catalog manifest changes its selector against main: that is a branch-mode finding (RG106),
    // like every release finding (RG3xx), and needs git, so restricted mode shows none of them.
    await session.workbench.openFile('apps/catalog/deployment.yaml');
    const item = page.locator('#workbench\\.parts\\.statusbar .statusbar-item').filter({ hasText: 'branch mode needs trust' });
    await item.first().waitFor({ state: 'visible', timeout: 60_000 });
    rows = await problemRows(session.workbench);
    assert.ok(!rows.some((t) => /RG106|RG3\d\d/.test(t)), rows.join('\n'));
    await capture(session, 'restricted-mode-problems');
    await item.first().click();
    await page.locator('.monaco-dialog-box, .editor-instance, .workspace-trust-editor').filter({ hasText: /trust/i }).first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(fs.existsSync(marker), false, 'git ran the repository’s fsmonitor or a hook');
    assert.doesNotMatch(session.server.extensionHostLogs(), /against main:/, 'no release analysis ran');
  }));
