import { resolve } from 'node:path';
import type { ChartRender } from '../core/helm/render';
import { HelmEngine } from './engine';
import { chartRoots, renderChart, type RenderOptions } from './render';

export { HelmEngine } from './engine';
export { chartRoots, renderChart, RenderCache, RELEASE_NAME, type RenderOptions } from './render';

/**
 * Renders every chart that `files` (absolute paths) have templates of, with
 * the engine built with Rollback Guard. Returns the renders and notes for
 * what could not be rendered (no engine built; a chart that failed).
 */
export async function renderCharts(files: readonly string[], options: RenderOptions & { engine?: HelmEngine }): Promise<{ renders: ChartRender[]; notes: string[] }> {
  const roots = chartRoots(files);
  if (roots.length === 0) return { renders: [], notes: [] };
  const engine = options.engine ?? HelmEngine.find();
  if (!engine) {
    return { renders: [], notes: [`Helm's engine was not built with this copy of Rollback Guard (Go is needed at build time), so ${roots.length} chart${roots.length === 1 ? ' was' : 's were'} read without rendering`] };
  }
  const renders: ChartRender[] = [];
  const notes: string[] = [];
  try {
    for (const root of roots) {
      try {
        const render = await renderChart(engine, resolve(root), options);
        if (render) renders.push(render);
      } catch (error) {
        notes.push(`could not render the chart in ${root}: ${(error as Error).message}`);
      }
    }
  } finally {
    if (!options.engine) await engine.close();
  }
  return { renders, notes };
}
