import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadKubeconfig, resolveContext } from '../../../src/cluster/kubeconfig';
import { ClusterSession } from '../../../src/cluster/session';

function file(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const config = (o: { current?: string; cluster: string; server: string; user: string; userBody: string; contexts: [string, string?][] }) => `apiVersion: v1
kind: Config
${o.current ? `current-context: ${o.current}\n` : ''}clusters:
- name: ${o.cluster}
  cluster: {server: "${o.server}"}
users:
- name: ${o.user}
  user:
${o.userBody}
contexts:
${o.contexts.map(([name, ns]) => `- name: ${name}\n  context: {cluster: ${o.cluster}, user: ${o.user}${ns ? `, namespace: ${ns}` : ''}}`).join('\n')}
`;

describe('kubeconfig (kubectl merge rules)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-kubeconfig-'));
  const a = file(dir, 'a.yaml', config({ cluster: 'c1', server: 'https://a.example:6443', user: 'u1', userBody: '    token: aaaaaaaaaaaa', contexts: [['shared'], ['only-a', 'team-a']] }));
  const b = file(
    dir,
    'b.yaml',
    config({
      current: 'only-b',
      cluster: 'c1',
      server: 'https://b.example:6443',
      user: 'u2',
      userBody: '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: get-token\n      args: [--cluster, b]',
      contexts: [['shared', 'from-b'], ['only-b']],
    }),
  );
  const c = file(dir, 'c.yaml', config({ current: 'shared', cluster: 'c3', server: 'https://c.example', user: 'u3', userBody: '    token: cccccccccccc', contexts: [['only-c']] }));
  const missing = join(dir, 'missing.yaml');

  it('several KUBECONFIG files: first definition of a name wins, missing files are skipped', () => {
    const loaded = loadKubeconfig({ env: { KUBECONFIG: [a, missing, b, c].join(delimiter) } });
    assert.ok(loaded.ok);
    assert.deepEqual(loaded.value.files, [a, b, c]);
    assert.deepEqual(loaded.value.contexts.map((x) => x.name), ['shared', 'only-a', 'only-b', 'only-c']);
    const shared = loaded.value.contexts.find((x) => x.name === 'shared')!;
    // Cluster c1 comes from a.yaml (first), so shared → a's server even though b also defines c1.
    assert.equal(shared.server, 'https://a.example:6443');
    assert.equal(shared.namespace, 'default');
    assert.equal(loaded.value.contexts.find((x) => x.name === 'only-a')!.namespace, 'team-a');
    // only-b uses cluster c1, which a.yaml defined first.
    assert.equal(loaded.value.contexts.find((x) => x.name === 'only-b')!.server, 'https://a.example:6443');
  });

  it('current-context comes from the first file that sets one', () => {
    const loaded = loadKubeconfig({ env: { KUBECONFIG: [a, b, c].join(delimiter) } });
    assert.ok(loaded.ok);
    assert.equal(loaded.value.currentContext, 'only-b');
    const resolved = resolveContext(loaded.value);
    assert.ok(resolved.ok && resolved.value.name === 'only-b');
    assert.equal(resolved.ok && resolved.value.auth, 'exec');
    assert.equal(resolved.ok && resolved.value.execCommand, 'get-token');
  });

  it('errors name the files and the known contexts', () => {
    const loaded = loadKubeconfig({ env: { KUBECONFIG: a } });
    assert.ok(loaded.ok);
    const none = resolveContext(loaded.value);
    assert.ok(!none.ok && none.error.kind === 'config');
    assert.match(none.error.message, /sets no current-context/);
    const wrong = resolveContext(loaded.value, 'prod');
    assert.ok(!wrong.ok);
    assert.match(wrong.error.message, /context "prod" is not in/);
    assert.match(wrong.error.hint, /shared, only-a/);
    const explicit = loadKubeconfig({ files: [missing] });
    assert.ok(!explicit.ok && /does not exist/.test(explicit.error.message));
    const nothing = loadKubeconfig({ env: { KUBECONFIG: missing } });
    assert.ok(!nothing.ok && /no kubeconfig found/.test(nothing.error.message));
    const broken = loadKubeconfig({ files: [file(dir, 'broken.yaml', 'clusters: [\n')] });
    assert.ok(!broken.ok && /cannot read kubeconfig/.test(broken.error.message));
  });

  it('a session opens without sending anything and knows the production match', () => {
    const s = ClusterSession.open({ kubeconfig: { env: { KUBECONFIG: a } }, context: 'only-a', productionContexts: ['only-*'] });
    assert.ok(s.ok);
    assert.equal(s.value.namespace, 'team-a');
    assert.deepEqual(s.value.production, { production: true, pattern: 'only-*' });
    assert.equal(s.value.client.calls.length, 0);
    s.value.dispose();
  });
});
