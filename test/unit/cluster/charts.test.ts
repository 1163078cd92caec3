/**
 * The charts an Argo CD history entry deploys (src/cluster/checks/charts.ts),
 * and what is never looked up: a version range, or an entry with no chart.
 * The look-ups themselves run against a real chart repository in
 * test/integration/cluster/charts.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chartsCheck, chartsOf, lookUpChart } from '../../../src/cluster/checks/charts';

describe('charts of an Argo CD history entry', () => {
  it('a chart source takes the version Argo CD recorded for the entry; Git sources have none', () => {
    assert.deepEqual(chartsOf({ revision: '0.3.0', source: { repoURL: 'https://charts.example', chart: 'storefront', targetRevision: '0.*' } }), [{ repoURL: 'https://charts.example', chart: 'storefront', version: '0.3.0' }]);
    assert.deepEqual(chartsOf({ revision: 'a'.repeat(40), source: { repoURL: 'https://git.example/shop.git', targetRevision: 'main' } }), []);
  });

  it('multiple sources: each chart with the revision at its index', () => {
    const entry = {
      revisions: ['1.2.0', 'b'.repeat(40), '4.5.6'],
      sources: [
        { repoURL: 'ghcr.io/acme/charts', chart: 'api' },
        { repoURL: 'https://git.example/values.git', targetRevision: 'main' },
        { repoURL: 'oci://registry.example/charts', chart: 'worker', targetRevision: '4.x' },
      ],
    };
    assert.deepEqual(chartsOf(entry), [
      { repoURL: 'ghcr.io/acme/charts', chart: 'api', version: '1.2.0' },
      { repoURL: 'oci://registry.example/charts', chart: 'worker', version: '4.5.6' },
    ]);
  });

  it('a version range is resolved by Argo CD at sync time: unknown, without asking the repository', async () => {
    for (const version of ['1.2.*', '^1.2.0', '>=1.0.0 <2.0.0', '1.x', '']) {
      const answer = await lookUpChart({ repoURL: 'https://charts.invalid', chart: 'x', version });
      assert.equal(answer.state, 'unknown', version);
    }
    // 1.2.0-rc.1+build is one version, not a range.
    const exact = await lookUpChart({ repoURL: 'https://charts.invalid', chart: 'x', version: '1.2.0-rc.1' }, { timeoutMs: 2000 });
    assert.ok(exact.state === 'unknown' && /could not be reached/.test(exact.why), JSON.stringify(exact));
  });

  it('an entry without a chart gets no artifacts check', async () => {
    assert.equal(await chartsCheck({ revision: 'history 1', charts: [] }), undefined);
  });
});
