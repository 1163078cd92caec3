import { isScalar } from 'yaml';
import { CLASS_MEANING, classRank, isRollbackClass, ROLLBACK_CLASSES } from '../../model';
import { YamlNav, span } from '../../yaml/nodes';
import DECLARED_CLASS from '../manifest/RG115-declared-class-too-optimistic';
import { defineReleaseRule, where } from './context';

/**
 * The release-plan half of RG115 (annotations are judged per document with
 * the manifest rules): the `class` of rollback-plan.yaml against the class
 * of the whole release.
 */
export default defineReleaseRule({
  meta: DECLARED_CLASS.meta,
  judge(ctx, verdict) {
    const plan = ctx.plan;
    if (!plan?.changed) return;
    const nav = new YamlNav(plan.document);
    const root = plan.document.contents;
    const pair = nav.pair(root, 'class');
    const node = nav.resolve(pair?.value);
    const rangeOf = (n: unknown) => {
      const s = span(n);
      return s ? plan.lines.range(s[0], s[1]) : plan.lines.range(0, 0);
    };
    const detected = verdict.rollbackClass;
    const declared = nav.str(node);
    if (declared === undefined) {
      ctx.report({
        file: plan.path,
        range: pair ? rangeOf(pair.key) : plan.lines.range(0, plan.lines.lineEnd(0)),
        rollbackClass: detected,
        message: `${plan.path} declares no \`class\`: a release plan starts with the rollback class it commits to (${detected ? `the rules detect \`${detected}\`` : `one of ${ROLLBACK_CLASSES.join(', ')}`}).`,
      });
      return;
    }
    if (!isRollbackClass(declared)) {
      ctx.report({
        file: plan.path,
        range: rangeOf(node),
        rollbackClass: detected,
        message: `${plan.path} declares unknown rollback class \`${declared}\`; use one of ${ROLLBACK_CLASSES.join(', ')}.`,
        fixes: detected && isScalar(node) ? [{ title: `Declare \`${detected}\``, preferred: true, edits: [{ range: rangeOf(node), newText: detected }] }] : [],
      });
      return;
    }
    if (!detected || classRank(detected) <= classRank(declared)) return;
    const causes = [...new Set(verdict.causes.map((f) => `${f.ruleId} at ${where(f.file, f.range)}`))].slice(0, 3).join(', ');
    ctx.report({
      file: plan.path,
      range: rangeOf(node),
      rollbackClass: detected,
      message: `${plan.path} declares \`${declared}\` but this release is \`${detected}\` (${CLASS_MEANING[detected]}; from ${causes}): whoever rolls it back would reach for the wrong tool. Declare \`${detected}\`, or remove what makes the release worse.`,
      fixes: [{ title: `Declare \`${detected}\``, preferred: true, edits: [{ range: rangeOf(node), newText: detected }] }],
    });
  },
});
