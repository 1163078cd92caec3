/**
 * The demo's GitOps corner: Flux's source-controller and kustomize-controller
 * (built from their Go modules, test/cluster/README.md) reconcile
 * `shop/recommendations` from a Git repository served on loopback, after two
 * releases, so a rollback under GitOps can be tried: Roll Back to This
 * Revision on revision 1 pauses the Kustomization, rolls back and holds it;
 * Make the Manifest Match commits in the clone; merging that branch to main in
 * the clone's origin and Resume GitOps finishes the flow.
 *
 * The served repository lives under the demo directory; a clone of it sits in
 * the demo workspace (`gitops/`, excluded from the demo repository's status)
 * so the editor reads Git at the source's revision there. The controllers and
 * the Git server outlive the demo script; `stopGitOps` ends them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { childEnv } from '../childEnv.mjs';
import { fluxRunning, readFluxState, startFlux, stopFlux, FLUX_NAMESPACE } from '../cluster/flux';
import type { Plane } from '../cluster/plane';

const NAMESPACE = 'shop';
const AUTHOR = { GIT_AUTHOR_NAME: 'Shop Developer', GIT_AUTHOR_EMAIL: 'dev@shop.example', GIT_COMMITTER_NAME: 'Shop Developer', GIT_COMMITTER_EMAIL: 'dev@shop.example' };

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: childEnv({ GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', ...AUTHOR }) });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

function deployment(image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: recommendations
  namespace: ${NAMESPACE}
  labels: {app: recommendations}
spec:
  replicas: 2
  revisionHistoryLimit: 10
  selector:
    matchLabels: {app: recommendations}
  template:
    metadata:
      labels: {app: recommendations}
    spec:
      containers:
        - name: recommendations
          image: ${image}
          ports: [{containerPort: 8080}]
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitApplied(plane: Plane, sha: string): Promise<void> {
  const at = new Date().toISOString();
  await plane.kubectl(['-n', FLUX_NAMESPACE, 'annotate', '--overwrite', 'gitrepositories.source.toolkit.fluxcd.io', 'shop', `reconcile.fluxcd.io/requestedAt=${at}`]);
  await plane.kubectl(['-n', FLUX_NAMESPACE, 'annotate', '--overwrite', 'kustomizations.kustomize.toolkit.fluxcd.io', 'shop', `reconcile.fluxcd.io/requestedAt=${at}`]);
  const deadline = Date.now() + 180_000;
  for (;;) {
    const r = await plane.kubectl(['-n', FLUX_NAMESPACE, 'get', 'kustomizations.kustomize.toolkit.fluxcd.io', 'shop', '-o', 'jsonpath={.status.lastAppliedRevision}'], { allowFailure: true });
    if (r.stdout.endsWith(sha)) break;
    if (Date.now() > deadline) throw new Error(`Flux did not apply ${sha.slice(0, 8)} within 3 minutes`);
    await sleep(1000);
    await plane.kubectl(['-n', FLUX_NAMESPACE, 'annotate', '--overwrite', 'kustomizations.kustomize.toolkit.fluxcd.io', 'shop', `reconcile.fluxcd.io/requestedAt=${new Date().toISOString()}`]);
  }
  await plane.kubectl(['-n', NAMESPACE, 'rollout', 'status', 'deployment/recommendations', '--timeout=120s'], { timeoutSeconds: 150 });
}

/**
 * Starts Flux (once) and seeds `shop/recommendations` with two releases from
 * Git; returns the served repository and the clone in the workspace.
 * Idempotent: a running Flux with the namespace already seeded is left alone.
 */
export async function seedGitOps(plane: Plane, options: { dir: string; workspace: string; log?: (line: string) => void }): Promise<{ repoUrl: string; clone: string }> {
  const log = options.log ?? (() => undefined);
  const clone = path.join(options.workspace, 'gitops');
  const seeded = (await plane.kubectl(['get', 'namespace', NAMESPACE], { allowFailure: true })).code === 0;
  if (fluxRunning(options.dir) && seeded && fs.existsSync(clone)) {
    const url = `${readFluxState(options.dir)!.gitUrl}/shop.git`;
    log(`Flux already runs and reconciles ${NAMESPACE}/recommendations from ${url}`);
    return { repoUrl: url, clone };
  }
  await stopFlux(options.dir);
  fs.rmSync(path.join(options.dir, 'git'), { recursive: true, force: true });
  const flux = await startFlux(plane, { dir: options.dir, detached: true, log });
  const repoUrl = flux.git.createRepo('shop');
  fs.rmSync(clone, { recursive: true, force: true });
  git(options.workspace, ['clone', '--quiet', repoUrl, clone]);
  // The clone is the developer's copy of the GitOps repository, not part of the bookstore repository.
  const exclude = path.join(options.workspace, '.git', 'info', 'exclude');
  if (fs.existsSync(path.dirname(exclude)) && !(fs.existsSync(exclude) && fs.readFileSync(exclude, 'utf8').includes('/gitops/'))) fs.appendFileSync(exclude, '/gitops/\n');
  const release = (image: string, message: string): string => {
    fs.mkdirSync(path.join(clone, 'apps', 'recommendations'), { recursive: true });
    fs.writeFileSync(path.join(clone, 'apps', 'recommendations', 'deployment.yaml'), deployment(image));
    git(clone, ['add', '-A']);
    git(clone, ['commit', '--quiet', '-m', message]);
    git(clone, ['push', '--quiet', 'origin', 'HEAD:main']);
    return git(clone, ['rev-parse', 'HEAD']);
  };
  if (!seeded) await plane.kubectl(['create', 'namespace', NAMESPACE]);
  const first = release('ghcr.io/bookstore/recommendations:2.0.0', 'recommendations 2.0.0');
  await plane.kubectl(['apply', '-f', '-'], {
    input: `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: shop, namespace: ${FLUX_NAMESPACE}}
spec: {interval: 1m, url: "${repoUrl}", ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: shop, namespace: ${FLUX_NAMESPACE}}
spec: {interval: 1m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: shop}}
`,
  });
  await waitApplied(plane, first);
  await waitApplied(plane, release('ghcr.io/bookstore/recommendations:2.1.0', 'recommendations 2.1.0'));
  log(`Flux reconciles ${NAMESPACE}/recommendations from ${repoUrl} (clone: ${clone})`);
  return { repoUrl, clone };
}

export const stopGitOps = stopFlux;
