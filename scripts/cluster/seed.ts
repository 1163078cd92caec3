/**
 * Seeds a control plane with the bookstore's workloads and a real revision
 * history, the way a team's cluster looks after a few releases: Deployments
 * with several revisions (each with its change-cause), a StatefulSet, a
 * DaemonSet, and the storefront Helm release at revision 3. Used by
 * `npm run demo` and the end-to-end tests. Idempotent: a namespace already
 * seeded is left as it is.
 */
import type { Plane } from './plane';

export const SEED_NAMESPACE = 'bookstore';
const SEEDED_LABEL = 'rollback-guard.io/seeded';

interface Release {
  image: string;
  cause: string;
}

const CATALOG: Release[] = [
  { image: 'ghcr.io/bookstore/catalog:1.2.0', cause: 'catalog 1.2.0: first release' },
  { image: 'ghcr.io/bookstore/catalog:1.3.0', cause: 'catalog 1.3.0: faster search' },
  { image: 'ghcr.io/bookstore/catalog:1.4.2', cause: 'catalog 1.4.2: search by ISBN' },
];
const ORDERS: Release[] = [
  { image: 'ghcr.io/bookstore/orders:2.6.0', cause: 'orders 2.6.0' },
  { image: 'ghcr.io/bookstore/orders:2.7.0', cause: 'orders 2.7.0: order status' },
];
const POSTGRES: Release[] = [
  { image: 'docker.io/library/postgres:16.3', cause: 'postgres 16.3' },
  { image: 'docker.io/library/postgres:16.4', cause: 'postgres 16.4: minor upgrade' },
];
const AGENT: Release[] = [
  { image: 'ghcr.io/bookstore/log-agent:0.9.0', cause: 'log-agent 0.9.0' },
  { image: 'ghcr.io/bookstore/log-agent:1.0.0', cause: 'log-agent 1.0.0' },
];

function deployment(name: string, release: Release, replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${SEED_NAMESPACE}
  labels: {app: ${name}}
  annotations:
    kubernetes.io/change-cause: ${JSON.stringify(release.cause)}
spec:
  replicas: ${replicas}
  revisionHistoryLimit: 10
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: ${name}
          image: ${release.image}
          ports: [{containerPort: 8080}]
`;
}

function statefulSet(release: Release): string {
  return `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: postgres
  namespace: ${SEED_NAMESPACE}
  annotations:
    kubernetes.io/change-cause: ${JSON.stringify(release.cause)}
spec:
  serviceName: postgres
  replicas: 1
  selector:
    matchLabels: {app: postgres}
  template:
    metadata:
      labels: {app: postgres}
    spec:
      containers:
        - name: postgres
          image: ${release.image}
`;
}

function daemonSet(release: Release): string {
  return `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-agent
  namespace: ${SEED_NAMESPACE}
  annotations:
    kubernetes.io/change-cause: ${JSON.stringify(release.cause)}
spec:
  selector:
    matchLabels: {app: log-agent}
  template:
    metadata:
      labels: {app: log-agent}
    spec:
      containers:
        - name: log-agent
          image: ${release.image}
`;
}

async function rollOut(plane: Plane, kind: string, name: string, manifests: string[]): Promise<void> {
  for (const manifest of manifests) {
    await plane.kubectl(['apply', '-f', '-'], { input: manifest });
    await plane.kubectl(['rollout', 'status', `${kind}/${name}`, '-n', SEED_NAMESPACE, '--timeout=120s']);
  }
}

export interface SeedOptions {
  /** The storefront chart (examples/bookstore/charts/storefront); no Helm release without it. */
  chartDir?: string;
  log?: (line: string) => void;
}

export async function seedBookstore(plane: Plane, options: SeedOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[seed] ${line}\n`));
  const existing = await plane.kubectl(['get', 'namespace', SEED_NAMESPACE, '-o', `jsonpath={.metadata.labels.${SEEDED_LABEL.replace(/\./g, '\\.')}}`], { allowFailure: true });
  if (existing.code === 0 && existing.stdout.trim() === 'true') {
    log(`namespace ${SEED_NAMESPACE} is already seeded`);
    return;
  }
  await plane.kubectl(['create', 'namespace', SEED_NAMESPACE], { allowFailure: true });

  log('catalog: 3 revisions, orders: 2 revisions');
  await rollOut(plane, 'deployment', 'catalog', CATALOG.map((r) => deployment('catalog', r, 3)));
  await rollOut(plane, 'deployment', 'orders', ORDERS.map((r) => deployment('orders', r, 2)));
  log('postgres StatefulSet and log-agent DaemonSet: 2 revisions each');
  await rollOut(plane, 'statefulset', 'postgres', POSTGRES.map(statefulSet));
  await rollOut(plane, 'daemonset', 'log-agent', AGENT.map(daemonSet));

  if (options.chartDir) {
    log('storefront Helm release: 3 revisions');
    // Hooks are skipped: the migration Job would wait for a database the fake node does not run.
    const tags = ['3.1.0', '3.2.0', '3.2.1'];
    for (const [i, tag] of tags.entries()) {
      await plane.helm([i === 0 ? 'install' : 'upgrade', 'storefront', options.chartDir, '-n', SEED_NAMESPACE, '--no-hooks', '--set', `image.tag=${tag}`, '--description', `storefront ${tag}`]);
    }
  }
  await plane.kubectl(['label', 'namespace', SEED_NAMESPACE, `${SEEDED_LABEL}=true`, '--overwrite']);
  log('seeded');
}
