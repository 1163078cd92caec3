import { posix } from 'node:path';
import { imageName } from '../../k8s/image';
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
    const first = migrations[0]!;
    const more = migrations.length > 1 ? ` and ${migrations.length - 1} more migration${migrations.length > 2 ? 's' : ''}` : '';
    const schema = migrations.map((m) => `${m.file} (${m.reason})`).join(', ');
    for (const image of ctx.images) {
      ctx.report({
        file: image.file,
        range: image.range,
        rollbackClass: cls,
        message: `Rolling back ${imageName(image.to)} alone runs the previous code on the schema of ${posix.basename(first.file)}${more}. ${image.object} moves to \`${image.to}\` in the same release as a migration that is not purely additive — ${schema}. Roll the data back first, then the code — or ship the schema change as expand now, contract later.`,
        related: migrations.map((m) => ({ file: m.file, range: m.range, message: `the migration: ${m.reason} (${m.rollbackClass}), not purely additive` })),
      });
    }
    const images = [...new Set(ctx.images.map((i) => imageName(i.to)))];
    const code = ctx.images.map((i) => `${i.object} → \`${i.to}\``).join(', ');
    for (const m of migrations) {
      ctx.report({
        file: m.file,
        range: m.range,
        rollbackClass: worstClass(['forward-only', m.rollbackClass]) ?? 'forward-only',
        message: `A rollback of ${images.slice(0, 2).join(', ')}${images.length > 2 ? ` and ${images.length - 2} more` : ''} alone leaves this schema change (${m.reason}) under the previous code. The release also changes ${code}. Make the migration additive (expand now, contract in a later release), or plan the rollback data first, then code.`,
        related: ctx.images.map((i) => ({ file: i.file, range: i.range, message: `the image change: ${i.object} → ${imageName(i.to)}` })),
      });
    }
  },
});
