/**
 * A rollback under a real Flux: source-controller and kustomize-controller
 * built from their Go modules reconcile a Deployment from a Git repository
 * served on loopback by `git http-backend`. Three proofs:
 *
 * 1. a plain rollback in the cluster under an active Kustomization is
 *    re-applied by the controller — and the preflight said it would;
 * 2. the held rollback pauses the Kustomization: the rolled-back version stays
 *    through reconcile requests and new commits, and resume is refused while
 *    Git does not match;
 * 3. once the commit that names the rolled-back image lands and the hold is
 *    resumed, the controller reconciles that commit and keeps the good version.
 *
 * Also: the flow survives an API server restart and a 403 on resume.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster/flux-controllers.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPlane, type Plane } from '../../cluster/plane';
import { startFlux, type FluxControllers } from '../../../scripts/cluster/flux';
import { git } from '../../../scripts/cluster/gitServer';
import { holdOf, holdPreflight, holdStatus, pausedOf, resumeHold, startHold, type ClusterSession, type KubeObject, type WorkloadRef } from '../../../src/cluster';
import { pausePatch } from '../../../src/cluster/hold';
import { GitRepo, commitOnNewBranch, liveMatch } from '../../../src/git';
import { setImages, manifestWorkloads } from '../../../src/extension/cluster/model';
import { spawn } from 'node:child_process';
import { builtCli, getJson, namespace, session } from './helpers';

const NS = 'shop';
const FLUX_NS = 'flux-system';
const ref: WorkloadRef = { kind: 'Deployment', namespace: NS, name: 'web' };

function deployment(image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
  labels: {app: web}
spec:
  replicas: 2
  revisionHistoryLimit: 10
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          # the image CI releases
          image: ${image}
          resources: {requests: {cpu: 10m, memory: 16Mi}}
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The built CLI, run without blocking this process (the Git server the controllers fetch from lives here). */
function cli(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [builtCli(), ...args], { cwd, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(500);
  }
}

describe('a rollback under real Flux controllers', { timeout: 45 * 60 * 1000 }, () => {
  let plane: Plane;
  let flux: FluxControllers;
  let s: ClusterSession;
  let clone: string;
  let repoUrl: string;
  const evidenceDir = mkdtempSync(join(tmpdir(), 'rg-flux-evidence-'));
  const author = ['-c', 'user.name=Release Bot', '-c', 'user.email=release@example.com'];

  const image = async (): Promise<string> => ((await getJson(plane, NS, 'deployment/web')) as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image;
  const kustomization = async () => getJson<{ metadata: { annotations?: Record<string, string> }; spec: { suspend?: boolean }; status?: { lastAppliedRevision?: string; conditions?: { type: string; status: string; reason?: string }[] } }>(plane, FLUX_NS, 'kustomization.kustomize.toolkit.fluxcd.io/apps');
  const sourceRevision = async () => (await getJson<{ status?: { artifact?: { revision?: string } } }>(plane, FLUX_NS, 'gitrepository.source.toolkit.fluxcd.io/fleet')).status?.artifact?.revision;
  const head = async () => (await git(['-C', clone, 'rev-parse', 'HEAD'])).trim();

  /** Commits the manifest with `image` to main and pushes it to the served repository. */
  async function release(img: string, message: string): Promise<string> {
    writeFileSync(join(clone, 'apps', 'web', 'deployment.yaml'), deployment(img));
    await git(['-C', clone, 'add', '-A']);
    await git(['-C', clone, ...author, 'commit', '-q', '-m', message]);
    await git(['-C', clone, 'push', '-q', 'origin', 'HEAD:main']);
    return head();
  }

  /** Asks source-controller to fetch and kustomize-controller to apply now, and waits until `sha` is applied. */
  async function reconcileTo(sha: string): Promise<void> {
    await flux.reconcile('GitRepository', FLUX_NS, 'fleet');
    await waitFor(`GitRepository at ${sha.slice(0, 8)}`, async () => ((await sourceRevision())?.endsWith(sha) ? true : undefined));
    await flux.reconcile('Kustomization', FLUX_NS, 'apps');
    await waitFor(`Kustomization applied ${sha.slice(0, 8)}`, async () => ((await kustomization()).status?.lastAppliedRevision?.endsWith(sha) ? true : undefined));
  }

  before(async () => {
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`) });
    flux = await startFlux(plane, { log: (l) => console.error(`[flux] ${l}`) });
    s = session(plane);
    await namespace(plane, NS);
    repoUrl = flux.git.createRepo('fleet');
    clone = mkdtempSync(join(tmpdir(), 'rg-flux-fleet-'));
    await git(['clone', '-q', repoUrl, clone]);
    mkdirSync(join(clone, 'apps', 'web'), { recursive: true });
    writeFileSync(join(clone, 'apps', 'web', 'kustomization.yaml'), 'resources: [deployment.yaml]\n');
    const first = await release('registry.example/web:1.0.0', 'web 1.0.0');
    await plane.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: fleet, namespace: ${FLUX_NS}}
spec:
  interval: 1m
  url: ${repoUrl}
  ref: {branch: main}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: ${FLUX_NS}}
spec:
  interval: 1m
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: fleet}
`,
    });
    await waitFor('the Kustomization to apply the first commit', async () => ((await kustomization()).status?.lastAppliedRevision?.endsWith(first) ? true : undefined), 180_000);
    await plane.kubectl(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutSeconds: 150 });
    const second = await release('registry.example/web:1.1.0', 'web 1.1.0');
    await reconcileTo(second);
    await plane.kubectl(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutSeconds: 150 });
    assert.equal(await image(), 'registry.example/web:1.1.0');
    // Flux labelled what it applied: that is how the rollback finds its loop.
    const labels = (await getJson<{ metadata: { labels: Record<string, string> } }>(plane, NS, 'deployment/web')).metadata.labels;
    assert.equal(labels['kustomize.toolkit.fluxcd.io/name'], 'apps');
    assert.equal(labels['kustomize.toolkit.fluxcd.io/namespace'], FLUX_NS);
  });

  after(async () => {
    s?.dispose();
    await flux?.stop();
    await plane?.stop();
  });

  test('1. a rollback in the cluster under an active Kustomization is re-applied by kustomize-controller, as the preflight says', async () => {
    const pre = await s.preflight({ ref, toRevision: 1 });
    assert.ok(pre.ok, pre.ok ? '' : pre.error.message);
    const gitops = pre.value.checks.find((c) => c.id === 'gitops')!;
    assert.equal(gitops.status, 'fail');
    assert.match(gitops.title, /managed by Flux Kustomization flux-system\/apps: apps is active \(every 1m\) and would re-apply the current version/);
    assert.ok(gitops.evidence.some((e) => /Flux Kustomization flux-system\/apps is active .*last applied main@sha1:[0-9a-f]{40}.*next reconcile re-applies Git/.test(e)), gitops.evidence.join('\n'));

    const rolled = await s.rollback(pre.value, { acknowledgeGitOps: true, evidenceDir });
    assert.ok(rolled.ok, rolled.ok ? '' : rolled.error.message);
    assert.equal(await image(), 'registry.example/web:1.0.0');
    // The controller's next reconcile (asked for now rather than waiting out the interval) puts Git's version back.
    await flux.reconcile('Kustomization', FLUX_NS, 'apps');
    await waitFor('kustomize-controller to re-apply web:1.1.0', async () => ((await image()) === 'registry.example/web:1.1.0' ? true : undefined));
    const withFields = JSON.parse((await plane.kubectl(['-n', NS, 'get', 'deployment/web', '-o', 'json', '--show-managed-fields'])).stdout) as { metadata: { managedFields: { manager: string }[] } };
    const managers = withFields.metadata.managedFields.map((m) => m.manager);
    assert.ok(managers.includes('kustomize-controller'), managers.join(', '));
    await plane.kubectl(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutSeconds: 150 });
  });

  test('2. the held rollback pauses the Kustomization first; the rolled-back version stays through reconciles and new commits until resume', async () => {
    // kubectl renumbers a restored revision as the newest: find the one that runs 1.0.0 now.
    const history = await s.workloadHistory(ref);
    assert.ok(history.ok);
    const good = history.value.revisions.find((r) => r.images.some((i) => i.image === 'registry.example/web:1.0.0'))!.revision;
    assert.ok(!history.value.revisions.find((r) => r.revision === good)!.live);
    const pre = await holdPreflight(s.client, { ref, toRevision: good }, { productionContexts: [], window: 4 });
    assert.ok(pre.ok, pre.ok ? '' : pre.error.message);
    assert.deepEqual(pre.value.blocking, []);
    const loops = pre.value.checks.find((c) => c.id === 'loops')!;
    assert.equal(loops.status, 'pass');
    assert.match(loops.title, /Flux Kustomization flux-system\/apps paused first/);
    assert.ok(pre.value.checks.some((c) => c.id === 'rbac' && /loops:/.test(c.title) && c.status === 'pass'));

    const openedAt = new Date(Date.now() - 1500).toISOString();
    const held = await startHold(s.client, pre.value, { openedAt, window: 4, evidenceDir });
    assert.ok(held.ok, held.ok ? '' : held.error.message);
    assert.equal(await image(), 'registry.example/web:1.0.0');
    const ks = await kustomization();
    assert.equal(ks.spec.suspend, true);
    const paused = pausedOf({ metadata: ks.metadata as { name: string } });
    assert.equal(paused?.object, 'Deployment shop/web');
    assert.deepEqual(paused?.restore, { field: 'spec.suspend', value: null, reason: null });
    assert.match(ks.metadata.annotations?.['suspend.toolkit.fluxcd.io/reason'] ?? '', /held by Rollback Guard: rollback of deployment\/web/);

    // A new commit in Git and explicit reconcile requests: a suspended Kustomization applies none of it.
    const unrelated = await (async () => {
      writeFileSync(join(clone, 'README.md'), 'fleet\n');
      await git(['-C', clone, 'add', '-A']);
      await git(['-C', clone, ...author, 'commit', '-q', '-m', 'docs']);
      await git(['-C', clone, 'push', '-q', 'origin', 'HEAD:main']);
      return head();
    })();
    await flux.reconcile('GitRepository', FLUX_NS, 'fleet');
    await waitFor('source-controller to fetch the new commit', async () => ((await sourceRevision())?.endsWith(unrelated) ? true : undefined));
    for (let i = 0; i < 4; i++) {
      await flux.reconcile('Kustomization', FLUX_NS, 'apps');
      await sleep(2000);
      assert.equal(await image(), 'registry.example/web:1.0.0', `still rolled back after reconcile request ${i + 1}`);
    }
    assert.ok(!(await kustomization()).status?.lastAppliedRevision?.endsWith(unrelated), 'the suspended Kustomization applied nothing new');
    assert.match(readFileSync(flux.logFile('kustomize-controller'), 'utf8'), /Reconciliation is suspended for this object/);

    // The hold is on the Deployment; verification passes after the window.
    const st = await waitFor('the window to pass', async () => {
      const r = await holdStatus(s.client, ref, { persist: true });
      return r.ok && r.value.verdict?.verdict === 'verified' ? r.value : undefined;
    }, 30_000);
    assert.equal(st.hold?.step, 'verified');
    assert.ok(holdOf(st.object)?.verify.passedAt, 'the verdict is recorded on the Deployment');

    // Git still names web:1.1.0 at the source's revision: resume is refused without confirmation.
    const repo = (await GitRepo.open(clone))!;
    const mismatch = await liveMatch(repo, { revision: (await sourceRevision())!, workload: { kind: 'Deployment', name: 'web', namespace: NS }, liveImages: ['registry.example/web:1.0.0'] });
    assert.equal(mismatch.matches, false);
    assert.match(mismatch.detail, /gives deployment\/web registry\.example\/web:1\.1\.0 \(apps\/web\/deployment\.yaml\); it runs registry\.example\/web:1\.0\.0/);
    const refused = await resumeHold(s.client, ref, { gitMatch: { matches: mismatch.matches, detail: mismatch.detail } });
    assert.ok(!refused.ok);
    assert.equal(refused.error.kind, 'needs-confirmation');
    assert.equal((await kustomization()).spec.suspend, true, 'still paused after the refused resume');
  });

  test('the flow survives an API server restart, and a 403 on resume leaves everything paused and resumable', async () => {
    await plane.stopApiserver({ signal: 'SIGKILL' });
    await plane.startApiserver();
    const st = await holdStatus(s.client, ref);
    assert.ok(st.ok, st.ok ? '' : st.error.message);
    assert.equal(st.value.hold?.step, 'verified');
    assert.equal(st.value.pausedFor.length, 1);

    const readonly = session(plane, plane.contexts.readonly);
    const denied = await resumeHold(readonly.client, ref, { confirmed: 'test: the read-only user tries' });
    readonly.dispose();
    assert.ok(!denied.ok);
    assert.equal(denied.error.kind, 'forbidden');
    assert.match(denied.error.hint, /Flux Kustomization flux-system\/apps stays paused and the hold stays/);
    const after403 = await holdStatus(s.client, ref);
    assert.ok(after403.ok && after403.value.hold && after403.value.pausedFor.length === 1);
    assert.equal((await kustomization()).spec.suspend, true);
  });

  test('3. after the commit that names the rolled-back image lands and the hold is resumed, kustomize-controller keeps the good version', async () => {
    // "Make the manifest match the cluster": a commit on a new branch that changes only the image.
    const repo = (await GitRepo.open(clone))!;
    const path = 'apps/web/deployment.yaml';
    const text = readFileSync(join(clone, path), 'utf8');
    const doc = manifestWorkloads(text).find((w) => w.kind === 'Deployment' && w.name === 'web')!;
    const edit = setImages(text, doc, [{ container: 'web', image: 'registry.example/web:1.0.0' }]);
    assert.ok(edit.ok);
    assert.ok(edit.text.includes('# the image CI releases'), 'comments stay');
    const commit = await commitOnNewBranch(repo, { branch: 'rollback/deployment-web-revision-1', message: 'deployment/web: match the cluster after rollback to revision 1', files: [{ path, content: edit.text }] });
    assert.ok(commit.ok);
    // The branch is merged (fast-forward) and pushed: the commit lands on main.
    await git(['-C', clone, 'merge', '-q', '--ff-only', commit.value.branch]);
    await git(['-C', clone, 'push', '-q', 'origin', 'HEAD:main']);
    assert.equal(await head(), commit.value.commit);
    await flux.reconcile('GitRepository', FLUX_NS, 'fleet');
    await waitFor('source-controller to fetch the matching commit', async () => ((await sourceRevision())?.endsWith(commit.value.commit) ? true : undefined));

    const st = await holdStatus(s.client, ref);
    assert.ok(st.ok && st.value.hold);
    const match = await liveMatch(repo, { revision: (await sourceRevision())!, workload: { kind: 'Deployment', name: 'web', namespace: NS }, liveImages: [await image()] });
    assert.equal(match.matches, true, match.detail);
    const revisionOf = async () => (await getJson<{ metadata: { annotations: Record<string, string> } }>(plane, NS, 'deployment/web')).metadata.annotations['deployment.kubernetes.io/revision'];
    const revision = await revisionOf();

    const resumed = await resumeHold(s.client, ref, { gitMatch: { matches: match.matches, revision: match.revision, detail: match.detail }, evidenceDir });
    assert.ok(resumed.ok, resumed.ok ? '' : resumed.error.message);
    assert.deepEqual(resumed.value.restored, [{ kind: 'Kustomization', namespace: FLUX_NS, name: 'apps' }]);
    const ks = await kustomization();
    assert.equal(ks.spec.suspend, undefined, 'spec.suspend is unset again, as before the pause');
    assert.equal(ks.metadata.annotations?.['rollback-guard.io/paused'], undefined);
    assert.equal(ks.metadata.annotations?.['suspend.toolkit.fluxcd.io/reason'], undefined);
    assert.equal(holdOf(await getJson(plane, NS, 'deployment/web') as { metadata: { name: string } }), undefined, 'the hold is over');

    // The controller reconciles the matching commit and leaves the good version running.
    await waitFor('kustomize-controller to apply the matching commit', async () => ((await kustomization()).status?.lastAppliedRevision?.endsWith(commit.value.commit) ? true : undefined));
    await flux.reconcile('Kustomization', FLUX_NS, 'apps');
    await sleep(3000);
    assert.equal(await image(), 'registry.example/web:1.0.0');
    // (The generation moves: a Deployment's generation counts annotation changes too, and the hold's annotation went.)
    assert.equal(await revisionOf(), revision, 'no new revision rolled out: Git and the cluster agree');
    assert.equal((await kustomization()).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');

    // One evidence record covers the flow, with its durations.
    const flow = resumed.value.evidence?.flow;
    assert.ok(flow);
    assert.deepEqual(flow.paused, ['Flux Kustomization flux-system/apps']);
    assert.deepEqual(flow.resumed, ['Flux Kustomization flux-system/apps']);
    assert.ok(flow.durations && flow.durations.decideMs! >= 1000 && flow.durations.executeMs > 0 && flow.durations.verifyMs! >= 4000, JSON.stringify(flow.durations));
    assert.deepEqual(flow.steps.map((x) => x.step), ['opened', 'confirmed', 'paused', 'rolled back', 'verified', 'Git', 'resumed'].filter((x) => flow.steps.some((y) => y.step === x)));
    assert.ok(['opened', 'confirmed', 'paused', 'rolled back', 'verified', 'resumed'].every((x) => flow.steps.some((y) => y.step === x)), flow.steps.map((x) => x.step).join(', '));
    assert.ok(resumed.value.files && readFileSync(resumed.value.files.markdown, 'utf8').includes('## Flow'));
  });

  test('a flow stopped right after pausing shows on the Kustomization; hold start continues that flow, and resume puts it back', async () => {
    // What a session that died between the pause and the rollback leaves: the paused record on the loop, no hold on the workload.
    const ks = JSON.parse((await plane.kubectl(['-n', FLUX_NS, 'get', 'kustomization.kustomize.toolkit.fluxcd.io/apps', '-o', 'json'])).stdout) as KubeObject;
    const { patch } = pausePatch('Kustomization', ks, { v: 1, flow: 'stopped-flow', object: 'Deployment shop/web', since: new Date().toISOString(), by: 'rg-admin' }, 'held by Rollback Guard: rollback of deployment/web in shop (flow stopped-flow)');
    await plane.kubectl(['-n', FLUX_NS, 'patch', 'kustomization.kustomize.toolkit.fluxcd.io/apps', '--type', 'merge', '-p', JSON.stringify(patch)]);
    const st = await holdStatus(s.client, ref);
    assert.ok(st.ok);
    assert.equal(st.value.hold, undefined);
    assert.deepEqual(st.value.pausedFor.map((l) => l.pausedBy?.flow), ['stopped-flow']);

    const history = await s.workloadHistory(ref);
    assert.ok(history.ok);
    const other = history.value.revisions.find((r) => r.images.some((i) => i.image === 'registry.example/web:1.1.0'))!.revision;
    const pre = await holdPreflight(s.client, { ref, toRevision: other }, { productionContexts: [], window: 2 });
    assert.ok(pre.ok && pre.value.blocking.length === 0, pre.ok ? JSON.stringify(pre.value.blocking) : pre.error.message);
    assert.equal(pre.value.resumes, 'stopped-flow');
    assert.ok(pre.value.checks.find((c) => c.id === 'loops')!.evidence.some((e) => /already paused for deployment\/web by an earlier flow .*this rollback continues it/.test(e)));
    const held = await startHold(s.client, pre.value, { window: 2 });
    assert.ok(held.ok, held.ok ? '' : held.error.message);
    assert.equal(held.value.hold.flow, 'stopped-flow', 'the same flow, not a second pause');
    assert.deepEqual(held.value.hold.paused, [{ kind: 'Kustomization', namespace: FLUX_NS, name: 'apps' }]);
    assert.equal(await image(), 'registry.example/web:1.1.0');

    // Git names 1.0.0: resuming is refused without a confirmation, and with one Flux re-applies Git.
    const refused = await resumeHold(s.client, ref, {});
    assert.ok(!refused.ok && refused.error.kind === 'needs-confirmation');
    const resumed = await resumeHold(s.client, ref, { confirmed: 'test: re-apply Git' });
    assert.ok(resumed.ok, resumed.ok ? '' : resumed.error.message);
    assert.equal((await kustomization()).spec.suspend, undefined);
    await flux.reconcile('Kustomization', FLUX_NS, 'apps');
    await waitFor('kustomize-controller to re-apply Git (web:1.0.0)', async () => ((await image()) === 'registry.example/web:1.0.0' ? true : undefined));
    await plane.kubectl(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutSeconds: 150 });
  });

  test('the CLI runs the same flow: hold start, status --wait, a resume refused while Git differs, then --reapply and Flux re-applies Git', async () => {
    const env = { ...process.env, KUBECONFIG: plane.kubeconfigPath };
    const history = await s.workloadHistory(ref);
    assert.ok(history.ok);
    const other = history.value.revisions.find((r) => r.images.some((i) => i.image === 'registry.example/web:1.1.0'))!.revision;
    const start = await cli(['hold', 'start', 'deployment/web', '-n', NS, '--to-revision', String(other), '--window', '3', '--yes', '--evidence-dir', evidenceDir, '--repo', clone], env, clone);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    assert.match(start.stdout, /^Pause Flux Kustomization flux-system\/apps, roll deployment\/web in namespace shop \(context rg-admin\) back from revision \d+ to revision \d+ \(web:1\.0\.0 → web:1\.1\.0\), and hold it for 3 s of healthy running\./m);
    assert.match(start.stdout, /loops +1 loop\(s\) would re-apply deployment\/web: Flux Kustomization flux-system\/apps paused first/);
    assert.equal(await image(), 'registry.example/web:1.1.0');
    assert.equal((await kustomization()).spec.suspend, true);

    const status = await cli(['hold', 'status', 'deployment/web', '-n', NS, '--wait', '--repo', clone], env, clone);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /deployment\/web in shop: held by Rollback Guard since \d\d:\d\d · verified \(healthy 3 s\) · Git matches live: no/);
    assert.match(status.stdout, /Git: main@sha1:[0-9a-f]{12}… gives deployment\/web registry\.example\/web:1\.0\.0 \(apps\/web\/deployment\.yaml\); it runs registry\.example\/web:1\.1\.0/);

    const refused = await cli(['hold', 'resume', 'deployment/web', '-n', NS, '--yes', '--repo', clone], env, clone);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Git does not match what runs .*resuming lets Flux Kustomization flux-system\/apps re-apply what Git says/);
    assert.match(refused.stderr, /pass --reapply to resume anyway/);
    assert.equal((await kustomization()).spec.suspend, true);

    const resumed = await cli(['hold', 'resume', 'deployment/web', '-n', NS, '--yes', '--reapply', '--repo', clone, '--evidence-dir', evidenceDir, '--format', 'json'], env, clone);
    assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
    const out = JSON.parse(resumed.stdout) as { status: string; restored: unknown[]; durations: { executeMs: number; verifyMs: number } };
    assert.equal(out.status, 'resumed');
    assert.deepEqual(out.restored, [{ kind: 'Kustomization', namespace: FLUX_NS, name: 'apps' }]);
    assert.ok(out.durations.verifyMs >= 3000);
    // Resumed without Git matching: Flux re-applies what Git says, as the confirmation said it would.
    await flux.reconcile('Kustomization', FLUX_NS, 'apps');
    await waitFor('kustomize-controller to re-apply Git (web:1.0.0)', async () => ((await image()) === 'registry.example/web:1.0.0' ? true : undefined));
  });
});
