/**
 * The first minutes of `npm run demo`: the editor is open while the local
 * cluster is still being built. With ROLLBACK_GUARD_LOCAL_CLUSTER naming the
 * demo's status file and KUBECONFIG naming a kubeconfig that does not exist
 * yet, the Cluster History view shows the build's line and follows it; when
 * the demo's real cluster job (scripts/demo/cluster.ts) has started and seeded
 * the plane and says ready, the view fills itself with the bookstore history.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { childEnv } from '../../scripts/childEnv.mjs';
import { stopPlane } from '../cluster/plane';
import { capture, copyDirectory, openSession, ROOT, type Session } from './support';

let session: Session;
let dir: string;
let statusFile: string;
let planeDir: string;
let failed = false;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-e2e-local-'));
  statusFile = path.join(dir, 'cluster-status.json');
  planeDir = path.join(dir, 'plane');
  // What the cluster job writes while go builds the plane.
  writeStatus({ state: 'building', text: 'building (kube-apiserver 2/7, ~9 min left)', detail: '2m10s so far, 1200/3400 packages compiled' });
  const workspace = copyDirectory(path.join(ROOT, 'examples', 'bookstore'), 'rg-e2e-local-ws-');
  session = await openSession('local-cluster', workspace, { env: { KUBECONFIG: path.join(planeDir, 'kubeconfig'), ROLLBACK_GUARD_LOCAL_CLUSTER: statusFile } });
});

after(async () => {
  await session?.stop(failed);
  await stopPlane(planeDir, { log: () => undefined });
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeStatus(status: { state: string; text: string; detail?: string }): void {
  fs.writeFileSync(`${statusFile}.tmp`, JSON.stringify({ ...status, pid: process.pid, updatedAt: new Date().toISOString(), elapsedSeconds: 0 }));
  fs.renameSync(`${statusFile}.tmp`, statusFile);
}

function pane(): Locator {
  return session.workbench.page.locator('.pane').filter({ has: session.workbench.page.locator('.pane-header', { hasText: /Cluster History/i }) });
}

async function rows(): Promise<string[]> {
  // The accessible label, then what the row shows (its description included).
  return pane().locator('.monaco-list-row').evaluateAll((els) => els.map((e) => `${e.getAttribute('aria-label') ?? ''} | ${(e as HTMLElement).innerText.replace(/\s+/g, ' ')}`)).catch(() => []);
}

async function waitForRow(what: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = (await rows()).find((r) => what.test(r));
    if (found) return found;
    await session.workbench.page.waitForTimeout(500);
  }
  throw new Error(`no row matching ${what} within ${timeoutMs} ms; the view shows:\n${(await rows()).join('\n')}`);
}

async function step(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    failed = true;
    await session?.workbench.screenshot(`failure-${name.replace(/\W+/g, '-')}`).catch(() => undefined);
    throw error;
  }
}

test('while the cluster builds, the Cluster History view says so and follows the build', () =>
  step('building', async () => {
    const { page } = session.workbench;
    await page.locator('.activitybar .action-item a[aria-label^="Rollback Guard"], .activitybar .action-item[aria-label^="Rollback Guard"]').first().click();
    await page.locator('.pane-header', { hasText: 'Rollback Risks' }).first().click();
    const line = await waitForRow(/^local cluster: building \(kube-apiserver 2\/7, ~9 min left\)/);
    assert.match(line, /1200\/3400 packages compiled/);
    await capture(session, '01-local-cluster-building');
    writeStatus({ state: 'building', text: 'building (kube-controller-manager 3/7, ~4 min left)' });
    await waitForRow(/^local cluster: building \(kube-controller-manager 3\/7, ~4 min left\)/, 20_000);
    // Not the "no reachable kube context" welcome: the view has the status row.
    assert.equal(await pane().getByText('No reachable kube context').count(), 0);
  }));

test('when the demo\'s cluster job has started and seeded the plane, the view fills itself', () =>
  step('ready', async () => {
    const job = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'demo', 'cluster.ts'), statusFile, planeDir, path.join(ROOT, 'examples', 'bookstore', 'charts', 'storefront'), path.join(dir, 'cluster.log')], {
      cwd: ROOT,
      env: childEnv(),
      stdio: ['ignore', fs.openSync(path.join(dir, 'cluster.log'), 'a'), fs.openSync(path.join(dir, 'cluster.log'), 'a')],
    });
    const exited = new Promise<number | null>((resolve) => job.on('exit', (code) => resolve(code)));
    // It passes through "starting" and "seeding" (shown in the view) to "ready".
    await waitForRow(/^local cluster: (starting|seeding)/, 60_000);
    assert.equal(await exited, 0, fs.readFileSync(path.join(dir, 'cluster.log'), 'utf8'));
    assert.equal((JSON.parse(fs.readFileSync(statusFile, 'utf8')) as { state: string }).state, 'ready');
    await waitForRow(/^rg-admin/, 60_000);
    await waitForRow(/^bookstore/, 60_000);
    assert.ok(!(await rows()).some((r) => r.startsWith('local cluster:')), 'the status row is gone once the cluster is ready');
    await capture(session, '02-local-cluster-ready');
  }));
