/**
 * The Helm release diff reads manifests with the YAML parser: a Job with
 * `generateName` and many metadata lines (which made a regular expression
 * backtrack for minutes) is compared at once, and only content counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { releaseDiff } from '../../../src/cluster/helmRollback';

const job = (version: string, labels: number) => `---
# Source: storefront/templates/migrate-job.yaml
apiVersion: batch/v1
kind: Job
metadata:
  generateName: storefront-migrate-
  labels:
${Array.from({ length: labels }, (_, i) => `    label-${i}: "v"`).join('\n')}
    app.kubernetes.io/version: "${version}"
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: "storefront:${version}"}]
`;

describe('Helm release diff', () => {
  it('a Job with generateName and 200 metadata lines is compared at once', () => {
    const started = process.hrtime.bigint();
    const d = releaseDiff({ label: 'a', manifest: job('1', 200), values: {}, images: [] }, { label: 'b', manifest: job('2', 200), values: {}, images: [] });
    // Generous: the expression this replaces took a minute at 13 lines and doubled with each further one.
    assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 5);
    assert.deepEqual(d.changes, [{ path: 'objects.job/', change: 'changed' }]);
  });

  it('comments and layout are not a change; content is', () => {
    const a = '---\n# Source: x\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1"}\n';
    const b = '---\n# Source: y (moved)\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "1"\n';
    assert.deepEqual(releaseDiff({ label: 'a', manifest: a, values: {}, images: [] }, { label: 'b', manifest: b, values: {}, images: [] }).changes, []);
    const c = b.replace('a: "1"', 'a: "2"');
    assert.deepEqual(releaseDiff({ label: 'a', manifest: a, values: {}, images: [] }, { label: 'b', manifest: c, values: {}, images: [] }).changes, [{ path: 'objects.configmap/c', change: 'changed' }]);
  });
});
