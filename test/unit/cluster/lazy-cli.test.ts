/**
 * `rollback-guard check` must not load the cluster client: the CLI entry
 * reaches src/cluster and @kubernetes/client-node only through dynamic
 * `import()` in the history/undo handlers. Walks the static import graph
 * (import/export declarations, type-only ones excluded) from src/cli/main.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const root = join(__dirname, '..', '..', '..');

function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
    if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
  }
  return out;
}

function resolveLocal(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

describe('CLI loading', () => {
  it('the static import graph of src/cli/main.ts holds neither src/cluster nor @kubernetes/client-node', () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const queue = [join(root, 'src', 'cli', 'main.ts')];
    while (queue.length) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of staticImports(file)) {
        if (spec.startsWith('.')) {
          const target = resolveLocal(file, spec);
          if (target) queue.push(target);
        } else packages.add(spec);
      }
    }
    const files = [...seen].map((f) => relative(root, f));
    assert.deepEqual(files.filter((f) => f.startsWith('src/cluster/') || f === 'src/cli/history.ts' || f === 'src/cli/undo.ts'), []);
    assert.ok(!packages.has('@kubernetes/client-node'));
    assert.ok(files.includes('src/cli/clusterUsage.ts'), 'usage texts are static');
  });

  it('the history and undo handlers import their modules dynamically', () => {
    const main = readFileSync(join(root, 'src', 'cli', 'main.ts'), 'utf8');
    assert.match(main, /await import\('\.\/history'\)/);
    assert.match(main, /await import\('\.\/undo'\)/);
  });
});
