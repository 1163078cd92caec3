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

    const steps = nav.items(nav.get(canary, 'steps'));
    const analysed =
      nav.get(canary, 'analysis') !== undefined ||
      steps.some((s) => nav.get(s, 'analysis') !== undefined || nav.items(nav.at(s, ['experiment', 'analyses'])).length > 0);
    if (!analysed) {
      ctx.report({
        node: canaryPair.key,
        message: `${what} runs a canary without analysis: nothing measures the canary, so a bad version is promoted unless someone aborts by hand.`,
      });
    }

    const dynamic = nav.get(canary, 'dynamicStableScale');
    if (nav.str(dynamic) === 'true') {
      ctx.report({
        node: dynamic,
        message: `${what} sets \`dynamicStableScale: true\`: the stable ReplicaSet shrinks as the canary grows, so an abort must scale it back up before it can take traffic — the abort becomes a capacity event.`,
      });
    }

    const abort = nav.get(spec, 'progressDeadlineAbort');
    if (nav.str(abort) !== 'true') {
      const edit = abort === undefined && isMap(spec) ? appendEntries(ctx.file.lines, spec, ['progressDeadlineAbort: true']) : undefined;
      ctx.report({
        node: abort ?? canaryPair.key,
        message: `${what} does not set \`progressDeadlineAbort: true\`: a canary that stops progressing stays paused at its current weight instead of rolling back to stable.`,
        fixes: edit ? [{ title: 'Set progressDeadlineAbort: true', edits: [edit], preferred: true }] : [],
      });
    }
  },
});
