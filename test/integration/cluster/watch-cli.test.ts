/**
 * On the real plane: live history by watch (with an apiserver restart in the
 * middle), kubeconfig with several files and an exec credential plugin, and
 * the `history` / `undo` commands as a user runs them (the built CLI, a
 * separate process) plus the terminal confirmation in-process.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster/watch-cli.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPlane, type Plane } from '../../cluster/plane';
import { ClusterSession, type Event, type HistoryChange, type WatchStatus } from '../../../src/cluster';
import { undo } from '../../../src/cli/undo';
import type { ClusterCliIO } from '../../../src/cli/clusterCommon';
import { builtCli, getJson, namespace, runCli, session, withHistory } from './helpers';

function next<T>(event: Event<T>, predicate: (e: T) => boolean, timeoutMs = 60_000, what = 'event'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const sub = event((e) => {
      if (!predicate(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

describe('watch, kubeconfig and CLI on a real control plane', { timeout: 30 * 60 * 1000 }, () => {
  let plane: Plane;
  let cli: string;
  const work = mkdtempSync(join(tmpdir(), 'rg-cli-cluster-'));

  before(async () => {
    cli = builtCli();
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`), crds: false });
  });

  after(async () => {
    await plane?.stop();
  });

  test('watch: snapshot, changes per workload, reconnect with backoff across an apiserver restart, removal', { timeout: 300_000 }, async () => {
    const ns = 'watch';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'web', 1);
    const s = session(plane);
    const watcher = s.watch({ namespace: ns, backoff: { initialMs: 200, maxMs: 1000 }, debounceMs: 50 });
    const statuses: WatchStatus[] = [];
    watcher.onStatus((st) => statuses.push(st));
    try {
      const snapshot = next(watcher.onSnapshot, () => true, 30_000, 'snapshot');
      const live = next(watcher.onStatus, (st) => st.state === 'live', 30_000, 'live');
      watcher.start();
      const tree = await snapshot;
      await live;
      assert.deepEqual(tree.workloads.map((w) => `${w.ref.name}:${w.revisions.length}`), ['web:1']);
      assert.deepEqual(s.client.countCalls(), {
        'list deployments.apps': 1,
        'list replicasets.apps': 1,
        'list statefulsets.apps': 1,
        'list daemonsets.apps': 1,
        'list controllerrevisions.apps': 1,
        // Helm releases are watched too; Rollouts, Applications and Flux objects have no CRD on this
        // plane (404): listed once, shown as empty, no watch, no error.
        'list secrets': 1,
        'list rollouts.argoproj.io': 1,
        'list applications.argoproj.io': 1,
        'list kustomizations.kustomize.toolkit.fluxcd.io': 1,
        'list helmreleases.helm.toolkit.fluxcd.io': 1,
      }, 'one LIST per resource; the watches are still open');

      const twoRevisions = next(watcher.onChange, (c: HistoryChange) => c.changed.some((w) => w.ref.name === 'web' && w.revisions.length === 2 && w.liveRevision === 2), 60_000, 'revision 2');
      await plane.kubectl(['-n', ns, 'set', 'image', 'deployment/web', 'main=registry.example/web:2.0']);
      const change = await twoRevisions;
      assert.deepEqual(change.changed.map((w) => w.ref.name), ['web']);
      assert.equal(watcher.current().find((w) => w.ref.name === 'web')?.liveRevision, 2);

      const reconnecting = next(watcher.onStatus, (st) => st.state === 'reconnecting' && st.attempt >= 2, 60_000, 'reconnecting');
      await plane.stopApiserver();
      const st = await reconnecting;
      assert.equal(st.error?.kind, 'unreachable');
      assert.ok(st.retryInMs! > 0 && st.retryInMs! <= 1200, `backoff capped: ${st.retryInMs}`);
      const backOnline = next(watcher.onStatus, (x) => x.state === 'live', 120_000, 'live again');
      await plane.startApiserver();
      await backOnline;

      const threeRevisions = next(watcher.onChange, (c) => c.changed.some((w) => w.ref.name === 'web' && w.revisions.length === 3), 60_000, 'revision 3');
      await plane.kubectl(['-n', ns, 'set', 'image', 'deployment/web', 'main=registry.example/web:3.0']);
      await threeRevisions;

      const removed = next(watcher.onChange, (c) => c.removed.some((r) => r.name === 'web'), 60_000, 'removal');
      await plane.kubectl(['-n', ns, 'delete', 'deployment/web', '--cascade=orphan']);
      await removed;
      assert.ok(statuses.some((x) => x.state === 'reconnecting'));
    } finally {
      watcher.dispose();
      s.dispose();
    }
    assert.equal(watcher.status().state, 'stopped');
  });

  test('KUBECONFIG with several files and an exec credential plugin', { timeout: 120_000 }, async () => {
    const ns = 'exec-auth';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'web', 2);
    const tokenFile = join(work, 'token');
    writeFileSync(tokenFile, plane.tokens.admin, { mode: 0o600 });
    const plugin = join(work, 'credential-plugin.js');
    writeFileSync(
      plugin,
      `const fs = require('node:fs');\nprocess.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: fs.readFileSync(process.argv[2], 'utf8').trim() } }));\n`,
    );
    const execConfig = join(work, 'exec.kubeconfig');
    writeFileSync(
      execConfig,
      `apiVersion: v1
kind: Config
current-context: rg-exec
clusters:
- name: rg-exec-cluster
  cluster:
    server: ${JSON.stringify(plane.server)}
    certificate-authority-data: ${Buffer.from(plane.caData).toString('base64')}
users:
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${JSON.stringify(process.execPath)}
      args: [${JSON.stringify(plugin)}, ${JSON.stringify(tokenFile)}]
      interactiveMode: Never
contexts:
- name: rg-exec
  context: {cluster: rg-exec-cluster, user: exec-user, namespace: ${ns}}
`,
    );
    const opened = ClusterSession.open({ kubeconfig: { env: { KUBECONFIG: [execConfig, plane.kubeconfigPath].join(delimiter) } } });
    assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
    const s = opened.value;
    try {
      assert.equal(s.context.name, 'rg-exec', 'current-context from the first file');
      assert.equal(s.context.auth, 'exec');
      assert.deepEqual(s.kubeconfig.contexts.map((c) => c.name), ['rg-exec', 'rg-admin', 'rg-readonly']);
      const namespaces = await s.namespaces();
      assert.ok(namespaces.ok && namespaces.value.complete && namespaces.value.names.includes(ns) && namespaces.value.names.includes('default'));
      const h = await s.history({ namespace: s.namespace });
      assert.ok(h.ok, h.ok ? '' : h.error.message);
      assert.deepEqual(h.value.workloads.map((w) => `${w.ref.name}:${w.liveRevision}`), ['web:2']);
      const pre = await s.preflight({ ref: { kind: 'Deployment', namespace: ns, name: 'web' } });
      assert.ok(pre.ok);
      assert.equal(pre.value.identity?.username, 'rg-admin', 'SelfSubjectReview names the user the plugin authenticated as');
      assert.ok((await s.client.secrets()).includes(plane.tokens.admin), 'the plugin token is known for redaction');
    } finally {
      s.dispose();
    }
    // A plugin that fails: the error names the plugin.
    writeFileSync(plugin, `process.stderr.write('login required'); process.exit(1);\n`);
    const broken = ClusterSession.open({ kubeconfig: { files: [execConfig] } });
    assert.ok(broken.ok);
    const r = await broken.value.history({ namespace: ns });
    assert.ok(!r.ok && r.error.kind === 'unauthorized');
    assert.match(r.error.message, /exec credential plugin .* failed: login required/);
    broken.value.dispose();
  });

  test('rollback-guard history and undo as processes: output, evidence, exit codes', { timeout: 300_000 }, async () => {
    const ns = 'cli';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'web', 3);
    const env = { ...process.env, KUBECONFIG: plane.kubeconfigPath };
    const run = (args: string[], input?: string, cwd = work) => runCli(cli, args, { cwd, env, ...(input !== undefined ? { input } : {}) });

    const text = run(['history', 'deployment/web', '-n', ns]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^deployment\/web in namespace cli \(context rg-admin\)\nREVISION\s+CREATED\s+IMAGES\s+CHANGE-CAUSE\n1\s+\S+ \S+\s+main=registry\.example\/web:1\.0\s+release 1\n/);
    assert.match(text.stdout, /\n3 \(live\)\s+\S+ \S+\s+main=registry\.example\/web:3\.0\s+release 3\n/);
    const json = JSON.parse(run(['history', 'deploy/web', '-n', ns, '--format', 'json']).stdout) as { liveRevision: number; revisions: { revision: number; changeCause: string }[] };
    assert.equal(json.liveRevision, 3);
    assert.deepEqual(json.revisions.map((r) => [r.revision, r.changeCause]), [[1, 'release 1'], [2, 'release 2'], [3, 'release 3']]);
    const tree = JSON.parse(run(['history', '-n', ns, '--format', 'json']).stdout) as { apiCalls: number; workloads: unknown[] };
    // One LIST per kind: the five of kubectl's kinds, Rollouts, Helm's Secrets, Applications, Kustomizations, HelmReleases.
    assert.equal(tree.apiCalls, 10);
    assert.equal(tree.workloads.length, 1);
    const diff = run(['history', 'deployment/web', '-n', ns, '--diff', '1..3']);
    assert.match(diff.stdout, /^--- deployment\/web revision 1\n\+\+\+ deployment\/web revision 3\n/);

    // Without --yes and without a terminal: usage error, nothing changed.
    const noTty = run(['undo', 'deployment/web', '-n', ns, '--to-revision', '1'], '');
    assert.equal(noTty.code, 2);
    assert.match(noTty.stderr, /stdin is not a terminal.*pass --yes/);

    const dry = run(['undo', 'deployment/web', '-n', ns, '--to-revision', '1', '--dry-run', '--format', 'json']);
    assert.equal(dry.code, 0, dry.stderr);
    const dryJson = JSON.parse(dry.stdout) as { wouldProceed: boolean; preflight: { checks: { id: string; status: string }[] } };
    assert.equal(dryJson.wouldProceed, true);
    assert.equal(dryJson.preflight.checks.find((c) => c.id === 'dry-run')?.status, 'pass');

    const ro = run(['undo', 'deployment/web', '-n', ns, '--to-revision', '1', '--yes', '--context', 'rg-readonly', '--evidence-dir', join(work, 'ev')]);
    assert.equal(ro.code, 1);
    assert.match(ro.stderr, /user "rg-readonly" may not patch deployments\.apps "web" in namespace "cli"/);

    // A production context (from .rollbackguard.yaml) needs --confirm-context.
    const repo = mkdtempSync(join(tmpdir(), 'rg-cli-prod-'));
    writeFileSync(join(repo, '.rollbackguard.yaml'), 'production:\n  contexts: ["rg-adm*"]\n');
    const unconfirmed = run(['undo', 'deployment/web', '-n', ns, '--to-revision', '1', '--yes', '--evidence-dir', 'evidence'], '', repo);
    assert.equal(unconfirmed.code, 1);
    assert.match(unconfirmed.stderr, /context "rg-admin" is a production context \(matches "rg-adm\*"\)/);
    assert.match(unconfirmed.stderr, /--confirm-context rg-admin/);
    const wrong = run(['undo', 'deployment/web', '-n', ns, '--to-revision', '1', '--yes', '--confirm-context', 'rg-readonly', '--evidence-dir', 'evidence'], '', repo);
    assert.equal(wrong.code, 1);

    const untouched = await getJson<{ metadata: { annotations: Record<string, string> } }>(plane, ns, 'deployment/web');
    assert.equal(untouched.metadata.annotations['deployment.kubernetes.io/revision'], '3', 'refusals changed nothing');

    const ok = run(['undo', 'deployment/web', '-n', ns, '--to-revision', '1', '--yes', '--confirm-context', 'rg-admin', '--reason', 'release 3 is broken', '--evidence-dir', 'evidence'], '', repo);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^Roll back deployment\/web in namespace cli \(context rg-admin\) from revision 3 to revision 1: web:3.0 → web:1.0\.\n\d+ checks passed/m);
    assert.match(ok.stdout, /\n-\s+image: registry\.example\/web:3\.0\n/);
    assert.match(ok.stdout, /rolled back deployment\/web to revision 1 \(now revision 4\): deployment "web" successfully rolled out\n/);
    assert.match(ok.stderr, /patch accepted \(resourceVersion \d+\)/);
    assert.doesNotMatch(ok.stdout + ok.stderr, /hunter\d/);
    const files = readdirSync(join(repo, 'evidence'));
    assert.equal(files.filter((f) => f.endsWith('.json')).length, 3, 'refusals are on record too');
    const record = JSON.parse(readFileSync(join(repo, 'evidence', files.find((f) => f.endsWith('.json') && readFileSync(join(repo, 'evidence', f), 'utf8').includes('"rolled-back"'))!), 'utf8')) as Record<string, any>;
    assert.equal(record.reason, 'release 3 is broken');
    assert.equal(record.context.nameTypedBack, true);
    assert.equal(record.to.revisionAfter, 4);
    for (const f of files) {
      const text = readFileSync(join(repo, 'evidence', f), 'utf8');
      // The Deployment's last-applied-configuration (in the patch) holds DB_PASSWORD too.
      assert.doesNotMatch(text, /hunter\d/, f);
      assert.ok(!text.includes(plane.tokens.admin), f);
    }

    // Same revision again: skipped, exit 0.
    const skip = run(['undo', 'deployment/web', '-n', ns, '--to-revision', '4', '--yes', '--evidence-dir', join(work, 'ev')]);
    assert.equal(skip.code, 0, skip.stderr);
    assert.match(skip.stdout, /skipped rollback \(current template already matches revision 4\)/);

    // Errors that say what to do.
    const missing = run(['history', 'deployment/nope', '-n', ns]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /deployment "nope" not found in namespace "cli" \(context "rg-admin"\)/);
    assert.equal(run(['history', '-n', ns, '--context', 'nope']).code, 2);
    assert.equal(run(['undo', 'pod/web', '--yes']).code, 2);
    const deadConfig = join(work, 'dead.kubeconfig');
    writeFileSync(deadConfig, readFileSync(plane.kubeconfigPath, 'utf8').replace(plane.server, 'https://127.0.0.1:1'));
    const dead = run(['history', '-n', ns, '--kubeconfig', deadConfig]);
    assert.equal(dead.code, 1);
    assert.match(dead.stderr, /cannot reach the API server https:\/\/127\.0\.0\.1:1 of context "rg-admin": connection refused \(ECONNREFUSED\)/);
    assert.match(dead.stderr, /hint: Check that the cluster is running/);
    assert.ok(!existsSync(join(work, '.rollback-guard')), 'nothing written outside --evidence-dir');
  });

  test('undo on a terminal: asks, and a production context asks for its name', { timeout: 180_000 }, async () => {
    const ns = 'tty';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'web', 2);
    const run = async (args: string[], answers: string[], cwd = work) => {
      const out: string[] = [];
      const err: string[] = [];
      const questions: string[] = [];
      const io: ClusterCliIO = {
        cwd,
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        color: false,
        version: 'test',
        env: { ...process.env, KUBECONFIG: plane.kubeconfigPath },
        prompter: { interactive: true, ask: async (q) => (questions.push(q), answers.shift()) },
      };
      const code = await undo(args, io);
      return { code, out: out.join(''), err: err.join(''), questions };
    };
    const no = await run(['deployment/web', '-n', ns, '--to-revision', '1'], ['n']);
    assert.equal(no.code, 1);
    assert.match(no.questions[0]!, /Roll back deployment\/web in tty \(context rg-admin\) from revision 2 to 1\? \[y\/N\]/);
    assert.match(no.err, /Not rolled back/);
    assert.match(no.out, /Pod template diff:/);

    const repo = mkdtempSync(join(tmpdir(), 'rg-tty-prod-'));
    writeFileSync(join(repo, '.rollbackguard.yaml'), 'production:\n  contexts: ["rg-admin"]\n');
    const wrongName = await run(['deployment/web', '-n', ns, '--to-revision', '1', '--evidence-dir', 'ev'], ['rg-admn'], repo);
    assert.equal(wrongName.code, 1);
    assert.match(wrongName.questions[0]!, /rg-admin is a production context\. Type its name/);
    assert.match(wrongName.err, /production context/);
    const typed = await run(['deployment/web', '-n', ns, '--to-revision', '1', '--evidence-dir', 'ev'], ['rg-admin'], repo);
    assert.equal(typed.code, 0, typed.err);
    assert.match(typed.out, /rolled back deployment\/web to revision 1 \(now revision 3\)/);
  });
});
