import { CLASS_MEANING, classRank } from '../../model';
import { annotations } from '../../release/facts';
import { splitFirstSentence } from '../../text';
import { defineReleaseRule, where, type ReleaseFacts } from './context';

export const PLAN_FILE_NAMES = ['rollback-plan.yaml', 'rollback-plan.yml'];
export const ANNOTATION_PREFIX = 'rollback-guard.io/';

/** `rollback-guard.io/*` annotations on objects this branch adds or changes. */
export function planAnnotations(facts: ReleaseFacts): { object: string; key: string; value?: string }[] {
  const out: { object: string; key: string; value?: string }[] = [];
  for (const loc of [...facts.added, ...facts.changed.map((c) => c.head)]) {
    for (const a of annotations(loc)) if (a.key.startsWith(ANNOTATION_PREFIX)) out.push({ object: `${loc.doc.kind} ${loc.doc.name}`, key: a.key, value: a.value });
  }
  return out;
}

export default defineReleaseRule({
  meta: {
    id: 'RG303',
    name: 'no-rollback-plan',
    severity: 'warning',
    rollbackClass: null,
    layer: null,
    scope: 'release',
    summary: 'The release class is forward-only or worse and the branch carries no rollback plan (rollback-plan.yaml or rollback-guard.io annotations).',
    help: 'Add rollback-plan.yaml at the repository root in this branch (`class`, `window`, `method`, `irreversibleEffects`, `verification`; the editor can create it from this analysis), or make the release safer instead.',
  },
  judge(ctx, verdict) {
    const cls = verdict.rollbackClass;
    if (!cls || classRank(cls) < classRank('forward-only')) return;
    if (ctx.plan?.changed || planAnnotations(ctx).length > 0) return;
    const cause = verdict.causes[0];
    if (!cause) return;
    const causes = [...new Set(verdict.causes.map((f) => `${f.ruleId} at ${where(f.file, f.range)}`))].slice(0, 3).join(', ');
    const stale = ctx.plan ? ` ${ctx.plan.path} exists but this branch does not change it, so it describes an earlier release.` : '';
    const seen = new Set<string>();
    ctx.report({
      file: cause.file,
      range: cause.range,
      wide: true,
      message: `This \`${cls}\` release carries no rollback plan.${stale} The class (${CLASS_MEANING[cls]}) comes from ${causes}: whoever rolls the release back during an incident has to work out the order and the data steps then. Write them down now in rollback-plan.yaml at the repository root (class, window, method, irreversible effects, verification).`,
      related: verdict.causes
        .filter((f) => !seen.has(`${f.ruleId}@${where(f.file, f.range)}`) && !!seen.add(`${f.ruleId}@${where(f.file, f.range)}`))
        .slice(0, 3)
        .map((f) => ({ file: f.file, range: f.range, message: `${f.ruleId} sets the class ${f.rollbackClass ?? cls}: ${splitFirstSentence(f.message).first}` })),
    });
  },
});
