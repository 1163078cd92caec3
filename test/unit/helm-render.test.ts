import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../src/core/engine';
import { helmRenders, type ChartRender } from '../../src/core/helm/render';
import type { Finding } from '../../src/core/model';
import { HelmEngine } from '../../src/helm/engine';
import { renderCharts } from '../../src/helm';
import { applyEdits, located } from './helpers';

/**
 * Charts rendered with Helm's own engine (dist/wasm/helm-engine.wasm, built
 * from Helm's Go module by `npm run build`), each finding placed on the
 * template line that produced it.
 */
const CHARTS = join(__dirname, '..', 'fixtures', 'charts');

let engine: HelmEngine;

before(() => {
  const found = HelmEngine.find();
  assert.ok(found, "Helm's engine is built (npm run build, with Go)");
  engine = found;
});

after(() => engine.close());

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out.sort();
}

/** Renders the charts under `dir` and analyses every YAML file there: findings by file (relative to the fixtures), rule@line:column. */
async function check(dir: string, options: { values?: string[]; chartValues?: Map<string, { values: string[] }> } = {}) {
  const root = join(CHARTS, dir);
  const files = filesUnder(root);
  const { renders, notes } = await renderCharts(files, {
    cwd: CHARTS,
    configRoot: CHARTS,
    chartValues: options.chartValues ?? new Map(),
    values: options.values?.map((v) => join(CHARTS, v)),
    maxBytes: 1024 * 1024,
    engine,
  });
  const analysis = new Engine({ helm: helmRenders(renders) });
  const findings: Record<string, string[]> = {};
  const all: Finding[] = [];
  for (const file of files) {
    if (!/\.ya?ml$/.test(file)) continue;
    const path = relative(CHARTS, file).split(sep).join('/');
    const result = await analysis.analyze({ path, text: readFileSync(file, 'utf8') });
    if (result.findings.length > 0) findings[path] = located(result.findings);
    all.push(...result.findings);
  }
  return { findings, all, renders, notes };
}

describe('charts rendered with Helm’s engine', () => {
  it('judges fields decided by values on what the default values render: a probe turned off, a strategy from values', async () => {
    const { findings, all } = await check('guarded');
    assert.deepEqual(findings, {
      // The strategy comes from `toYaml .Values.strategy`: the finding is on that action's line.
      'guarded/templates/deployment.yaml': ['RG105@9:5', 'RG104@17:11', 'RG101@18:18'],
    });
    assert.match(all.find((f) => f.ruleId === 'RG101')!.message, /^Image `ghcr\.io\/acme\/web:2\.4\.1` of container `web` is pinned by tag only/);
    assert.match(all.find((f) => f.ruleId === 'RG104')!.message, /^Deployment release-name-web has no readinessProbe/);
  });

  it('reads a chart built on a library chart from a file:// dependency; what an include prints is reported on its line', async () => {
    const { findings, renders } = await check('library/app');
    assert.deepEqual(findings, {
      'library/app/templates/deployment.yaml': ['RG103@1:1', 'RG104@1:1'],
      'library/app/templates/migrate-job.yaml': ['RG109@8:19', 'RG110@16:33'],
    });
    assert.equal(renders.length, 1);
    assert.deepEqual(renders[0]!.missing, []);
  });

  it('renders vendored subcharts with the parent’s values, and gives a dependency charts/ does not hold one note on Chart.yaml', async () => {
    const { findings, all } = await check('deps');
    assert.deepEqual(findings, {
      'deps/Chart.yaml': ['RG003@8:11'],
      'deps/charts/cache/templates/statefulset.yaml': ['RG101@11:18'],
      'deps/templates/tests/test-connection.yaml': ['RG101@11:14'],
    });
    const note = all.find((f) => f.ruleId === 'RG003')!;
    assert.match(note.message, /^Not analysed: dependency `postgresql` \(https:\/\/charts\.example\.com\/stable\) is not in charts\/, so its objects are not rendered/);
    // The parent's values give the subchart its image (`redis`, not the subchart's `redis:7`).
    assert.match(all.find((f) => f.file.startsWith('deps/charts'))!.message, /^Image `redis` of container `redis` has no tag/);
  });

  it('reads a template Helm cannot render by masking, with a note quoting Helm; `lookup` finds nothing, as offline', async () => {
    const { findings, all } = await check('failing');
    assert.deepEqual(findings, {
      'failing/templates/job.yaml': ['RG003@1:1', 'RG109@6:21', 'RG101@13:18', 'RG110@13:18'],
    });
    assert.match(all.find((f) => f.ruleId === 'RG003')!.message, /^Helm could not render this template with the chart's values \(.*database\.url is required\), so it was read without rendering\.$/);
  });

  it('takes the whole release as one unit: the hook Job names its ServiceAccount and Role hooks from another template', async () => {
    const { findings, all } = await check('hooks');
    assert.deepEqual(findings, { 'hooks/templates/job.yaml': ['RG109@7:21'] });
    assert.match(all[0]!.message, /Its ServiceAccount and Role hooks only let it run\.$/);
  });

  it('applies values files from .rollbackguard.yaml per chart and from --values, in that order', async () => {
    const chartValues = new Map([['guarded', { values: ['../values/probe-on.yaml'] }]]);
    const configured = await check('guarded', { chartValues });
    assert.deepEqual(configured.findings, { 'guarded/templates/deployment.yaml': ['RG105@9:5', 'RG101@18:18'] });
    const both = await check('guarded', { chartValues, values: ['values/latest.yaml'] });
    assert.deepEqual(both.findings, { 'guarded/templates/deployment.yaml': ['RG105@9:5', 'RG101@18:18'] });
    assert.match(both.all.find((f) => f.ruleId === 'RG101')!.message, /^Image `ghcr\.io\/acme\/web:latest` of container `web` uses `:latest`/);
    assert.equal(both.all.find((f) => f.ruleId === 'RG101')!.severity, 'warning');
    assert.deepEqual(both.renders[0]!.values, ['values/probe-on.yaml', 'values/latest.yaml']);
  });

  it('offers quick fixes that edit the template, never Helm’s output', async () => {
    const { findings, all } = await check('fixes');
    assert.deepEqual(findings, { 'fixes/templates/deployment.yaml': ['RG102@7:25', 'RG104@11:11'] });
    const template = readFileSync(join(CHARTS, 'fixes', 'templates', 'deployment.yaml'), 'utf8');
    const fix = (rule: string, title: RegExp) => applyEdits(template, all.find((f) => f.ruleId === rule)!.fixes.find((x) => title.test(x.title))!.edits);
    assert.match(fix('RG102', /revisionHistoryLimit/), /\n {2}revisionHistoryLimit: 10\n/);
    assert.match(fix('RG104', /readinessProbe/), /\n {12}- containerPort: 9000\n {10}readinessProbe:\n {12}tcpSocket:\n {14}port: 9000\n/);
  });

  it('a probe the template holds behind a condition its values turn off: said in the message, no fix that adds another', async () => {
    const { all } = await check('guarded');
    const finding = all.find((f) => f.ruleId === 'RG104')!;
    assert.match(finding.message, /The template has one, behind a condition the values turn off\.$/);
    assert.deepEqual(all.flatMap((f) => f.fixes.filter((x) => !/ignore/i.test(x.title))), []);
  });

  it('places a finding on a key on the template’s key, for every object a `range` prints', async () => {
    const { findings, all } = await check('apps');
    assert.deepEqual(findings, { 'apps/templates/applications.yaml': ['RG107@16:5', 'RG107@16:5'] });
    assert.deepEqual(all.map((f) => f.message.split(' ').slice(0, 2).join(' ')), ['Application web', 'Application worker']);
  });

  it('places what a list item holds on that item when its name is printed by an action and another item is off', async () => {
    const { findings } = await check('named');
    assert.deepEqual(findings, { 'named/templates/deployment.yaml': ['RG104@16:9', 'RG101@17:16'] });
  });

  it('places the findings of an object whose kind an `if … else` chooses on its template lines', async () => {
    const { findings, all } = await check('chosen');
    assert.deepEqual(findings, { 'chosen/templates/server.yaml': ['RG104@22:11', 'RG101@23:18'] });
    assert.match(all[0]!.message, /^Deployment release-name-server has no readinessProbe/);
  });

  it('a Secret entry whose key an action prints is the values’, not a literal the template commits', async () => {
    const { findings } = await check('secrets');
    assert.deepEqual(findings, { 'secrets/templates/secret.yaml': ['RG113@15:1'] });
  });

  it('a ConfigMap the release does not render is made elsewhere: only the one the chart renders needs a hash', async () => {
    const { findings, all } = await check('configs');
    assert.deepEqual(findings, { 'configs/templates/deployment.yaml': ['RG103@22:23'] });
    assert.match(all[0]!.message, /reads ConfigMap `release-name-app` by a fixed name/);
  });

  it('a certificate, a config its process reloads, one an install hook creates or a controller fills change on their own schedule', async () => {
    const { findings, all } = await check('schedules');
    assert.deepEqual(findings, { 'schedules/templates/dns.yaml': ['RG103@35:19', 'RG103@38:19'] });
    assert.match(all[0]!.message, /reads ConfigMap `release-name-settings` by a fixed name/);
  });

  it('`Recreate` on a workload no Service of the release routes to pauses its work: info, not an outage warning', async () => {
    const { findings, all } = await check('recreate');
    assert.deepEqual(findings, { 'recreate/templates/web.yaml': ['RG105@8:11'], 'recreate/templates/worker.yaml': ['RG105@8:11'] });
    const bySeverity = Object.fromEntries(all.map((f) => [f.file, f.severity]));
    assert.deepEqual(bySeverity, { 'recreate/templates/web.yaml': 'warning', 'recreate/templates/worker.yaml': 'info' });
    assert.match(all.find((f) => f.severity === 'info')!.message, /^Deployment release-name-worker uses `Recreate`, so each rollout and rollback stops it before its new version starts\. No Service/);
  });

  it('renders from files in memory: the editor’s unsaved text of a template', async () => {
    const { renderChart } = await import('../../src/helm/render');
    const deployment = join(CHARTS, 'guarded', 'templates', 'deployment.yaml');
    const edited = readFileSync(deployment, 'utf8').replace('{{- if .Values.readinessProbe.enabled }}', '{{- if true }}');
    const render = (await renderChart(engine, join(CHARTS, 'guarded'), {
      cwd: CHARTS,
      configRoot: CHARTS,
      chartValues: new Map(),
      maxBytes: 1024 * 1024,
      overlay: (abs) => (abs === deployment ? edited : undefined),
    })) as ChartRender;
    assert.match(render.outputs['guarded/templates/deployment.yaml']!, /readinessProbe:/);
  });
});
