import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import ignore from 'ignore';
import { isMap, parseDocument } from 'yaml';
import { boundAliases } from '../core/yaml/aliases';
import { YamlNav } from '../core/yaml/nodes';
import type { EngineFile } from './engine';

/** A chart as the engine gets it, and how its engine names map back to files. */
export interface ChartSource {
  /** The chart's directory, absolute. */
  abs: string;
  /** Chart.yaml `name`. */
  name: string;
  /** `type: library`: never rendered on its own. */
  library: boolean;
  /** Every file of the chart, its subcharts and its local (`file://`) dependencies, named relative to the chart. */
  files: EngineFile[];
  /** Engine name prefix (`app`, `app/charts/db`) → absolute directory of that chart's files. */
  prefixes: Map<string, string>;
  /** Absolute paths of every template (`templates/**.yaml`) of the chart and of the subcharts that have a directory. */
  templates: string[];
  /** Dependencies Chart.yaml declares that charts/ does not hold and no `file://` path provides. */
  missing: { name: string; version?: string; repository?: string }[];
  /** Files left out (too large, unreadable), with why. */
  skipped: { path: string; reason: string }[];
}

interface Dependency {
  name: string;
  version?: string;
  repository?: string;
  alias?: string;
}

/**
 * The outermost chart directory that `file` belongs to: the nearest
 * directory with a Chart.yaml, then up through `charts/` while that is a
 * subchart of another chart (a subchart renders with its parent's values).
 */
export function chartRootOf(file: string, isChart: (dir: string) => boolean = (d) => existsSync(join(d, 'Chart.yaml'))): string | undefined {
  let dir = dirname(file);
  let found: string | undefined;
  for (;;) {
    if (isChart(dir)) {
      found = dir;
      break;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  for (;;) {
    const parent = dirname(found);
    const grand = dirname(parent);
    if (parent.endsWith(`${sep}charts`) && grand !== parent && isChart(grand)) found = grand;
    else return found;
  }
}

/** Reads a chart from disk with its subcharts and local dependencies, as `helm template` would load it after `helm dependency build`. */
export function loadChart(abs: string, maxBytes: number): ChartSource {
  const source: ChartSource = { abs, name: '', library: false, files: [], prefixes: new Map(), templates: [], missing: [], skipped: [] };
  const meta = readMeta(abs);
  source.name = meta.name;
  source.library = meta.type === 'library';
  add(source, abs, '', meta.name, maxBytes, new Set([abs]));
  return source;
}

function readMeta(dir: string): { name: string; type?: string; dependencies: Dependency[] } {
  let text = '';
  try {
    text = readFileSync(join(dir, 'Chart.yaml'), 'utf8');
  } catch {
    return { name: '', dependencies: [] };
  }
  const [document] = boundAliases([parseDocument(text, { uniqueKeys: false })]) as [ReturnType<typeof parseDocument>];
  if (!isMap(document.contents)) return { name: '', dependencies: [] };
  const nav = new YamlNav(document as never);
  const root = document.contents;
  const dependencies: Dependency[] = [];
  for (const item of nav.items(nav.get(root, 'dependencies'))) {
    const name = nav.str(nav.get(item, 'name'));
    if (!name) continue;
    dependencies.push({ name, version: nav.str(nav.get(item, 'version')), repository: nav.str(nav.get(item, 'repository')), alias: nav.str(nav.get(item, 'alias')) });
  }
  return { name: nav.str(nav.get(root, 'name')) ?? '', type: nav.str(nav.get(root, 'type')), dependencies };
}

/**
 * Adds the chart in `dir` under `prefix` (its path inside the root chart,
 * `''` for the root, `charts/common/` for a dependency) and, recursively,
 * its subcharts and local dependencies.
 */
function add(source: ChartSource, dir: string, prefix: string, engineName: string, maxBytes: number, visiting: Set<string>): void {
  source.prefixes.set(engineName, dir);
  const meta = readMeta(dir);
  const helmignore = ignore().add(readOr(join(dir, '.helmignore')));
  const subchartDirs = new Map<string, string>();
  const archives: string[] = [];
  const walk = (at: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(at, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    } catch (error) {
      source.skipped.push({ path: at, reason: `cannot list directory: ${(error as Error).message}` });
      return;
    }
    for (const entry of entries) {
      const name = entry.name;
      if (name === '.git' || name === 'node_modules') continue;
      const path = join(at, name);
      const relPath = rel ? `${rel}/${name}` : name;
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        try {
          isDir = statSync(path).isDirectory();
        } catch {
          continue;
        }
      }
      if (helmignore.ignores(isDir ? `${relPath}/` : relPath)) continue;
      if (isDir) {
        // A subchart directory: its own files, under its own ignore rules.
        if (rel === 'charts' && existsSync(join(path, 'Chart.yaml'))) {
          subchartDirs.set(name, path);
          continue;
        }
        walk(path, relPath);
        continue;
      }
      if (rel === 'charts' && /\.tgz$/.test(name)) archives.push(name);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        continue;
      }
      if (size > maxBytes) {
        source.skipped.push({ path, reason: `larger than ${Math.round(maxBytes / 1024)} KB` });
        continue;
      }
      let data: Buffer;
      try {
        data = readFileSync(path);
      } catch (error) {
        source.skipped.push({ path, reason: `unreadable: ${(error as Error).message}` });
        continue;
      }
      const binary = data.subarray(0, 8000).includes(0) || /\.(tgz|gz|png|jpe?g|ico)$/i.test(name);
      source.files.push({ name: `${prefix}${relPath}`, data: binary ? data.toString('base64') : data.toString('utf8'), ...(binary ? { base64: true } : {}) });
      if (rel.split('/')[0] === 'templates' && /\.ya?ml$/i.test(name)) source.templates.push(path);
    }
  };
  walk(dir, '');

  // Each subchart under the names the parent gives it (its Chart.yaml name, and aliases of that dependency).
  const namesOf = (chartName: string) => [chartName, ...meta.dependencies.filter((d) => d.name === chartName && d.alias).map((d) => d.alias!)];
  const provided = new Set<string>();
  for (const [dirName, subDir] of subchartDirs) {
    const subName = readMeta(subDir).name || dirName;
    provided.add(subName);
    if (visiting.has(subDir)) continue;
    visiting.add(subDir);
    for (const alias of namesOf(subName).slice(1)) source.prefixes.set(`${engineName}/charts/${alias}`, subDir);
    add(source, subDir, `${prefix}charts/${dirName}/`, `${engineName}/charts/${subName}`, maxBytes, visiting);
  }
  for (const archive of archives) {
    // `name-1.2.3.tgz`: the chart name is what precedes the version.
    const m = /^(.*)-v?\d[^-]*(?:-[^-]+)*\.tgz$/.exec(archive);
    for (const dep of meta.dependencies) if (m && (m[1] === dep.name || archive.startsWith(`${dep.name}-`))) provided.add(dep.name);
  }
  for (const dep of meta.dependencies) {
    if (provided.has(dep.name)) continue;
    const local = dep.repository?.startsWith('file://') ? dep.repository.slice('file://'.length) : undefined;
    const depDir = local !== undefined ? (isAbsolute(local) ? local : resolve(dir, local)) : undefined;
    if (depDir && existsSync(join(depDir, 'Chart.yaml'))) {
      provided.add(dep.name);
      if (visiting.has(depDir)) continue;
      visiting.add(depDir);
      const subName = readMeta(depDir).name || dep.name;
      for (const alias of namesOf(subName).slice(1)) source.prefixes.set(`${engineName}/charts/${alias}`, depDir);
      add(source, depDir, `${prefix}charts/${dep.name}/`, `${engineName}/charts/${subName}`, maxBytes, visiting);
      continue;
    }
    // A dependency used under several aliases is one missing chart.
    if (!source.missing.some((m) => m.name === dep.name && m.repository === dep.repository)) {
      source.missing.push({ name: dep.name, ...(dep.version ? { version: dep.version } : {}), ...(dep.repository ? { repository: dep.repository } : {}) });
    }
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The file an engine name (`app/charts/db/templates/sts.yaml`) comes from, or undefined (a packaged subchart). */
export function fileOfEngineName(source: ChartSource, name: string): string | undefined {
  let best: string | undefined;
  for (const prefix of source.prefixes.keys()) {
    if (name.startsWith(`${prefix}/`) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : join(source.prefixes.get(best)!, ...name.slice(best.length + 1).split('/'));
}

/** `abs` relative to `cwd` with forward slashes, as findings name files. */
export function displayPath(cwd: string, abs: string): string {
  return relative(cwd, abs).split(sep).join('/') || '.';
}
