import type { Fix, Finding, Layer, Range, RelatedLocation, RollbackClass, Severity } from './model';

/** Where a rule looks: one manifest document, one migration, a whole release, or the tool itself. */
export type RuleScope = 'manifest' | 'migration' | 'release' | 'meta';

export interface RuleMeta {
  /** Stable id (a contract: CLI, SARIF, suppressions and docs use it). */
  id: string;
  /** Kebab-case name; the doc page is `docs/rules/<id>-<name>.md`. */
  name: string;
  severity: Severity;
  /** The class the rule implies; `null` when the rule carries none. */
  rollbackClass: RollbackClass | null;
  layer: Layer | null;
  scope: RuleScope;
  /** One sentence: the risk this rule detects. */
  summary: string;
  /** Default remedy shown with every finding unless the report gives a sharper one. */
  help: string;
}

/** What a rule reports; the engine completes it from the rule's meta. */
export interface Report {
  range: Range;
  message: string;
  severity?: Severity;
  rollbackClass?: RollbackClass | null;
  layer?: Layer | null;
  help?: string;
  fixes?: Fix[];
  related?: RelatedLocation[];
}

export const REPOSITORY_URL = 'https://github.com/rollback-guard/rollback-guard';

export function docsPath(meta: Pick<RuleMeta, 'id' | 'name'>): string {
  return `docs/rules/${meta.id}-${meta.name}.md`;
}

export function docsUrl(meta: Pick<RuleMeta, 'id' | 'name'>): string {
  return `${REPOSITORY_URL}/blob/main/${docsPath(meta)}`;
}

/** Each rule's docs URL built once: findings share the string. */
const docsUrls = new Map<RuleMeta, string>();

export function toFinding(meta: RuleMeta, file: string, report: Report): Finding {
  let url = docsUrls.get(meta);
  if (url === undefined) docsUrls.set(meta, (url = docsUrl(meta)));
  return {
    ruleId: meta.id,
    severity: report.severity ?? meta.severity,
    message: report.message,
    file,
    range: report.range,
    rollbackClass: report.rollbackClass === undefined ? meta.rollbackClass : report.rollbackClass,
    layer: report.layer === undefined ? meta.layer : report.layer,
    help: report.help ?? meta.help,
    docsUrl: url,
    fixes: report.fixes ?? [],
    ...(report.related?.length ? { related: report.related } : {}),
  };
}
