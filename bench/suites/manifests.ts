/**
 * Per-file analysis time of Kubernetes manifests, in process (parse once,
 * every manifest rule): a typical 300-line file and a 10,000-line
 * multi-document file. Targets: ≤ 2 ms and ≤ 50 ms median.
 *
 * The headline is the cold figure: each run analyses text the engine has
 * never seen, with a new engine (the first analysis of a file in the editor,
 * or any file in the CLI). "One document edited" is the editor's on-change
 * path: the same engine analyses the file again after an edit in one
 * document in the middle, which re-parses that document only. For scale,
 * the `yaml` package's own parse of the same text: its CST parser alone,
 * and the CST composed into documents. Wall time and CPU time (user + sys of
 * this process) per run; medians over many runs, in a warm process.
 */
import { Engine } from '../../src/core/engine';
import { Parser, parseAllDocuments } from 'yaml';
import { appContainerTail, serviceAndConfig } from '../fixtures';
import { run as runCharts } from '../charts';
import { fmt, median, percentile } from '../stats';

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
${appContainerTail(i, i % 4 === 0 ? '# no readiness probe' : 'readinessProbe: {httpGet: {path: /healthz, port: 8080}}')}${serviceAndConfig(i, 7, ['LOG_LEVEL: info', 'FEATURE_FLAGS: "search,checkout"'])}---
`;
}

export function manifest(lines: number): string {
  let text = '';
  for (let i = 0; text.split('\n').length < lines; i++) text += block(i);
  return text.split('\n').slice(0, lines).join('\n').replace(/\n---\n?$/, '\n');
}

interface Sample {
  wall: number;
  cpu: number;
}

async function sample(fn: () => unknown): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

function line(label: string, lines: number, samples: Sample[], note: string): void {
  const wall = samples.map((s) => s.wall);
  console.log(
    `${label.padEnd(40)} ${String(lines).padStart(6)} lines  median ${fmt(median(wall)).padStart(9)}  p90 ${fmt(percentile(wall, 90)).padStart(9)}  cpu ${fmt(median(samples.map((s) => s.cpu))).padStart(9)}  (${samples.length} runs${note})`,
  );
}

/** The same text with a different first line (a trailing comment), so no run sees text an earlier one saw. */
const fresh = (text: string, n: number) => text.replace('\n', ` # sample ${n}\n`);

async function measure(label: string, text: string, iterations: number): Promise<void> {
  const lines = text.split('\n').length;
  for (let i = 0; i < 20; i++) await new Engine().analyze({ path: 'bench.yaml', text: fresh(text, -i - 1) });
  let findings = 0;
  const cold: Sample[] = [];
  for (let i = 0; i < iterations; i++) {
    const source = { path: 'bench.yaml', text: fresh(text, i) };
    cold.push(await sample(async () => (findings = (await new Engine().analyze(source)).findings.length)));
  }
  line(`${label}`, lines, cold, `, ${findings} findings`);

  // The editor's on-change path: one engine, an edit in the middle document, alternating so the text always changes.
  const engine = new Engine();
  const base = fresh(text, iterations);
  await engine.analyze({ path: 'bench.yaml', text: base });
  const middle = base.indexOf('replicas: ', base.length >> 1);
  const edited: Sample[] = [];
  for (let i = 0; i < iterations; i++) {
    const value = i % 2 === 0 ? 'replicas: 12' : 'replicas: 3';
    const next = `${base.slice(0, middle)}${value}${base.slice(base.indexOf('\n', middle))}`;
    edited.push(await sample(() => engine.analyze({ path: 'bench.yaml', text: next })));
  }
  line('  one document edited (same engine)', lines, edited, '');

  const cst: Sample[] = [];
  const composed: Sample[] = [];
  for (let i = 0; i < iterations; i++) {
    const source = fresh(text, i);
    cst.push(
      await sample(() => {
        for (const token of new Parser().parse(source)) void token;
      }),
    );
    composed.push(await sample(() => parseAllDocuments(source, { uniqueKeys: false, merge: true, prettyErrors: false, strict: false })));
  }
  line('  yaml: CST parser alone (the floor)', lines, cst, '');
  line('  yaml: CST + compose (parseAllDocuments)', lines, composed, '');
}

/**
 * Masking a Helm template is linear in its length: 800 actions on one line
 * (4 KB) take as long as 800 short lines. Cold analysis of each, a new
 * engine per run.
 */
async function actionsOnOneLine(iterations: number): Promise<void> {
  const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n';
  const oneLine = `${head}${'{{x}}'.repeat(800)}\n`;
  const manyLines = `${head}${'  k: {{x}}\n'.repeat(800)}`;
  for (const [label, text] of [
    ['Helm template, 800 actions on one line', oneLine],
    ['Helm template, 800 lines of one action', manyLines],
  ] as const) {
    const samples: Sample[] = [];
    for (let i = 0; i < iterations; i++) samples.push(await sample(() => new Engine().analyze({ path: 'chart/templates/cm.yaml', text: fresh(text, i) })));
    line(label, text.split('\n').length, samples, '');
  }
}

export async function run(args: string[] = []): Promise<void> {
  await measure('300-line manifest (target ≤ 2 ms)', manifest(300), 400);
  await measure('10,000-line multi-document (≤ 50 ms)', manifest(10_000), 60);
  await actionsOnOneLine(100);
  // Helm charts rendered with Helm's engine, next to `helm template` (see bench/charts.ts).
  await runCharts(args);
}
