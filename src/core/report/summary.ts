import { bearsClass, SEVERITIES, worstClass, type Finding, type RollbackClass, type Severity } from '../model';

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface CheckSummary {
  files: number;
  findings: number;
  bySeverity: Record<Severity, number>;
  byRule: Record<string, number>;
  /** Worst rollback class among the findings (null when there is none). */
  worstClass: RollbackClass | null;
  skipped: SkippedFile[];
}

export function summarize(findings: readonly Finding[], files: number, skipped: SkippedFile[] = []): CheckSummary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byRule: Record<string, number> = {};
  for (const f of findings) {
    bySeverity[f.severity]++;
    byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
  }
  return {
    files,
    findings: findings.length,
    bySeverity,
    byRule: Object.fromEntries(Object.entries(byRule).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    worstClass: worstClass(findings.filter(bearsClass).map((f) => f.rollbackClass)) ?? null,
    skipped,
  };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
