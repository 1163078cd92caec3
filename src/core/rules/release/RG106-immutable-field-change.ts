import { findKind } from '../../k8s/kinds';
import { IMMUTABLE_FIELDS, RECREATED_ON_DEPLOY } from '../../k8s/immutable';
import { describeObject } from '../../k8s/workload';
import { annotation, canonical, keyRange, rangeIn, shortValue, type Located } from '../../release/facts';
import { defineReleaseRule } from './context';

/** Hooks and force-replaced objects are created anew on every deploy. */
function recreatedOnDeploy(loc: Located): boolean {
  if (loc.doc.nav.str(loc.doc.nav.at(loc.doc.root, ['metadata', 'generateName'])) !== undefined) return true;
  return RECREATED_ON_DEPLOY.some((r) => {
    const value = annotation(loc, r.annotation);
    return value !== undefined && (r.contains === undefined || value.includes(r.contains));
  });
}

export default defineReleaseRule({
  meta: {
    id: 'RG106',
    name: 'immutable-field-change',
    severity: 'error',
    rollbackClass: 'manual-repair',
    layer: 'config',
    scope: 'release',
    summary: 'An immutable field differs from the base, so apply fails and rollback needs delete and recreate.',
    help: 'Leave the field as it is: create a new object under a new name and move traffic to it (for a selector, add labels to the pod template instead); if delete-and-recreate is unavoidable, plan it as a manual step with its own rollback plan.',
  },
  check(ctx) {
    for (const { base, head } of ctx.both) {
      const entry = findKind(IMMUTABLE_FIELDS, head.doc);
      if (!entry || recreatedOnDeploy(head) || recreatedOnDeploy(base)) continue;
      if (entry.when && base.doc.nav.str(base.doc.nav.at(base.doc.root, entry.when.path)) !== entry.when.value) continue;
      const what = describeObject(head.doc);
      for (const field of entry.fields) {
        const before = base.doc.nav.at(base.doc.root, field);
        const after = head.doc.nav.at(head.doc.root, field);
        if (before === undefined && after === undefined) continue;
        if (after === undefined && entry.removalAllowed) continue;
        if (before !== undefined && after !== undefined && canonical(base, before) === canonical(head, after)) continue;
        const parent = head.doc.nav.at(head.doc.root, field.slice(0, -1));
        // The whole field (key through value): its first line is where an ignore goes, its newest line the change.
        const pair = after !== undefined ? head.doc.nav.pair(parent, field[field.length - 1]!) : undefined;
        const range =
          (pair ? rangeIn(head, pair) : undefined) ??
          keyRange(head, head.doc.root, field[0]!) ??
          keyRange(head, head.doc.root, 'kind') ??
          rangeIn(head, head.doc.root);
        const name = `\`${field.join('.')}\``;
        const change = after === undefined
          ? `removes ${name} (was \`${shortValue(base, before)}\` on ${ctx.baseRef})`
          : before === undefined
            ? `sets ${name} to \`${shortValue(head, after)}\` (not set on ${ctx.baseRef})`
            : `changes ${name} from \`${shortValue(base, before)}\` on ${ctx.baseRef} to \`${shortValue(head, after)}\``;
        const condition = entry.when ? ` (it is \`${entry.when.path.join('.')}: ${entry.when.value}\`)` : '';
        ctx.report({
          file: head.path,
          range,
          message: `${what} ${change}, but the API server refuses to update ${name}${condition}: the sync fails with "field is immutable", and both this change and its rollback need ${entry.recreate} instead of a rollout. Keep the field, and create a new object under a new name if it must change.`,
        });
      }
    }
  },
});
