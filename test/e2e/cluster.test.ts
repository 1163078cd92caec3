/**
 * The Cluster History view against a real control plane: the packaged
 * extension in code-server, KUBECONFIG pointing at the test plane seeded with
 * the bookstore workloads. Opens the view, finds deployment/catalog and its
 * three revisions, rolls back to revision 1 from the row's context menu,
 * confirms in the modal, and checks the result through the API and in the
 * tree (kubectl numbers the restored template revision 4).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { seedBookstore } from '../../scripts/cluster/seed';
import { startPlane, type Plane } from '../cluster/plane';
import { capture, copyDirectory, openSession, ROOT, type Session } from './support';

const GIT_IDENTITY = { GIT_AUTHOR_NAME: 'Rollback Guard E2E', GIT_AUTHOR_EMAIL: 'e2e@example.invalid', GIT_COMMITTER_NAME: 'Rollback Guard E2E', GIT_COMMITTER_EMAIL: 'e2e@example.invalid' };
const CATALOG_MANIFEST = 'apps/catalog/deployment.yaml';

let plane: Plane;
let session: Session;
let workspace: string;
let failed = false;

before(async () => {
  plane = await startPlane({ stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'rg-e2e-plane-')), crds: false });
  await seedBookstore(plane, { chartDir: path.join(ROOT, 'examples', 'bookstore', 'charts', 'storefront') });
  workspace = copyDirectory(path.join(ROOT, 'examples', 'bookstore'), 'rg-e2e-cluster-');
  // A repository of its own, for "make the manifest match the cluster".
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'bookstore']]) execFileSync('git', args, { cwd: workspace, env: { ...process.env, ...GIT_IDENTITY } });
  session = await openSession('cluster', workspace, { env: { KUBECONFIG: plane.kubeconfigPath, ...GIT_IDENTITY } });
});

after(async () => {
  await session?.stop(failed);
  await plane?.stop();
});

async function step(name: string, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (error) {
    failed = true;
    await session?.workbench.screenshot(`failure-${name.replace(/\W+/g, '-')}`).catch(() => undefined);
    throw error;
  }
}

/** A screenshot in the suite's artifacts; with ROLLBACK_GUARD_SCREENSHOTS=docs, `publish` also copies it to docs/screenshots. */
async function shot(name: string, publish?: string): Promise<void> {
  await capture(session, name, publish);
}

/** The Cluster History pane's tree. */
function pane(): Locator {
  return session.workbench.page.locator('.pane').filter({ has: session.workbench.page.locator('.pane-header', { hasText: /Cluster History/i }) });
}

/** A tree row by the start of its accessible label. */
function row(label: string): Locator {
  return pane().locator(`.monaco-list-row[aria-label^="${label}"]`);
}

async function waitFor(what: string, predicate: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate().catch(() => false)) return;
    await session.workbench.page.waitForTimeout(500);
  }
  const rows = await pane().locator('.monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? (e as HTMLElement).innerText)).catch(() => []);
  throw new Error(`${what} did not happen within ${timeoutMs} ms; the view shows:\n${rows.join('\n')}`);
}

async function liveImage(): Promise<string> {
  const out = await plane.kubectl(['get', 'deployment', 'catalog', '-n', 'bookstore', '-o', 'json']);
  const d = JSON.parse(out.stdout) as { spec: { template: { spec: { containers: { image: string }[] } } } };
  return d.spec.template.spec.containers[0]!.image;
}

test('the view shows the context, namespace bookstore, deployment/catalog and its three revisions with the live one marked', () =>
  step('history tree', async () => {
    const { page } = session.workbench;
    await page.locator('.activitybar .action-item a[aria-label^="Rollback Guard"], .activitybar .action-item[aria-label^="Rollback Guard"]').first().click();
    // Room for the descriptions: only the cluster view, in a wider side bar.
    await page.locator('.pane-header', { hasText: 'Rollback Risks' }).first().click();
    const sidebar = await page.locator('#workbench\\.parts\\.sidebar').boundingBox();
    if (sidebar) {
      await page.mouse.move(sidebar.x + sidebar.width + 1, sidebar.y + sidebar.height / 2);
      await page.mouse.down();
      await page.mouse.move(sidebar.x + 620, sidebar.y + sidebar.height / 2, { steps: 8 });
      await page.mouse.up();
    }
    await waitFor('the context row rg-admin', async () => (await row('rg-admin').count()) > 0);
    await waitFor('namespace bookstore', async () => (await row('bookstore').count()) > 0);
    await waitFor('deployment catalog', async () => (await row('Deployment catalog').count()) > 0);
    const catalog = row('Deployment catalog').first();
    assert.match((await catalog.getAttribute('aria-label')) ?? (await catalog.innerText()), /3 revisions · live 3/);
    await catalog.click();
    await waitFor('catalog revisions', async () => (await row('revision 1,').count()) > 0);
    const labels = await pane().locator('.monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const revisions = labels.filter((l) => /^revision \d/.test(l));
    assert.deepEqual(revisions.map((l) => l.split(',')[0]), ['revision 3', 'revision 2', 'revision 1'], labels.join('\n'));
    assert.match(revisions[0]!, /^revision 3, live, .*catalog:1\.4\.2/);
    assert.match(revisions[2]!, /catalog:1\.2\.0 · catalog 1\.2\.0: first release/);
    // The manifest of the same Deployment gets a CodeLens with its live history.
    await session.workbench.openFile(CATALOG_MANIFEST);
    const lens = page.locator('.codelens-decoration', { hasText: '3 revisions · live 3 · roll back…' });
    await lens.first().waitFor({ state: 'visible', timeout: 30_000 });
    await shot('01-history-tree', 'history-tree.png');
  }));

test('roll back to revision 1 from the revision\'s context menu, after one confirmation', () =>
  step('rollback', async () => {
    const { page } = session.workbench;
    assert.equal(await liveImage(), 'ghcr.io/bookstore/catalog:1.4.2');
    await row('revision 1,').first().click({ button: 'right' });
    const item = page.locator('.monaco-menu .action-item').filter({ hasText: 'Roll Back to This Revision' });
    await item.first().waitFor({ state: 'visible', timeout: 10_000 });
    await shot('02-revision-context-menu');
    await item.first().click();
    const dialog = page.locator('.monaco-dialog-box').filter({ hasText: 'Roll back deployment/catalog' });
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    const text = await dialog.innerText();
    assert.match(text, /from revision 3 to revision 1/);
    for (const id of ['context', 'object', 'revision', 'paused', 'gitops', 'rbac', 'dry-run', 'diff']) assert.match(text, new RegExp(`${id}: `), `the confirmation lists the ${id} check`);
    assert.match(text, /catalog: ghcr\.io\/bookstore\/catalog:1\.4\.2 → ghcr\.io\/bookstore\/catalog:1\.2\.0/);
    await shot('03-rollback-confirmation', 'rollback-confirmation.png');
    await dialog.locator('.monaco-button', { hasText: /^Roll Back$/ }).click();
    const done = await session.workbench.waitForNotification(/Rolled back deployment\/catalog to revision 1/, { timeoutMs: 180_000 });
    assert.match(done, /now revision 4/);
    await shot('04-rollback-done');
    assert.equal(await liveImage(), 'ghcr.io/bookstore/catalog:1.2.0');
    const evidence = fs.readdirSync(path.join(workspace, '.rollback-guard', 'evidence'));
    assert.ok(evidence.some((f) => /deployment-catalog\.json$/.test(f)), evidence.join(', '));
  }));

test('the tree marks the restored template as the new live revision 4', () =>
  step('after rollback', async () => {
    await waitFor('revision 4 live', async () => (await row('revision 4, live').count()) > 0, 60_000);
    const labels = await pane().locator('.monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const revisions = labels.filter((l) => /^revision \d/.test(l));
    assert.deepEqual(revisions.map((l) => l.split(',')[0]), ['revision 4', 'revision 3', 'revision 2'], labels.join('\n'));
    assert.match(revisions[0]!, /^revision 4, live, .*catalog:1\.2\.0/);
    assert.ok(!/live/.test(revisions[1]!), revisions[1]);
    const catalog = row('Deployment catalog').first();
    assert.match((await catalog.getAttribute('aria-label')) ?? '', /3 revisions · live 4/);
    await shot('05-history-after-rollback', 'history-after-rollback.png');
  }));

test('"Make the manifest match the cluster" commits the running image on a new branch, leaving the working tree alone', () =>
  step('align manifest', async () => {
    const { page } = session.workbench;
    const before = fs.readFileSync(path.join(workspace, CATALOG_MANIFEST), 'utf8');
    const offer = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'Rolled back deployment/catalog' });
    await offer.locator('.monaco-button', { hasText: 'Make the Manifest Match the Cluster' }).first().click();
    const dialog = page.locator('.monaco-dialog-box').filter({ hasText: 'on a new branch' });
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /rollback\/deployment-catalog-revision-4/);
    assert.match(text, /catalog: ghcr\.io\/bookstore\/catalog:1\.4\.2@sha256:[0-9a-f]+ → ghcr\.io\/bookstore\/catalog:1\.2\.0/);
    await shot('06-align-manifest-confirmation', 'align-manifest-confirmation.png');
    await dialog.locator('.monaco-button', { hasText: /^Commit on New Branch$/ }).click();
    await session.workbench.waitForNotification(/Created rollback\/deployment-catalog-revision-4/, { timeoutMs: 30_000 });
    const committed = execFileSync('git', ['show', `rollback/deployment-catalog-revision-4:${CATALOG_MANIFEST}`], { cwd: workspace, encoding: 'utf8' });
    assert.equal(committed, before.replace(/image: ghcr\.io\/bookstore\/catalog:1\.4\.2@sha256:[0-9a-f]+/, 'image: ghcr.io/bookstore/catalog:1.2.0'));
    assert.equal(fs.readFileSync(path.join(workspace, CATALOG_MANIFEST), 'utf8'), before, 'the working tree is untouched');
    assert.equal(execFileSync('git', ['branch', '--show-current'], { cwd: workspace, encoding: 'utf8' }).trim(), 'main');
    await shot('07-align-manifest-done');
  }));

test('when the API server goes away the view keeps its history, shows the error with its hint, and recovers by itself', () =>
  step('unreachable', async () => {
    await plane.stopApiserver();
    await waitFor('an error row', async () => (await pane().locator('.monaco-list-row .codicon-error').count()) > 0, 60_000);
    assert.ok((await row('revision 4, live').count()) > 0, 'the last known history stays');
    await waitFor('the hint row', async () => (await pane().locator('.monaco-list-row .codicon-lightbulb').count()) > 0, 10_000);
    await shot('08-cluster-unreachable', 'cluster-unreachable.png');
    await plane.startApiserver();
    await waitFor('the error row to go', async () => (await pane().locator('.monaco-list-row .codicon-error').count()) === 0, 90_000);
    assert.ok((await row('revision 4, live').count()) > 0);
    await shot('09-cluster-reconnected');
  }));

/** Waits for the quick input titled `title`, types `filter` and picks the row whose label starts with `label`. */
async function quickPick(title: RegExp, label: string, filter = label): Promise<void> {
  const { page } = session.workbench;
  const widget = page.locator('.quick-input-widget').filter({ has: page.locator('.quick-input-title', { hasText: title }) });
  await widget.waitFor({ state: 'visible', timeout: 60_000 });
  await widget.locator('.quick-input-box input').fill(filter);
  const item = widget.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: label }) });
  await item.first().waitFor({ state: 'visible', timeout: 10_000 });
  await item.first().click();
}

test('Show Revision History… from the palette: quick picks for context, namespace, workload and revision, then Compare with Live', () =>
  step('palette', async () => {
    const { page } = session.workbench;
    await session.workbench.runCommand('Rollback Guard: Show Revision History…');
    await quickPick(/kube context/, 'rg-admin');
    await quickPick(/namespace in rg-admin/, 'bookstore');
    await quickPick(/workload in bookstore/, 'deployment/orders');
    await quickPick(/revision of deployment\/orders/, 'revision 1', '1');
    await quickPick(/deployment\/orders revision 1/, 'Compare with live', 'Compare');
    const tab = page.locator('.tabs-container .tab').filter({ hasText: 'revision 1 ↔ live' });
    await tab.first().waitFor({ state: 'visible', timeout: 30_000 });
    const diff = page.locator('.monaco-diff-editor').first();
    await diff.waitFor({ state: 'visible' });
    await waitFor('both sides of the diff', async () => {
      const text = await diff.innerText();
      return text.includes('ghcr.io/bookstore/orders:2.6.0') && text.includes('ghcr.io/bookstore/orders:2.7.0');
    }, 30_000);
    await shot('10-compare-with-live', 'compare-with-live.png');
  }));

test('the Helm release storefront shows under bookstore with its three revisions, read from its release Secrets', () =>
  step('helm release', async () => {
    const { page } = session.workbench;
    // Room in the tree: fold catalog's revisions and whatever the palette opened.
    await page.keyboard.press('Escape');
    const catalog = row('Deployment catalog').first();
    if ((await catalog.getAttribute('aria-expanded')) === 'true') await catalog.click();
    await waitFor('the Helm release row', async () => (await row('Helm release storefront').count()) > 0);
    const release = row('Helm release storefront').first();
    assert.match((await release.getAttribute('aria-label')) ?? '', /Helm release · 3 revisions · live 3 · storefront-0\.3\.0/);
    await release.click();
    await waitFor('its revisions', async () => (await pane().locator('.monaco-list-row[aria-label^="revision 1,"]').count()) > 0);
    const labels = await pane().locator('.monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const at = labels.findIndex((l) => l.startsWith('Helm release storefront'));
    const revisions = labels.slice(at + 1, at + 4);
    assert.deepEqual(revisions.map((l) => l.split(',')[0]), ['revision 3', 'revision 2', 'revision 1'], labels.join('\n'));
    assert.match(revisions[0]!, /^revision 3, live, live · storefront:3\.2\.1 · storefront 3\.2\.1/);
    assert.match(revisions[1]!, /superseded · storefront:3\.2\.0 · storefront 3\.2\.0/);
    assert.match(revisions[2]!, /superseded · storefront:3\.1\.0 · storefront 3\.1\.0/);
    // The same history helm prints.
    const helm = JSON.parse((await plane.helm(['history', 'storefront', '-n', 'bookstore', '-o', 'json'])).stdout) as { revision: number; status: string; description: string }[];
    assert.deepEqual(helm.map((h) => [h.revision, h.status, h.description]), [[1, 'superseded', 'storefront 3.1.0'], [2, 'superseded', 'storefront 3.2.0'], [3, 'deployed', 'storefront 3.2.1']]);
    // Compare with Live: the values and manifest of revision 1 against the deployed revision 3.
    // The watch may re-render the tree under the pointer, and a click that lands as the menu opens can be lost:
    // open the menu again until it shows, and choose again until the diff opens.
    const compare = page.locator('.monaco-menu .action-item').filter({ hasText: 'Compare with Live' });
    const tab = page.locator('.tabs-container .tab').filter({ hasText: 'Helm release storefront: revision 1 ↔ live' });
    for (let attempt = 0; ; attempt++) {
      if (!(await compare.first().isVisible())) {
        await pane().locator('.monaco-list-row[aria-label^="revision 1,"]').first().click({ button: 'right' });
        const shown = await compare.first().waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false);
        if (!shown) {
          assert.ok(attempt < 3, 'the context menu of revision 1 never showed Compare with Live');
          await page.keyboard.press('Escape');
          continue;
        }
      }
      await compare.first().click();
      const opened = await tab.first().waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false);
      if (opened) break;
      assert.ok(attempt < 3, 'Compare with Live never opened the diff of revision 1 and the live release');
    }
    const diff = page.locator('.monaco-diff-editor').first();
    await waitFor('both revisions in the diff', async () => {
      // Monaco renders spaces as no-break spaces.
      const text = (await diff.innerText()).replace(/\u00a0/g, ' ');
      return text.includes('storefront:3.1.0') && text.includes('storefront:3.2.1') && text.includes('# values') && text.includes('tag: 3.1.0');
    }, 30_000);
    await shot('11-history-helm', 'history-helm.png');
  }));
