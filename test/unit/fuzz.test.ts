/**
 * A short run of the seeded fuzzer (test/fuzz): a few thousand mutated
 * manifests, Helm templates, SQL and framework migrations, in branch mode
 * and through the editor's incremental parse. No input may throw (not even
 * into the engine's per-file isolation), give an impossible range, or read
 * differently incrementally. Times are reported, not asserted: the long run
 * (`npm run fuzz -- --count 100000`) judges them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReport, fuzz } from '../fuzz/fuzzer';

describe('fuzzing every analyzer (seed 1)', () => {
  it('2,400 inputs: no exception, no impossible range, the incremental parse equals the whole', async () => {
    const report = await fuzz({ seed: 1, count: 2400, maxLength: 8 * 1024 });
    console.log(formatReport(report));
    assert.deepEqual(
      report.problems.map((p) => `${p.kind} #${p.index} ${p.target} ${p.path}: ${p.detail.split('\n')[0]}`),
      [],
    );
    assert.equal(Object.values(report.inputs).reduce((a, b) => a + b, 0), 2400);
  });
});
