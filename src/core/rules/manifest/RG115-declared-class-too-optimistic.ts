import { bearsClass, CLASS_MEANING, classRank, isRollbackClass, ROLLBACK_CLASSES, worstClass, type Finding } from '../../model';
import { describeObject } from '../../k8s/workload';
import { defineManifestRule } from './context';

export const CLASS_ANNOTATION = 'rollback-guard.io/class';

export default defineManifestRule({
  meta: {
    id: 'RG115',
    name: 'declared-class-too-optimistic',
    severity: 'error',
    rollbackClass: null,
    layer: null,
    scope: 'manifest',
    summary: 'A change declares a rollback class safer than what the rules detect, or an unknown class.',
    help: `Declare the class the change really has (one of ${ROLLBACK_CLASSES.map((c) => `\`${c}\``).join(', ')}), or remove what makes it worse.`,
  },
  check() {
    // Judged in review(), once the document's other findings are known.
  },
  review(ctx, all: readonly Finding[]) {
    const { nav } = ctx;
    const findings = all.filter(bearsClass);
    const node = nav.at(ctx.doc.root, ['metadata', 'annotations', CLASS_ANNOTATION]);
    const declared = nav.str(node);
    if (declared === undefined) return;
    const what = describeObject(ctx.doc);
    if (!isRollbackClass(declared)) {
      ctx.report({
        node,
        rollbackClass: worstClass(findings.map((f) => f.rollbackClass)) ?? null,
        message: `${what} declares unknown rollback class \`${declared}\`. Use one of ${ROLLBACK_CLASSES.join(', ')}.`,
      });
      return;
    }
    const detected = worstClass(findings.map((f) => f.rollbackClass));
    if (!detected || classRank(detected) <= classRank(declared)) return;
    const causes = [...new Set(findings.filter((f) => f.rollbackClass === detected).map((f) => f.ruleId))].join(', ');
    ctx.report({
      node,
      rollbackClass: detected,
      message: `${what} declares \`${declared}\` but the rules detect \`${detected}\` (from ${causes}). \`${detected}\`: ${CLASS_MEANING[detected]}. Declare it, or remove what makes it worse.`,
    });
  },
});
