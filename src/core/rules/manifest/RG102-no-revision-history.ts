import { findKind, REVISION_HISTORY_KINDS } from '../../k8s/kinds';
import { describeObject } from '../../k8s/workload';
import { replaceValue } from '../../yaml/edits';
import { defineManifestRule } from './context';

export default defineManifestRule({
  meta: {
    id: 'RG102',
    name: 'no-revision-history',
    severity: 'warning',
    rollbackClass: 'manual-repair',
    layer: 'config',
    scope: 'manifest',
    summary: '`revisionHistoryLimit: 0` keeps no previous revision, so history rollback is impossible.',
    help: 'Keep some history: `revisionHistoryLimit: 10` (the Kubernetes default for Deployments).',
  },
  check(ctx) {
    const kind = findKind(REVISION_HISTORY_KINDS, ctx.doc);
    if (!kind) return;
    const node = ctx.nav.at(ctx.doc.root, ['spec', 'revisionHistoryLimit']);
    if (ctx.nav.str(node) !== '0') return;
    const undo = kind.kind === 'Application' ? 'Argo CD has no entry to roll back to' : '`rollout undo` has nothing to go back to';
    const target = ctx.fixTarget(node);
    const edit = target ? replaceValue(target.lines, target.node, '10') : undefined;
    ctx.report({
      node,
      message: `${describeObject(ctx.doc)} keeps no revision history, so ${undo}. With \`revisionHistoryLimit: 0\`, a rollback means re-deploying an old version from scratch.`,
      fixes: edit ? [{ title: 'Set revisionHistoryLimit: 10', edits: [edit], preferred: true }] : [],
    });
  },
});
