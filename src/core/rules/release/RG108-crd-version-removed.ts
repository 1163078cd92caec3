import { isMap } from 'yaml';
import { keyRange, rangeIn, type Located } from '../../release/facts';
import { defineReleaseRule } from './context';

interface Version {
  name: string;
  served: boolean;
  storage: boolean;
  node: unknown;
}

/** `spec.versions` (apiextensions v1), or the single `spec.version` of v1beta1. */
function versions(loc: Located): Version[] {
  const { nav } = loc.doc;
  const spec = nav.get(loc.doc.root, 'spec');
  const list = nav.items(nav.get(spec, 'versions'));
  if (list.length > 0) {
    return list.filter((v) => isMap(v)).map((v) => ({
      name: nav.str(nav.get(v, 'name')) ?? '',
      // Both default to false in the schema; `served` is required, `storage` exactly once.
      served: nav.str(nav.get(v, 'served')) === 'true',
      storage: nav.str(nav.get(v, 'storage')) === 'true',
      node: v,
    }));
  }
  const single = nav.str(nav.get(spec, 'version'));
  return single ? [{ name: single, served: true, storage: true, node: nav.get(spec, 'version') }] : [];
}

export default defineReleaseRule({
  meta: {
    id: 'RG108',
    name: 'crd-version-removed',
    severity: 'error',
    rollbackClass: 'forward-only',
    layer: 'config',
    scope: 'release',
    summary: 'A CRD version served in the base is removed, stops being served, or loses the storage flag.',
    help: 'Change CRD versions in separate releases: add the new version as served (with conversion), move clients, switch storage and migrate stored objects, then stop serving and remove the old version once nothing can roll back to a release that needs it.',
  },
  check(ctx) {
    for (const { base, head } of ctx.both) {
      if (head.doc.kind !== 'CustomResourceDefinition' || head.doc.group !== 'apiextensions.k8s.io') continue;
      const before = versions(base);
      const after = versions(head);
      if (before.length === 0 || after.length === 0) continue;
      const crd = `CRD ${head.doc.name}`;
      const spec = head.doc.nav.get(head.doc.root, 'spec');
      const listPair = head.doc.nav.pair(spec, 'versions') ?? head.doc.nav.pair(spec, 'version');
      const listRange = listPair ? rangeIn(head, listPair) : rangeIn(head, spec);
      const oldStorage = before.find((v) => v.storage);
      const newStorage = after.find((v) => v.storage);
      for (const v of before) {
        const now = after.find((a) => a.name === v.name);
        if (!now) {
          if (!v.served && !v.storage) continue;
          ctx.report({
            file: head.path,
            range: listRange,
            message: `${crd} removes version \`${v.name}\`, which ${ctx.baseRef} ${v.storage ? 'stores objects at and serves' : 'serves'}: clients and controllers of the previous release get 404 from it${v.storage ? ', objects stored at it are not converted back,' : ''} and the API server refuses to drop a version still in \`status.storedVersions\` — rolling back cannot restore what was written meanwhile. Keep \`${v.name}\` served in this release and remove it in a later one.`,
          });
        } else if (v.served && !now.served) {
          ctx.report({
            file: head.path,
            range: keyRange(head, now.node, 'served') ?? rangeIn(head, now.node),
            message: `${crd} stops serving version \`${v.name}\`: every client and controller still on \`${v.name}\` — the previous release included — gets 404, and objects written through the new version meanwhile are not converted back on rollback. Keep serving \`${v.name}\` until nothing can roll back to a release that uses it.`,
          });
        }
      }
      if (oldStorage && newStorage && oldStorage.name !== newStorage.name && after.some((a) => a.name === oldStorage.name)) {
        ctx.report({
          file: head.path,
          range: keyRange(head, newStorage.node, 'storage') ?? rangeIn(head, newStorage.node),
          message: `${crd} moves the storage version from \`${oldStorage.name}\` to \`${newStorage.name}\`: objects written after the change are stored at \`${newStorage.name}\`, which the previous release's controller may not read, and rolling the CRD back does not rewrite them. Move storage in its own release, after clients and controllers handle \`${newStorage.name}\`, and migrate stored objects before removing \`${oldStorage.name}\`.`,
        });
      }
    }
  },
});
