import { findKind } from '../../k8s/kinds';
import { PRUNE_PROTECTION, STATEFUL_KINDS } from '../../k8s/stateful';
import { describeObject } from '../../k8s/workload';
import { annotation, keyRange, rangeIn, type Located } from '../../release/facts';
import { defineReleaseRule } from './context';

/** The pruner that would delete it is told to keep it. */
function protectedFromPruning(loc: Located): string | undefined {
  for (const p of PRUNE_PROTECTION) {
    const value = annotation(loc, p.annotation);
    if (value !== undefined && p.values.some((v) => value.split(',').map((s) => s.trim()).includes(v))) return p.tool;
  }
  return undefined;
}

export default defineReleaseRule({
  meta: {
    id: 'RG112',
    name: 'resource-removed',
    severity: 'error',
    rollbackClass: 'restore-required',
    layer: 'config',
    scope: 'release',
    summary: 'A resource present in the base is gone from the branch, and pruning deletes it.',
    help: 'Detach a stateful object from the pruner before removing it from Git (Argo CD `Prune=false`, Flux `kustomize.toolkit.fluxcd.io/prune: disabled`, Helm `helm.sh/resource-policy: keep`), back its data up, and delete it by hand later.',
  },
  check(ctx) {
    for (const gone of ctx.removed) {
      if (protectedFromPruning(gone)) continue;
      const stateful = findKind(STATEFUL_KINDS, gone.doc);
      const what = describeObject(gone.doc);
      const range = keyRange(gone, gone.doc.root, 'kind') ?? rangeIn(gone, gone.doc.root);
      const from = `${gone.path}:${range.start.line + 1} on ${ctx.baseRef}`;
      ctx.report({
        file: gone.path,
        range,
        onBase: true,
        wide: true,
        severity: stateful ? 'error' : 'warning',
        rollbackClass: stateful ? 'restore-required' : 'reversible',
        message: stateful
          ? `${what} (${from}) is gone from the branch: with pruning on (Argo CD \`prune: true\`, Flux \`prune: true\`, Helm) the controller deletes it, and with it ${stateful.loses}; rolling back re-creates it empty, so only a restore brings the data back. Detach it from pruning first (Argo CD \`Prune=false\`, Flux \`prune: disabled\`, Helm \`resource-policy: keep\`) and delete it by hand once the data is backed up.`
          : `${what} (${from}) is gone from the branch: with pruning on, the controller deletes it from the cluster. Rolling back re-creates it (\`git revert\` + sync), but whatever still uses it fails until then; make sure nothing does.`,
      });
    }
  },
});
