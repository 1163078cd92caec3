import { isMap } from 'yaml';
import { describeObject } from '../../k8s/workload';
import { appendEntries } from '../../yaml/edits';
import { defineManifestRule } from './context';

export default defineManifestRule({
  meta: {
    id: 'RG114',
    name: 'unsafe-canary-abort',
    severity: 'warning',
    rollbackClass: 'reversible-within-window',
    layer: 'code',
    scope: 'manifest',
    summary: 'An Argo Rollouts canary cannot abort safely on its own: no analysis, a dynamic stable scale, or no abort on progress deadline.',
    help: 'Gate the canary on an AnalysisTemplate (`strategy.canary.analysis` or analysis steps), keep the stable ReplicaSet at full scale, and set `progressDeadlineAbort: true` so a stuck canary rolls back by itself.',
  },
  check(ctx) {
    if (ctx.doc.kind !== 'Rollout' || ctx.doc.group !== 'argoproj.io') return;
    const { nav } = ctx;
    const spec = nav.get(ctx.doc.root, 'spec');
    const canaryPair = nav.pair(nav.get(spec, 'strategy'), 'canary');
    if (!canaryPair) return;
    const canary = nav.resolve(canaryPair.value);
    const what = describeObject(ctx.doc);
    // A kustomization patch holds part of the Rollout, and a template may print the fields: absence proves nothing there.
    const partial = ctx.project.kustomizePatchOf?.(ctx.path) !== undefined;

    const steps = nav.items(nav.get(canary, 'steps'));
    const analysed =
      nav.get(canary, 'analysis') !== undefined ||
      steps.some((s) => nav.get(s, 'analysis') !== undefined || nav.items(nav.at(s, ['experiment', 'analyses'])).length > 0);
    if (!analysed && !partial && ctx.injected(canary).length === 0) {
      ctx.report({
        node: canaryPair.key,
        message: `${what} runs a canary without analysis, so a bad version is promoted unless someone aborts by hand.`,
      });
    }

    const dynamic = nav.get(canary, 'dynamicStableScale');
    if (nav.str(dynamic) === 'true') {
      ctx.report({
        node: dynamic,
        message: `${what} sets \`dynamicStableScale: true\`, so an abort must first scale the stable ReplicaSet back up. It shrinks as the canary grows: the abort becomes a capacity event.`,
      });
    }

    const abort = nav.get(spec, 'progressDeadlineAbort');
    if (nav.str(abort) !== 'true' && !(abort === undefined && (partial || ctx.injected(spec).length > 0))) {
      const target = abort === undefined && isMap(spec) ? ctx.fixTarget(spec) : undefined;
      const edit = target ? appendEntries(target.lines, target.node, ['progressDeadlineAbort: true']) : undefined;
      ctx.report({
        node: abort ?? canaryPair.key,
        message: `${what} does not set \`progressDeadlineAbort: true\`, so a stuck canary never rolls back by itself. It stays paused at its current weight instead of going back to stable.`,
        fixes: edit ? [{ title: 'Set progressDeadlineAbort: true', edits: [edit], preferred: true }] : [],
      });
    }
  },
});
