import { describeObject } from '../../k8s/workload';
import { defineManifestRule } from './context';

/** Hook phases whose effects `helm rollback` does not undo. */
const FORWARD_HOOKS = new Set(['pre-install', 'post-install', 'pre-upgrade', 'post-upgrade']);

export default defineManifestRule({
  meta: {
    id: 'RG109',
    name: 'helm-hook-side-effect',
    severity: 'warning',
    rollbackClass: 'forward-only',
    layer: 'data',
    scope: 'manifest',
    summary: 'A Helm install/upgrade hook runs a one-off action that `helm rollback` does not undo.',
    help: 'Make the hook idempotent and backward compatible (the previous release must work after it ran), or add a `pre-rollback` hook that reverses it; document what it changes in the rollback plan.',
  },
  check(ctx) {
    const { nav } = ctx;
    const node = nav.at(ctx.doc.root, ['metadata', 'annotations', 'helm.sh/hook']);
    const value = nav.str(node);
    if (!value) return;
    const phases = value.split(',').map((p) => p.trim()).filter((p) => FORWARD_HOOKS.has(p));
    if (phases.length === 0) return;
    ctx.report({
      node,
      message: `${describeObject(ctx.doc)} is a Helm \`${phases.join(', ')}\` hook: \`helm rollback\` restores the manifests but not what this hook did (a migration, a data change, an external call). Rolling back leaves its effect in place.`,
    });
  },
});
