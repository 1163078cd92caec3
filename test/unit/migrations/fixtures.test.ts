import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { located } from '../helpers';
import { EXPECTED } from './expected';
import { analyzeMigration } from './support';

describe('migration fixtures: exact findings per framework', () => {
  for (const [rel, expected] of Object.entries(EXPECTED)) {
    it(rel, async () => {
      const result = await analyzeMigration(rel);
      assert.deepEqual(located(result.findings), expected);
      for (const f of result.findings) {
        assert.ok(f.message.length > 40, `${f.ruleId} has a message that explains the risk`);
        assert.ok(f.range.end.line > f.range.start.line || f.range.end.character > f.range.start.character || f.ruleId === 'RG003', `${f.ruleId}@${f.range.start.line + 1} has a non-empty range`);
      }
    });
  }
});
