import type { Finding } from '../model';
import { docsUrl } from '../rule';
import { RULES } from '../rules';

/** sha256 in hex; node:crypto loads when the report is written, not with every command. */
function sha256(text: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}

/** GitLab's scale is info, minor, major, critical, blocker; nothing Rollback Guard finds blocks by itself. */
const SEVERITY = { error: 'critical', warning: 'major', info: 'minor', hint: 'info' } as const;

/**
 * GitLab's Code Quality report (`artifacts:reports:codequality`): one JSON
 * array, one issue per finding with the fields GitLab reads — description,
 * check_name, fingerprint, severity, location.path, location.lines.begin
 * (docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).
 * GitLab shows issues with the same fingerprint once, so the fingerprint
 * holds the occurrence; it leaves the line out, so an issue keeps its
 * fingerprint when lines above it move.
 */
export function toGitlab(findings: readonly Finding[]): string {
  const occurrences = new Map<string, number>();
  const issues = findings.map((f) => {
    const key = `${f.ruleId}\0${f.file}\0${f.message}`;
    const n = (occurrences.get(key) ?? 0) + 1;
    occurrences.set(key, n);
    const rule = RULES.get(f.ruleId);
    return {
      type: 'issue',
      check_name: f.ruleId,
      description: `${f.ruleId}: ${f.message}${f.rollbackClass ? ` [${f.rollbackClass}]` : ''}`,
      content: { body: `${f.help}${rule ? `\n\n[${rule.id} ${rule.name}](${docsUrl(rule)})` : ''}` },
      categories: ['Bug Risk'],
      fingerprint: sha256(`${key}\0${n}`).slice(0, 32),
      severity: SEVERITY[f.severity],
      location: { path: f.file.replace(/^\.\//, ''), lines: { begin: f.range.start.line + 1, end: f.range.end.line + 1 } },
    };
  });
  return `${JSON.stringify(issues, null, 2)}\n`;
}
