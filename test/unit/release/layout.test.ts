import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RELEASE_RULES, RULES } from '../../../src/core/rules';

describe('release rules', () => {
  it('one rule, one file: src/core/rules/release/<id>-<name>.ts, in id order, registered', () => {
    const files = readdirSync(join(__dirname, '..', '..', '..', 'src', 'core', 'rules', 'release')).filter((f) => /^RG\d{3}-/.test(f));
    assert.deepEqual(files.sort(), RELEASE_RULES.map((r) => `${r.meta.id}-${r.meta.name}.ts`));
    for (const rule of RELEASE_RULES) assert.equal(RULES.get(rule.meta.id), rule.meta, rule.meta.id);
  });

  it('the branch parts of RG113, RG115 and RG211 share the per-file rule’s meta (one id, one page)', () => {
    const shared = RELEASE_RULES.filter((r) => r.meta.scope !== 'release').map((r) => `${r.meta.id}/${r.meta.scope}`);
    assert.deepEqual(shared, ['RG113/manifest', 'RG115/manifest', 'RG211/migration']);
  });
});
