import type { Finding } from '../model';
import { plural, type CheckSummary } from './summary';

const COLORS = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m', hint: '\x1b[2m' } as const;

/** `file:line:col severity RGxxx message`, one per finding, then a summary line. */
export function formatText(findings: readonly Finding[], summary: CheckSummary, options: { color?: boolean } = {}): string {
  const paint = (sev: Finding['severity'], text: string) => (options.color ? `${COLORS[sev]}${text}\x1b[0m` : text);
  const lines = findings.map(
    (f) => `${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1} ${paint(f.severity, f.severity)} ${f.ruleId} ${f.message}`,
  );
  const counts = (['error', 'warning', 'info', 'hint'] as const)
    .filter((s) => summary.bySeverity[s] > 0)
    .map((s) => plural(summary.bySeverity[s], s));
  const tail = summary.findings === 0
    ? `No rollback risks found in ${plural(summary.files, 'file')}.`
    : `${plural(summary.findings, 'finding')} (${counts.join(', ')}) in ${plural(summary.files, 'file')}; worst rollback class: ${summary.worstClass ?? 'none'}.`;
  return [...lines, ...(lines.length ? [''] : []), tail, ''].join('\n');
}
