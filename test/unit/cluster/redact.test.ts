import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redact, redactValue } from '../../../src/core/redact';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEvidence, maskTemplateSecrets } from '../../../src/cluster/evidence';

describe('redact', () => {
  it('masks bearer tokens, kubeconfig secrets and passwords, keeping the key', () => {
    assert.equal(redact('Authorization: Bearer abc.def-123'), 'Authorization: Bearer «redacted»');
    assert.equal(redact('"authorization":"Bearer s3cr3t"'), '"authorization":"Bearer «redacted»"');
    assert.equal(redact('token: 0123456789abcdef'), 'token: «redacted»');
    assert.equal(redact('{"password":"hunter2","user":"bob"}'), '{"password":"«redacted»","user":"bob"}');
    assert.equal(redact('client-key-data: LS0tLS1CRUdJTg=='), 'client-key-data: «redacted»');
  });

  it('masks JWTs and PEM private keys wherever they appear', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl';
    assert.equal(redact(`failed with ${jwt} in the header`), 'failed with «redacted» in the header');
    assert.equal(redact('x -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- y'), 'x «redacted» y');
  });

  it('masks known literal secrets anywhere, but not short strings', () => {
    const token = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';
    assert.equal(redact(`server said: ${token} is invalid`, [token]), 'server said: «redacted» is invalid');
    assert.equal(redact('the word admin stays', ['admin']), 'the word admin stays');
  });

  it('leaves ordinary text alone', () => {
    const text = 'deployment "web" in namespace "shop": revision 3 → 1 (image registry.example/web:1.2.3)';
    assert.equal(redact(text), text);
  });

  it('redactValue walks records and masks secret-named keys', () => {
    assert.deepEqual(redactValue({ token: 'abcdefgh12345', list: ['Authorization: Bearer xyz'], n: 3 }), { token: '«redacted»', list: ['Authorization: Bearer «redacted»'], n: 3 });
  });

  it('the extension log re-exports this function instead of keeping its own patterns', () => {
    const log = readFileSync(join(__dirname, '..', '..', '..', 'src', 'extension', 'log.ts'), 'utf8');
    assert.match(log, /import \{ redact \} from '\.\.\/core\/redact'/);
    assert.match(log, /export \{ redact \}/);
    assert.doesNotMatch(log, /RegExp/);
  });

  it('every env value that is not a reference is masked in templates and patches', () => {
    const t = { spec: { containers: [{ name: 'db', env: [{ name: 'DB_PASSWORD', value: 'hunter2' }, { name: 'LOG_LEVEL', value: 'debug' }, { name: 'API_KEY', value: 'k' }, { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } }] }] } };
    const masked = maskTemplateSecrets(t);
    assert.deepEqual(masked.spec.containers[0]!.env.map((e) => e.value), ['«redacted»', '«redacted»', '«redacted»', undefined]);
    assert.deepEqual(masked.spec.containers[0]!.env[3], t.spec.containers[0]!.env[3], 'a reference is shown as it is');
    assert.equal(t.spec.containers[0]!.env[0]!.value, 'hunter2', 'the original is untouched');
    const patch = [{ op: 'replace', path: '/metadata/annotations', value: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { template: t } }) } }];
    assert.doesNotMatch(JSON.stringify(maskTemplateSecrets(patch)), /hunter2|"k"/);
  });

  it('an evidence record holds no secret from the template, the patch or a known token', () => {
    const template = { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'pg:16', env: [{ name: 'DB_PASSWORD', value: 'hunter2' }] }] } };
    const old = { ...template, spec: { containers: [{ ...template.spec.containers[0]!, image: 'pg:15' }] } };
    const token = 'abcdef0123456789abcdef0123456789';
    const record = buildEvidence(
      {
        preflight: {
          request: { ref: { kind: 'StatefulSet', namespace: 'ns', name: 'db' }, toRevision: 1 },
          context: { name: 'c', cluster: 'k', user: 'u', namespace: 'ns', auth: 'token' },
          server: 'https://x',
          production: { production: false },
          history: { ref: { kind: 'StatefulSet', namespace: 'ns', name: 'db' }, uid: 'u1', resourceVersion: '5', generation: 2, paused: false, template, images: [], revisions: [], gitops: [], rollout: { done: true, message: 'ok' } },
          plan: {
            ref: { kind: 'StatefulSet', namespace: 'ns', name: 'db' },
            uid: 'u1',
            resourceVersion: '5',
            fromRevision: 2,
            toRevision: 1,
            from: { template, images: [] },
            to: { revision: 1, source: { kind: 'ControllerRevision', name: 'db-1', uid: 'c1' }, images: [], live: false, template: old },
            action: 'patch',
            patch: { type: 'strategic', contentType: 'application/strategic-merge-patch+json', body: { spec: { template: old } } },
            history: undefined as never,
          },
          diff: { equal: false, changes: [{ path: 'spec.containers[db].image', change: 'changed', from: 'pg:16', to: 'pg:15' }], images: [], unified: 'value: hunter2' },
          gitops: [],
          checks: [{ id: 'context', status: 'pass', title: `token: ${token}`, evidence: [] }],
          blocking: [],
          at: '2025-01-01T00:00:00.000Z',
          calls: 4,
        },
        startedAt: '2025-01-01T00:00:01.000Z',
        finishedAt: '2025-01-01T00:00:02.000Z',
        nameTypedBack: false,
        gitopsAcknowledged: false,
        status: 'rolled-back',
        message: `done with ${token}`,
      },
      [token],
    );
    const text = JSON.stringify(record);
    assert.doesNotMatch(text, /hunter2/);
    assert.ok(!text.includes(token));
    assert.match(record.diff!.unified, /-\s+image: pg:16/);
  });
});
