/**
 * `rollback-guard check` must not load the cluster client: the CLI entry
 * reaches src/cluster and @kubernetes/client-node only through dynamic
 * `import()` in the history/undo handlers. Walks the static import graph
 * (import/export declarations, type-only ones excluded) from src/cli/main.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importGraph } from '../importGraph';

const root = join(__dirname, '..', '..', '..');

describe('CLI loading', () => {
  it('the static import graph of src/cli/main.ts holds neither src/cluster nor @kubernetes/client-node', () => {
    const { files, packages } = importGraph(root, 'src/cli/main.ts');
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
