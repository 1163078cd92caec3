/**
 * Rolling back a Helm release: the preflight (context, release and revision,
 * GitOps ownership of what it deploys, RBAC on the release Secrets and on
 * every object the rollback creates, patches or deletes, the helm binary and
 * `helm rollback --dry-run`, the manifest and values diff), then the `helm`
 * binary itself, run with an argv array:
 *
 *   helm rollback --namespace=<ns> --kube-context=<ctx> [--wait --timeout=<s>s] -- <release> <revision>
 *
 * `helm rollback` applies the target revision's manifest itself (3-way merge,
 * hooks, history bookkeeping); re-implementing that would be a second Helm.
 * Before it runs, the release's Secrets are read again: if a revision was
 * added after the preflight, nothing runs (Helm has no resourceVersion guard).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { KubeClient, KubeList } from './client';
import { diffTemplates, unifiedDiff, type FieldChange, type TemplateDiff } from './diff';
import { fail, ok, type ClusterError, type Result } from './errors';
import { buildReleaseHistories, HELM_OWNER_SELECTOR, manifestObjects, planHelmRollback, releaseHistory, type HelmRollbackPlan, type ReleaseHistory } from './helm';
import { listAll } from './history';
import { collectionPath, refText, type ReleaseRef } from './kinds';
import { attemptRecorder, evidenceBase, gitopsCheck, preflightBase, preflightStart, rbacCheck, refusalOf, type AttemptDetails, type OperationFailure, type OperationOptions, type OperationRecord, type PreflightBase } from './operations';
import type { PreflightCheck } from './preflight';
import type { Permission } from './rbac';
import type { RollbackProgress } from './execute';
import { imagesText, semanticEqual } from './template';

export const HELM_INSTALL_HINT =
  'Install Helm 3 (https://helm.sh/docs/intro/install/: brew install helm, choco install kubernetes-helm, winget install Helm.Helm, or the release archive from https://github.com/helm/helm/releases), then put it on PATH or point the setting rollbackGuard.cluster.helmPath (CLI: --helm PATH) at it.';

// ---------------------------------------------------------------- the binary

/** The helm binary: `explicit` when given (the setting or --helm), else the first `helm` on PATH. */
export function findHelm(explicit?: string, env: NodeJS.ProcessEnv = process.env): Result<string> {
  const executable = (p: string): boolean => {
    try {
      if (!statSync(p).isFile()) return false;
      if (process.platform !== 'win32') accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (explicit && explicit.trim()) {
    const path = explicit.trim();
    if (executable(path)) return ok(path);
    return fail('tool-missing', `helm was not found at ${path} (the helm path you configured)`, `Check the path, or leave it empty to use the helm on PATH. ${HELM_INSTALL_HINT}`);
  }
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean);
  const names = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((e) => `helm${e.toLowerCase()}`).concat('helm') : ['helm'];
  for (const dir of dirs) {
    if (!isAbsolute(dir)) continue;
    for (const name of names) {
      const p = join(dir, name);
      if (executable(p)) return ok(p);
    }
  }
  return fail('tool-missing', 'helm rollback needs the helm binary, and there is no helm on PATH', HELM_INSTALL_HINT);
}

export interface HelmRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs helm with an argv array (never a shell) and the kubeconfig files the session read. */
export function runHelm(helm: string, args: readonly string[], options: { kubeconfigFiles?: readonly string[]; timeoutMs?: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<HelmRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const env = { ...(options.env ?? process.env), ...(options.kubeconfigFiles?.length ? { KUBECONFIG: options.kubeconfigFiles.join(delimiter) } : {}) };
    const child = spawn(helm, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGTERM'), options.timeoutMs) : undefined;
    const onAbort = (): void => void child.kill('SIGTERM');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (code: number | null): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    };
    child.on('error', (e) => {
      stderr += e.message;
      done(null);
    });
    child.on('close', (code) => done(code));
  });
}

/** `helm version --short`, or undefined when it does not answer. */
export async function helmVersion(helm: string): Promise<string | undefined> {
  const r = await runHelm(helm, ['version', '--short'], { timeoutMs: 15_000 });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** The argv of the rollback (without the binary). */
export function helmRollbackArgs(plan: Pick<HelmRollbackPlan, 'ref' | 'toRevision'>, context: string, options: { wait?: boolean; timeoutSeconds?: number; dryRun?: boolean } = {}): string[] {
  // Names never parse as options: values are attached with `=`, and the release name comes after `--`
  // (a release, namespace or context named `--kubeconfig=…` stays a name).
  return [
    'rollback',
    `--namespace=${plan.ref.namespace}`,
    `--kube-context=${context}`,
    ...(options.dryRun ? ['--dry-run'] : []),
    ...(options.wait ? ['--wait', `--timeout=${Math.max(1, Math.round(options.timeoutSeconds ?? 300))}s`] : []),
    '--',
    plan.ref.name,
    String(plan.toRevision),
  ];
}

// ---------------------------------------------------------------- reading

/** One release's history: one LIST of its Secrets (labels name=<release>, owner=helm), as `helm history` reads it. */
export async function readReleaseHistory(client: KubeClient, ref: ReleaseRef): Promise<Result<ReleaseHistory>> {
  const list = await listAll(client, collectionPath('secrets', ref.namespace), { labelSelector: `${HELM_OWNER_SELECTOR},name=${ref.name}` });
  if (!list.ok) return list;
  const found = buildReleaseHistories(list.value.items).find((h) => h.ref.name === ref.name);
  if (!found) return fail('not-found', `release "${ref.name}" not found in namespace "${ref.namespace}" (context "${client.context.name}"): no Secret labelled name=${ref.name},owner=helm`, `List the Helm releases with rollback-guard history -n ${ref.namespace} (or helm list -n ${ref.namespace}).`, { status: 404 });
  return ok(found);
}

// ---------------------------------------------------------------- diff

/** What changes between two revisions: objects, images, values (field by field) and the unified diff of manifests and values. */
export function releaseDiff(from: { label: string; manifest: string; values: Record<string, unknown>; images: ReleaseHistory['images'] }, to: { label: string; manifest: string; values: Record<string, unknown>; images: ReleaseHistory['images'] }): TemplateDiff {
  const changes: FieldChange[] = [];
  const objects = (manifest: string) => new Map(manifestObjects(manifest).map((o) => [`${o.kind.toLowerCase()}/${o.name}`, o]));
  const oa = objects(from.manifest);
  const ob = objects(to.manifest);
  for (const key of new Set([...oa.keys(), ...ob.keys()])) {
    if (!oa.has(key)) changes.push({ path: `objects.${key}`, change: 'added' });
    else if (!ob.has(key)) changes.push({ path: `objects.${key}`, change: 'removed' });
    // Parsed objects are compared: comments and layout are not a change (and no expression runs over the text).
    else if (!semanticEqual(oa.get(key)!.value, ob.get(key)!.value)) changes.push({ path: `objects.${key}`, change: 'changed' });
  }
  const values = diffTemplates(from.values, to.values);
  for (const c of values.changes) changes.push({ ...c, path: `values${c.path ? `.${c.path}` : ''}` });
  const images: TemplateDiff['images'] = [];
  const ia = new Map(from.images.map((i) => [i.container, i.image]));
  const ib = new Map(to.images.map((i) => [i.container, i.image]));
  for (const name of new Set([...ia.keys(), ...ib.keys()])) {
    const a = ia.get(name);
    const b = ib.get(name);
    if (a !== b) images.push({ container: name, ...(a !== undefined ? { from: a } : {}), ...(b !== undefined ? { to: b } : {}) });
  }
  const lines = (manifest: string, vals: Record<string, unknown>) => [...manifest.trimEnd().split('\n'), '---', '# values', ...JSON.stringify(vals, null, 2).split('\n')];
  const equal = changes.length === 0 && semanticEqual(from.values, to.values);
  return { equal, changes, images, unified: equal ? '' : unifiedDiff(lines(from.manifest, from.values), lines(to.manifest, to.values), { from: from.label, to: to.label }) };
}

// ---------------------------------------------------------------- preflight

export interface HelmRollbackRequest {
  ref: ReleaseRef;
  /** 0 or undefined: the previous revision (helm's default). */
  toRevision?: number;
}

export interface HelmPreflight extends PreflightBase {
  ref: ReleaseRef;
  request: HelmRollbackRequest;
  history?: ReleaseHistory;
  plan?: HelmRollbackPlan;
  helm?: { path: string; version?: string };
  /** The argv `helm rollback` will run with (without the binary). */
  argv?: string[];
  diff?: TemplateDiff;
}

export interface HelmPreflightOptions {
  productionContexts: readonly string[];
  helmPath?: string;
  kubeconfigFiles?: readonly string[];
  /** The environment to find helm in (PATH); default process.env. */
  env?: NodeJS.ProcessEnv;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** kind → resource for each apiVersion the manifests use (one discovery GET per group/version). */
async function discover(client: KubeClient, apiVersions: readonly string[]): Promise<Map<string, ApiResource>> {
  const out = new Map<string, ApiResource>();
  await Promise.all(
    [...new Set(apiVersions)].map(async (apiVersion) => {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const r = await client.request<{ resources?: ApiResource[] }>({ path });
      if (!r.ok) return;
      for (const res of r.value.resources ?? []) if (!res.name.includes('/')) out.set(`${apiVersion}|${res.kind}`, res);
    }),
  );
  return out;
}

/** Everything `helm rollback` will do to the cluster, as permissions: the release Secrets, and each object it creates, patches or deletes. */
async function rollbackPermissions(client: KubeClient, plan: HelmRollbackPlan, fromManifest: string, toManifest: string): Promise<{ permissions: Permission[]; unknown: string[] }> {
  const ns = plan.ref.namespace;
  const permissions: Permission[] = [
    { verb: 'list', group: '', resource: 'secrets', namespace: ns },
    { verb: 'create', group: '', resource: 'secrets', namespace: ns },
    { verb: 'update', group: '', resource: 'secrets', namespace: ns },
  ];
  const current = manifestObjects(fromManifest);
  const target = manifestObjects(toManifest);
  const resources = await discover(client, [...current, ...target].map((o) => o.apiVersion));
  const unknown: string[] = [];
  const key = (o: { apiVersion: string; kind: string; name: string; namespace?: string }) => `${o.apiVersion}|${o.kind}|${o.namespace ?? ns}|${o.name}`;
  const inCurrent = new Set(current.map(key));
  const inTarget = new Set(target.map(key));
  const add = (o: (typeof target)[number], verb: string) => {
    const res = resources.get(`${o.apiVersion}|${o.kind}`);
    if (!res) {
      unknown.push(`${o.kind}/${o.name} (${o.apiVersion})`);
      return;
    }
    const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/')) : '';
    permissions.push({ verb, group, resource: res.name, ...(res.namespaced ? { namespace: o.namespace ?? ns } : {}), ...(verb !== 'create' ? { name: o.name } : {}) });
  };
  for (const o of target) add(o, inCurrent.has(key(o)) ? 'patch' : 'create');
  for (const o of current) if (!inTarget.has(key(o))) add(o, 'delete');
  return { permissions, unknown };
}

/** Reads the release and checks everything a rollback needs; changes nothing (helm runs only with --dry-run). */
export async function helmPreflight(client: KubeClient, request: HelmRollbackRequest, options: HelmPreflightOptions): Promise<Result<HelmPreflight>> {
  const { ref } = request;
  const start = await preflightStart(client, ref, options.productionContexts);
  const checks: PreflightCheck[] = [start.context];
  const blocking: ClusterError[] = [];
  const read = await readReleaseHistory(client, ref);
  if (!read.ok) return read;
  const history = read.value;
  const current = history.revisions[history.revisions.length - 1]!;
  checks.push({
    id: 'object',
    status: 'pass',
    title: `${refText(ref)} found: revision ${current.revision} ${current.status} (${current.chart}, app version ${current.appVersion || '-'})`,
    evidence: [
      `${history.revisions.length} revision(s) in history: ${history.revisions.map((r) => `${r.revision} ${r.status}`).join(', ')}`,
      `images now: ${imagesText(current.images) || '(none)'}`,
      ...(history.undecodable.length ? [`undecodable release Secrets, skipped as helm skips them: ${history.undecodable.join(', ')}`] : []),
    ],
  });
  if (/^pending-/.test(current.status)) {
    checks.push({ id: 'state', status: 'warn', title: `revision ${current.revision} is ${current.status}: another helm operation may still be running`, evidence: ['helm rollback does not wait for it; check with helm status first.'] });
  }
  const planned = planHelmRollback(history, request.toRevision ?? 0);
  const plan = planned.ok ? planned.value : undefined;
  if (plan) {
    checks.push({
      id: 'revision',
      status: 'pass',
      title: `revision ${plan.fromRevision} → ${plan.toRevision} (${plan.to.chart}, app version ${plan.to.appVersion || '-'}); helm records it as revision ${plan.newRevision}, "${plan.description}"`,
      evidence: [`target images: ${imagesText(plan.to.images) || '(none)'}`, `target description: ${plan.to.description || '-'}`, ...(plan.to.updated ? [`deployed ${plan.to.updated}`] : []), ...(plan.to.hooks.some((h) => /rollback/.test(h)) ? [`rollback hooks helm runs: ${plan.to.hooks.filter((h) => /rollback/.test(h)).join('; ')}`] : [])],
    });
  } else if (!planned.ok) {
    checks.push({ id: 'revision', status: 'fail', title: planned.error.message, evidence: [planned.error.hint], error: planned.error });
    blocking.push(planned.error);
  }

  const gitops = gitopsCheck(ref, history.gitops, 'labels or annotations on the objects the release deploys');
  checks.push(gitops);

  const who = start.identity?.username ?? client.context.user;
  const helm = findHelm(options.helmPath, options.env);
  const [perms, version, dryRun] = await Promise.all([
    plan ? rollbackPermissions(client, plan, plan.from.manifest, plan.to.manifest) : Promise.resolve(undefined),
    helm.ok ? helmVersion(helm.value) : Promise.resolve(undefined),
    helm.ok && plan ? runHelm(helm.value, helmRollbackArgs(plan, client.context.name, { dryRun: true }), { ...(options.kubeconfigFiles ? { kubeconfigFiles: options.kubeconfigFiles } : {}), timeoutMs: 60_000 }) : Promise.resolve(undefined),
  ]);

  if (perms) {
    const rbac = await rbacCheck(client, perms.permissions, who, 'helm rollback');
    if (perms.unknown.length) rbac.check.evidence.push(`kinds the API server does not serve (helm would fail on them): ${perms.unknown.join(', ')}`);
    checks.push(rbac.check);
    if (rbac.error) blocking.push(rbac.error);
  } else {
    const rbac = await rbacCheck(client, [{ verb: 'list', group: '', resource: 'secrets', namespace: ref.namespace }], who, 'helm rollback');
    checks.push(rbac.check);
    if (rbac.error) blocking.push(rbac.error);
  }

  if (!helm.ok) {
    checks.push({ id: 'tool', status: 'fail', title: helm.error.message, evidence: [helm.error.hint], error: helm.error });
    blocking.push(helm.error);
  } else {
    checks.push({ id: 'tool', status: 'pass', title: `helm ${version ?? '(version unknown)'} at ${helm.value}`, evidence: [] });
  }
  if (!dryRun) {
    checks.push({ id: 'dry-run', status: 'skipped', title: helm.ok ? 'no rollback to try' : 'helm rollback --dry-run needs the helm binary', evidence: [] });
  } else if (dryRun.code === 0) {
    checks.push({ id: 'dry-run', status: 'pass', title: 'helm rollback --dry-run accepted it', evidence: [dryRun.stdout.trim()].filter(Boolean) });
  } else {
    const error: ClusterError = { kind: 'dry-run-failed', message: `helm rollback --dry-run failed: ${(dryRun.stderr || dryRun.stdout).trim().replace(/^Error:\s*/, '')}`, hint: 'helm could not read or prepare the rollback with this context; the message above says why.' };
    checks.push({ id: 'dry-run', status: 'fail', title: error.message, evidence: [], error });
    blocking.push(error);
  }

  let diff: TemplateDiff | undefined;
  if (plan) {
    diff = releaseDiff(
      { label: `${refText(ref)} revision ${plan.fromRevision} (current)`, manifest: plan.from.manifest, values: plan.from.values, images: plan.from.images },
      { label: `${refText(ref)} revision ${plan.toRevision}`, manifest: plan.to.manifest, values: plan.to.values, images: plan.to.images },
    );
    checks.push({
      id: 'diff',
      status: 'info',
      title: diff.equal ? 'manifest and values unchanged' : `${diff.changes.length} change(s) to objects and values${diff.images.length ? `; images: ${diff.images.map((i) => `${i.container} ${i.from ?? '∅'} → ${i.to ?? '∅'}`).join(', ')}` : ''}`,
      evidence: diff.changes.slice(0, 20).map((c) => `${c.change} ${c.path}`),
    });
  }

  return ok({
    ref,
    request,
    ...preflightBase(client, start, history.gitops, checks, blocking),
    history,
    ...(plan ? { plan, argv: helmRollbackArgs(plan, client.context.name) } : {}),
    ...(helm.ok ? { helm: { path: helm.value, ...(version ? { version } : {}) } } : {}),
    ...(diff ? { diff } : {}),
  });
}

// ---------------------------------------------------------------- execute

export interface HelmRollbackOptions extends OperationOptions {
  /** Pass --wait --timeout to helm (default true). */
  wait?: boolean;
  /** How long helm may wait (default 300 s). */
  timeoutMs?: number;
  kubeconfigFiles?: readonly string[];
  onProgress?: (progress: RollbackProgress) => void;
}

export interface HelmRollbackOutcome extends OperationRecord {
  status: 'rolled-back';
  message: string;
  /** The revision helm created. */
  revisionAfter?: number;
  statusAfter?: string;
  /** How long helm ran. */
  helmMs: number;
  argv: string[];
}

export async function executeHelmRollback(client: KubeClient, pre: HelmPreflight, options: HelmRollbackOptions = {}): Promise<Result<HelmRollbackOutcome, OperationFailure>> {
  const startedAt = new Date().toISOString();
  const secrets = await client.secrets();
  const ref = pre.ref;
  const plan = pre.plan;
  const base = evidenceBase(pre, options, startedAt);
  const from = { ...(plan ? { revision: plan.fromRevision } : {}), images: imagesText(plan?.from.images ?? pre.history?.images ?? []) };
  const current = pre.history?.revisions[pre.history.revisions.length - 1];
  const object = { uid: current?.secret.uid ?? '', resourceVersionBefore: current?.secret.resourceVersion ?? '' };
  const diff = pre.diff ? { images: pre.diff.images, fields: pre.diff.changes.map((c) => `${c.change} ${c.path}`), unified: pre.diff.unified } : undefined;
  const to = (revisionAfter?: number) =>
    plan ? { revision: plan.toRevision, images: imagesText(plan.to.images), source: `Secret/${plan.to.secret.name}`, ...(plan.to.description ? { changeCause: plan.to.description } : {}), ...(revisionAfter !== undefined ? { revisionAfter } : {}) } : undefined;
  const argv = plan ? helmRollbackArgs(plan, pre.context.name, { wait: options.wait !== false, timeoutSeconds: (options.timeoutMs ?? 300_000) / 1000 }) : [];
  const { record, refuse } = attemptRecorder<AttemptDetails & { revisionAfter?: number }>(
    (details) => {
      const t = to(details.revisionAfter);
      return {
        ...base,
        object,
        from,
        ...(t ? { to: t } : {}),
        ...(diff ? { diff } : {}),
        ...(argv.length ? { patch: { type: 'helm', body: ['helm', ...argv] } } : {}),
      };
    },
    secrets,
    options.evidenceDir,
  );

  const refusal = refusalOf(pre, options, 'the rollback');
  if (refusal) return refuse(refusal);
  if (!plan || !pre.helm) return refuse({ kind: 'no-history', message: `no rollback could be planned for ${refText(ref)}`, hint: 'Run the preflight again.' });

  // Helm has no resourceVersion guard: check that no revision was added since the preflight.
  const now = await readReleaseHistory(client, ref);
  if (!now.ok) return refuse(now.error, 'failed');
  if (now.value.currentRevision !== plan.fromRevision) {
    return refuse(
      { kind: 'conflict', message: `${refText(ref)} in namespace "${ref.namespace}" changed after the preflight (it was at revision ${plan.fromRevision}, now ${now.value.currentRevision ?? 'none'}); helm rollback was not run`, hint: 'Someone or something (a deploy, a GitOps controller) changed it in between. Re-run the rollback to check again against its current state.' },
      'failed',
    );
  }

  options.onProgress?.({ phase: 'patching', message: `helm ${argv.join(' ')}` });
  const run = await runHelm(pre.helm.path, argv, {
    ...(options.kubeconfigFiles ? { kubeconfigFiles: options.kubeconfigFiles } : {}),
    // helm enforces --timeout itself; this only stops a helm that hangs past it.
    timeoutMs: (options.timeoutMs ?? 300_000) + 60_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const patchedAt = new Date().toISOString();
  const after = await readReleaseHistory(client, ref);
  const last = after.ok ? after.value.revisions[after.value.revisions.length - 1] : undefined;
  const revisionAfter = last && last.revision > plan.fromRevision ? last.revision : undefined;
  const output = `${run.stdout}${run.stderr}`.trim();
  if (run.code !== 0) {
    const why = (run.stderr || run.stdout).trim().replace(/^Error:\s*/, '') || (options.signal?.aborted ? 'cancelled' : `helm exited with ${run.code ?? 'a signal'}`);
    const error: ClusterError = {
      kind: options.signal?.aborted ? 'cancelled' : /timed out|deadline exceeded/i.test(why) ? 'timeout' : 'rollout-failed',
      message: `helm rollback of ${refText(ref)} to revision ${plan.toRevision} failed: ${why}`,
      hint: revisionAfter !== undefined ? `helm recorded revision ${revisionAfter} as ${last?.status}: see helm history ${ref.name} -n ${ref.namespace} and helm status.` : 'Nothing was recorded by helm; the message above says why.',
    };
    return refuse(error, error.kind === 'timeout' ? 'timeout' : 'failed', { ...(revisionAfter !== undefined ? { revisionAfter } : {}), rollout: output, patchMs: run.ms, patchedAt });
  }
  const message = `rolled back ${refText(ref)} to revision ${plan.toRevision}${revisionAfter !== undefined ? ` (now revision ${revisionAfter}, ${last?.status})` : ''}: ${output.split('\n')[0] ?? 'helm rollback succeeded'}`;
  options.onProgress?.({ phase: 'done', message });
  return ok({
    status: 'rolled-back',
    message,
    ...(revisionAfter !== undefined ? { revisionAfter } : {}),
    ...(last ? { statusAfter: last.status } : {}),
    helmMs: run.ms,
    argv,
    ...record('rolled-back', message, { ...(revisionAfter !== undefined ? { revisionAfter } : {}), rollout: output, patchMs: run.ms, patchedAt }),
  });
}

/** The history of every release in a namespace (or all namespaces): one LIST of Secrets labelled owner=helm. */
export async function readReleases(client: KubeClient, namespace?: string): Promise<Result<ReleaseHistory[]>> {
  const list: Result<KubeList> = await listAll(client, collectionPath('secrets', namespace), { labelSelector: HELM_OWNER_SELECTOR });
  if (!list.ok) return list;
  return ok(buildReleaseHistories(list.value.items));
}

export { releaseHistory };
