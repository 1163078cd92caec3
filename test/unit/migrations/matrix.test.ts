/**
 * The framework × rule table in docs/migrations.md (and in README.md, between
 * the same markers) is generated from expected.ts, so it says only what the
 * fixtures assert. After adding a fixture, regenerate and review the diff:
 *
 *   UPDATE_DOCS=1 node --import tsx --test test/unit/migrations/matrix.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES } from '../helpers';
import { EXPECTED } from './expected';
import { cell, coverage, matrixIn, NOTES, renderMatrix, ROW_DIRS, ROWS, RULE_IDS, rowOf, withMatrix, type Row } from './matrix';

const ROOT = join(__dirname, '..', '..', '..');
const UPDATE = process.env.UPDATE_DOCS === '1';
const REGENERATE = 'regenerate with `UPDATE_DOCS=1 node --import tsx --test test/unit/migrations/matrix.test.ts` and review the diff';

function fixtureFiles(): string[] {
  const root = join(FIXTURES, 'migrations');
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path).replace(/\\/g, '/'));
    }
  };
  walk(root);
  return out.sort();
}

describe('framework × rule table', () => {
  it('every migration fixture has its exact findings in expected.ts, and every expectation has its fixture', () => {
    const files = fixtureFiles();
    assert.deepEqual(files.filter((f) => !(f in EXPECTED)), [], 'fixtures without expectations (add them to expected.ts)');
    assert.deepEqual(Object.keys(EXPECTED).filter((k) => !files.includes(k)), [], 'expectations without a fixture');
  });

  it('every fixture is read as the framework of its directory', async () => {
    for (const rel of Object.keys(EXPECTED)) {
      const row = await rowOf(rel);
      assert.ok(row, `${rel} is not read as a migration`);
      assert.ok(rel.startsWith(ROW_DIRS[row]), `${rel} is read as ${row}, not as the framework of its directory`);
    }
  });

  it('has a fixture for every rule in every framework where it applies; n/a only where it cannot', async () => {
    const covered = await coverage(EXPECTED);
    const gaps: string[] = [];
    for (const row of ROWS) for (const rule of RULE_IDS) if (cell(covered, row, rule) === '·') gaps.push(`${row} × ${rule}`);
    assert.deepEqual(gaps, [], 'cells with neither a fixture nor a reason why the rule does not apply');
    // A cell cannot be both asserted and "does not apply", and every note names a real mark.
    for (const note of NOTES) {
      for (const c of note.cells) assert.equal(cell(covered, c.row as Row, c.rule), c.mark, `${c.row} × ${c.rule}: the note says ${c.mark}`);
    }
  });

  it('docs/migrations.md shows the table generated from the expectations', async () => {
    const path = join(ROOT, 'docs', 'migrations.md');
    const matrix = renderMatrix(await coverage(EXPECTED));
    const text = readFileSync(path, 'utf8');
    if (UPDATE) {
      const updated = withMatrix(text, matrix);
      assert.ok(updated, 'docs/migrations.md needs the framework-rule-table markers');
      writeFileSync(path, updated);
    }
    const actual = matrixIn(readFileSync(path, 'utf8'));
    assert.ok(actual !== undefined, 'docs/migrations.md has no <!-- framework-rule-table:start/end --> markers');
    assert.equal(actual, matrix, `docs/migrations.md: the framework × rule table is out of date; ${REGENERATE}`);
  });

  it('README.md embeds the same table between the markers (when it has them)', async (t) => {
    const path = join(ROOT, 'README.md');
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (matrixIn(text) === undefined) {
      t.skip('README.md has no <!-- framework-rule-table:start/end --> markers yet');
      return;
    }
    const matrix = renderMatrix(await coverage(EXPECTED));
    if (UPDATE) writeFileSync(path, withMatrix(text, matrix)!);
    assert.equal(matrixIn(readFileSync(path, 'utf8')), matrix, `README.md: the framework × rule table is out of date; ${REGENERATE}`);
  });
});
