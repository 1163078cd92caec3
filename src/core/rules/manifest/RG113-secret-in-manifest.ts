import { isMap } from 'yaml';
import { describeObject } from '../../k8s/workload';
import { defineManifestRule } from './context';

/** At most three items, then how many more. */
function shortList(items: readonly string[]): string {
  return items.length <= 3 ? items.join(', ') : `${items.slice(0, 3).join(', ')} and ${items.length - 3} more`;
}

/** A key that names Diffie-Hellman parameters (`dhparam.pem`, `ssl-dh-params`). */
const DH_PARAMETERS_KEY = /(^|[-_.])dh[-_]?param(s|eters)?([-_.]|$)/i;
/** PEM blocks of public material: Diffie-Hellman parameters and certificates. */
const PUBLIC_PEM = /^-----BEGIN (?:X9\.42 DH PARAMETERS|DH PARAMETERS|CERTIFICATE)-----/;

/**
 * Whether a Secret entry holds public material rather than a credential:
 * Diffie-Hellman parameters (named so, or as their PEM block says) or
 * certificates only. Nothing to rotate or leak, so nothing to roll back.
 */
export function isPublicMaterial(key: string, value: string, field: string): boolean {
  if (DH_PARAMETERS_KEY.test(key)) return true;
  const text = (field === 'data' ? Buffer.from(value, 'base64').toString('utf8') : value).trim();
  return PUBLIC_PEM.test(text) && !text.includes('PRIVATE KEY');
}

export default defineManifestRule({
  meta: {
    id: 'RG113',
    name: 'secret-in-manifest',
    severity: 'warning',
    rollbackClass: 'forward-only',
    layer: 'config',
    scope: 'manifest',
    summary: 'A Secret with literal values is committed, so rolling back may restore a rotated or leaked credential.',
    help: 'Keep credentials out of Git (External Secrets, Sealed Secrets, SOPS, the CSI secret store); rotate a credential by adding the new one first, then removing the old one in a later release.',
  },
  check(ctx) {
    if (ctx.doc.kind !== 'Secret' || ctx.doc.group !== '') return;
    const { nav } = ctx;
    // SOPS-encrypted files carry ciphertext on purpose.
    if (nav.get(ctx.doc.root, 'sops') !== undefined) return;
    for (const field of ['data', 'stringData']) {
      const pair = nav.pair(ctx.doc.root, field);
      const values = pair && isMap(nav.resolve(pair.value)) ? nav.entries(pair.value) : [];
      const literal = values.filter((e) => {
        const v = nav.str(e.value);
        return v !== undefined && v !== '' && !ctx.printed(e.value) && !v.startsWith('ENC[') && !isPublicMaterial(e.key, v, field);
      });
      if (literal.length === 0) continue;
      ctx.report({
        node: pair!.key,
        message: `${describeObject(ctx.doc)} commits ${literal.length} literal value${literal.length === 1 ? '' : 's'} in \`${field}\` (${shortList(literal.map((e) => `\`${ctx.display(e.pair.key) ?? e.key}\``))}), so a rollback re-applies old credentials. Every revision keeps them in Git; rolling back re-applies whatever value that revision held, possibly one already rotated or leaked.`,
      });
    }
  },
});
