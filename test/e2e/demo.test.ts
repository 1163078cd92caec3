/**
 * `npm run demo` as a user runs it, then the editor it opens: the demo
 * (scripts/demo.mjs) with its own cache directory (the editor and the plane's
 * binaries linked in from the real cache, so nothing is rebuilt) and its own
 * demo repository. It must return with a ready, seeded cluster; in the editor
 * it opens, the Helm release rolls back in the rollback panel with the helm
 * the demo built (the extension host's PATH, the login shell's, has none: the
 * demo sets rollbackGuard.cluster.helmPath in code-server's Machine settings);
 * `npm run demo -- --stop` must leave no process behind.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { childEnv } from '../../scripts/childEnv.mjs';
import { attachPlane } from '../cluster/plane';
import { demoWorkdir, processesNaming, runDemo } from './demoSupport';
import { openWorkbench, type Workbench } from './harness/browser';
import { artifactsDir, quickPick, rollbackPanel } from './support';

let work: string;
let cache: string;
let env: Record<string, string>;
let workbench: Workbench | undefined;
let demoOutput = '';

/** Runs scripts/demo.mjs with `args` in the demo's environment. */
const demo = (args: string[], timeoutMs: number) => runDemo(args, { env, timeoutMs });

/** Processes whose command line names the demo's cache or repository. */
const demoProcesses = (): string[] => processesNaming(work);

before(async () => {
  // The installed editor and the built binaries of the real cache: the demo finds them warm.
  ({ work, cache } = demoWorkdir('rg-e2e-demo-', ['editor', 'cluster']));
  env = childEnv({ ROLLBACK_GUARD_CACHE: cache });
  const run = await demo(['--repo', path.join(work, 'repo')], 900_000);
  demoOutput = run.output;
  fs.writeFileSync(path.join(artifactsDir('demo'), 'demo-output.txt'), run.output);
  assert.equal(run.code, 0, run.output);
});

let stopped = false;

after(async () => {
  await workbench?.close();
  // A failed test still stops the demo.
  if (!stopped) await demo(['--stop'], 120_000);
  fs.rmSync(work, { recursive: true, force: true });
});

async function step(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    await workbench?.screenshot(`failure-${name.replace(/\W+/g, '-')}`).catch(() => undefined);
    throw error;
  }
}

function pane(): Locator {
  return workbench!.page.locator('.pane').filter({ has: workbench!.page.locator('.pane-header', { hasText: /Cluster History/i }) });
}

async function waitForRow(prefix: string, timeoutMs = 60_000): Promise<Locator> {
  const row = pane().locator(`.monaco-list-row[aria-label^="${prefix}"]`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await row.count()) > 0) return row.first();
    await workbench!.page.waitForTimeout(500);
  }
  const rows = await pane().locator('.monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  throw new Error(`no row "${prefix}…" within ${timeoutMs} ms; the view shows:\n${rows.join('\n')}`);
}

test('the demo returns with a seeded cluster and prints the editor, the cluster and what to try', () =>
  step('output', async () => {
    assert.match(demoOutput, /Editor: +http:\/\/127\.0\.0\.1:\d+\/\?folder=/);
    assert.match(demoOutput, /Cluster: +KUBECONFIG=\S+kubeconfig \(namespace bookstore\)/);
    assert.match(demoOutput, /Try:/);
    assert.match(demoOutput, /Stop everything with: npm run demo -- --stop/);
    const plane = attachPlane(path.join(cache, 'demo', 'plane'));
    assert.ok(plane, 'the demo\'s plane is recorded and running');
    const releases = await plane.helm(['list', '-n', 'bookstore', '-o', 'json']);
    assert.match(releases.stdout, /"name":"storefront".*"revision":"3"/);
  }));

test('in the editor the demo opened, the Helm release rolls back in the rollback panel with the helm the demo built', () =>
  step('helm rollback', async () => {
    const url = /Editor: +(\S+)/.exec(demoOutput)![1]!;
    workbench = await openWorkbench(url, { screenshotsDir: artifactsDir('demo') });
    const { page } = workbench;
    await page.locator('.activitybar .action-item a[aria-label^="Rollback Guard"], .activitybar .action-item[aria-label^="Rollback Guard"]').first().click();
    await page.locator('.pane-header', { hasText: 'Rollback Risks' }).first().click();
    await waitForRow('rg-admin');
    await waitForRow('bookstore');
    const release = await waitForRow('Helm release storefront');
    await release.click();
    await waitForRow('revision 2, superseded, storefront:3.2.0');
    // From the palette, as the README's Try list allows: in the demo's busy cluster the view redraws its
    // rows on every watch event, and a row's menu command that arrives during a redraw reaches the
    // extension without its row (it then asks which cluster, as the palette does).
    await workbench.runCommand('Rollback Guard: Roll Back Workload…');
    await quickPick(workbench, /Roll Back: kube context/, 'rg-admin');
    await quickPick(workbench, /Roll Back: namespace in rg-admin/, 'bookstore');
    await quickPick(workbench, /Roll Back: workload in bookstore/, 'helm-release/storefront');
    await quickPick(workbench, /Roll Back: revision of Helm release storefront/, 'revision 2', '2');
    const frame = await rollbackPanel(workbench, /^Roll back Helm release storefront in namespace bookstore \(context rg-admin\) from revision 3 to revision 2 with helm rollback \(recorded as revision 4\)/);
    // The helm it runs is the one the demo built (a Machine setting), not one from a PATH.
    const plane = attachPlane(path.join(cache, 'demo', 'plane'))!;
    const tool = frame.locator('.check').filter({ has: frame.locator('.id', { hasText: /^tool$/ }) });
    const used = /^helm .+? at (\/.+)$/.exec((await tool.locator('.title').innerText()).trim());
    assert.ok(used, `the tool check names the helm binary: ${await tool.innerText()}`);
    assert.equal(fs.realpathSync(used[1]!), fs.realpathSync(plane.bin.helm));
    assert.match(await frame.locator('.sent').innerText(), /helm rollback --namespace=bookstore --kube-context=rg-admin --wait --timeout=\d+s -- storefront 2$/m);
    await frame.locator('#reason').fill('demo: storefront 3.2.1 breaks checkout');
    await workbench.screenshot('01-helm-rollback-panel');
    await frame.locator('#rollback').click();
    const done = await rollbackPanel(workbench, /^Rolled back .*storefront to revision 2 \(now revision 4/, 240_000);
    assert.ok(await done.locator('button', { hasText: 'Open Evidence' }).count());
    const history = JSON.parse((await plane.helm(['history', 'storefront', '-n', 'bookstore', '-o', 'json'])).stdout) as { revision: number; status: string; description: string }[];
    const last = history.at(-1)!;
    assert.deepEqual([last.revision, last.status, last.description], [4, 'deployed', 'Rollback to 2']);
    // The reason is recorded in the demo repository's evidence.
    const dir = path.join(work, 'repo', '.rollback-guard', 'evidence');
    const records = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f.includes('storefront')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { reason?: string; outcome: { status: string } });
    assert.ok(records.some((r) => r.reason === 'demo: storefront 3.2.1 breaks checkout' && r.outcome.status === 'rolled-back'), JSON.stringify(records));
    await workbench.screenshot('02-helm-rolled-back');
  }));

test('npm run demo -- --stop stops the editor and the cluster: nothing of the demo is left running', () =>
  step('stop', async () => {
    await workbench?.close();
    workbench = undefined;
    assert.ok(demoProcesses().length > 0, 'the demo runs before it is stopped');
    const run = await demo(['--stop'], 120_000);
    stopped = true;
    fs.appendFileSync(path.join(artifactsDir('demo'), 'demo-output.txt'), `\n--- stop ---\n${run.output}`);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /stopped code-server/);
    assert.match(run.output, /stopped the control plane/);
    assert.deepEqual(demoProcesses(), []);
  }));
