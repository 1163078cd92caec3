/**
 * Argo CD through the rollback panel, in code-server against the real plane
 * with Argo CD's real CRDs (no Argo CD controller runs, and none is faked:
 * the test writes the Application of examples/bookstore/argocd and the
 * status.history its controller would have written, as the cluster suite
 * does). deployment/catalog is applied three times with the Application's
 * tracking annotation, as Argo CD applies it, so its ReplicaSets carry it too.
 *
 * 1. Rolling catalog back goes through the GitOps hold's confirmation; "Roll
 *    Back in the Cluster Only…" opens the panel, whose preflight names the
 *    Application and its automated sync, says the next sync re-applies Git,
 *    and proceeds only as "Roll Back in the Cluster Anyway"; the rollback
 *    records the acknowledged owner and the reason.
 * 2. Rolling the Application itself back: the panel says auto-sync is paused
 *    first, shows the sources diff and the two patches it sends; Roll Back
 *    pauses auto-sync and sets operation.sync with the reason, exactly what
 *    the API server then holds — and, with no controller to run the sync,
 *    the panel reports that the sync did not finish and why.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { parse } from 'yaml';
import { startPlane, type Plane } from '../cluster/plane';
import { capture, copyDirectory, failureSteps, openSession, quickPick as answerQuickPick, rollbackPanel, ROOT, type Session } from './support';

const GIT_IDENTITY = { GIT_AUTHOR_NAME: 'Rollback Guard E2E', GIT_AUTHOR_EMAIL: 'e2e@example.invalid', GIT_COMMITTER_NAME: 'Rollback Guard E2E', GIT_COMMITTER_EMAIL: 'e2e@example.invalid' };
const SHA = ['1111111111111111111111111111111111111111', '2222222222222222222222222222222222222222', '3333333333333333333333333333333333333333'];
const TRACKING = 'bookstore:apps/Deployment:bookstore/catalog';
const REASON = 'INC-5120 catalog 1.4.2 drops search facets';
const APP_REASON = 'INC-5121 back to the last good deploy';
/** How long the panel follows a sync (there is no controller to run it). */
const TIMEOUT_SECONDS = 45;

const CATALOG = ['1.2.0', '1.3.0', '1.4.2'];

/** deployment/catalog at `version`, as Argo CD applies it: with its tracking annotation. */
function catalogManifest(version: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'catalog', namespace: 'bookstore', labels: { app: 'catalog' }, annotations: { 'argocd.argoproj.io/tracking-id': TRACKING, 'kubernetes.io/change-cause': `catalog ${version}` } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'catalog' } }, template: { metadata: { labels: { app: 'catalog' } }, spec: { containers: [{ name: 'catalog', image: `ghcr.io/bookstore/catalog:${version}`, ports: [{ containerPort: 8080 }] }] } } },
  });
}

type App = { metadata: { resourceVersion: string }; spec: { source: Record<string, unknown>; syncPolicy?: Record<string, unknown> }; operation?: { sync?: { revision?: string; source?: unknown }; info?: { name: string; value: string }[]; initiatedBy?: unknown }; status?: Record<string, unknown> };

let plane: Plane;
let session: Session;
let workspace: string;

before(async () => {
  plane = await startPlane({ stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'rg-e2e-argocd-plane-')) });
  assert.ok(plane.crds.includes('applications.argoproj.io'), plane.crds.join(', '));
  await plane.kubectl(['create', 'namespace', 'bookstore']);
  for (const version of CATALOG) {
    await plane.kubectl(['apply', '-f', '-'], { input: catalogManifest(version) });
    await plane.kubectl(['rollout', 'status', 'deployment/catalog', '-n', 'bookstore', '--timeout=120s']);
  }
  // The bookstore's Application, and the history its controller would have recorded (three syncs, the last one live).
  const app = parse(fs.readFileSync(path.join(ROOT, 'examples', 'bookstore', 'argocd', 'bookstore.yaml'), 'utf8')) as { spec: { source: Record<string, unknown> } };
  await plane.kubectl(['create', 'namespace', 'argocd']);
  await plane.kubectl(['apply', '-f', '-'], { input: JSON.stringify(app) });
  const source = app.spec.source;
  const history = SHA.map((revision, id) => ({ id, revision, source, deployedAt: `2025-06-0${id + 1}T10:00:00Z`, deployStartedAt: `2025-06-0${id + 1}T09:59:50Z`, initiatedBy: { automated: true } }));
  // Application has no status subresource: the controller writes status on the object itself.
  await plane.kubectl(['-n', 'argocd', 'patch', 'application/bookstore', '--type', 'merge', '-p', JSON.stringify({ status: { history, sync: { status: 'Synced', revision: SHA[2] }, health: { status: 'Healthy' }, operationState: { phase: 'Succeeded', message: 'successfully synced', startedAt: '2025-06-03T09:59:50Z', finishedAt: '2025-06-03T10:00:00Z', operation: { sync: { revision: SHA[2] }, initiatedBy: { automated: true } } } } })]);
  workspace = copyDirectory(path.join(ROOT, 'examples', 'bookstore'), 'rg-e2e-argocd-');
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'bookstore']]) execFileSync('git', args, { cwd: workspace, env: { ...process.env, ...GIT_IDENTITY } });
  session = await openSession('argocd-panel', workspace, { env: { KUBECONFIG: plane.kubeconfigPath, ...GIT_IDENTITY }, settings: { 'rollbackGuard.cluster.rolloutTimeoutSeconds': TIMEOUT_SECONDS } });
});

after(async () => {
  await session?.stop(failed());
  await plane?.stop();
});

const { step, failed } = failureSteps(() => session);

async function shot(name: string): Promise<void> {
  await session.workbench.page.mouse.move(700, 6);
  await session.workbench.page.waitForTimeout(500);
  await capture(session, name);
}

/** The rollback panel's page (the webview's inner frame), once its heading shows `headline`. */
const panel = (headline: RegExp, timeoutMs?: number): Promise<Frame> => rollbackPanel(session.workbench, headline, timeoutMs);

/** Waits for the quick input titled `title`, types `filter` and picks the row whose label starts with `label`. */
const quickPick = (title: RegExp, label: string, filter?: string): Promise<void> => answerQuickPick(session.workbench, title, label, filter);

/** The check `id` of the panel. */
function check(frame: Frame, id: string) {
  return frame.locator('.check').filter({ has: frame.locator('.id', { hasText: new RegExp(`^${id}$`) }) });
}

async function catalog(): Promise<{ image: string; annotations: Record<string, string> }> {
  const d = JSON.parse((await plane.kubectl(['get', 'deployment', 'catalog', '-n', 'bookstore', '-o', 'json'])).stdout) as { metadata: { annotations: Record<string, string> }; spec: { template: { spec: { containers: { image: string }[] } } } };
  return { image: d.spec.template.spec.containers[0]!.image, annotations: d.metadata.annotations };
}

async function application(): Promise<App> {
  return JSON.parse((await plane.kubectl(['get', 'application', 'bookstore', '-n', 'argocd', '-o', 'json'])).stdout) as App;
}

test('a workload an Argo CD Application tracks: the hold offers the cluster-only rollback, and the panel names the Application, its auto-sync and what the next sync does', () =>
  step('owned workload', async () => {
    const { page } = session.workbench;
    assert.equal((await catalog()).image, 'ghcr.io/bookstore/catalog:1.4.2');
    await session.workbench.runCommand('Rollback Guard: Roll Back Workload…');
    await quickPick(/Roll Back: kube context/, 'rg-admin');
    await quickPick(/Roll Back: namespace in rg-admin/, 'bookstore');
    await quickPick(/Roll Back: workload in bookstore/, 'deployment/catalog');
    await quickPick(/Roll Back: revision of deployment\/catalog/, 'revision 1', '1');
    // Under GitOps the rollback is first offered as pause, roll back and hold; the cluster-only rollback opens the panel.
    const dialog = page.locator('.monaco-dialog-box').filter({ hasText: 'deployment/catalog' });
    await dialog.waitFor({ state: 'visible', timeout: 120_000 });
    assert.match(await dialog.innerText(), /Pause Argo CD Application bookstore's auto-sync, then roll deployment\/catalog in namespace "bookstore" back from revision 3 to 1/);
    await shot('01-hold-confirmation');
    await dialog.locator('.monaco-button', { hasText: /^Roll Back in the Cluster Only…$/ }).click();

    const frame = await panel(/^Roll back deployment\/catalog in namespace bookstore \(context rg-admin\) from revision 3 to revision 1: catalog:1\.4\.2 → catalog:1\.2\.0\.$/);
    const gitops = check(frame, 'gitops');
    assert.equal(await gitops.count(), 1, (await frame.locator('.check .id').allInnerTexts()).join(', '));
    assert.match(await gitops.locator('.title').innerText(), /^managed by Argo CD Application bookstore: bookstore syncs automatically and would re-apply the current version$/);
    // A failed check starts open, with its evidence: the tracking annotation and the Application's automated sync.
    assert.equal(await gitops.locator('details').getAttribute('open'), '');
    const evidence = await gitops.locator('.evidence').innerText();
    assert.match(evidence, new RegExp(`annotation argocd\\.argoproj\\.io/tracking-id=${TRACKING}`));
    assert.match(evidence, /Argo CD Application argocd\/bookstore is active .*: its next sync/);
    assert.match(await gitops.locator('.hint').innerText(), /argocd|Git/i);
    // Not a refusal: the panel proceeds only as a cluster-side change, said next to the button.
    assert.equal(await frame.locator('.refusal').count(), 0);
    assert.match(await frame.locator('.gitops').innerText(), new RegExp(`^GitOps: Argo CD Application bookstore \\(annotation argocd\\.argoproj\\.io/tracking-id=${TRACKING}\\) manages this; its next sync re-applies what Git holds\\. Rolling back here is a cluster-side change\\.$`));
    const button = frame.locator('#rollback');
    assert.equal(await button.innerText(), 'Roll Back in the Cluster Anyway');
    assert.equal(await button.isDisabled(), false);
    assert.notEqual(await frame.evaluate(() => document.activeElement?.id), 'rollback', 'Roll Back is not the focused default');
    await frame.locator('#reason').fill(REASON);
    await shot('02-panel-argocd-owned-workload');
    await button.click();
    const done = await panel(/^Rolled back deployment\/catalog to revision 1/, 240_000);
    assert.match(await done.locator('#headline').innerText(), /now revision 4/);
    const after = await catalog();
    assert.equal(after.image, 'ghcr.io/bookstore/catalog:1.2.0');
    assert.equal(after.annotations['kubernetes.io/change-cause'], `rolled back to revision 1: ${REASON}`);
    assert.equal(after.annotations['argocd.argoproj.io/tracking-id'], TRACKING, 'the tracking annotation is left alone');
    // The evidence names the owner, acknowledged by the operator, and the reason.
    const dir = path.join(workspace, '.rollback-guard', 'evidence');
    const records = fs.readdirSync(dir).filter((f) => f.endsWith('deployment-catalog.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { reason?: string; gitops: { owner: string; evidence: string; acknowledged: boolean }[]; outcome: { status: string } });
    const record = records.find((r) => r.outcome.status === 'rolled-back');
    assert.ok(record, JSON.stringify(records));
    assert.equal(record.reason, REASON);
    assert.deepEqual(record.gitops, [{ owner: 'argocd bookstore', evidence: `annotation argocd.argoproj.io/tracking-id=${TRACKING}`, acknowledged: true }]);
    // The Application was not touched by a cluster-only rollback.
    assert.deepEqual((await application()).spec.syncPolicy, { automated: { prune: true, selfHeal: true } });
    await done.locator('button', { hasText: 'Close' }).click();
  }));

test('the Argo CD Application in the panel: auto-sync paused first, the sources diff, the patches sent; Roll Back writes them with the reason', () =>
  step('application', async () => {
    const before = await application();
    await session.workbench.runCommand('Rollback Guard: Roll Back Workload…');
    await quickPick(/Roll Back: kube context/, 'rg-admin');
    await quickPick(/Roll Back: namespace in rg-admin/, 'argocd');
    await quickPick(/Roll Back: workload in argocd/, 'application/bookstore', 'bookstore');
    await quickPick(/Roll Back: deployment of Argo CD Application bookstore/, 'history 0', 'history 0');
    const frame = await panel(/^Pause auto-sync of Argo CD Application bookstore in namespace argocd \(context rg-admin\), then roll it back from history 2 \(3333333\) to history 0 \(1111111\)\.$/);
    const autoSync = check(frame, 'auto-sync');
    assert.equal(await autoSync.count(), 1, (await frame.locator('.check .id').allInnerTexts()).join(', '));
    assert.equal(await autoSync.getAttribute('class'), 'check warn');
    for (const id of ['rbac', 'dry-run']) assert.equal(await check(frame, id).getAttribute('class'), 'check pass', `${id} passed`);
    assert.match(await frame.locator('#diff-heading').innerText(), /^Application sources: deployed now → target$/);
    const diff = await frame.locator('pre').innerText();
    assert.match(diff, /-.*3333333333333333333333333333333333333333[\s\S]*\+.*1111111111111111111111111111111111111111/);
    const sent = await frame.locator('.sent li').allInnerTexts();
    assert.deepEqual(sent.map((s) => s.split(':')[0]), ['merge patch pausing auto-sync', 'merge patch setting operation.sync to history 0, guarded by resourceVersion ' + before.metadata.resourceVersion + '; the Argo CD controller runs the sync']);
    // The syncPolicy holds nothing but automated: it goes, as `argocd app set --sync-policy none` leaves it.
    assert.match(sent[0]!, /"spec":\{"syncPolicy":null\}/);
    assert.match(await frame.locator('#reason-help').innerText(), /the operation's info \(Reason\)/);
    const button = frame.locator('#rollback');
    assert.equal(await button.innerText(), 'Pause Auto-Sync, Then Roll Back');
    await frame.locator('#reason').fill(APP_REASON);
    await shot('03-panel-argocd-application');
    await frame.locator('pre').scrollIntoViewIfNeeded();
    // The diff is drawn line under line, with no empty line between two.
    const gaps = await frame.locator('pre .line').evaluateAll((els) => els.slice(1).map((e, i) => Math.round(e.getBoundingClientRect().top - els[i]!.getBoundingClientRect().bottom)));
    assert.ok(gaps.length >= 6 && gaps.every((g) => g <= 1), `gaps between the diff's lines: ${gaps.join(', ')} px`);
    await shot('03b-panel-argocd-application-diff');
    await button.click();
    // No Argo CD controller runs here: the operation is set and stays set; the panel says the sync did not finish, and why.
    const done = await panel(/sync did not finish/, (TIMEOUT_SECONDS + 120) * 1000);
    assert.match(await done.locator('.outcome').innerText(), /Is the controller running\?/);
    const after = await application();
    assert.equal(after.spec.syncPolicy?.automated, undefined, 'auto-sync paused');
    assert.equal(after.operation?.sync?.revision, SHA[0]);
    assert.deepEqual(after.operation?.sync?.source, before.spec.source);
    assert.deepEqual(after.operation?.info, [{ name: 'Reason', value: APP_REASON }]);
    await shot('04-panel-argocd-application-sent');
  }));
