import { isMap } from 'yaml';
import { describeObject } from '../../k8s/workload';
import { rangeIn, type Located } from '../../release/facts';
import { displayValue } from '../../yaml/manifest';
import SECRET_IN_MANIFEST, { isPublicMaterial } from '../manifest/RG113-secret-in-manifest';
import { defineReleaseRule } from './context';

/** Literal values of a Secret field: not templated (filled at install) and not SOPS ciphertext (re-encrypted with a new IV every time). */
function literalValues(loc: Located, field: string): Map<string, { value: string; key: unknown }> {
  const { nav } = loc.doc;
  const out = new Map<string, { value: string; key: unknown }>();
  const node = nav.get(loc.doc.root, field);
  if (!isMap(node)) return out;
  for (const e of nav.entries(node)) {
    const raw = nav.str(e.value);
    if (raw === undefined) continue;
    const shown = displayValue(loc.file.text, loc.file.templateSpans, nav, e.value);
    if (shown !== raw || raw.startsWith('ENC[') || isPublicMaterial(e.key, raw, field)) continue;
    out.set(e.key, { value: raw, key: e.pair.key });
  }
  return out;
}

/**
 * The branch-mode half of RG113 (the per-file half lives with the manifest
 * rules): a committed Secret value that changes against the base.
 */
export default defineReleaseRule({
  meta: SECRET_IN_MANIFEST.meta,
  check(ctx) {
    for (const { base, head } of ctx.changed) {
      if (head.doc.kind !== 'Secret' || head.doc.group !== '') continue;
      if (head.doc.nav.get(head.doc.root, 'sops') !== undefined) continue;
      for (const field of ['data', 'stringData']) {
        const before = literalValues(base, field);
        const after = literalValues(head, field);
        const changed = [...after].filter(([key, v]) => before.has(key) && before.get(key)!.value !== v.value);
        if (changed.length === 0) continue;
        const keys = changed.map(([key]) => `\`${key}\``).join(', ');
        ctx.report({
          file: head.path,
          range: rangeIn(head, changed[0]![1].key),
          message: `${describeObject(head.doc)} changes ${keys} in \`${field}\` against ${ctx.baseRef}: rolling this release back re-applies the previous value — a credential that may already be rotated or revoked — and both values stay in Git history. Rotate by adding the new credential next to the old one, switch to it, and remove the old one in a later release.`,
        });
      }
    }
  },
});
