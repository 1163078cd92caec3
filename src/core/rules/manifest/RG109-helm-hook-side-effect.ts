import { HOOK_SUPPORT_KINDS, hookAnnotations } from '../../k8s/hooks';
import { describeObject } from '../../k8s/workload';
import { defineManifestRule } from './context';

export default defineManifestRule({
  meta: {
    id: 'RG109',
    name: 'helm-hook-side-effect',
    severity: 'warning',
    rollbackClass: 'forward-only',
    layer: 'data',
    scope: 'manifest',
    summary: 'A Helm install/upgrade hook or an Argo CD sync hook runs a one-off action that a rollback does not undo.',
    help: 'Make the hook idempotent and backward compatible (the previous release must work after it ran), or add a `pre-rollback` hook that reverses it; document what it changes in the rollback plan.',
  },
  check(ctx) {
    // RBAC, service accounts, network policies and config created as hooks only let the hook's Job run.
    if (HOOK_SUPPORT_KINDS.has(ctx.doc.kind)) return;
    for (const hook of hookAnnotations(ctx.doc, ctx.file)) {
      const phases = hook.phases.filter((p) => hook.tool.forward.includes(p));
      if (phases.length === 0) continue;
      // The objects created as hooks of the same phases for this one (its ServiceAccount, Role, …), named once here.
      const support = ctx.unit.filter(
        (d) => d !== ctx.doc && HOOK_SUPPORT_KINDS.has(d.kind) && hookAnnotations(d).some((h) => h.tool === hook.tool && h.phases.some((p) => phases.includes(p))),
      );
      const kinds = [...new Set(support.map((d) => d.kind))];
      const along = kinds.length > 0 ? ` Its ${joinAnd(kinds)} hook${support.length === 1 ? '' : 's'} only let it run.` : '';
      ctx.report({
        node: hook.node,
        message: `${describeObject(ctx.doc)} is a${hook.tool.tool === 'Argo CD' ? 'n' : ''} ${hook.tool.tool} \`${phases.join(', ')}\` hook: ${hook.tool.rollback} does not undo what it did. A rollback restores the manifests, not the hook's effect (a migration, a data change, an external call).${along}`,
      });
    }
  },
});

function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
