import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { RULES } from '../../src/core/rules';
import { MANIFEST_RULES } from '../../src/core/rules';

const root = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  const abs = join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(abs, e);
    if (statSync(path).isDirectory()) return sources(join(dir, e));
    return /\.(ts|mts|cts)$/.test(e) ? [path] : [];
  });
}

/** Module specifiers of every import, export-from, require() and import() — read by the TypeScript parser. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

describe('layering', () => {
  for (const layer of ['src/core', 'src/git', 'src/cluster', 'src/helm', 'src/cli']) {
    it(`${layer} never imports vscode`, () => {
      const offenders = sources(layer).filter((f) => importsOf(f).includes('vscode')).map((f) => relative(root, f));
      assert.deepEqual(offenders, []);
    });
  }

  it('src/core imports neither the editor, the network nor processes', () => {
    const forbidden = ['vscode', 'node:http', 'node:https', 'node:net', 'node:child_process', 'http', 'https', 'net', 'child_process', '@kubernetes/client-node', 'simple-git'];
    const offenders = sources('src/core').flatMap((f) => importsOf(f).filter((m) => forbidden.includes(m)).map((m) => `${relative(root, f)} → ${m}`));
    assert.deepEqual(offenders, []);
  });

  it('the layers depend downwards only (core ← git/cluster/helm ← cli/extension)', () => {
    const rules: Record<string, string[]> = {
      'src/core': ['src/git', 'src/cluster', 'src/helm', 'src/cli', 'src/extension'],
      'src/git': ['src/cluster', 'src/helm', 'src/cli', 'src/extension'],
      'src/cluster': ['src/git', 'src/helm', 'src/cli', 'src/extension'],
      'src/helm': ['src/git', 'src/cluster', 'src/cli', 'src/extension'],
      'src/cli': ['src/extension'],
    };
    const offenders: string[] = [];
    for (const [layer, forbidden] of Object.entries(rules)) {
      for (const file of sources(layer)) {
        for (const spec of importsOf(file).filter((m) => m.startsWith('.'))) {
          const target = relative(root, join(file, '..', spec));
          if (forbidden.some((f) => target === f || target.startsWith(`${f}/`))) offenders.push(`${relative(root, file)} → ${target}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });
});

describe('rule registry', () => {
  it('ids are unique, well-formed and named in kebab-case', () => {
    for (const [id, meta] of RULES) {
      assert.equal(meta.id, id);
      assert.match(id, /^RG[0-3][0-9]{2}$/);
      assert.match(meta.name, /^[a-z]+(-[a-z]+)*$/);
      assert.ok(meta.summary.length > 20 && meta.help.length > 20, `${id} has a summary and help`);
    }
  });

  it('one rule, one file: each manifest rule lives in src/core/rules/manifest/<id>-<name>.ts', () => {
    const files = readdirSync(join(root, 'src/core/rules/manifest')).filter((f) => /^RG\d{3}-/.test(f));
    assert.deepEqual(files.sort(), MANIFEST_RULES.map((r) => `${r.meta.id}-${r.meta.name}.ts`).sort());
  });
});
