/**
 * Activation must not load the cluster layer: the extension reaches
 * src/cluster and @kubernetes/client-node only through the dynamic
 * `import()` in the cluster service, run when the view is shown or a
 * cluster command runs. Walks the static import graph (type-only imports
 * excluded) from src/extension/extension.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importGraph } from './importGraph';

const root = join(__dirname, '..', '..');

describe('extension loading', () => {
  it('the static import graph of src/extension/extension.ts holds neither src/cluster nor @kubernetes/client-node', () => {
    const { files, packages } = importGraph(root, 'src/extension/extension.ts');
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
