import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { helmRenders, type HelmRenders } from '../core/helm/render';
import { chartRootOf } from './charts';
import { HelmEngine } from './engine';
import { RenderCache, renderChart, type RenderOptions } from './render';

/**
 * Renders the chart of a file as it is being edited: the engine starts once
 * and stays, each render overlays the open documents on the files on disk,
 * and renders are kept by content, so analysing the same text again (or a
 * file of an unchanged chart) does not render again.
 */
export class ChartRenderer {
  private readonly cache = new RenderCache();
  /** The last render of each chart, while its content is unchanged (one render per chart for every file in it). */
  private readonly roots = new Map<string, boolean>();

  constructor(
    private readonly options: Omit<RenderOptions, 'cache' | 'overlay'>,
    /** The engine, shared by every renderer of a process (undefined: none was built). */
    private readonly engine: () => HelmEngine | undefined = sharedEngine,
  ) {}

  /** Whether a file belongs to a chart (a template or its Chart.yaml). */
  chartOf(abs: string): string | undefined {
    if (!/[\\/]templates[\\/].*\.ya?ml$/i.test(abs) && !/[\\/]Chart\.yaml$/.test(abs)) return undefined;
    return chartRootOf(abs, (dir) => {
      let is = this.roots.get(dir);
      if (is === undefined) this.roots.set(dir, (is = existsSync(join(dir, 'Chart.yaml'))));
      return is;
    });
  }

  /**
   * The render of `abs`'s chart with `overlay` (open documents by absolute
   * path) for the engine's analysis; undefined when the file is in no
   * chart, no engine is built, or the chart is a library.
   */
  async rendersFor(abs: string, overlay: (abs: string) => string | undefined): Promise<HelmRenders | undefined> {
    const root = this.chartOf(abs);
    const engine = root ? this.engine() : undefined;
    if (!root || !engine) return undefined;
    const render = await renderChart(engine, root, { ...this.options, overlay, cache: this.cache });
    return render ? helmRenders([render]) : undefined;
  }

  /**
   * Whether renders are ready without waiting for the engine to start; when
   * not, starts it and calls `onReady` once it has (the editor shows the
   * template read without rendering meanwhile, then analyses it again).
   */
  readyOrStart(onReady: () => void): boolean {
    const engine = this.engine();
    if (!engine) return true;
    if (engine.isStarted) return true;
    engine.start().then(onReady, () => undefined);
    return false;
  }

  /** Whether Helm's engine was built with this copy (without it, templates are read without rendering). */
  get hasEngine(): boolean {
    return this.engine() !== undefined;
  }

  /** Forgets which directories are charts (a Chart.yaml was created or deleted). */
  forgetCharts(): void {
    this.roots.clear();
  }
}

let shared: HelmEngine | null | undefined;

/** The process's engine, found once and started on first use (see closeSharedEngine). */
export function sharedEngine(): HelmEngine | undefined {
  if (shared === undefined) shared = HelmEngine.find() ?? null;
  return shared ?? undefined;
}

/** Stops the process's engine thread. */
export async function closeSharedEngine(): Promise<void> {
  const engine = shared;
  shared = undefined;
  await engine?.close();
}
