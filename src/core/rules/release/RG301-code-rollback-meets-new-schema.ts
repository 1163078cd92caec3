import { worstClass } from '../../model';
import { defineReleaseRule } from './context';

export default defineReleaseRule({
  meta: {
    id: 'RG301',
    name: 'code-rollback-meets-new-schema',
    severity: 'error',
    rollbackClass: 'forward-only',
    layer: 'data',
    scope: 'release',
    summary: 'The branch changes a workload image and ships a non-additive migration, so a code-only rollback meets the new schema.',
    help: 'Roll back data first (restore, or reverse the migration), then code — or split the release: expand the schema now (additive only), ship the code, and contract in a later release.',
  },
  check(ctx) {
    const migrations = ctx.migrations.filter((m) => m.status !== 'deleted' && !m.additive);
    if (ctx.images.length === 0 || migrations.length === 0) return;
    const cls = worstClass(['forward-only', ...migrations.map((m) => m.rollbackClass)]) ?? 'forward-only';
    const schema = migrations.map((m) => `${m.file} (${m.reason})`).join(', ');
    for (const image of ctx.images) {
      ctx.report({
        file: image.file,
        range: image.range,
        rollbackClass: cls,
        message: `${image.object} moves to \`${image.to}\` in the same release as a migration that is not purely additive — ${schema}: rolling the image back alone runs the previous code against the new schema. Roll the data back first, then the code — or ship the schema change as expand now, contract later.`,
      });
    }
    const code = ctx.images.map((i) => `${i.object} → \`${i.to}\``).join(', ');
    for (const m of migrations) {
      ctx.report({
        file: m.file,
        range: m.range,
        rollbackClass: worstClass(['forward-only', m.rollbackClass]) ?? 'forward-only',
        message: `This migration is not purely additive (${m.reason}) and ships with an image change (${code}): a code rollback leaves this schema in place under the previous code. Make it additive (expand now, contract in a later release), or plan the rollback data first, then code.`,
      });
    }
  },
});
