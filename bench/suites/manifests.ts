/**
 * Per-file analysis time of Kubernetes manifests, in process (parse once,
 * every manifest rule): a typical 300-line file and a 10,000-line
 * multi-document file. Targets: ≤ 2 ms and ≤ 50 ms median.
 */
import { Engine } from '../../src/core/engine';
import { fmt, median, percentile, time } from '../stats';

/** One Deployment + Service + ConfigMap block (~60 lines), numbered to keep names unique. */
function block(i: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${i}
  namespace: team-${i % 7}
  labels: {app: svc-${i}}
spec:
  replicas: ${1 + (i % 5)}
  revisionHistoryLimit: ${i % 11 === 0 ? 0 : 10}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
  selector:
    matchLabels: {app: svc-${i}}
  template:
    metadata:
      labels: {app: svc-${i}}
    spec:
      initContainers:
        - name: migrate
          image: registry.example.com/svc-${i}:1.${i}.0
          command: ["sh", "-c", "python manage.py migrate --noinput"]
      containers:
        - name: app
          image: registry.example.com/svc-${i}:1.${i}.0${i % 3 === 0 ? '' : '@sha256:' + 'a'.repeat(64)}
          ports:
            - containerPort: 8080
          ${i % 4 === 0 ? '# no readiness probe' : 'readinessProbe: {httpGet: {path: /healthz, port: 8080}}'}
          envFrom:
            - configMapRef: {name: svc-${i}-config}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: svc-${i}
  namespace: team-${i % 7}
spec:
  selector: {app: svc-${i}}
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: svc-${i}-config
  namespace: team-${i % 7}
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "search,checkout"
  UPSTREAM: http://svc-${i + 1}.team-${(i + 1) % 7}
---
`;
}

export function manifest(lines: number): string {
  let text = '';
  for (let i = 0; text.split('\n').length < lines; i++) text += block(i);
  return text.split('\n').slice(0, lines).join('\n').replace(/\n---\n?$/, '\n');
}

async function measure(label: string, text: string, iterations: number): Promise<void> {
  const engine = new Engine();
  for (let i = 0; i < 20; i++) await engine.analyze({ path: 'bench.yaml', text });
  const samples: number[] = [];
  let findings = 0;
  for (let i = 0; i < iterations; i++) {
    samples.push(await time(async () => (findings = (await engine.analyze({ path: 'bench.yaml', text })).findings.length)));
  }
  const lines = text.split('\n').length;
  console.log(`${label.padEnd(34)} ${String(lines).padStart(6)} lines  median ${fmt(median(samples)).padStart(9)}  p90 ${fmt(percentile(samples, 90)).padStart(9)}  (${iterations} runs, ${findings} findings)`);
}

export async function run(): Promise<void> {
  await measure('300-line manifest (target ≤ 2 ms)', manifest(300), 400);
  await measure('10,000-line multi-document (≤ 50 ms)', manifest(10_000), 60);
}
