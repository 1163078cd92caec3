/** How an image reference names its registry, and how pull secrets give its credentials (src/cluster/checks/artifacts.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../src/cluster';
import { authKeyHost, challenge, credentialsOf, locate } from '../../../src/cluster/checks/artifacts';

describe('image references and registries', () => {
  it('resolves a reference as containerd does: docker.io and library/ by default, the digest before the tag', () => {
    assert.deepEqual(locate('nginx'), { image: 'nginx', host: 'registry-1.docker.io', authHost: 'docker.io', repository: 'library/nginx', reference: 'latest' });
    assert.deepEqual(locate('bitnami/redis:7.2'), { image: 'bitnami/redis:7.2', host: 'registry-1.docker.io', authHost: 'docker.io', repository: 'bitnami/redis', reference: '7.2', tag: '7.2' });
    const d = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(locate(`127.0.0.1:5443/shop/web:1.0@${d}`), { image: `127.0.0.1:5443/shop/web:1.0@${d}`, host: '127.0.0.1:5443', authHost: '127.0.0.1:5443', repository: 'shop/web', reference: d, digest: d, tag: '1.0' });
    assert.equal(locate('localhost/app').host, 'localhost');
    assert.equal(locate('ghcr.io/bookstore/catalog:1.4.2').repository, 'bookstore/catalog');
  });

  it('reads .dockerconfigjson and .dockercfg pull secrets, the first secret naming a host winning', () => {
    const secret = (name: string, key: string, config: unknown): KubeObject => ({ metadata: { name }, data: { [key]: Buffer.from(JSON.stringify(config)).toString('base64') } }) as unknown as KubeObject;
    const creds = credentialsOf([
      secret('a', '.dockerconfigjson', { auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw1').toString('base64') }, '127.0.0.1:5443': { username: 'u', password: 'p' } } }),
      secret('b', '.dockercfg', { '127.0.0.1:5443': { auth: Buffer.from('other:pw').toString('base64') }, 'ghcr.io': { username: 'g', password: 'h' } }),
    ]);
    assert.deepEqual(creds.get('docker.io'), { username: 'hub', password: 'pw1', from: 'Secret a' });
    assert.deepEqual(creds.get('127.0.0.1:5443'), { username: 'u', password: 'p', from: 'Secret a' });
    assert.deepEqual(creds.get('ghcr.io'), { username: 'g', password: 'h', from: 'Secret b' });
    assert.equal(authKeyHost('https://registry-1.docker.io/v2/'), 'docker.io');
  });

  it('parses a Bearer challenge', () => {
    assert.deepEqual(challenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:shop/web:pull"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:shop/web:pull' },
    });
    assert.equal(challenge('Basic realm="Registry Realm"')?.scheme, 'basic');
  });
});
