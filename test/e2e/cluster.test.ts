/**
 * The Cluster History view against a real control plane: the packaged
 * extension in code-server, KUBECONFIG pointing at the test plane seeded with
 * the bookstore workloads. Opens the view, finds deployment/catalog and its
 * three revisions, rolls back to revision 1 from the row's context menu in
 * the rollback panel (a reason typed, Enter pressed in it without
 * consequence), and checks the result through the API (the reason in the
 * evidence and in kubernetes.io/change-cause) and in the tree (kubectl
 * numbers the restored template revision 4). Then a refusal (a paused
 * Deployment) and its Check Again, and a production context whose name is
 * typed back in the panel.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame, Locator } from 'playwright-core';
import { seedBookstore } from '../../scripts/cluster/seed';
import { encodeReleaseData } from '../../src/cluster';
import { startPlane, type Plane } from '../cluster/plane';
import { capture, chooseFromContextMenu, copyDirectory, horizontalOverflow, openSession, quickPick as answerQuickPick, rollbackPanel, rollbackPanelShowing, ROOT, type Session } from './support';

const GIT_IDENTITY = { GIT_AUTHOR_NAME: 'Rollback Guard E2E', GIT_AUTHOR_EMAIL: 'e2e@example.invalid', GIT_COMMITTER_NAME: 'Rollback Guard E2E', GIT_COMMITTER_EMAIL: 'e2e@example.invalid' };
const CATALOG_MANIFEST = 'apps/catalog/deployment.yaml';
const PRODUCTION = 'prod-bookstore';
const REASON = 'INC-4211 search returns stale results';
const CATALOG_120_DIGEST = `sha256:${'12'.repeat(32)}`;

let plane: Plane;
let session: Session;
let workspace: string;
let failed = false;

before(async () => {
  plane = await startPlane({ stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'rg-e2e-plane-')), crds: false });
  await seedBookstore(plane, { chartDir: path.join(ROOT, 'examples', 'bookstore', 'charts', 'storefront') });
  // A release stored before a cluster upgrade: its revision 1 uses policy/v1beta1, which this server no longer serves.
  for (const [v, status, api] of [[1, 'superseded', 'policy/v1beta1'], [2, 'deployed', 'policy/v1']] as const) {
    const release = { name: 'legacy', namespace: 'bookstore', version: v, info: { first_deployed: '2024-01-01T00:00:00Z', last_deployed: `2024-0${v}-01T00:00:00Z`, status, description: v === 1 ? 'Install complete' : 'Upgrade complete' }, chart: { metadata: { name: 'legacy', version: `0.${v}.0`, appVersion: '1.0' } }, config: {}, manifest: `---\napiVersion: ${api}\nkind: PodDisruptionBudget\nmetadata:\n  name: legacy\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: legacy}}\n` };
    await plane.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'helm.sh/release.v1', metadata: { name: `sh.helm.release.v1.legacy.v${v}`, namespace: 'bookstore', labels: { owner: 'helm', name: 'legacy', status, version: String(v) } }, data: { release: encodeReleaseData(release) } }) });
  }
  workspace = copyDirectory(path.join(ROOT, 'examples', 'bookstore'), 'rg-e2e-cluster-');
  // A repository of its own, for "make the manifest match the cluster": catalog 1.2.0 was pinned by digest before 1.4.2.
  const manifest = fs.readFileSync(path.join(workspace, CATALOG_MANIFEST), 'utf8');
  fs.writeFileSync(path.join(workspace, CATALOG_MANIFEST), manifest.replace(/catalog:1\.4\.2@sha256:[0-9a-f]+/, `catalog:1.2.0@${CATALOG_120_DIGEST}`));
  const git = (args: string[]) => execFileSync('git', args, { cwd: workspace, env: { ...process.env, ...GIT_IDENTITY } });
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'bookstore with catalog 1.2.0']]) git(args);
  fs.writeFileSync(path.join(workspace, CATALOG_MANIFEST), manifest);
  git(['commit', '-q', '-am', 'catalog 1.4.2']);
  // The same cluster once more under a production name (the bookstore's .rollbackguard.yaml says prod-*).
  const kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rg-e2e-kube-')), 'config');
  const config = JSON.parse(execFileSync(plane.bin.kubectl, ['config', 'view', '--raw', '-o', 'json', '--kubeconfig', plane.kubeconfigPath], { encoding: 'utf8' })) as { contexts: { name: string; context: Record<string, unknown> }[] };
  const admin = config.contexts.find((c) => c.name === plane.contexts.admin)!;
  config.contexts.push({ name: PRODUCTION, context: { ...admin.context } });
  fs.writeFileSync(kubeconfig, JSON.stringify(config), { mode: 0o600 });
  // helm on PATH, with homes of its own, for the Helm rollback.
  const helmEnv = Object.fromEntries(['PATH', 'HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME'].map((k) => [k, plane.env[k]!]));
  // Diffs side by side even in the narrower editor area: both documents' first lines are drawn (inline, a removed first line is a zone above the top).
  session = await openSession('cluster', workspace, { env: { KUBECONFIG: kubeconfig, ...helmEnv, ...GIT_IDENTITY }, settings: { 'diffEditor.useInlineViewWhenSpaceIsLimited': false } });
  // The helm binary is a machine setting (the extension host's PATH comes from the login shell): the Remote tab's settings file.
  const machine = path.join(session.server.userDataDir, 'Machine');
  fs.mkdirSync(machine, { recursive: true });
  fs.writeFileSync(path.join(machine, 'settings.json'), JSON.stringify({ 'rollbackGuard.cluster.helmPath': plane.bin.helm }));
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
  // The pointer on the title bar: no tree tooltip left over from the last click covers the picture.
  await session.workbench.page.mouse.move(700, 6);
  await session.workbench.page.waitForTimeout(800);
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
    // The manifest's CodeLens comes before the Cluster History view was ever opened: the lens connects by itself.
    // The suite's first action: file search may still be indexing the new workspace.
    await session.workbench.openFile(CATALOG_MANIFEST, { timeoutMs: 120_000 });
    await page.locator('.codelens-decoration', { hasText: '3 revisions · live 3 · roll back…' }).first().waitFor({ state: 'visible', timeout: 60_000 });
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

/** The rollback panel's page (the webview's inner frame), once it shows `headline`. */
const panel = (headline: RegExp, timeoutMs?: number): Promise<Frame> => rollbackPanel(session.workbench, headline, timeoutMs);

/** The rollback panel's page once its `selector` shows `text`. */
const panelShowing = (selector: string, text: RegExp, timeoutMs?: number): Promise<Frame> => rollbackPanelShowing(session.workbench, selector, text, timeoutMs);

/**
 * What a reader of the panel could not see: content wider than the page (a
 * horizontal scroll bar), a heading cut off at the top, or the heading drawn
 * over what follows it.
 */
async function layoutProblems(frame: Frame): Promise<string[]> {
  // Screen-reader-only words are clipped to 1 px on purpose.
  const problems = (await horizontalOverflow(frame.locator('body'))).filter((p) => !p.startsWith('span.sr-only:'));
  problems.push(
    ...(await frame.evaluate(() => {
      const out: string[] = [];
      const doc = document.documentElement;
      if (doc.scrollWidth > doc.clientWidth + 1) out.push(`the page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px panel`);
      const h = document.getElementById('headline')!.getBoundingClientRect();
      if (h.top < 0 || h.left < 0) out.push(`the headline starts at ${Math.round(h.left)},${Math.round(h.top)}, outside the panel`);
      const next = document.querySelector('.summary, .refusal');
      if (next) {
        const n = next.getBoundingClientRect();
        if (n.top < h.bottom - 1) out.push(`the headline (bottom ${Math.round(h.bottom)}px) overlaps ${next.className} (top ${Math.round(n.top)}px)`);
      }
      return out;
    })),
  );
  return problems;
}

/** Opens a row's context menu and chooses `item` (support.ts). */
async function contextMenu(label: string, item: string): Promise<void> {
  await chooseFromContextMenu(session.workbench, row(label), item);
}

test('roll back to revision 1 in the rollback panel: what will happen first, every check, the diff, a reason; Enter does not confirm', () =>
  step('rollback', async () => {
    const { page } = session.workbench;
    assert.equal(await liveImage(), 'ghcr.io/bookstore/catalog:1.4.2');
    await row('revision 1,').first().click({ button: 'right' });
    const item = page.locator('.monaco-menu .action-item').filter({ hasText: 'Roll Back to This Revision' });
    await item.first().waitFor({ state: 'visible', timeout: 10_000 });
    await shot('02-revision-context-menu');
    await item.first().click();
    const frame = await panel(/^Roll back deployment\/catalog in namespace bookstore \(context rg-admin\) from revision 3 to revision 1: catalog:1\.4\.2 → catalog:1\.2\.0\.$/);
    const summary = await frame.locator('.summary .counts').innerText();
    assert.match(summary, /^\d+ checks passed( · \d+ needs? attention)?( · \d+ could not be checked)?$/);
    const ids = await frame.locator('.check .id').allInnerTexts();
    for (const id of ['context', 'object', 'revision', 'paused', 'gitops', 'rbac', 'dry-run', 'diff', 'schema', 'not-undone', 'artifacts']) assert.ok(ids.includes(id), `the panel lists the ${id} check (${ids.join(', ')})`);
    // What needs attention or could not be checked comes before what passed.
    const statuses = await frame.locator('.check').evaluateAll((els) => els.map((e) => e.className.replace('check ', '')));
    const rank = (st: string) => ['blocking', 'fail', 'warn', 'skipped', 'info', 'pass'].indexOf(st);
    assert.deepEqual([...statuses].sort((a, b) => rank(a) - rank(b)), statuses, statuses.join(', '));
    // The diff inline; the heading focused, never the button.
    assert.match(await frame.locator('pre').innerText(), /-\s+- image: ghcr\.io\/bookstore\/catalog:1\.4\.2[\s\S]*\+\s+- image: ghcr\.io\/bookstore\/catalog:1\.2\.0/);
    assert.equal(await frame.evaluate(() => document.activeElement?.id), 'headline');
    assert.deepEqual(await layoutProblems(frame), []);
    // The keyboard: Tab from the heading reaches the first check; Enter on a check opens it to its evidence.
    await frame.locator('#headline').click();
    await page.keyboard.press('Tab');
    assert.equal(await frame.evaluate(() => document.activeElement?.tagName + ' ' + document.activeElement?.closest('.check')?.querySelector('.id')?.textContent), `SUMMARY ${ids[0]}`);
    const revision = frame.locator('.check').filter({ has: frame.locator('.id', { hasText: /^revision$/ }) });
    assert.equal(await revision.locator('details').getAttribute('open'), null, 'a check that passed starts closed');
    await revision.locator('summary').focus();
    await page.keyboard.press('Enter');
    assert.equal(await revision.locator('details').getAttribute('open'), '', 'Enter opens the check');
    assert.match(await revision.locator('.evidence').innerText(), /target images: .*catalog:1\.2\.0/);
    await page.keyboard.press('Enter');
    assert.equal(await revision.locator('details').getAttribute('open'), null, 'Enter closes it again');
    // A reason typed, then Enter: nothing is rolled back.
    await frame.locator('#reason').focus();
    await page.keyboard.type(REASON);
    assert.equal(await frame.locator('#reason').inputValue(), REASON);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(3000);
    assert.equal(await liveImage(), 'ghcr.io/bookstore/catalog:1.4.2', 'Enter in the reason field rolled nothing back');
    assert.match(await frame.locator('#headline').innerText(), /^Roll back deployment\/catalog/);
    await frame.locator('#headline').focus();
    assert.deepEqual(await layoutProblems(frame), []);
    await shot('03-rollback-panel', 'rollback-panel.png');
    // Roll Back by keyboard: Tab from the reason lands on it; Space presses it.
    await frame.locator('#reason').focus();
    await page.keyboard.press('Tab');
    assert.equal(await frame.evaluate(() => document.activeElement?.id), 'rollback');
    await page.keyboard.press('Space');
    const done = await panel(/^Rolled back deployment\/catalog to revision 1/, 180_000);
    assert.match(await done.locator('#headline').innerText(), /now revision 4/);
    await shot('04-rollback-done', 'rollback-panel-done.png');
    assert.equal(await liveImage(), 'ghcr.io/bookstore/catalog:1.2.0');
    // The reason is in the evidence and in kubernetes.io/change-cause, as kubectl records it.
    const dir = path.join(workspace, '.rollback-guard', 'evidence');
    const record = fs.readdirSync(dir).filter((f) => /deployment-catalog\.json$/.test(f)).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { reason?: string; outcome: { status: string } });
    assert.ok(record.some((r) => r.reason === REASON && r.outcome.status === 'rolled-back'), JSON.stringify(record));
    const d = JSON.parse((await plane.kubectl(['get', 'deployment', 'catalog', '-n', 'bookstore', '-o', 'json'])).stdout) as { metadata: { annotations: Record<string, string> } };
    assert.equal(d.metadata.annotations['kubernetes.io/change-cause'], `rolled back to revision 1: ${REASON}`);
    const history = (await plane.kubectl(['rollout', 'history', 'deployment/catalog', '-n', 'bookstore'])).stdout;
    assert.match(history, new RegExp(`\\n4\\s+rolled back to revision 1: ${REASON}\\n`));
  }));

test('the tree marks the restored template as the new live revision 4', () =>
  step('after rollback', async () => {
    await waitFor('revision 4 live', async () => (await row('revision 4, live').count()) > 0, 60_000);
    const labels = await pane().locator('.monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const revisions = labels.filter((l) => /^revision \d/.test(l));
    assert.deepEqual(revisions.map((l) => l.split(',')[0]), ['revision 4', 'revision 3', 'revision 2'], labels.join('\n'));
    assert.match(revisions[0]!, /^revision 4, live, .*catalog:1\.2\.0/);
    // Where revision 1 went.
    assert.match(revisions[0]!, /revision 1 → now 4/);
    assert.ok(!/live/.test(revisions[1]!), revisions[1]);
    const catalog = row('Deployment catalog').first();
    assert.match((await catalog.getAttribute('aria-label')) ?? '', /3 revisions · live 4/);
    await shot('05-history-after-rollback', 'history-after-rollback.png');
  }));

test('"Make the manifest match the cluster" commits the running image on a new branch, leaving the working tree alone', () =>
  step('align manifest', async () => {
    const { page } = session.workbench;
    const before = fs.readFileSync(path.join(workspace, CATALOG_MANIFEST), 'utf8');
    const done = await panel(/^Rolled back deployment\/catalog to revision 1/);
    await done.locator('button', { hasText: 'Make the Manifest Match the Cluster' }).click();
    const dialog = page.locator('.monaco-dialog-box').filter({ hasText: 'on a new branch' });
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /rollback\/deployment-catalog-revision-4/);
    // The cluster names the tag; the manifest keeps the digest form with the digest its history pinned for 1.2.0,
    // shown shortened (the commit below writes it in full).
    assert.match(text, new RegExp(`catalog: ghcr\\.io/bookstore/catalog:1\\.4\\.2@sha256:[0-9a-f]{8}… → ghcr\\.io/bookstore/catalog:1\\.2\\.0@${CATALOG_120_DIGEST.slice(0, 'sha256:'.length + 8)}…`));
    assert.doesNotMatch(text, /[0-9a-f]{64}/, 'no full digest in the confirmation');
    assert.match(text, /pinned for it before/);
    assert.deepEqual(await horizontalOverflow(dialog), [], 'the confirmation needs no horizontal scrolling');
    await shot('06-align-manifest-confirmation', 'align-manifest-confirmation.png');
    await dialog.locator('.monaco-button', { hasText: /^Commit on New Branch$/ }).click();
    await session.workbench.waitForNotification(/Created rollback\/deployment-catalog-revision-4/, { timeoutMs: 30_000 });
    const committed = execFileSync('git', ['show', `rollback/deployment-catalog-revision-4:${CATALOG_MANIFEST}`], { cwd: workspace, encoding: 'utf8' });
    assert.equal(committed, before.replace(/image: ghcr\.io\/bookstore\/catalog:1\.4\.2@sha256:[0-9a-f]+/, `image: ghcr.io/bookstore/catalog:1.2.0@${CATALOG_120_DIGEST}`));
    const message = execFileSync('git', ['log', '-1', '--format=%B', 'rollback/deployment-catalog-revision-4'], { cwd: workspace, encoding: 'utf8' });
    assert.match(message, /^deployment\/catalog: name the image the cluster runs \(catalog:1\.2\.0\)\n/);
    assert.match(message, /rolled the Deployment back to revision 1\./);
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
const quickPick = (title: RegExp, label: string, filter?: string): Promise<void> => answerQuickPick(session.workbench, title, label, filter);

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
    // Kept open (not a preview the next diff replaces): a later step finds it stale.
    await tab.first().click();
    await session.workbench.runCommand('View: Keep Editor');
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
    assert.match((await release.getAttribute('aria-label')) ?? '', /^Helm release storefront, 3 revisions · live 3 · storefront-0\.3\.0/);
    await release.click();
    await waitFor('its revisions', async () => (await pane().locator('.monaco-list-row[aria-label^="revision 1,"]').count()) > 0);
    const labels = await pane().locator('.monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const at = labels.findIndex((l) => l.startsWith('Helm release storefront'));
    const revisions = labels.slice(at + 1, at + 4);
    assert.deepEqual(revisions.map((l) => l.split(',')[0]), ['revision 3', 'revision 2', 'revision 1'], labels.join('\n'));
    assert.match(revisions[0]!, /^revision 3, live, storefront:3\.2\.1 · storefront 3\.2\.1/);
    assert.match(revisions[1]!, /^revision 2, superseded, storefront:3\.2\.0 · storefront 3\.2\.0/);
    assert.match(revisions[2]!, /^revision 1, superseded, storefront:3\.1\.0 · storefront 3\.1\.0/);
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

test('a Helm revision stored with an API version the server no longer serves is marked in the tree', () =>
  step('unserved api', async () => {
    const { page } = session.workbench;
    await page.keyboard.press('Escape');
    const release = row('Helm release legacy').first();
    await waitFor('the Helm release legacy', async () => (await release.count()) > 0);
    if ((await release.getAttribute('aria-expanded')) !== 'true') await release.click();
    await waitFor('its revision 1 marked', async () => (await pane().locator('.monaco-list-row[aria-label*="uses policy/v1beta1, no longer served"]').count()) > 0, 30_000);
    const marked = pane().locator('.monaco-list-row[aria-label*="uses policy/v1beta1, no longer served"]').first();
    assert.match((await marked.getAttribute('aria-label')) ?? '', /^revision 1, superseded, uses policy\/v1beta1, no longer served/);
    assert.equal(await marked.locator('.codicon-warning').count(), 1);
    await shot('11b-history-unserved-api', 'history-unserved-api.png');
    // Rolling back to it is refused in the panel, with the helm-mapkubeapis fix to copy.
    await contextMenu('revision 1, superseded, uses policy/v1beta1', 'Roll Back to This Revision');
    const frame = await panel(/^Helm release legacy in namespace bookstore \(context rg-admin\) will not be rolled back to revision 1: /);
    assert.equal(await frame.locator('#rollback').isDisabled(), true);
    const apis = frame.locator('.check').filter({ has: frame.locator('.id', { hasText: /^apis$/ }) });
    assert.equal(await apis.getAttribute('class'), 'check blocking');
    assert.match(await apis.locator('.title').innerText(), /revision 1 of Helm release legacy uses an API version this server no longer serves \(policy\/v1beta1 PodDisruptionBudget\)/);
    assert.equal(await apis.locator('details').getAttribute('open'), '', 'a blocking check starts open');
    assert.deepEqual(await layoutProblems(frame), []);
    await apis.locator('button', { hasText: 'Copy the Fix Command' }).click();
    await session.workbench.waitForNotification(/Copied: helm mapkubeapis legacy --namespace bookstore/, { timeoutMs: 15_000 });
    await frame.evaluate(() => window.scrollTo(0, 0));
    await shot('11c-rollback-refused-unserved-api', 'rollback-panel-unserved-api.png');
    await frame.locator('#cancel').click();
    await release.click();
  }));

test('a Helm release rolls back in the panel: helm rollback, the manifest and values diff, the reason in the evidence', () =>
  step('helm rollback', async () => {
    const { page } = session.workbench;
    await page.keyboard.press('Escape');
    const storefront = row('Helm release storefront').first();
    if ((await storefront.getAttribute('aria-expanded')) !== 'true') await storefront.click();
    await waitFor('storefront revision 2', async () => (await row('revision 2, superseded, storefront:3.2.0').count()) > 0);
    await contextMenu('revision 2, superseded, storefront:3.2.0', 'Roll Back to This Revision');
    const frame = await panel(/^Roll back Helm release storefront in namespace bookstore \(context rg-admin\) from revision 3 to revision 2 with helm rollback \(recorded as revision 4\): storefront:3\.2\.1 → storefront:3\.2\.0\.$/);
    const ids = await frame.locator('.check .id').allInnerTexts();
    for (const id of ['tool', 'rbac', 'dry-run', 'not-undone', 'apis', 'artifacts']) assert.ok(ids.includes(id), `the panel lists the ${id} check (${ids.join(', ')})`);
    assert.match(await frame.locator('#diff-heading').innerText(), /^Manifest and values: revision 3 \(now\) → revision 2$/);
    const diff = await frame.locator('pre').innerText();
    assert.match(diff, /-.*storefront:3\.2\.1[\s\S]*\+.*storefront:3\.2\.0/);
    assert.match(await frame.locator('.sent').innerText(), /helm rollback --namespace=bookstore --kube-context=rg-admin --wait --timeout=\d+s -- storefront 2$/m);
    assert.deepEqual(await layoutProblems(frame), []);
    await frame.locator('#reason').fill('INC-4290 storefront 3.2.1 breaks checkout');
    await shot('11d-rollback-helm', 'rollback-panel-helm.png');
    await frame.locator('#rollback').click();
    const done = await panel(/^Rolled back .*storefront to revision 2 \(now revision 4/, 240_000);
    assert.ok(await done.locator('button', { hasText: 'Open Evidence' }).count());
    const helm = JSON.parse((await plane.helm(['history', 'storefront', '-n', 'bookstore', '-o', 'json'])).stdout) as { revision: number; status: string; description: string }[];
    assert.deepEqual(helm.at(-1), { ...helm.at(-1)!, revision: 4, status: 'deployed', description: 'Rollback to 2' });
    const dir = path.join(workspace, '.rollback-guard', 'evidence');
    const records = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f.includes('storefront')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { reason?: string; outcome: { status: string } });
    assert.ok(records.some((r) => r.reason === 'INC-4290 storefront 3.2.1 breaks checkout' && r.outcome.status === 'rolled-back'), JSON.stringify(records));
    await done.locator('button', { hasText: 'Close' }).click();
  }));

test('a refusal: a paused Deployment is refused in the panel with what to do, and Check Again after resuming opens the way', () =>
  step('refusal', async () => {
    const { page } = session.workbench;
    await page.keyboard.press('Escape');
    await plane.kubectl(['rollout', 'pause', 'deployment/orders', '-n', 'bookstore']);
    await session.workbench.runCommand('Rollback Guard: Roll Back Workload…');
    await quickPick(/Roll Back: kube context/, 'rg-admin');
    await quickPick(/Roll Back: namespace in rg-admin/, 'bookstore');
    await quickPick(/Roll Back: workload in bookstore/, 'deployment/orders');
    await quickPick(/Roll Back: revision of deployment\/orders/, 'revision 1', '1');
    const frame = await panel(/^deployment\/orders in namespace bookstore \(context rg-admin\) will not be rolled back to revision 1: deployment\/orders in namespace "bookstore" is paused/);
    assert.equal(await frame.locator('#rollback').isDisabled(), true, 'Roll Back is disabled while a check blocks');
    assert.match(await frame.locator('.refusal').innerText(), /kubectl rollout resume deployment\/orders -n bookstore/);
    assert.match(await frame.locator('.summary .counts').innerText(), /1 blocks the rollback/);
    assert.equal(await frame.locator('.check').first().getAttribute('class'), 'check blocking');
    assert.deepEqual(await layoutProblems(frame), []);
    await shot('12-rollback-refused', 'rollback-panel-refused.png');
    // The buttons that remove the cause: the resume command, copied; then Check Again.
    assert.deepEqual(await frame.locator('.refusal button').allInnerTexts(), ['Copy the Resume Command', 'Check Again']);
    await frame.locator('.refusal button', { hasText: 'Copy the Resume Command' }).click();
    await session.workbench.waitForNotification(/Copied: kubectl rollout resume deployment\/orders -n bookstore/, { timeoutMs: 15_000 });
    await plane.kubectl(['rollout', 'resume', 'deployment/orders', '-n', 'bookstore']);
    // The panel sees the Deployment change under its review and says so; Check Again runs every check anew.
    const stale = await panelShowing('.stale', /^deployment\/orders changed since this check .*Check again before rolling back\.$/);
    await stale.locator('.refusal button', { hasText: 'Check Again' }).click();
    const ready = await panel(/^Roll back deployment\/orders in namespace bookstore \(context rg-admin\) from revision 2 to revision 1/);
    assert.equal(await ready.locator('#rollback').isDisabled(), false);
    await ready.locator('#cancel').click();
  }));

test('a production context: the context name is typed back in the panel before Roll Back is enabled', () =>
  step('production', async () => {
    const { page } = session.workbench;
    await session.workbench.runCommand('Rollback Guard: Roll Back Workload…');
    await quickPick(/Roll Back: kube context/, PRODUCTION);
    await quickPick(new RegExp(`Roll Back: namespace in ${PRODUCTION}`), 'bookstore');
    await quickPick(/Roll Back: workload in bookstore/, 'deployment/orders');
    await quickPick(/Roll Back: revision of deployment\/orders/, 'revision 1', '1');
    const frame = await panel(new RegExp(`^Roll back deployment/orders in namespace bookstore \\(context ${PRODUCTION}\\) from revision 2 to revision 1`));
    assert.match(await frame.locator('label[for="confirm-context"]').innerText(), new RegExp(`type ${PRODUCTION} to roll back`));
    const button = frame.locator('#rollback');
    assert.equal(await button.isDisabled(), true);
    await frame.locator('#reason').fill('INC-4300 orders 2.7 rejects coupons');
    await frame.locator('#confirm-context').fill('prod-bookstor');
    assert.equal(await button.isDisabled(), true, 'a name that is not exactly the context keeps it disabled');
    await frame.locator('#confirm-context').fill(PRODUCTION);
    assert.equal(await button.isDisabled(), false);
    // Enter in the typed-back name does not confirm either.
    await frame.locator('#confirm-context').press('Enter');
    await page.waitForTimeout(2000);
    assert.match(await frame.locator('#headline').innerText(), /^Roll back deployment\/orders/);
    await shot('13-rollback-production', 'rollback-panel-production.png');
    await button.click();
    await panel(/^Rolled back deployment\/orders to revision 1/, 180_000);
    const dir = path.join(workspace, '.rollback-guard', 'evidence');
    const records = fs.readdirSync(dir).filter((f) => f.endsWith('deployment-orders.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { context: { name: string; production: boolean; nameTypedBack: boolean }; reason?: string; outcome: { status: string } });
    const done = records.find((r) => r.outcome.status === 'rolled-back');
    assert.ok(done, JSON.stringify(records));
    assert.deepEqual([done.context.name, done.context.production, done.context.nameTypedBack, done.reason], [PRODUCTION, true, true, 'INC-4300 orders 2.7 rejects coupons']);
  }));

test('the diff of revision 1 and live opened before the rollback is marked stale: revision 1 is now revision 3', () =>
  step('stale diff', async () => {
    const { page } = session.workbench;
    const tab = page.locator('.tabs-container .tab').filter({ hasText: 'deployment/orders: revision 1 ↔ live' });
    await tab.first().click();
    const diff = page.locator('.monaco-diff-editor').first();
    await waitFor('the stale notices', async () => {
      const text = (await diff.innerText()).replace(/\u00a0/g, ' ');
      return text.includes('# STALE: revision 1 is now revision 3 (a rollback renumbered it)') && text.includes('# STALE: the live side changed since this diff was opened (live was revision 2, now revision 3)');
    }, 30_000);
    await shot('14-compare-stale', 'compare-stale.png');
  }));
