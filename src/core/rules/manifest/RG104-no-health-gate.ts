import { describeContainer, describeObject, podTemplate } from '../../k8s/workload';
import { appendEntries } from '../../yaml/edits';
import { defineManifestRule } from './context';

export default defineManifestRule({
  meta: {
    id: 'RG104',
    name: 'no-health-gate',
    severity: 'warning',
    rollbackClass: 'reversible-within-window',
    layer: 'code',
    scope: 'manifest',
    summary: 'A rolled-out container has no readinessProbe, so neither the rollout nor its rollback waits for health.',
    help: 'Add a `readinessProbe` that fails while the container cannot serve: the rollout (and a rollback) then stops at the first unhealthy pod instead of replacing all of them.',
  },
  check(ctx) {
    const pod = podTemplate(ctx.doc);
    if (!pod || !pod.workload.rolledOut) return;
    const { nav } = ctx;
    for (const container of pod.containers) {
      if (container.role !== 'container' || nav.get(container.node, 'readinessProbe') !== undefined) continue;
      const port = nav.str(nav.at(container.node, ['ports', 0, 'containerPort']));
      const probe = port
        ? ['readinessProbe:', '  tcpSocket:', `    port: ${port}`, '  periodSeconds: 5', '  failureThreshold: 3']
        : ['readinessProbe:', '  httpGet:', '    path: /healthz', '    port: 8080', '  periodSeconds: 5', '  failureThreshold: 3'];
      const edit = appendEntries(ctx.file.lines, container.node, probe);
      const namePair = nav.pair(container.node, 'name');
      ctx.report({
        node: namePair ?? container.node,
        message: `${describeContainer(container)} of ${describeObject(ctx.doc)} has no readinessProbe: a broken version becomes "available" as soon as it starts, so the rollout replaces every pod — and a rollback to a broken revision does the same.`,
        fixes: edit ? [{ title: 'Add a readinessProbe skeleton', edits: [edit], preferred: true }] : [],
      });
    }
  },
});
