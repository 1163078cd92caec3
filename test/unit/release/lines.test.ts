import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedLineRanges, lineHunks, touchesLines } from '../../../src/core/release';

describe('lineHunks (git -U0 shape without git)', () => {
  it('insertions, deletions and changes, numbered as git numbers them', () => {
    assert.deepEqual(lineHunks('a\nb\nc\n', 'a\nb\nc\n'), []);
    assert.deepEqual(lineHunks('a\nb\nc\n', 'a\nB\nc\n'), [{ oldStart: 2, oldLines: 1, newStart: 2, newLines: 1 }]);
    assert.deepEqual(lineHunks('a\nc\n', 'a\nb\nc\n'), [{ oldStart: 1, oldLines: 0, newStart: 2, newLines: 1 }]);
    assert.deepEqual(lineHunks('a\nb\nc\n', 'a\nc\n'), [{ oldStart: 2, oldLines: 1, newStart: 1, newLines: 0 }]);
    assert.deepEqual(lineHunks('', 'x\ny\n'), [{ oldStart: 0, oldLines: 0, newStart: 1, newLines: 2 }]);
    assert.deepEqual(lineHunks('x\n1\n2\ny\n', 'X\n1\n2\nY\nZ\n'), [
      { oldStart: 1, oldLines: 1, newStart: 1, newLines: 1 },
      { oldStart: 4, oldLines: 1, newStart: 4, newLines: 2 },
    ]);
  });

  it('CRLF and LF lines compare equal; past the edit limit the middle is one hunk', () => {
    assert.deepEqual(lineHunks('a\r\nb\r\n', 'a\nb\n'), []);
    const base = Array.from({ length: 50 }, (_, i) => `l${i}`).join('\n');
    const head = Array.from({ length: 50 }, (_, i) => `m${i}`).join('\n');
    assert.deepEqual(lineHunks(base, head, 5), [{ oldStart: 1, oldLines: 50, newStart: 1, newLines: 50 }]);
  });

  it('changed lines are 0-based inclusive ranges of the head; a range touches them by any line', () => {
    const lines = changedLineRanges([{ oldStart: 2, oldLines: 1, newStart: 2, newLines: 3 }, { oldStart: 9, oldLines: 2, newStart: 11, newLines: 0 }]);
    assert.deepEqual(lines, [[1, 3]]);
    const range = (a: number, b: number) => ({ start: { line: a, character: 0 }, end: { line: b, character: 0 } });
    assert.equal(touchesLines(range(0, 1), lines), true);
    assert.equal(touchesLines(range(4, 6), lines), false);
  });
});
