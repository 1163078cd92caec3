import { isMap, isScalar } from 'yaml';
import { findKind, GITOPS_KINDS } from '../../k8s/kinds';
import { describeObject } from '../../k8s/workload';
import { defineManifestRule } from './context';

export default defineManifestRule({
  meta: {
    id: 'RG107',
    name: 'gitops-controller-reapplies',
    severity: 'info',
    rollbackClass: 'reversible',
    layer: 'config',
    scope: 'manifest',
    summary: 'A GitOps controller re-applies Git, so a rollback made in the cluster is reverted.',
    help: 'Roll back through Git (revert the commit, let the controller sync), or pause the loop first (Argo CD: disable auto-sync; Flux: `spec.suspend: true`) and resume it once Git matches the cluster.',
  },
  check(ctx) {
    const gitops = findKind(GITOPS_KINDS, ctx.doc);
    if (!gitops) return;
    const { nav } = ctx;
    const what = describeObject(ctx.doc);
    if (gitops.loop.automatedAt) {
      const pair = nav.pair(nav.at(ctx.doc.root, gitops.loop.automatedAt.slice(0, -1)), gitops.loop.automatedAt.at(-1)!);
      if (!pair) return;
      const automated = nav.resolve(pair.value);
      // `automated:` with no value decodes to a nil pointer: manual sync.
      if (isScalar(automated) && automated.value === null) return;
      // Argo CD ≥ 2.14 can keep the block but switch it off with `enabled: false`.
      if (isMap(automated) && nav.str(nav.get(automated, 'enabled')) === 'false') return;
      ctx.report({
        node: pair.key,
        message: `${what} ${gitops.kind === 'ApplicationSet' ? 'generates Applications that sync' : 'syncs'} automatically, so ${gitops.controller} reverts a rollback made in the cluster. It re-applies Git (with \`selfHeal\`, within seconds): roll back by reverting in Git, or pause auto-sync first.`,
      });
      return;
    }
    // A kustomization patch holds part of the object: its base says whether it is suspended.
    if (gitops.loop.suspendAt && nav.str(nav.at(ctx.doc.root, gitops.loop.suspendAt)) !== 'true' && !ctx.project.kustomizePatchOf?.(ctx.path)) {
      ctx.report({
        node: nav.pair(nav.get(ctx.doc.root, 'metadata'), 'name') ?? nav.pair(ctx.doc.root, 'kind')!,
        message: `${what} is not suspended, so ${gitops.controller} reverts a rollback made in the cluster. It reconciles from Git on every interval: roll back through Git, or set \`spec.suspend: true\` first.`,
      });
    }
  },
});
