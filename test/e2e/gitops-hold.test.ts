/**
 * A rollback GitOps will not undo, in the editor: the packaged extension in
 * code-server, the workspace a clone of the Git repository a real Flux
 * (source-controller and kustomize-controller, test/cluster/README.md)
 * reconciles shop/web from. From revision 1's context menu: pause the
 * Kustomization, roll back and hold; the tree shows the hold and the paused
 * Kustomization; Flux's reconcile leaves the rollback alone; "Make the
 * Manifest Match" commits the running image and the commit lands on main;
 * once the window passed and Git matches, Resume GitOps puts the
 * Kustomization back and Flux keeps the good version.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { startFlux, type FluxControllers } from '../../scripts/cluster/flux';
import { git } from '../../scripts/cluster/gitServer';
import { startPlane, type Plane } from '../cluster/plane';
import { capture, chooseFromContextMenu, openSession, type Session } from './support';

const GIT_IDENTITY = { GIT_AUTHOR_NAME: 'Rollback Guard E2E', GIT_AUTHOR_EMAIL: 'e2e@example.invalid', GIT_COMMITTER_NAME: 'Rollback Guard E2E', GIT_COMMITTER_EMAIL: 'e2e@example.invalid' };
const NS = 'shop';
const FLUX_NS = 'flux-system';
const MANIFEST = 'apps/web/deployment.yaml';
const WINDOW_SECONDS = 20;

let plane: Plane;
let flux: FluxControllers;
let session: Session;
let workspace: string;
let failed = false;

function deployment(image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: ${image}
          resources: {requests: {cpu: 10m, memory: 16Mi}}
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

async function json<T>(args: string[]): Promise<T> {
  return JSON.parse((await plane.kubectl([...args, '-o', 'json'])).stdout) as T;
}
const liveImage = async () => (await json<{ spec: { template: { spec: { containers: { image: string }[] } } } }>(['-n', NS, 'get', 'deployment/web'])).spec.template.spec.containers[0]!.image;
const kustomization = () => json<{ spec: { suspend?: boolean }; status?: { lastAppliedRevision?: string } }>(['-n', FLUX_NS, 'get', 'kustomization.kustomize.toolkit.fluxcd.io/apps']);
const sourceRevision = async () => (await json<{ status?: { artifact?: { revision?: string } } }>(['-n', FLUX_NS, 'get', 'gitrepository.source.toolkit.fluxcd.io/fleet'])).status?.artifact?.revision ?? '';

async function release(clone: string, image: string, message: string): Promise<string> {
  fs.writeFileSync(path.join(clone, MANIFEST), deployment(image));
  await git(['-C', clone, 'add', '-A'], { env: GIT_IDENTITY });
  await git(['-C', clone, 'commit', '-q', '-m', message], { env: GIT_IDENTITY });
  await git(['-C', clone, 'push', '-q', 'origin', 'HEAD:main']);
  return (await git(['-C', clone, 'rev-parse', 'HEAD'])).trim();
}

async function applied(sha: string): Promise<void> {
  await flux.reconcile('GitRepository', FLUX_NS, 'fleet');
  await until(`the source at ${sha.slice(0, 8)}`, async () => ((await sourceRevision()).endsWith(sha) ? true : undefined));
  await flux.reconcile('Kustomization', FLUX_NS, 'apps');
  await until(`the Kustomization at ${sha.slice(0, 8)}`, async () => ((await kustomization()).status?.lastAppliedRevision?.endsWith(sha) ? true : undefined));
  await plane.kubectl(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutSeconds: 150 });
}

before(async () => {
  plane = await startPlane({ stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'rg-e2e-gitops-plane-')) });
  flux = await startFlux(plane, { log: (l) => console.error(`[flux] ${l}`) });
  await plane.kubectl(['create', 'namespace', NS]);
  const url = flux.git.createRepo('fleet');
  const seed = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-e2e-fleet-seed-'));
  await git(['clone', '-q', url, seed]);
  fs.mkdirSync(path.join(seed, 'apps', 'web'), { recursive: true });
  fs.writeFileSync(path.join(seed, 'apps', 'web', 'kustomization.yaml'), 'resources: [deployment.yaml]\n');
  const first = await release(seed, 'registry.example/web:1.0.0', 'web 1.0.0');
  await plane.kubectl(['apply', '-f', '-'], {
    input: `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: fleet, namespace: ${FLUX_NS}}
spec: {interval: 1m, url: "${url}", ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: ${FLUX_NS}}
spec: {interval: 1m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: fleet}}
`,
  });
  await until('the first commit applied', async () => ((await kustomization()).status?.lastAppliedRevision?.endsWith(first) ? true : undefined), 180_000);
  await applied(await release(seed, 'registry.example/web:1.1.0', 'web 1.1.0'));
  // The developer's clone, opened in the editor.
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-e2e-fleet-'));
  await git(['clone', '-q', url, workspace]);
  session = await openSession('gitops', workspace, {
    env: { KUBECONFIG: plane.kubeconfigPath, ...GIT_IDENTITY },
    settings: { 'rollbackGuard.cluster.holdWindowSeconds': WINDOW_SECONDS, 'rollbackGuard.cluster.namespaces': [NS, FLUX_NS] },
  });
});

after(async () => {
  await session?.stop(failed);
  await flux?.stop();
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

function pane(): Locator {
  return session.workbench.page.locator('.pane').filter({ has: session.workbench.page.locator('.pane-header', { hasText: /Cluster History/i }) });
}

function row(label: string): Locator {
  return pane().locator(`.monaco-list-row[aria-label^="${label}"]`);
}

async function rows(): Promise<string[]> {
  return pane().locator('.monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? (e as HTMLElement).innerText)).catch(() => []);
}

async function waitFor(what: string, predicate: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate().catch(() => false)) return;
    await session.workbench.page.waitForTimeout(500);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms; the view shows:\n${(await rows()).join('\n')}`);
}


/** Runs `item` from the context menu of the row `label` and waits for `shown`: the action shows it on its first run. */
async function fromMenu(label: string, item: string, shown: Locator, timeoutMs = 30_000): Promise<void> {
  await chooseFromContextMenu(session.workbench, row(label), item);
  await shown.waitFor({ state: 'visible', timeout: timeoutMs });
}

test('the view shows shop/web as GitOps-managed and the Flux Kustomization reconciling it', () =>
  step('tree', async () => {
    const { page } = session.workbench;
    await page.locator('.activitybar .action-item a[aria-label^="Rollback Guard"], .activitybar .action-item[aria-label^="Rollback Guard"]').first().click();
    await page.locator('.pane-header', { hasText: 'Rollback Risks' }).first().click();
    const sidebar = await page.locator('#workbench\\.parts\\.sidebar').boundingBox();
    if (sidebar) {
      await page.mouse.move(sidebar.x + sidebar.width + 1, sidebar.y + sidebar.height / 2);
      await page.mouse.down();
      await page.mouse.move(sidebar.x + 720, sidebar.y + sidebar.height / 2, { steps: 8 });
      await page.mouse.up();
    }
    await waitFor('Deployment web', async () => (await row('Deployment web').count()) > 0);
    assert.match((await row('Deployment web').first().getAttribute('aria-label')) ?? '', /2 revisions · live 2 · GitOps/);
    await waitFor('Flux Kustomization apps', async () => (await row('Flux Kustomization apps').count()) > 0);
    assert.match((await row('Flux Kustomization apps').first().getAttribute('aria-label')) ?? '', /reconciling/);
    await row('Deployment web').first().click();
    await waitFor('revision 1', async () => (await row('revision 1,').count()) > 0);
  }));

test('Roll Back to This Revision on a GitOps-managed workload pauses the Kustomization, rolls back and holds it, after one confirmation', () =>
  step('hold', async () => {
    const { page } = session.workbench;
    const dialog = page.locator('.monaco-dialog-box').filter({ hasText: 'Pause Flux Kustomization flux-system/apps' });
    await fromMenu('revision 1,', 'Roll Back to This Revision', dialog, 90_000);
    const text = await dialog.innerText();
    assert.match(text, /Pause Flux Kustomization flux-system\/apps, then roll deployment\/web in namespace "shop" back from revision 2 to 1, and hold it for 20 s\?/);
    assert.match(text, /loops: 1 loop\(s\) would re-apply deployment\/web: Flux Kustomization flux-system\/apps paused first/);
    assert.match(text, /hold: then held for 20 s: rollout complete, pods ready, restarts not rising, no new Warning events/);
    await capture(session, '01-hold-confirmation', 'gitops-hold-confirmation.png');
    await dialog.locator('.monaco-button', { hasText: /^Pause and Roll Back$/ }).click();
    await session.workbench.waitForNotification(/Rolled back deployment\/web to revision 1 and paused Kustomization apps: held for 20 s/, { timeoutMs: 180_000, centre: true });
    assert.equal(await liveImage(), 'registry.example/web:1.0.0');
    assert.equal((await kustomization()).spec.suspend, true);
  }));

test('the tree shows the hold under the workload and the Kustomization paused for it; Flux leaves the rollback alone', () =>
  step('held state', async () => {
    await waitFor('the hold row', async () => (await pane().locator('.monaco-list-row[aria-label^="deployment/web held by Rollback Guard since"]').count()) > 0, 90_000);
    // The window is 20 s: on a fast machine the hold may be verified already.
    await waitFor('the health check to run', async () => /(healthy \d+\/20 s|verified \(healthy 20 s\)) · Git matches live: no/.test((await rows()).join('\n')), 60_000);
    await waitFor('the Kustomization paused for web', async () => /Flux Kustomization apps, paused by Rollback Guard for deployment\/web/.test((await rows()).join('\n')));
    await flux.reconcile('Kustomization', FLUX_NS, 'apps');
    await sleep(3000);
    assert.equal(await liveImage(), 'registry.example/web:1.0.0', 'the paused Kustomization did not re-apply Git');
    await capture(session, '02-held', 'gitops-held.png');
  }));

test('the editor closed and opened again while held: the tree reads the hold and the paused Kustomization back from the cluster', () =>
  step('reopened', async () => {
    const { page } = session.workbench;
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 120_000 });
    // The workbench restores the side bar as it was, a moment after it shows: a click on the active container's
    // icon before that would close it again, so it is clicked only when the view does not come back by itself.
    if (!(await pane().waitFor({ state: 'visible', timeout: 30_000 }).then(() => true, () => false))) {
      await page.locator('.activitybar .action-item a[aria-label^="Rollback Guard"], .activitybar .action-item[aria-label^="Rollback Guard"]').first().click();
      await pane().waitFor({ state: 'visible', timeout: 30_000 });
    }
    await waitFor('the hold row after reopening', async () => /deployment\/web held by Rollback Guard since \d\d:\d\d · (healthy \d+\/20 s|verified \(healthy 20 s\)) · Git matches live: no/.test((await rows()).join('\n')), 120_000);
    await waitFor('the Kustomization still paused for web', async () => /Flux Kustomization apps, paused by Rollback Guard for deployment\/web/.test((await rows()).join('\n')));
    assert.equal(await liveImage(), 'registry.example/web:1.0.0');
    assert.equal((await kustomization()).spec.suspend, true);
  }));

test('Make the Manifest Match commits the running image; once the commit lands the tree says Git matches, and after the window, verified', () =>
  step('make git match', async () => {
    const { page } = session.workbench;
    await waitFor('the window to pass: verified', async () => /verified \(healthy 20 s\) · Git matches live: no/.test((await rows()).join('\n')), 120_000);
    const dialog = page.locator('.monaco-dialog-box').filter({ hasText: 'on a new branch' });
    await fromMenu('deployment/web held by Rollback Guard', 'Make the Manifest Match the Cluster', dialog);
    await dialog.locator('.monaco-button', { hasText: /^Commit on New Branch$/ }).click();
    const created = await session.workbench.waitForNotification(/Created (rollback\/deployment-web-revision-\d+)/, { timeoutMs: 60_000 });
    const branch = /Created (rollback\/deployment-web-revision-\d+)/.exec(created)![1]!;
    // The held rollback is one Rollback Guard ran: the commit says so, from the hold row too.
    assert.match(await git(['-C', workspace, 'log', '-1', '--format=%B', branch]), /since Rollback Guard rolled the Deployment back to revision 1\./);
    // The branch is reviewed and merged: it lands on main, where Flux reads.
    await git(['-C', workspace, 'push', '-q', 'origin', `${branch}:main`]);
    const sha = (await git(['-C', workspace, 'rev-parse', branch])).trim();
    await git(['-C', workspace, 'fetch', '-q', 'origin']);
    await flux.reconcile('GitRepository', FLUX_NS, 'fleet');
    await until('source-controller to fetch the matching commit', async () => ((await sourceRevision()).endsWith(sha) ? true : undefined));
    await waitFor('Git matches live: yes, verified', async () => /verified \(healthy 20 s\) · Git matches live: yes/.test((await rows()).join('\n')), 120_000);
    await capture(session, '03-verified-git-matches');
  }));

test('Resume GitOps puts the Kustomization back as it was, ends the hold, and Flux keeps the good version', () =>
  step('resume', async () => {
    const { page } = session.workbench;
    const dialog = page.locator('.monaco-dialog-box').filter({ hasText: 'Resume Flux Kustomization flux-system/apps' });
    await fromMenu('deployment/web held by Rollback Guard', 'Resume GitOps After a Held Rollback', dialog);
    assert.match(await dialog.innerText(), /Git matches live: yes/);
    await dialog.locator('.monaco-button', { hasText: /^Resume$/ }).click();
    const done = await session.workbench.waitForNotification(/Resumed Flux Kustomization flux-system\/apps; the hold on deployment\/web is over/, { timeoutMs: 60_000 });
    assert.match(done, /Decide \d+ s · execute \d+ s · verify \d+ s/);
    assert.equal((await kustomization()).spec.suspend, undefined);
    await waitFor('the hold row to go', async () => (await pane().locator('.monaco-list-row[aria-label*="held by Rollback Guard"]').count()) === 0, 60_000);
    const sha = (await git(['-C', workspace, 'rev-parse', 'origin/main'])).trim();
    await until('Flux to apply the matching commit', async () => ((await kustomization()).status?.lastAppliedRevision?.endsWith(sha) ? true : undefined));
    assert.equal(await liveImage(), 'registry.example/web:1.0.0');
    await capture(session, '04-resumed');
  }));

test('a Warning event during a second hold fails the validation: the tree says what failed, the loop stays paused, and the notification offers to roll further back or to escalate', () =>
  step('failed validation', async () => {
    const { page } = session.workbench;
    if ((await row('revision 2,').count()) === 0) await row('Deployment web').first().click();
    await waitFor('revision 2', async () => (await row('revision 2,').count()) > 0);
    const dialog = page.locator('.monaco-dialog-box').filter({ hasText: 'Pause Flux Kustomization flux-system/apps' });
    await fromMenu('revision 2,', 'Roll Back to This Revision', dialog, 90_000);
    await dialog.locator('.monaco-button', { hasText: /^Pause and Roll Back$/ }).click();
    await session.workbench.waitForNotification(/Rolled back deployment\/web to revision 2 and paused Kustomization apps/, { timeoutMs: 180_000, centre: true });
    assert.equal(await liveImage(), 'registry.example/web:1.1.0');
    // The kubelet's word that a container of the rolled-back version keeps crashing.
    const pods = await json<{ items: { metadata: { name: string; deletionTimestamp?: string } }[] }>(['-n', NS, 'get', 'pods', '-l', 'app=web']);
    const pod = pods.items.find((p) => !p.metadata.deletionTimestamp)!.metadata.name;
    const now = new Date(Date.now() + 1000).toISOString();
    await plane.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { name: `${pod}.backoff`, namespace: NS }, involvedObject: { kind: 'Pod', name: pod, namespace: NS }, type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container web', count: 3, firstTimestamp: now, lastTimestamp: now, source: { component: 'kubelet' } }),
    });
    await waitFor('the failed validation in the tree', async () => /held by Rollback Guard since \d\d:\d\d · validation failed: Warning BackOff on pod\/web-/.test((await rows()).join('\n')), 90_000);
    const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'failed validation' });
    await toast.first().waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await toast.first().innerText(), /The rollback of deployment\/web in shop failed validation: Warning BackOff on pod\/web-\S+: Back-off restarting failed container web \(×3\)\. The GitOps loops stay paused\./);
    assert.equal(await toast.first().locator('.monaco-button', { hasText: 'Roll Further Back…' }).count(), 1);
    await capture(session, '05-validation-failed', 'gitops-validation-failed.png');
    await toast.first().locator('.monaco-button', { hasText: 'Escalate…' }).click();
    await session.workbench.waitForNotification(/Copied a summary of the failed validation to the clipboard/, { timeoutMs: 30_000 });
    assert.equal((await kustomization()).spec.suspend, true, 'the loop stays paused after a failed validation');
    assert.equal(await liveImage(), 'registry.example/web:1.1.0');
  }));
