import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isAlias, isMap, isPair, isScalar, isSeq, type Document } from 'yaml';
import { Engine } from '../../src/core/engine';
import { DocumentMemo, parseManifestFile, type ManifestFile } from '../../src/core/yaml/manifest';

/** Everything a parse hands on, offsets included: what the rules and the release facts can see. */
function snapshot(file: ManifestFile) {
  const nodes = (node: unknown, out: unknown[]): unknown[] => {
    if (isMap(node) || isSeq(node)) {
      out.push([node.constructor.name, node.range]);
      for (const item of node.items) {
        if (isPair(item)) {
          nodes(item.key, out);
          nodes(item.value, out);
        } else nodes(item, out);
      }
    } else if (isScalar(node) || isAlias(node)) out.push([isAlias(node) ? `*${node.source}` : node.value, node.range]);
    return out;
  };
  const document = (d: Document.Parsed) => ({
    range: d.range,
    errors: d.errors.map((e) => [e.code, e.message, e.pos]),
    warnings: d.warnings.map((e) => [e.code, e.message, e.pos]),
    nodes: nodes(d.contents, []),
  });
  return {
    documents: file.documents.map(document),
    manifests: file.manifests.map((m) => [m.index, m.apiVersion, m.kind, m.name, m.namespace]),
    problems: file.problems,
  };
}

const byDocument = (text: string, memo = new DocumentMemo()) => parseManifestFile(text, { path: 'x.yaml', memo });

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? yamlFiles(path) : /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const TRICKY = [
  '# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
  'a: "never closed\n---\nb: 1\n',
  "a: 'never closed\n---\nb: 1\n",
  'a: [1,\n---\n]\n',
  'a: {b: 1,\n---\nc: 2}\n',
  'a: |\n  x\n---\nb: 2\n',
  'a: >-\n  folded\n\n---\nb: 2\n',
  '--- |\n  literal\n--- {a: 1}\n---\n',
  '--- !!map\na: 1\n---  # comment\nb: 2\n',
  'apiVersion: v1\nkind: Secret\n---\n---\n\n',
  'a: 1\r\n---\r\nb: 2\r\n',
  '---\tx: 1\n---\ny: 2\n',
  'key: value\n---x: 1\n---\nc: 3\n',
  '%YAML 1.2\n---\na: 1\n---\nb: 2\n',
  'a: 1\n...\n---\nb: 2\n',
  '\uFEFFa: 1\n---\nb: 2\n',
  'a: &x 1\n---\nb: *x\n',
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n   labels: {a: b}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q}\n',
  'apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: ok}\n',
  'a:\n  - 1\n  - 2\n---\n- x\n- y\n---\nplain scalar\n---\n',
  'a: 1\n---\n',
  '---\n',
  '',
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n',
];

function document(i: number, extra = ''): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-${i}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app:${i}${extra}\n`;
}
const stream = (docs: string[]) => docs.join('---\n');

describe('parsing a stream document by document', () => {
  it('gives what parsing it whole gives: documents, every offset, errors, manifests and problems', () => {
    const inputs = [...TRICKY, ...yamlFiles(join(__dirname, '..', 'fixtures')).map((f) => readFileSync(f, 'utf8'))];
    for (const text of inputs) assert.deepEqual(snapshot(byDocument(text)), snapshot(parseManifestFile(text)), JSON.stringify(text.slice(0, 80)));
  });

  it('reuses the documents an edit leaves alone and moves those after it, as a fresh parse would place them', () => {
    const memo = new DocumentMemo();
    const docs = Array.from({ length: 6 }, (_, i) => document(i));
    const before = byDocument(stream(docs), memo);
    const edited = [...docs];
    edited[2] = document(2, '\n          ports: [{containerPort: 8080}]');
    const after = byDocument(stream(edited), memo);
    assert.deepEqual(snapshot(after), snapshot(parseManifestFile(stream(edited))));
    assert.equal(after.documents[0], before.documents[0]);
    assert.notEqual(after.documents[2], before.documents[2]);
    assert.equal(after.documents[5], before.documents[5], 'moved, not parsed again');
    // Edited back: every document is reused.
    const back = byDocument(stream(docs), memo);
    assert.deepEqual(snapshot(back), snapshot(parseManifestFile(stream(docs))));
  });

  it('shared between two versions in use together, reuses only what stays at its offset and changes neither', () => {
    const memo = new DocumentMemo(false);
    const docs = Array.from({ length: 5 }, (_, i) => document(i));
    const head = [...docs];
    head[1] = document(1, '\n          ports: [{containerPort: 8080}]');
    const base = byDocument(stream(docs), memo);
    const baseSnapshot = snapshot(base);
    const changed = byDocument(stream(head), memo);
    assert.deepEqual(snapshot(changed), snapshot(parseManifestFile(stream(head))));
    assert.deepEqual(snapshot(base), baseSnapshot);
    assert.equal(changed.documents[0], base.documents[0]);
    assert.notEqual(changed.documents[3], base.documents[3]);
  });

  it('an engine analysing edit after edit reports what a fresh engine reports', async () => {
    const engine = new Engine();
    const versions = [
      stream(Array.from({ length: 8 }, (_, i) => document(i))),
      stream(Array.from({ length: 8 }, (_, i) => document(i, i === 3 ? '@sha256:' + 'a'.repeat(64) : ''))),
      stream(Array.from({ length: 8 }, (_, i) => document(i === 6 ? 60 : i, i === 3 ? '@sha256:' + 'a'.repeat(64) : ''))),
      stream(Array.from({ length: 7 }, (_, i) => document(i))),
    ];
    for (const text of versions) {
      assert.deepEqual(await engine.analyze({ path: 'deploy/app.yaml', text }), await new Engine().analyze({ path: 'deploy/app.yaml', text }));
    }
  });
});
