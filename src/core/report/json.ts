import type { Finding } from '../model';
import type { CheckSummary } from './summary';

/** The `--format json` document: version 1, 1-based positions. */
export function toJson(findings: readonly Finding[], summary: CheckSummary): string {
  return `${JSON.stringify(
    {
      version: 1,
      findings: findings.map((f) => ({
        ruleId: f.ruleId,
        severity: f.severity,
        file: f.file,
        line: f.range.start.line + 1,
        column: f.range.start.character + 1,
        endLine: f.range.end.line + 1,
        endColumn: f.range.end.character + 1,
        message: f.message,
        rollbackClass: f.rollbackClass,
        layer: f.layer,
        help: f.help,
        docsUrl: f.docsUrl,
      })),
      summary,
    },
    null,
    2,
  )}\n`;
}
