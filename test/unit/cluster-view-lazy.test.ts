/**
 * Activation must not load the cluster layer: the extension reaches
 * src/cluster and @kubernetes/client-node only through the dynamic
 * `import()` in the cluster service, run when the view is shown or a
 * cluster command runs. Walks the static import graph (type-only imports
 * excluded) from src/extension/extension.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const root = join(__dirname, '..', '..');

function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly = clause?.isTypeOnly || (!clause?.name && clause?.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    }
    if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
  }
  return out;
}

function resolveLocal(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

describe('extension loading', () => {
  it('the static import graph of src/extension/extension.ts holds neither src/cluster nor @kubernetes/client-node', () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const queue = [join(root, 'src', 'extension', 'extension.ts')];
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
    assert.deepEqual(files.filter((f) => f.startsWith('src/cluster/')), []);
    assert.ok(!packages.has('@kubernetes/client-node'));
    for (const f of ['src/extension/cluster/index.ts', 'src/extension/cluster/view.ts', 'src/extension/cluster/lens.ts', 'src/extension/cluster/model.ts']) assert.ok(files.includes(f), `${f} is part of activation`);
  });

  it('the cluster service imports the cluster layer dynamically', () => {
    const service = readFileSync(join(root, 'src', 'extension', 'cluster', 'service.ts'), 'utf8');
    assert.match(service, /import\('\.\.\/\.\.\/cluster'\)/);
  });

  it('the pure view model imports no vscode', () => {
    const model = readFileSync(join(root, 'src', 'extension', 'cluster', 'model.ts'), 'utf8');
    assert.doesNotMatch(model, /from 'vscode'/);
  });
});
