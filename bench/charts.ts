/**
 * Helm charts: what rendering with Helm's engine costs, next to `helm
 * template` alone on the same chart.
 *
 * - cold: a new engine thread (the WebAssembly module compiled and started),
 *   the chart rendered, and every file of the chart analysed: the first
 *   `rollback-guard check` of a chart, or the editor's first template.
 * - warm: the editor's on-change path with the engine running: the edited
 *   template's chart rendered again from memory (the unsaved text) and the
 *   template analysed on what it renders. Target: ≤ 100 ms for a typical chart.
 * - `helm template` alone: the helm binary (`npm run cluster -- build`
 *   builds it; else the first `helm` on PATH) on the same chart, one process
 *   per run; an edit needs the same process again.
 *
 * The chart is a typical application chart written here (12 templates,
 * helpers, a hook Job, a test Pod); `npm run bench -- manifests --chart DIR`
 * (repeatable) measures other charts too. Runs alternate between the
 * measured tools; medians.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { Engine } from '../src/core/engine';
import { helmRenders } from '../src/core/helm/render';
import { HelmEngine } from '../src/helm/engine';
import { renderChart } from '../src/helm/render';
import { ChartRenderer } from '../src/helm/renderer';
import { fmt, median } from './stats';

const WORK = join(__dirname, '.work', 'charts');

/** A typical application chart: Deployment, Service, Ingress, HPA, PDB, ConfigMap, Secret, ServiceAccount, NetworkPolicy, a migration hook Job and a test Pod. */
function typicalChart(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  const files: Record<string, string> = {
    'Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 1.2.0\nappVersion: "4.7.1"\n',
    'values.yaml': `replicaCount: 3
image:
  repository: ghcr.io/acme/shop
  tag: ""
  pullPolicy: IfNotPresent
serviceAccount:
  create: true
podAnnotations: {}
service:
  type: ClusterIP
  port: 80
ingress:
  enabled: true
  host: shop.example.com
resources:
  limits: {cpu: 500m, memory: 512Mi}
  requests: {cpu: 100m, memory: 128Mi}
autoscaling:
  enabled: true
  minReplicas: 3
  maxReplicas: 10
migrations:
  enabled: true
config:
  LOG_LEVEL: info
  FEATURES: search,checkout
`,
    'templates/_helpers.tpl': `{{- define "shop.name" -}}{{ .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end }}
{{- define "shop.fullname" -}}{{ printf "%s-%s" .Release.Name (include "shop.name" .) | trunc 63 | trimSuffix "-" }}{{- end }}
{{- define "shop.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{ include "shop.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
{{- define "shop.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shop.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
{{- define "shop.serviceAccountName" -}}{{ include "shop.fullname" . }}{{- end }}
`,
    'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "shop.fullname" . }}
  labels: {{- include "shop.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels: {{- include "shop.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      labels: {{- include "shop.selectorLabels" . | nindent 8 }}
    spec:
      serviceAccountName: {{ include "shop.serviceAccountName" . }}
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: 8080
          envFrom:
            - configMapRef:
                name: {{ include "shop.fullname" . }}
            - secretRef:
                name: {{ include "shop.fullname" . }}
          readinessProbe:
            httpGet: {path: /ready, port: http}
          resources: {{- toYaml .Values.resources | nindent 12 }}
`,
    'templates/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{ include "shop.fullname" . }}
  labels: {{- include "shop.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  ports:
    - port: {{ .Values.service.port }}
      targetPort: http
  selector: {{- include "shop.selectorLabels" . | nindent 4 }}
`,
    'templates/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "shop.fullname" . }}
data:
  {{- range $k, $v := .Values.config }}
  {{ $k }}: {{ $v | quote }}
  {{- end }}
`,
    'templates/secret.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: {{ include "shop.fullname" . }}
type: Opaque
stringData:
  SESSION_KEY: {{ randAlphaNum 32 | quote }}
`,
    'templates/ingress.yaml': `{{- if .Values.ingress.enabled -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "shop.fullname" . }}
  labels: {{- include "shop.labels" . | nindent 4 }}
spec:
  rules:
    - host: {{ .Values.ingress.host | quote }}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {{ include "shop.fullname" . }}
                port: {number: {{ .Values.service.port }}}
{{- end }}
`,
    'templates/hpa.yaml': `{{- if .Values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "shop.fullname" . }}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: {{ include "shop.fullname" . }}}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
{{- end }}
`,
    'templates/pdb.yaml': `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "shop.fullname" . }}
spec:
  minAvailable: 1
  selector:
    matchLabels: {{- include "shop.selectorLabels" . | nindent 6 }}
`,
    'templates/serviceaccount.yaml': `{{- if .Values.serviceAccount.create -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "shop.serviceAccountName" . }}
  labels: {{- include "shop.labels" . | nindent 4 }}
{{- end }}
`,
    'templates/networkpolicy.yaml': `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "shop.fullname" . }}
spec:
  podSelector:
    matchLabels: {{- include "shop.selectorLabels" . | nindent 6 }}
  ingress:
    - ports: [{port: 8080}]
`,
    'templates/migrate-job.yaml': `{{- if .Values.migrations.enabled }}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "shop.fullname" . }}-migrate
  labels: {{- include "shop.labels" . | nindent 4 }}
    app.kubernetes.io/component: migrate
  annotations:
    "helm.sh/hook": pre-install,pre-upgrade
    "helm.sh/hook-delete-policy": before-hook-creation
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          command: ["bin/rails", "db:migrate"]
{{- end }}
`,
    'templates/tests/test-connection.yaml': `apiVersion: v1
kind: Pod
metadata:
  name: "{{ include "shop.fullname" . }}-test"
  annotations:
    "helm.sh/hook": test
spec:
  restartPolicy: Never
  containers:
    - name: wget
      image: busybox:1.36
      command: ['wget']
      args: ['{{ include "shop.fullname" . }}:{{ .Values.service.port }}']
`,
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** The helm binary of the test control plane's cache, else the first on PATH. */
function findHelm(): string | undefined {
  const cache = join(process.env.ROLLBACK_GUARD_CACHE ?? join(homedir(), '.cache', 'rollback-guard'), 'cluster');
  if (existsSync(cache)) {
    for (const entry of readdirSync(cache).sort().reverse()) {
      const bin = join(cache, entry, 'bin', 'helm');
      if (existsSync(bin)) return bin;
    }
  }
  try {
    return execFileSync('which', ['helm'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function filesOf(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesOf(path));
    else out.push(path);
  }
  return out;
}

async function time(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function measureChart(label: string, chart: string, helm: string | undefined, coldRuns: number, warmRuns: number): Promise<void> {
  const cwd = resolve(chart, '..');
  const options = { cwd, configRoot: cwd, chartValues: new Map(), maxBytes: 10 * 1024 * 1024 };
  const templates = filesOf(chart).filter((f) => /\.ya?ml$/.test(f));
  const analyseAll = async (engine: HelmEngine) => {
    const render = await renderChart(engine, chart, options);
    const analysis = new Engine({ ignoreFixes: false, ...(render ? { helm: helmRenders([render]) } : {}) });
    let findings = 0;
    for (const file of templates) findings += (await analysis.analyze({ path: relative(cwd, file).split(sep).join('/'), text: readFileSync(file, 'utf8') })).findings.length;
    return findings;
  };

  // Cold: a new engine each run, alternating with a helm process.
  const cold: number[] = [];
  const helmAlone: number[] = [];
  let findings = 0;
  for (let i = 0; i < coldRuns; i++) {
    const engine = HelmEngine.find()!;
    cold.push(await time(async () => (findings = await analyseAll(engine))));
    await engine.close();
    if (helm) helmAlone.push(await time(() => execFileSync(helm, ['template', 'release-name', chart], { stdio: ['ignore', 'ignore', 'ignore'] })));
  }

  // Warm: the editor path, an edit to the Deployment template each time.
  const renderer = new ChartRenderer(options);
  const analysis = new Engine();
  const target = templates.find((f) => /deployment\.ya?ml$/.test(f)) ?? templates[0]!;
  const path = relative(cwd, target).split(sep).join('/');
  const original = readFileSync(target, 'utf8');
  const warm: number[] = [];
  for (let i = 0; i < warmRuns + 3; i++) {
    const text = `${original}\n# edit ${i}\n`;
    const ms = await time(async () => {
      const helmRendered = await renderer.rendersFor(target, (abs) => (abs === target ? text : undefined));
      await analysis.analyze({ path, text }, { helm: helmRendered });
    });
    if (i >= 3) warm.push(ms);
  }
  await (await import('../src/helm/renderer')).closeSharedEngine();

  console.log(`${label} (${templates.length} YAML files, ${findings} findings)`);
  console.log(`  cold: engine start + render + analysis   median ${fmt(median(cold)).padStart(9)}  (${cold.length} runs)`);
  if (helm) console.log(`  helm template alone (a process)         median ${fmt(median(helmAlone)).padStart(9)}  (${helmAlone.length} runs, ratio ${(median(cold) / median(helmAlone)).toFixed(1)}×)`);
  else console.log('  helm template alone: no helm binary (npm run cluster -- build, or helm on PATH)');
  console.log(`  warm: edit → render + analysis (editor) median ${fmt(median(warm)).padStart(9)}  (${warm.length} runs; target ≤ 100 ms${helm ? `; helm template per edit ${fmt(median(helmAlone))}` : ''})`);
}

export async function run(args: string[] = []): Promise<void> {
  if (!HelmEngine.find()) {
    console.log("charts: Helm's engine is not built (npm run build, with Go); nothing to measure");
    return;
  }
  const helm = findHelm();
  const charts: string[] = [];
  for (let i = 0; i < args.length; i++) if (args[i] === '--chart' && args[i + 1]) charts.push(resolve(args[++i]!));
  await measureChart('typical chart', typicalChart(join(WORK, 'shop')), helm, 10, 40);
  for (const chart of charts) await measureChart(chart, chart, helm, 5, 20);
}
