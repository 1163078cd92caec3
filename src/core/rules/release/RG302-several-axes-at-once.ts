import { findKind } from '../../k8s/kinds';
import { AXES, AXIS_NAMES, CRD_AXIS_KINDS, type Axis } from '../../k8s/axes';
import { describeObject } from '../../k8s/workload';
import { keyRange, rangeIn, type Located } from '../../release/facts';
import type { Finding } from '../../model';
import { defineReleaseRule, type ReleaseFacts } from './context';

interface Evidence {
  file: string;
  range: Finding['range'];
  what: string;
}

const at = (loc: Located): Evidence => ({ file: loc.path, range: keyRange(loc, loc.doc.root, 'kind') ?? rangeIn(loc, loc.doc.root), what: describeObject(loc.doc) });

/** What the release moves on each axis, with the first place that shows it. */
export function releaseAxes(facts: ReleaseFacts): Map<Axis, Evidence[]> {
  const out = new Map<Axis, Evidence[]>();
  const add = (axis: Axis, e: Evidence) => out.set(axis, [...(out.get(axis) ?? []), e]);
  for (const image of facts.images) add('image', { file: image.file, range: image.range, what: `${image.object} → ${image.to}` });
  const objects: { loc: Located; imageOnly: boolean }[] = [
    ...facts.added.map((loc) => ({ loc, imageOnly: false })),
    ...facts.changed.map((c) => ({ loc: c.head, imageOnly: c.imageOnly })),
  ];
  for (const { loc, imageOnly } of objects) {
    if (findKind(CRD_AXIS_KINDS, loc.doc)) add('crd', at(loc));
    else if (!imageOnly) add('config', at(loc));
  }
  for (const loc of facts.removed) {
    const e = { ...at(loc), what: `${describeObject(loc.doc)} removed` };
    add(findKind(CRD_AXIS_KINDS, loc.doc) ? 'crd' : 'config', e);
  }
  for (const f of facts.configFiles) add('config', { file: f.path, range: f.range, what: f.path });
  for (const m of facts.migrations) add('schema', { file: m.file, range: m.range, what: m.file });
  return new Map(AXES.filter((a) => out.has(a)).map((a) => [a, out.get(a)!]));
}

export default defineReleaseRule({
  meta: {
    id: 'RG302',
    name: 'several-axes-at-once',
    severity: 'info',
    rollbackClass: null,
    layer: null,
    scope: 'release',
    summary: 'The branch changes several axes (CRDs, images, config, schema) together; one axis per release keeps rollback isolated.',
    help: 'Split the branch: ship the schema expansion, the config change, the CRD version and the image bump as separate releases, in the order that keeps each compatible with the previous one; where two must land together, say why in rollback-plan.yaml.',
  },
  check(ctx) {
    const axes = releaseAxes(ctx);
    if (axes.size < 2) return;
    const anchor = [...axes.values()][0]![0]!;
    const list = [...axes].map(([axis, evidence]) => {
      const shown = evidence.slice(0, 2).map((e) => e.what).join(', ');
      return `${AXIS_NAMES[axis]} (${shown}${evidence.length > 2 ? `, +${evidence.length - 2} more` : ''})`;
    });
    const names = [...axes.keys()].map((a) => AXIS_NAMES[a]);
    ctx.report({
      file: anchor.file,
      range: anchor.range,
      wide: true,
      message: `This release changes ${axes.size} axes at once: ${names.slice(0, -1).join(', ')} and ${names.at(-1)!}. Each has its own undo tool (rollout undo, git revert + sync, a restore, a staged CRD change) and timing, so rolling one back means rolling back all with the slowest tool, and a failure is hard to attribute — ${list.join('; ')}. Ship one axis per release where you can.`,
      related: [...axes].flatMap(([axis, evidence]) => evidence.slice(0, 2).map((e) => ({ file: e.file, range: e.range, message: `${AXIS_NAMES[axis]}: ${e.what}` }))),
    });
  },
});
