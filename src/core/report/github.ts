import type { Finding } from '../model';
import { ruleById } from '../rules';

const LEVEL = { error: 'error', warning: 'warning', info: 'notice', hint: 'notice' } as const;

// https://docs.github.com/actions/reference/workflow-commands-for-github-actions#setting-an-error-message
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** GitHub Actions workflow commands: one annotation per finding. */
export function toGithub(findings: readonly Finding[]): string {
  return findings
    .map((f) => {
      const props = [
        `file=${escapeProperty(f.file)}`,
        `line=${f.range.start.line + 1}`,
        `col=${f.range.start.character + 1}`,
        `endLine=${f.range.end.line + 1}`,
        `endColumn=${f.range.end.character + 1}`,
        `title=${escapeProperty(`${f.ruleId} ${ruleById(f.ruleId)?.name ?? ''}`.trim())}`,
      ];
      const cls = f.rollbackClass ? ` [${f.rollbackClass}]` : '';
      return `::${LEVEL[f.severity]} ${props.join(',')}::${escapeData(`${f.message}${cls} — ${f.help}`)}\n`;
    })
    .join('');
}
