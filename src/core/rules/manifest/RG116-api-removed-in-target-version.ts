import { kubeVersionText, parseKubeVersion, removedBy } from '../../k8s/apiRemovals';
import { describeObject } from '../../k8s/workload';
import { replaceValue } from '../../yaml/edits';
import { defineManifestRule } from './context';

export default defineManifestRule({
  meta: {
    id: 'RG116',
    name: 'api-removed-in-target-version',
    severity: 'error',
    rollbackClass: 'manual-repair',
    layer: 'config',
    scope: 'manifest',
    summary: 'The manifest uses an API version the target Kubernetes release no longer serves.',
    help: 'Move to the replacement API version before upgrading (the guide lists what changes). Releases stored with the old version (Helm) must be mapped too, as helm-mapkubeapis does, or they cannot be rolled back to after the upgrade.',
  },
  check(ctx) {
    const target = parseKubeVersion(ctx.kubernetesVersion);
    if (!target) return;
    const node = ctx.nav.get(ctx.doc.root, 'apiVersion');
    if (ctx.templated(node)) return;
    const removal = removedBy(ctx.doc.apiVersion, ctx.doc.kind, target);
    if (!removal) return;
    const what = `${describeObject(ctx.doc)} uses \`${removal.apiVersion}\`, which Kubernetes ${removal.removedIn} stopped serving (target ${kubeVersionText(target)})`;
    const instead = removal.replacement ? `use \`${removal.replacement}\`${removal.sameFields ? '' : ` (${removal.note})`}` : `${ctx.doc.kind} has no replacement (${removal.note})`;
    const fix = removal.replacement && removal.sameFields ? ctx.fixTarget(node) : undefined;
    const edit = fix ? replaceValue(fix.lines, fix.node, removal.replacement!) : undefined;
    ctx.report({
      node,
      message: `${what}: ${instead}. Applying it fails on that cluster, and so does rolling back to a revision that holds it.`,
      fixes: edit ? [{ title: `Use ${removal.replacement}`, edits: [edit], preferred: true }] : [],
    });
  },
});
