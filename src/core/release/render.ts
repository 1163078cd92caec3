/**
 * The release report: Markdown for a PR comment (and the editor's webview),
 * JSON for machines, and the release plan file prefilled from the analysis.
 */
import { stringify } from 'yaml';
import { CLASS_MEANING, type Finding } from '../model';
import { plural } from '../report/summary';
import { METHODS } from './decide';
import type { ReleaseAnalysis } from './model';

/** Keeps a value inside one Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

const short = (sha?: string) => (sha ? sha.slice(0, 7) : undefined);

function revision(r: { ref: string; sha?: string }): string {
  return r.sha && short(r.sha) !== r.ref ? `\`${r.ref}\` (${short(r.sha)})` : `\`${r.ref}\``;
}

const SEVERITY_MARK: Record<Finding['severity'], string> = { error: '🛑 error', warning: '⚠️ warning', info: 'ℹ️ info', hint: '💡 hint' };

export const REPORT_MARKER = '<!-- rollback-guard:release-report -->';

export function renderMarkdown(a: ReleaseAnalysis): string {
  const s = a.summary;
  const out: string[] = [REPORT_MARKER, `## Rollback Guard: rollback report for ${revision(a.head)} against ${revision(a.base)}`, ''];
  if (s.rollbackClass === null) {
    out.push(`Nothing to roll back: the branch does not change anything against ${revision(a.base)}.`, '');
    return out.join('\n');
  }
  out.push(`**Rollback class: \`${s.rollbackClass}\`** — ${CLASS_MEANING[s.rollbackClass]}.`, '');
  out.push(`| recommended action | layers | axes | files |`, `|---|---|---|---|`);
  const files = `${plural(s.files.changed, 'changed file')}${s.files.analysed < s.files.changed ? `, ${s.files.analysed} analysed` : ''}${s.files.binary ? `, ${s.files.binary} binary` : ''}`;
  out.push(`| **${s.action ?? '—'}** | ${s.layers.join(', ') || '—'} | ${s.axes.join(', ') || '—'} | ${files} |`, '');

  out.push('### What rolling back takes', '');
  s.steps.forEach((step, i) => {
    out.push(`${i + 1}. **${step.action}**${step.layer ? ` (${step.layer})` : ''} — ${step.title}.`);
    for (const d of step.detail.slice(0, 8)) out.push(`   - ${d}`);
    if (step.detail.length > 8) out.push(`   - … and ${step.detail.length - 8} more`);
  });
  out.push('');

  const findings = a.findings.filter((f) => f.ruleId !== 'RG001' && f.ruleId !== 'RG002');
  if (findings.length > 0) {
    out.push(`### Findings (${findings.length})`, '', '| | rule | where | class | what |', '|---|---|---|---|---|');
    for (const f of findings.slice(0, 50)) {
      out.push(`| ${SEVERITY_MARK[f.severity]} | [${f.ruleId}](${f.docsUrl}) | \`${cell(f.file)}:${f.range.start.line + 1}\` | ${f.rollbackClass ? `\`${f.rollbackClass}\`` : '—'} | ${cell(f.message)} |`);
    }
    if (findings.length > 50) out.push(`| | | | | … and ${findings.length - 50} more (\`rollback-guard check --base ${a.base.ref}\`) |`);
    out.push('');
  }

  out.push('### Before production', '', '| question | answer | from |', '|---|---|---|');
  for (const q of s.questions) {
    const answer = q.answers.length ? q.answers.map(cell).join('<br>') : '*not shown by the change — say it in `rollback-plan.yaml`*';
    out.push(`| ${q.question} | ${answer} | ${q.source ? cell(q.source) : '—'} |`);
  }
  out.push('');

  if (s.plan) {
    out.push(s.plan.changed ? `Rollback plan: \`${s.plan.path}\` declares \`${s.plan.class ?? '(no class)'}\`.` : `\`${s.plan.path}\` is not changed by this branch: it describes an earlier release.`, '');
  }

  const changes: string[] = [];
  for (const i of s.images) changes.push(`- image: ${i.object}${i.container ? ` (${i.container})` : ''}: ${i.from ? `\`${i.from}\` → ` : ''}\`${i.to}\``);
  for (const m of s.migrations) changes.push(`- migration: \`${m.file}\` (${m.status}) — ${m.reason} · \`${m.rollbackClass}\`${m.additive ? ' · additive' : ''}`);
  for (const r of s.resources.added) changes.push(`- added: ${r}`);
  for (const r of s.resources.removed) changes.push(`- removed: ${r}`);
  for (const r of s.resources.changed) changes.push(`- changed: ${r}`);
  if (changes.length > 0) {
    out.push('<details><summary>Changes</summary>', '', ...changes.slice(0, 100), ...(changes.length > 100 ? [`- … and ${changes.length - 100} more`] : []), '', '</details>', '');
  }
  const notes = [...a.notes, ...a.skipped.map((k) => `skipped ${k.file}: ${k.reason}`)];
  for (const n of notes) out.push(`> ${n}`);
  if (notes.length) out.push('');
  out.push(`<sub>Base ${revision(a.base)}${a.mergeBase && a.mergeBase !== a.base.sha ? `, merge base ${short(a.mergeBase)}` : ''} · head ${revision(a.head)} · [Rollback Guard](https://github.com/rollback-guard/rollback-guard)</sub>`, '');
  return out.join('\n');
}

/** `report --format json`: version 1, 1-based positions as in `check --format json`. */
export function toReleaseJson(a: ReleaseAnalysis): string {
  const position = (f: Finding) => ({ file: f.file, line: f.range.start.line + 1, column: f.range.start.character + 1, endLine: f.range.end.line + 1, endColumn: f.range.end.character + 1 });
  const s = a.summary;
  return `${JSON.stringify(
    {
      version: 1,
      base: a.base,
      head: a.head,
      mergeBase: a.mergeBase ?? null,
      rollbackClass: s.rollbackClass,
      action: s.action,
      layers: s.layers,
      axes: s.axes,
      steps: s.steps,
      questions: s.questions,
      plan: s.plan ?? null,
      causes: s.causes.map((f) => ({ ruleId: f.ruleId, ...position(f) })),
      changes: {
        images: s.images.map(({ range, ...i }) => ({ ...i, line: range.start.line + 1 })),
        migrations: s.migrations.map(({ range, ...m }) => ({ ...m, line: range.start.line + 1 })),
        resources: s.resources,
        files: s.files,
      },
      findings: a.findings.map((f) => ({ ruleId: f.ruleId, severity: f.severity, ...position(f), message: f.message, rollbackClass: f.rollbackClass, layer: f.layer, help: f.help, docsUrl: f.docsUrl })),
      summary: a.check,
      notes: a.notes,
    },
    null,
    2,
  )}\n`;
}

/** rollback-plan.yaml prefilled from the analysis; every line is for the author to review. */
export function renderPlan(a: ReleaseAnalysis): string {
  const s = a.summary;
  const cls = s.rollbackClass ?? 'reversible';
  const window = s.questions.find((q) => q.id === 'window')?.answers[0];
  const unsafe = s.questions.find((q) => q.id === 'unsafe')?.answers ?? [];
  const trigger = s.questions.find((q) => q.id === 'trigger')?.answers ?? [];
  const body: Record<string, unknown> = {
    class: cls,
    window: window ?? 'until <when rollback stops being possible>',
    method: s.action ? METHODS[s.action] : 'rollout undo',
    irreversibleEffects: unsafe.length ? unsafe : ['none known'],
    verification: trigger.length ? trigger : ['<the metric or check that confirms the rollback worked>'],
  };
  const head = [
    '# Rollback plan for this release, read by Rollback Guard (schema: schemas/rollback-plan.schema.json).',
    `# Prefilled from the analysis of ${a.head.ref} against ${a.base.ref}: review every line before merging.`,
    ...s.steps.map((st, i) => `#   ${i + 1}. ${st.action}: ${st.title}`),
  ];
  return `${head.join('\n')}\n${stringify(body, { lineWidth: 0 })}`;
}
