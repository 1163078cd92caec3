/**
 * YAML aliases are bounded wherever Rollback Guard parses YAML: a few hundred
 * bytes of `&a [*b, *b, …]` must not expand to billions of nodes in a rule, a
 * comparison or `toJS`. Bombs are refused with a message; ordinary aliases
 * (anchors reused a few times, merge keys) read as before.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments, parseDocument } from 'yaml';
import { manifestObjects, redactManifest } from '../../src/cluster/helm';
import { ConfigError, parseConfig } from '../../src/core/config';
import { Engine } from '../../src/core/engine';
import { buildProjectContext } from '../../src/core/project';
import { expandedNodeCount, MAX_ALIAS_EXPANSION } from '../../src/core/yaml/aliases';
import { parseManifestFile } from '../../src/core/yaml/manifest';

/** `levels` levels of `width` aliases to the level below: width^levels scalars from a few hundred bytes. */
function bomb(levels: number, width: number, indent = ''): string {
  const lines = [`${indent}a0: &a0 "lol"`];
  for (let i = 1; i <= levels; i++) lines.push(`${indent}a${i}: &a${i} [${Array(width).fill(`*a${i - 1}`).join(', ')}]`);
  lines.push(`${indent}x: *a${levels}`);
  return lines.join('\n');
}

const CONFIGMAP_BOMB = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n${bomb(9, 8, '  ')}\n`;

describe('YAML alias bounds', () => {
  it('counts expanded nodes without expanding, and stops at the budget', () => {
    assert.equal(expandedNodeCount(parseDocument('a: &x [1, 2]\nb: *x\nc: *x\n'), 1000), 1 + 2 * 3 + 3 + 3);
    assert.equal(expandedNodeCount(parseDocument(bomb(9, 8)), MAX_ALIAS_EXPANSION), Infinity);
    // An alias to the node that contains it is a cycle.
    assert.equal(expandedNodeCount(parseDocument('a: &a [*a]\n'), MAX_ALIAS_EXPANSION), Infinity);
  });

  it('a manifest: the bomb is an RG003 note, at once; ordinary anchors and merge keys still read', async () => {
    const file = parseManifestFile(CONFIGMAP_BOMB);
    assert.deepEqual(file.manifests, []);
    assert.match(file.problems[0]?.message ?? '', /aliases expand this document to more than 100,000 values/);
    const engine = new Engine();
    const analysis = await engine.analyze({ path: 'k8s/cm.yaml', text: CONFIGMAP_BOMB });
    assert.deepEqual(analysis.findings.map((f) => f.ruleId), ['RG003']);

    const ok = parseManifestFile('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - &c {name: web, image: "web:1", resources: {limits: {cpu: 1}}}\n        - <<: *c\n          name: sidecar\n');
    assert.equal(ok.manifests.length, 1);
    assert.deepEqual(ok.problems, []);
  });

  it('the field report’s 503-byte ConfigMap is refused', () => {
    const text = readFileSync(join(__dirname, '..', 'fixtures', 'hostile', 'alias-bomb-configmap.yaml'), 'utf8');
    assert.ok(text.length < 600);
    assert.equal(parseManifestFile(text).manifests.length, 0);
  });

  it('.rollbackguard.yaml: a bomb is a configuration error with its position, not a crash', () => {
    const text = `${bomb(9, 10)}\n`.replace(/^x: \*a9$/m, 'ignore: *a9');
    assert.throws(() => parseConfig(text), (e: unknown) => e instanceof ConfigError && /aliases expand/.test(e.message));
    // A few aliases are fine.
    assert.deepEqual(parseConfig('ignore: &g ["vendor/**"]\nmigrations:\n  paths: *g\n').migrations.paths, ['vendor/**']);
  });

  it('kustomizations, Liquibase YAML changelogs and cluster manifests refuse it too', async () => {
    const project = buildProjectContext([{ path: 'kustomization.yaml', text: `${bomb(9, 8)}\nconfigMapGenerator: *a9\n` }]);
    assert.deepEqual([...project.kustomizeGeneratedNames('cm.yaml')], []);
    const engine = new Engine();
    const liquibase = await engine.analyze({ path: 'db/changelog/db.changelog-master.yaml', text: `${bomb(9, 8)}\ndatabaseChangeLog: *a9\n` });
    assert.ok(liquibase.findings.every((f) => f.ruleId === 'RG003'));
    assert.deepEqual(manifestObjects(CONFIGMAP_BOMB), []);
    assert.doesNotThrow(() => redactManifest(CONFIGMAP_BOMB));
    assert.equal(parseAllDocuments(CONFIGMAP_BOMB).length, 1);
  });
});

describe('every YAML parse is bounded', () => {
  it('each parseAllDocuments/parseDocument in src has its documents pass through boundAliases', () => {
    const root = join(__dirname, '..', '..', 'src');
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    const unbounded: string[] = [];
    for (const file of files(root)) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!/\b(parseAllDocuments|parseDocument)\(/.test(line) || /^\s*(\*|\/\/)/.test(line)) return;
        // The call's result reaches boundAliases on the same line or within the next lines of the same function.
        if (!lines.slice(i, i + 15).some((l) => l.includes('boundAliases('))) unbounded.push(`${file.slice(root.length + 1)}:${i + 1}`);
      });
    }
    assert.deepEqual(unbounded, []);
  });
});
