import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ChartRender } from '../core/helm/render';
import { chartRootOf, displayPath, fileOfEngineName, loadChart, type ChartSource } from './charts';
import type { HelmEngine, RenderRequest, RenderResponse } from './engine';

/** The release `helm template` names by default. */
export const RELEASE_NAME = 'release-name';

export interface RenderOptions {
  /** Findings name files relative to this directory. */
  cwd: string;
  /** Values files per chart directory (relative to `configRoot`), from `.rollbackguard.yaml`; each file relative to its chart. */
  chartValues: ReadonlyMap<string, { values: readonly string[] }>;
  /** Where `.rollbackguard.yaml` is (the repository root). */
  configRoot: string;
  /** Values files applied to every chart after the configured ones (`--values`), absolute. */
  values?: readonly string[];
  maxBytes: number;
  /** Text to use instead of a file's on disk, by absolute path (the editor's unsaved documents). */
  overlay?: (abs: string) => string | undefined;
  /** Renders kept between calls, by what was rendered (the editor keeps one). */
  cache?: RenderCache;
}

/** Renders by a hash of their request: the same chart, values and release render the same. */
export class RenderCache {
  private readonly entries = new Map<string, ChartRender>();
  constructor(private readonly capacity = 32) {}
  get(key: string): ChartRender | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }
  set(key: string, value: ChartRender): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** The outermost chart directory of each of `files` that is in a chart (absolute paths), once each. */
export function chartRoots(files: readonly string[]): string[] {
  const known = new Map<string, boolean>();
  const isChart = (dir: string) => {
    let is = known.get(dir);
    if (is === undefined) {
      try {
        readFileSync(join(dir, 'Chart.yaml'));
        is = true;
      } catch {
        is = false;
      }
      known.set(dir, is);
    }
    return is;
  };
  const roots = new Set<string>();
  for (const file of files) {
    // Only templates and Chart.yaml matter: a chart's other YAML (values, CI files) is not rendered.
    if (!/[\\/]templates[\\/].*\.ya?ml$/i.test(file) && !/[\\/]Chart\.yaml$/.test(file)) continue;
    const root = chartRootOf(file, isChart);
    if (root) roots.add(root);
  }
  return [...roots].sort();
}

/**
 * Renders one chart with Helm's engine: its values.yaml, then the
 * configured values files, then `--values`. Undefined for a library chart
 * (it renders nothing on its own).
 */
export async function renderChart(engine: HelmEngine, abs: string, options: RenderOptions): Promise<ChartRender | undefined> {
  const source = loadChart(abs, options.maxBytes);
  if (source.library || !source.name) return undefined;
  const dir = displayPath(options.cwd, abs);
  const display = dir === '.' ? '' : dir;
  if (options.overlay) {
    for (const file of source.files) {
      const path = fileOfEngineName(source, `${source.name}/${file.name}`);
      const text = path ? options.overlay(path) : undefined;
      if (text !== undefined && !file.base64) file.data = text;
    }
  }
  const valueFiles = [
    ...(options.chartValues.get(displayPath(options.configRoot, abs))?.values ?? []).map((v) => resolve(abs, v)),
    ...(options.values ?? []),
  ];
  const values: string[] = [];
  const problems: string[] = [];
  for (const file of valueFiles) {
    const text = options.overlay?.(file) ?? readOr(file);
    if (text === undefined) problems.push(`values file ${displayPath(options.cwd, file)} cannot be read`);
    else values.push(text);
  }
  const request: RenderRequest = { files: source.files, values, releaseName: RELEASE_NAME, namespace: 'default' };
  // The same request renders the same, and a kept render keeps its parsed documents.
  const key = createHash('sha256').update(`${options.cwd}\0${JSON.stringify(request)}`).digest('hex');
  const kept = options.cache?.get(key);
  if (kept && problems.length === 0) return kept;
  const response = problems.length > 0 ? {} : await engine.render(request);
  const render = toChartRender(source, response, display, valueFiles, problems, options.cwd);
  if (problems.length === 0) options.cache?.set(key, render);
  return render;
}

function toChartRender(source: ChartSource, response: RenderResponse, display: string, valueFiles: readonly string[], problems: readonly string[], cwd: string): ChartRender {
  const render: ChartRender = {
    dir: display,
    name: source.name,
    outputs: {},
    failed: {},
    missing: source.missing,
    values: valueFiles.map((f) => displayPath(cwd, f)),
  };
  if (response.error || problems.length > 0) {
    render.error = [...problems, ...(response.error ? [response.error] : [])].join('; ');
    return render;
  }
  // Every template with a file prints something or nothing.
  for (const template of source.templates) render.outputs[displayPath(cwd, template)] = '';
  for (const [name, text] of Object.entries(response.manifests ?? {})) {
    const file = fileOfEngineName(source, name);
    const path = file ? displayPath(cwd, file) : undefined;
    if (path === undefined || !(path in render.outputs)) (render.unplaced ??= {})[name] = text;
    else render.outputs[path] = render.outputs[path] ? `${render.outputs[path]}\n---\n${text}` : text;
  }
  for (const [name, error] of Object.entries(response.failed ?? {})) {
    const file = fileOfEngineName(source, name);
    if (!file) continue;
    const path = displayPath(cwd, file);
    render.failed[path] = error;
    delete render.outputs[path];
  }
  return render;
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
