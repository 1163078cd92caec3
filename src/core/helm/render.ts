import { parseManifestFile, type ManifestDoc, type ManifestFile } from '../yaml/manifest';

/**
 * What Helm's template engine produced for one chart with its values
 * (src/helm renders it; core only reads the result). Paths are the engine
 * paths of the chart's files (forward slashes, as the analysis names files).
 */
export interface ChartRender {
  /** The chart's directory. */
  dir: string;
  /** The chart's name (Chart.yaml `name`). */
  name: string;
  /**
   * The output of every template the chart has in files, by path: a
   * template whose condition is off (or whose subchart is disabled) prints
   * nothing, and is here with `''`.
   */
  outputs: Record<string, string>;
  /** Templates Helm could not render with these values, with Helm's error. */
  failed: Record<string, string>;
  /** Output of templates that have no file here (a packaged subchart), by engine name: part of the release all the same. */
  unplaced?: Record<string, string>;
  /** Dependencies Chart.yaml declares that charts/ does not hold. */
  missing: { name: string; version?: string; repository?: string }[];
  /** The values files applied on top of the chart's defaults, in order. */
  values: string[];
  /** Why the chart could not be rendered at all (its templates are then read by masking). */
  error?: string;
}

/** Renders of the charts the analysed files belong to. */
export interface HelmRenders {
  /** The render of the chart whose template (or Chart.yaml) this is, if it was rendered. */
  forFile(path: string): ChartRender | undefined;
}

export interface ParsedRender {
  /** Each template's output, parsed like a manifest file. */
  files: Map<string, ManifestFile>;
  /** Every Kubernetes document of the release, in template order. */
  docs: ManifestDoc[];
}

const parsed = new WeakMap<ChartRender, ParsedRender>();

/**
 * Parsed outputs by their text: after an edit to one template, the chart
 * renders again but its other templates print the same text, which is not
 * parsed again. (A parsed file is never changed once made.)
 */
const outputs = new Map<string, ManifestFile>();
const OUTPUTS_KEPT = 1024;

function parseOutput(text: string): ManifestFile {
  let file = outputs.get(text);
  if (file) {
    outputs.delete(text);
  } else {
    file = parseManifestFile(text);
    if (outputs.size >= OUTPUTS_KEPT) outputs.delete(outputs.keys().next().value!);
  }
  outputs.set(text, file);
  return file;
}

/** The render's outputs parsed once, for every template of the chart that is analysed. */
export function parseRender(render: ChartRender): ParsedRender {
  let out = parsed.get(render);
  if (!out) {
    const files = new Map<string, ManifestFile>();
    const docs: ManifestDoc[] = [];
    const add = (name: string, text: string) => {
      const file = parseOutput(text);
      files.set(name, file);
      docs.push(...file.manifests);
    };
    for (const [path, text] of Object.entries(render.outputs)) add(path, text);
    for (const [name, text] of Object.entries(render.unplaced ?? {})) add(name, text);
    out = { files, docs };
    parsed.set(render, out);
  }
  return out;
}

/** The renders by file: each template (rendered or failed) and each chart's Chart.yaml, to the render of its outermost chart. */
export function helmRenders(renders: readonly ChartRender[]): HelmRenders {
  const byFile = new Map<string, ChartRender>();
  for (const render of renders) {
    byFile.set(`${render.dir ? `${render.dir}/` : ''}Chart.yaml`, render);
    for (const path of [...Object.keys(render.outputs), ...Object.keys(render.failed)]) if (!byFile.has(path)) byFile.set(path, render);
  }
  return { forFile: (path) => byFile.get(path) };
}
