import { findKind, type KindRef } from '../../k8s/kinds';
import { describeObject, podTemplate } from '../../k8s/workload';
import { defineManifestRule, type ManifestContext } from './context';

interface StrategyFields extends KindRef {
  /** Field whose value `Recreate` replaces every pod at once. */
  type?: readonly string[];
  maxUnavailable: readonly string[];
  /** Desired replicas, when the kind has them (default 1). */
  replicas?: readonly string[];
}

const STRATEGIES: readonly StrategyFields[] = [
  {
    kind: 'Deployment',
    groups: ['apps', 'extensions'],
    type: ['spec', 'strategy', 'type'],
    maxUnavailable: ['spec', 'strategy', 'rollingUpdate', 'maxUnavailable'],
    replicas: ['spec', 'replicas'],
  },
  {
    kind: 'StatefulSet',
    groups: ['apps'],
    maxUnavailable: ['spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable'],
    replicas: ['spec', 'replicas'],
  },
  { kind: 'DaemonSet', groups: ['apps', 'extensions'], maxUnavailable: ['spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable'] },
  {
    kind: 'Rollout',
    groups: ['argoproj.io'],
    maxUnavailable: ['spec', 'strategy', 'canary', 'maxUnavailable'],
    replicas: ['spec', 'replicas'],
  },
];

/**
 * One replica writing to a volume claim: `RollingUpdate` would start the new
 * pod while the old one holds a ReadWriteOnce volume (it cannot attach, or
 * two writers share the data), so `Recreate` is the safe choice and the
 * outage exists either way.
 */
function singleWriter(ctx: ManifestContext): boolean {
  const { nav } = ctx;
  const replicas = nav.str(nav.at(ctx.doc.root, ['spec', 'replicas']));
  if (replicas !== undefined && replicas !== '1' && replicas !== '0') return false;
  const pod = podTemplate(ctx.doc);
  return pod !== undefined && nav.items(nav.get(pod.spec, 'volumes')).some((v) => nav.get(v, 'persistentVolumeClaim') !== undefined);
}

/**
 * In a whole release (a rendered chart), whether a Service of the release
 * routes to the pods: one whose selector their labels match. A workload no
 * Service selects (a controller, a worker) serves no traffic, so `Recreate`
 * pauses its work during a rollout rather than cutting anyone off.
 */
function servesNoTraffic(ctx: ManifestContext): boolean {
  if (!ctx.wholeRelease) return false;
  const pod = podTemplate(ctx.doc);
  if (!pod) return false;
  const { nav } = ctx;
  const labels = new Map(nav.entries(nav.get(pod.metadata, 'labels')).map((e) => [e.key, nav.str(e.value)]));
  return !ctx.unit.some((d) => {
    if (d.kind !== 'Service' || d.group !== '') return false;
    const selector = d.nav.entries(d.nav.at(d.root, ['spec', 'selector']));
    return selector.length > 0 && selector.every((e) => labels.get(e.key) === d.nav.str(e.value));
  });
}

export default defineManifestRule({
  meta: {
    id: 'RG105',
    name: 'disruptive-rollout-strategy',
    severity: 'warning',
    rollbackClass: 'reversible',
    layer: 'config',
    scope: 'manifest',
    summary: 'The update strategy takes every pod down at once, so every rollout — and every rollback — is an outage.',
    help: 'Use a rolling update that keeps capacity (`maxUnavailable: 0`, `maxSurge: 1` or a percentage below 100%); keep `Recreate` only where two versions must never run together, and plan the downtime.',
  },
  check(ctx) {
    const fields = findKind(STRATEGIES, ctx.doc);
    if (!fields) return;
    const { nav } = ctx;
    const what = describeObject(ctx.doc);
    if (fields.type) {
      const node = nav.at(ctx.doc.root, fields.type);
      if (nav.str(node) === 'Recreate' && !singleWriter(ctx)) {
        if (servesNoTraffic(ctx)) {
          ctx.report({
            node,
            severity: 'info',
            message: `${what} uses \`Recreate\`, so each rollout and rollback stops it before its new version starts. No Service of the release routes to it: its work pauses, no traffic is cut.`,
          });
        } else {
          ctx.report({
            node,
            message: `${what} uses the \`Recreate\` strategy, so every rollout and rollback is an outage. All old pods stop before new ones start.`,
          });
        }
      }
    }
    const node = nav.at(ctx.doc.root, fields.maxUnavailable);
    const value = nav.str(node);
    if (value === undefined || ctx.templated(node)) return;
    const percent = /^(\d+)%$/.exec(value);
    if (percent) {
      if (Number(percent[1]) >= 100) {
        ctx.report({ node, message: `${what} allows ${value} of its pods to be unavailable, so every rollout and rollback can be an outage. An update may take all of them down at once.` });
      }
      return;
    }
    if (!fields.replicas || !/^\d+$/.test(value) || Number(value) === 0) return;
    // Without `replicas` an autoscaler usually owns the count: nothing to compare with.
    const replicasNode = nav.at(ctx.doc.root, fields.replicas);
    const replicasText = nav.str(replicasNode);
    if (replicasText === undefined || ctx.templated(replicasNode)) return;
    const replicas = Number(replicasText);
    if (Number.isInteger(replicas) && replicas > 0 && Number(value) >= replicas) {
      ctx.report({
        node,
        message: `${what} allows ${value} unavailable pod${value === '1' ? '' : 's'} of ${replicas} replica${replicas === 1 ? '' : 's'}, so every rollout and rollback can be an outage. An update may take all of them down at once.`,
      });
    }
  },
});
