import { describeContainer, describeObject, podTemplate } from '../../k8s/workload';
import { matchMigration } from '../../k8s/migrationCommands';
import { defineManifestRule } from './context';

/** Kinds whose every container is a one-off task; elsewhere only init containers run to completion. */
const TASK_KINDS = new Set(['Job', 'CronJob']);

export default defineManifestRule({
  meta: {
    id: 'RG110',
    name: 'migration-in-release',
    severity: 'warning',
    rollbackClass: 'forward-only',
    layer: 'data',
    scope: 'manifest',
    summary: 'A Job, CronJob or init container runs a schema migration, so the schema change rides with the code.',
    help: 'Ship schema changes as expand/contract steps that the previous release can run against, and run them as a separate, reviewed step; a code rollback must never meet a schema it cannot read.',
  },
  check(ctx) {
    const pod = podTemplate(ctx.doc);
    if (!pod) return;
    const { nav } = ctx;
    const everyContainer = TASK_KINDS.has(pod.workload.kind);
    for (const container of pod.containers) {
      if (!everyContainer && container.role !== 'initContainer') continue;
      const entries: { node: unknown; text: string }[] = [];
      for (const field of ['command', 'args']) {
        for (const node of nav.items(nav.get(container.node, field))) {
          const text = nav.str(node);
          if (text !== undefined) entries.push({ node, text });
        }
      }
      const imageNode = nav.get(container.node, 'image');
      const image = ctx.templated(imageNode) ? undefined : nav.str(imageNode);
      const match = matchMigration(image, entries.map((e) => e.text));
      if (!match) continue;
      ctx.report({
        node: match.source === -1 ? imageNode : entries[match.source]!.node,
        message: `${describeContainer(container)} of ${describeObject(ctx.doc)} runs a schema migration (${match.tool}) as part of the release: a code rollback leaves the new schema in place, so the previous version must be able to run against it.`,
      });
    }
  },
});
