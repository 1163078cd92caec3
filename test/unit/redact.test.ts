/**
 * The redaction layer on its own: every form of secret the CLI, the reports,
 * the evidence records and the editor could show, each marked `SECRETnn` so a
 * leak is one grep; ordinary text, references and JSON validity kept.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isSecretName, MASK, redact, redactHelmValues, redactObject } from '../../src/core/redact';

const MARKER = /SECRET\d\d/;

describe('the redaction layer: text', () => {
  const cases: [string, string][] = [
    ['SQL CREATE USER', "CREATE USER app WITH PASSWORD 'SECRET01Pw';"],
    ['SQL ALTER ROLE', "ALTER ROLE app PASSWORD 'SECRET02Pw';"],
    ['SQL bare word', 'ALTER USER app3 WITH PASSWORD SECRET03Pw;'],
    ['SQL unterminated, and everything after it', "CREATE USER app2 WITH PASSWORD 'SECRET04Pw;\nALTER TABLE t DROP COLUMN y;\n-- SECRET05RestOfFile"],
    ['SQL ENCRYPTED PASSWORD', "CREATE ROLE r ENCRYPTED PASSWORD 'SECRET06Pw'"],
    ['MySQL IDENTIFIED BY', "CREATE USER 'u'@'%' IDENTIFIED BY 'SECRET07Pw';"],
    ['MySQL IDENTIFIED WITH … BY', "ALTER USER u IDENTIFIED WITH mysql_native_password BY 'SECRET08Pw'"],
    ['SQL PASSWORD $$', 'ALTER ROLE r PASSWORD $$SECRET09Pw$$'],
    ['URL user:password', 'postgres://app:SECRET10Pw@db:5432/app'],
    ['JDBC URL', 'jdbc:postgresql://app:SECRET11Pw@db/app'],
    ['URL token as user', 'https://SECRET12DsnKey@o1.ingest.sentry.io/1'],
    ['YAML key', 'DB_PASS: SECRET13Pw'],
    ['YAML camelCase key', 'apiKey: SECRET14Key'],
    ['YAML dotted key', 'db.pwd=SECRET15Pw'],
    ['YAML block scalar', 'data:\n  password: |\n    SECRET16Pw\n    more SECRET16Pw\n  other: kept'],
    ['JSON', '{"password": "SECRET17 with space", "user": "bob"}'],
    ['JSON in a JSON string', '{"message": "{\\"password\\": \\"SECRET18 Pw\\"}"}'],
    ['flag=value', 'args: --db-password=SECRET19Pw'],
    ['flag value', 'run --api-key SECRET20Key --verbose'],
    ['flag list', '["--token", "SECRET21Tok"]'],
    ['bearer', 'Authorization: Bearer SECRET22Tok'],
    ['GitHub token', 'ghp_SECRET23aaaaaaaaaaaaaaaaaaaaaaaaaa'.replace('SECRET23', 'AbCd')],
    ['Slack webhook', 'https://hooks.slack.com/services/T000/B000/SECRET24Hook'],
    ['basic auth value', 'basicAuth: admin:SECRET25Colon'],
    ['env assignment', 'export GITHUB_PAT=SECRET26Pat'],
    ['kubeconfig', 'client-key-data: SECRET27Data'],
    ['quoted YAML', "token: 'SECRET28Tok'"],
    ['name:value without a space', 'token:SECRET30Tok'],
    ['a path then name:value@host', 'git/token:SECRET31Tok@example.com'],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      const out = redact(text);
      assert.doesNotMatch(out, MARKER, out);
      if (name === 'GitHub token') assert.equal(out, MASK);
      else assert.ok(out.includes(MASK), out);
    });
  }

  it('keeps JSON valid: a bare value in JSON gets a quoted mask', () => {
    const json = JSON.stringify({ password: 12345678, token: 'x y', nested: { apiKey: true }, ok: 1, auth: { user: 'u' } }, null, 2);
    const out = redact(json);
    assert.deepEqual(JSON.parse(out), { password: MASK, token: MASK, nested: { apiKey: MASK }, ok: 1, auth: { user: 'u' } });
  });

  it('keeps JSON valid when a secret assignment sits inside a JSON string', () => {
    const json = JSON.stringify({ message: 'near "x\n-- credential: SECRET29Tail\n"', token: 'y' });
    const out = redact(json);
    assert.doesNotMatch(out, MARKER);
    assert.doesNotThrow(() => JSON.parse(out), out);
  });

  it('leaves ordinary text, references and rule messages alone', () => {
    for (const text of [
      'deployment "web" in namespace "shop": revision 3 → 1 (image registry.example/web:1.2.3)',
      'secretName: db-credentials',
      'valueFrom: {secretKeyRef: {name: db, key: password}}',
      'tokenExpirationSeconds: 3600',
      'author: Jane Doe',
      'passed: 12, bypass: false',
      'The password changes with each release.',
      'RG113 Secret db holds literal values in Git: a rollback restores old credentials.',
      'git@github.com:acme/app.git',
      'https://github.com/acme/app',
    ]) assert.equal(redact(text), text);
  });

  it('an image reference or a file position is no credential, whatever its name says', () => {
    for (const text of [
      'Image `quay.io/oauth2-proxy/oauth2-proxy:latest` of container `oauth2-proxy` uses `:latest`, so a rollback may start another image.',
      'Image `docker.io/bitnami/victoriametrics-vmauth:1.113.0-debian-12-r0` of container `vmauth` is pinned by tag only.',
      'image: ghcr.io/jkroepke/kube-webhook-certgen:1.5.1@sha256:3d5d4763aaaa',
      '{"image": "authelia:4.38", "name": "auth"}',
      'image: oauth2-proxy:latest',
      'execution error at (exporter/templates/secrets.yaml:4:12): a value is required',
    ]) assert.equal(redact(text), text);
  });

  it('a name is a secret’s when it says so, and a reference when it names one', () => {
    for (const n of ['DB_PASSWORD', 'password', 'db.pwd', 'smtp.pass', 'PASS', 'apiKey', 'api-key', 'GITHUB_PAT', 'basicAuth', 'sentryDsn', 'slackWebhook', 'private_key_id', 'client-key-data', '--db-password']) assert.ok(isSecretName(n), n);
    for (const n of ['secretName', 'secretKeyRef', 'tokenExpirationSeconds', 'author', 'passed', 'bypass', 'name', 'LOG_LEVEL', 'passwordFile']) assert.ok(!isSecretName(n), n);
  });

  it('runs in linear time on long hostile lines', () => {
    for (const text of ['pass_'.repeat(200_000), `${'a'.repeat(1_000_000)}:`, `password${' '.repeat(500_000)}x`, `https://${'a'.repeat(500_000)}`, `PASSWORD ${"'".repeat(3)}${'x'.repeat(500_000)}`]) {
      const started = process.hrtime.bigint();
      redact(text);
      // Generous: a quadratic scan of these takes minutes.
      assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 5, `${text.slice(0, 20)}…`);
    }
  });
});

describe('the redaction layer: structure', () => {
  it('a pod template: every env value unless valueFrom, secret flags in args, JSON in annotations', () => {
    const template = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { containers: [{ env: [{ name: 'X', value: 'SECRET40Annot' }] }] } }) } },
      spec: {
        containers: [{
          name: 'web',
          args: ['--api-key', 'SECRET41Arg', '--db-password=SECRET42Arg', '--verbose'],
          env: [{ name: 'LOG_LEVEL', value: 'SECRET43Debug' }, { name: 'REF', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } }],
        }],
      },
    };
    const out = JSON.stringify(redactObject(template));
    assert.doesNotMatch(out, MARKER, out);
    assert.match(out, /"--verbose"/);
    assert.match(out, /secretKeyRef/);
  });

  it('Secrets at any depth, and Helm values by key, by env entry and by content', () => {
    const list = { kind: 'List', items: [{ kind: 'Secret', data: { a: 'U0VDUkVUNTA=' }, stringData: { b: 'SECRET51' } }] };
    assert.doesNotMatch(JSON.stringify(redactObject(list)), /SECRET5\d|U0VDUkVUNTA=/);
    const values = {
      image: { tag: '2' },
      db: { url: 'postgres://app:SECRET60@db/app', password: 'SECRET61' },
      extraEnv: [{ name: 'DB_PASSWORD', value: 'SECRET62' }, { name: 'MODE', value: 'SECRET63' }],
      tls: { key: 'SECRET64', crt: 'public' },
      smtp: { pass: 'SECRET65' },
      sentryDsn: 'https://SECRET66@o1.ingest.sentry.io/1',
      slackWebhook: 'https://hooks.slack.com/services/T/B/SECRET67',
      config: '{"db":{"password":"SECRET68 JSON"}}',
      basicAuth: 'admin:SECRET69',
      set: ['db.pwd=SECRET70'],
      gcp: { serviceAccountJson: '{"type":"service_account","private_key_id":"SECRET71"}' },
    };
    const out = redactHelmValues(values);
    assert.doesNotMatch(JSON.stringify(out), MARKER, JSON.stringify(out, null, 1));
    assert.equal(out.tls.crt, 'public');
    assert.equal(out.image.tag, '2');
  });

  it('what structure masked is masked in any later text too', () => {
    redactObject({ spec: { containers: [{ env: [{ name: 'A', value: 'SECRET80Remembered' }] }] } });
    assert.equal(redact('the value SECRET80Remembered leaked into a message'), `the value ${MASK} leaked into a message`);
  });
});

describe('the redaction layer is the one way out', () => {
  const root = join(__dirname, '..', '..');
  const sources = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.ts$/.test(e.name) ? [join(dir, e.name)] : []));

  it('the CLI wraps its IO once, before any command runs; files it writes are redacted too', () => {
    assert.match(readFileSync(join(root, 'src/cli/main.ts'), 'utf8'), /const io = redactingIO\(unredacted\);/);
    assert.match(readFileSync(join(root, 'src/cli/report.ts'), 'utf8'), /writeFileSync\(resolve\(io\.cwd, values\.output\), redact\(text\)\)/);
    const evidence = readFileSync(join(root, 'src/cluster/evidence.ts'), 'utf8');
    for (const write of evidence.match(/writeFileSync\([^;]*;/g) ?? []) assert.match(write, /redact\(/, write);
  });

  it('the editor shows messages through notify.ts and diagnostics through toDiagnostic, both redacted', () => {
    const direct = sources('src/extension').filter((f) => !f.endsWith('notify.ts') && /vscode\.window\.show(Information|Warning|Error)Message\(/.test(readFileSync(join(root, f), 'utf8')));
    assert.deepEqual(direct, []);
    const diagnostics = sources('src/extension').filter((f) => !f.endsWith('convert.ts') && /new vscode\.Diagnostic\(/.test(readFileSync(join(root, f), 'utf8')));
    for (const f of diagnostics) assert.doesNotMatch(readFileSync(join(root, f), 'utf8'), /new vscode\.Diagnostic\([^)]*finding/, f);
    const convert = readFileSync(join(root, 'src/extension/convert.ts'), 'utf8');
    // The diagnostic's message is the finding's first sentence, through redact; its related information too.
    assert.match(convert, /new vscode\.Diagnostic\(toRange\(finding\.range\), hoverMessage\(finding\.message\)/);
    assert.match(convert, /return redact\(shortenDigests\(splitFirstSentence\(message\)\.first\)\);/);
    assert.match(convert, /redact\(shortenDigests\(r\.message\)\)/);
  });
});
