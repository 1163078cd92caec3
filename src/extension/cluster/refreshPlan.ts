/**
 * Which rows of the Cluster History view to redraw when the cluster changed.
 *
 * Redrawing a row makes the editor forget the rows below it until it has
 * asked for them again; a context-menu command chosen on one of them in
 * that moment would reach its handler without its row. Redrawing the whole
 * view on every watch event and every hold check did that to every row, so
 * the view redraws only what changed: a row whose own text, icon or menu
 * changed, or a parent whose list of children changed (and so its subtree);
 * the whole view only when its top level changed.
 */

/** A row as served: its key (the TreeItem id, else something stable naming it) and a signature of everything it shows. */
export interface ServedRow {
  key: string;
  sig: string;
}

/** What the editor was last given: each parent's children (the root's under ROOT_KEY) and each row's signature. */
export interface Served {
  children: ReadonlyMap<string, readonly string[]>;
  sigs: ReadonlyMap<string, string>;
}

export const ROOT_KEY = '';

export type RefreshPlan = { full: true } | { full: false; keys: string[] };

/**
 * The rows to redraw, from what was served and what the rows are now
 * (`fresh`: the current children of every parent that was served and still
 * exists). A row whose signature changed is redrawn, with its subtree; a
 * parent whose children differ (added, removed, reordered) is redrawn with
 * its subtree; nothing under a redrawn row is listed again. Whole view: the
 * top level changed, or it was never served.
 */
export function planRefresh(served: Served, fresh: ReadonlyMap<string, readonly ServedRow[]>): RefreshPlan {
  const top = fresh.get(ROOT_KEY);
  const servedTop = served.children.get(ROOT_KEY);
  if (!top || !servedTop || !sameKeys(top.map((r) => r.key), servedTop)) return { full: true };
  const keys: string[] = [];
  const visit = (rows: readonly ServedRow[]) => {
    for (const row of rows) {
      if (served.sigs.get(row.key) !== row.sig) {
        keys.push(row.key);
        continue;
      }
      const before = served.children.get(row.key);
      if (!before) continue;
      const now = fresh.get(row.key) ?? [];
      if (!sameKeys(now.map((r) => r.key), before)) {
        keys.push(row.key);
        continue;
      }
      visit(now);
    }
  };
  visit(top);
  return { full: false, keys };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}
