import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { renderMarkdown, renderPlan, REPORT_MARKER, toReleaseJson } from '../../../src/core/release';
import { release } from './helpers';

const root = join(__dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'schemas', 'rollback-plan.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const DIGEST = '@sha256:' + 'a'.repeat(64);
const deployment = (tag: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: catalog}
spec:
  revisionHistoryLimit: 10
  selector: {matchLabels: {app: catalog}}
  template:
    metadata: {labels: {app: catalog}}
    spec:
      containers:
        - name: catalog
          image: ghcr.io/bookstore/catalog:${tag}${DIGEST}
          readinessProbe: {httpGet: {path: /healthz, port: 8080}}
`;
const risky = () =>
  release(
    { 'apps/catalog/deployment.yaml': deployment('1.4.2') },
    {
      'apps/catalog/deployment.yaml': deployment('1.5.0'),
      'db/migrations/000003_drop_legacy_total.up.sql': 'ALTER TABLE orders DROP COLUMN legacy_total;\n',
      'db/migrations/000003_drop_legacy_total.down.sql': 'ALTER TABLE orders ADD COLUMN legacy_total numeric(10, 2);\n',
    },
  );

describe('release report', () => {
  it('Markdown for a PR comment: class, action, ordered steps, findings, questions, changes', async () => {
    const md = renderMarkdown(await risky());
    assert.ok(md.startsWith(REPORT_MARKER), 'a marker lets CI update its previous comment');
    assert.match(md, /\*\*Rollback class: `restore-required`\*\*/);
    assert.match(md, /\| \*\*data-first\*\* \| code, data \| image, schema \|/);
    const steps = md.split('\n').filter((l) => /^\d+\. \*\*/.test(l)).map((l) => /\*\*([a-z-]+)\*\*/.exec(l)![1]);
    assert.deepEqual(steps, ['data-first', 'rollback', 'rollback']);
    assert.match(md, /\| How do we roll back\? \|/);
    assert.match(md, /\| Which metric triggers a rollback\? \| \*not shown by the change/);
    assert.match(md, /image: Deployment catalog \(container `catalog`\): `ghcr\.io\/bookstore\/catalog:1\.4\.2@sha256:a+` → `ghcr\.io\/bookstore\/catalog:1\.5\.0@sha256:a+`/);
    for (const id of ['RG202', 'RG210', 'RG301', 'RG302', 'RG303']) assert.match(md, new RegExp(`\\[${id}\\]\\(https://`));
    // Table cells never break the table.
    for (const line of md.split('\n').filter((l) => l.startsWith('| '))) assert.ok(line.endsWith('|'), line);
  });

  it('JSON: version 1 with 1-based positions', async () => {
    const json = JSON.parse(toReleaseJson(await risky()));
    assert.equal(json.version, 1);
    assert.equal(json.rollbackClass, 'restore-required');
    assert.equal(json.action, 'data-first');
    assert.deepEqual(json.steps.map((s: { action: string }) => s.action), ['data-first', 'rollback', 'rollback']);
    const rg301 = json.findings.filter((f: { ruleId: string }) => f.ruleId === 'RG301').map((f: { file: string; line: number; column: number }) => `${f.file}:${f.line}:${f.column}`);
    assert.deepEqual(rg301, ['apps/catalog/deployment.yaml:12:18', 'db/migrations/000003_drop_legacy_total.up.sql:1:1']);
  });

  it('the prefilled rollback-plan.yaml is valid against its schema and declares the detected class', async () => {
    const analysis = await risky();
    const text = renderPlan(analysis);
    const plan = parse(text) as { class: string; method: string; irreversibleEffects: string[] };
    assert.ok(validate(plan), JSON.stringify(validate.errors));
    assert.equal(plan.class, 'restore-required');
    assert.equal(plan.method, 'restore from backup, then rollout undo');
    assert.ok(plan.irreversibleEffects.some((e: string) => /RG202/.test(e)));
    // Committing it satisfies RG303 and RG115.
    const withPlan = await release(
      { 'apps/catalog/deployment.yaml': deployment('1.4.2') },
      {
        'apps/catalog/deployment.yaml': deployment('1.5.0'),
        'db/migrations/000003_drop_legacy_total.up.sql': 'ALTER TABLE orders DROP COLUMN legacy_total;\n',
        'db/migrations/000003_drop_legacy_total.down.sql': 'ALTER TABLE orders ADD COLUMN legacy_total numeric(10, 2);\n',
        'rollback-plan.yaml': text,
      },
    );
    assert.deepEqual(withPlan.findings.filter((f) => f.ruleId === 'RG303' || f.ruleId === 'RG115').map((f) => f.ruleId), []);
  });

  it('the schema rejects an unknown class and unknown fields; the snippet offers only schema values', () => {
    assert.equal(validate({ class: 'fine' }), false);
    assert.equal(validate({ class: 'reversible', owner: 'me' }), false);
    assert.equal(validate({ class: 'reversible', method: 'a runbook step' }), true);
    const snippet = JSON.parse(readFileSync(join(root, 'snippets', 'yaml.json'), 'utf8'))['Rollback plan'];
    const body: string = snippet.body.join('\n');
    const choices = (field: string) => /\$\{\d+\|([^|]*)\|\}/.exec(body.split('\n').find((l) => l.startsWith(`${field}:`))!)![1]!.split(/(?<!\\),/).map((c) => c.replace(/\\,/g, ','));
    assert.deepEqual(choices('class'), schema.properties.class.enum);
    assert.deepEqual(choices('method'), schema.properties.method.anyOf[0].enum);
    for (const key of body.split('\n').map((l) => /^#? ?([a-zA-Z]+):/.exec(l)?.[1]).filter(Boolean)) assert.ok(key! in schema.properties, key);
  });
});
