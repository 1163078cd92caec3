import { describeObject, podTemplate } from '../../k8s/workload';
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
    summary: 'No container of a rolled-out workload has a readinessProbe, so neither the rollout nor its rollback waits for health.',
    help: 'Add a `readinessProbe` to the container that serves, failing while it cannot: the rollout (and a rollback) then stops at the first unhealthy pod instead of replacing all of them. One probed container gates the pod; sidecars need none.',
  },
  check(ctx) {
    const pod = podTemplate(ctx.doc);
    if (!pod || !pod.workload.rolledOut) return;
    // A kustomization patch holds part of an object: the probe may be in its base.
    if (ctx.project.kustomizePatchOf?.(ctx.path)) return;
    const { nav } = ctx;
    const containers = pod.containers.filter((c) => c.role === 'container');
    const first = containers[0];
    if (!first) return;
    // A pod is ready when all its containers are: one probed container gates the rollout.
    if (containers.some((c) => nav.get(c.node, 'readinessProbe') !== undefined)) return;
    // A probe printed by the template (`{{- include "app.probes" . | nindent 10 }}`) is not absent.
    if (containers.some((c) => ctx.injected(c.node).length > 0)) return;
    const port = nav.str(nav.at(first.node, ['ports', 0, 'containerPort']));
    const probe = port
      ? ['readinessProbe:', '  tcpSocket:', `    port: ${port}`, '  periodSeconds: 5', '  failureThreshold: 3']
      : ['readinessProbe:', '  httpGet:', '    path: /healthz', '    port: 8080', '  periodSeconds: 5', '  failureThreshold: 3'];
    const target = ctx.fixTarget(first.node);
    // A chart's template may hold the probe behind a condition its values turn off: the fix is in the values.
    const guarded = target !== undefined && containers.some((c) => {
      const t = ctx.fixTarget(c.node);
      return t !== undefined && t.nav.get(t.node, 'readinessProbe') !== undefined;
    });
    const edit = target && !guarded ? appendEntries(target.lines, target.node, probe) : undefined;
    const namePair = nav.pair(first.node, 'name');
    const names = containers.map((c) => (c.name ? `\`${c.name}\`` : 'unnamed'));
    const which = containers.length === 1 ? `Its container ${names[0]} counts` : `None of its containers (${names.join(', ')}) has one: each counts`;
    ctx.report({
      node: namePair ?? first.node,
      message: `${describeObject(ctx.doc)} has no readinessProbe, so no rollout or rollback waits for health. ${which} as available as soon as it starts: a broken version replaces every pod, by a rollback to a broken revision too.${guarded ? ' The template has one, behind a condition the values turn off.' : ''}`,
      fixes: edit ? [{ title: 'Add a readinessProbe skeleton', edits: [edit], preferred: true }] : [],
    });
  },
});
