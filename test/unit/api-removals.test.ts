import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, parseConfig } from '../../src/core/config';
import { API_REMOVALS, apiRemoval, parseKubeVersion, removedBy } from '../../src/core/k8s/apiRemovals';
import { analyze, analyzeFixture, applyEdits, fixture, located, only } from './helpers';

const at = (version: string) => ({ config: { ...DEFAULT_CONFIG, targetKubernetesVersion: version } });

describe('the table of removed API versions', () => {
  it('covers every release of the migration guide from 1.16 to 1.32, each entry with a replacement or a reason', () => {
    assert.deepEqual([...new Set(API_REMOVALS.map((r) => r.removedIn))], ['1.16', '1.22', '1.25', '1.26', '1.27', '1.29', '1.32']);
    for (const r of API_REMOVALS) assert.ok(r.replacement || r.note, `${r.apiVersion} ${r.kinds.join(', ')}`);
    // One entry per (apiVersion, kind): the lookup is unambiguous.
    const keys = API_REMOVALS.flatMap((r) => r.kinds.map((k) => `${r.apiVersion} ${k}`));
    assert.equal(new Set(keys).size, keys.length);
  });

  it('says when an API stopped being served, for a target version given as 1.30, v1.30.2 or 1.30+', () => {
    assert.deepEqual(parseKubeVersion('v1.30.2'), { major: 1, minor: 30 });
    assert.deepEqual(parseKubeVersion('1.30+'), { major: 1, minor: 30 });
    assert.equal(parseKubeVersion('latest'), undefined);
    assert.equal(removedBy('extensions/v1beta1', 'Ingress', parseKubeVersion('1.21')!), undefined);
    assert.equal(removedBy('extensions/v1beta1', 'Ingress', parseKubeVersion('1.22')!)?.replacement, 'networking.k8s.io/v1');
    // extensions/v1beta1 NetworkPolicy went in 1.16, its Ingress only in 1.22.
    assert.equal(apiRemoval('extensions/v1beta1', 'NetworkPolicy')?.removedIn, '1.16');
    assert.equal(removedBy('apps/v1', 'Deployment', parseKubeVersion('1.34')!), undefined);
  });
});

describe('RG116 api-removed-in-target-version', () => {
  it('reports nothing without a target Kubernetes version', async () => {
    assert.deepEqual(located(await analyzeFixture('manifests/RG116.yaml'), 'RG116'), []);
  });

  it('reports, at target 1.30, the apiVersions removed in 1.22, 1.25 and 1.26 but not the one removed in 1.32', async () => {
    const findings = only(await analyzeFixture('manifests/RG116.yaml', at('1.30')), 'RG116');
    assert.deepEqual(located(findings), ['RG116@1:13', 'RG116@10:13', 'RG116@19:13']);
    assert.ok(findings.every((f) => f.severity === 'error' && f.rollbackClass === 'manual-repair'));
    assert.match(findings[0]!.message, /^Ingress web uses `extensions\/v1beta1`, which Kubernetes 1\.22 stopped serving \(target 1\.30\): use `networking\.k8s\.io\/v1` \(backends become/);
    assert.match(findings[2]!.message, /PodSecurityPolicy has no replacement \(no replacement: use Pod Security Admission/);
    // The first sentence stands alone in a hover.
    for (const f of findings) assert.ok(f.message.split(': ')[0]!.length <= 120, f.message);
  });

  it('at target 1.32, also the FlowSchema of flowcontrol.apiserver.k8s.io/v1beta3', async () => {
    assert.deepEqual(located(await analyzeFixture('manifests/RG116.yaml', at('v1.32.1')), 'RG116'), ['RG116@1:13', 'RG116@10:13', 'RG116@19:13', 'RG116@26:13']);
  });

  it('offers the apiVersion replacement as a fix only where the fields stay the same', async () => {
    const findings = only(await analyzeFixture('manifests/RG116.yaml', at('1.30')), 'RG116');
    assert.deepEqual(findings.map((f) => f.fixes.map((x) => x.title).filter((t) => !t.startsWith('Ignore'))), [[], ['Use autoscaling/v2'], []]);
    const text = applyEdits(fixture('manifests/RG116.yaml'), findings[1]!.fixes[0]!.edits);
    assert.match(text, /^apiVersion: autoscaling\/v2\nkind: HorizontalPodAutoscaler/m);
    assert.deepEqual(located(await analyze('a.yaml', text, at('1.30')), 'RG116'), ['RG116@1:13', 'RG116@19:13']);
  });

  it('leaves an apiVersion written by a Helm template action alone', async () => {
    const chart = 'apiVersion: {{ if .Capabilities.APIVersions.Has "networking.k8s.io/v1" }}networking.k8s.io/v1{{ else }}extensions/v1beta1{{ end }}\nkind: Ingress\nmetadata:\n  name: web\n';
    assert.deepEqual(located(await analyze('templates/ingress.yaml', chart, at('1.30')), 'RG116'), []);
  });

  it('reads targetKubernetesVersion from .rollbackguard.yaml, quoted', () => {
    assert.equal(parseConfig('targetKubernetesVersion: "1.30"\n').targetKubernetesVersion, '1.30');
    assert.throws(() => parseConfig('targetKubernetesVersion: 1.30\n'), /targetKubernetesVersion/);
  });
});
