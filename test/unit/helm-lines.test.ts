/**
 * The line readers of Helm template masking run on every line of a template a
 * repository provides: they answer as the expressions they replace did, and a
 * long hostile line takes linear time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockHeader, maskTemplate } from '../../src/core/yaml/helm';

/** The expression blockHeader replaces (fourth-power time on lines of `:`, `!` and `>`). */
const REFERENCE = /^(\s*)((?:-[ \t]+)*)(?:((?:"[^"]*"|'[^']*'|[^\s#'"-][^#]*?|-[^\s#][^#]*?)):[ \t]+)?(?:[!&]\S*[ \t]+)*[|>]([1-9]?)[+-]?([1-9]?)[ \t]*(?:#.*)?$/;

describe('Helm template line readers', () => {
  it('blockHeader gives the captures of the expression it replaces, on 200,000 generated lines', () => {
    const alphabet = [' ', ' ', '\t', '-', ':', ':', '|', '>', '#', '!', '&', '"', "'", 'a', 'b', '1', '2', '+', '\r'];
    let seed = 15;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const differences: string[] = [];
    for (let i = 0; i < 200_000 && differences.length < 5; i++) {
      let line = '';
      const length = Math.floor(random() * 14);
      for (let j = 0; j < length; j++) line += alphabet[Math.floor(random() * alphabet.length)];
      const expected = REFERENCE.exec(line);
      const actual = blockHeader(line);
      const want = expected ? [expected[1], expected[2], expected[3], expected[4], expected[5]] : null;
      const got = actual ? actual.slice(1) : null;
      if (JSON.stringify(want) !== JSON.stringify(got)) differences.push(`${JSON.stringify(line)}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
    for (const line of ['data: |', 'app.conf: |- # x', '- >2', '  key: !!str &a |+', '"a: b": >', "'k': |", 'no header', 'a: b']) {
      const e = REFERENCE.exec(line);
      assert.deepEqual(blockHeader(line)?.slice(1) ?? null, e ? [e[1], e[2], e[3], e[4], e[5]] : null, line);
    }
    assert.deepEqual(differences, []);
  });

  it('the key/value expressions, made atomic where they could backtrack, match as before', () => {
    const pairs = [
      [/^(\s*)((?:-[ \t]+)*)((?:"[^"]*"|'[^']*'|[^\s#'"\-[{][^#]*?|-[^\s#][^#]*?)):[ \t]+(?=\S)/, /^(?=(\s*))\1(?=((?:-[ \t]+)*))\2((?:"[^"]*"|'[^']*'|[^\s#'"\-[{][^#]*?|-[^\s#][^#]*?)):[ \t]+(?=\S)/],
      [/^(\s*)((?:-[ \t]+)*)(?:((?:"[^"]*"|'[^']*'|[^\s#'"\-[{][^#]*?|-[^\s#][^#]*?)):)?[ \t]*$/, /^(?=(\s*))\1(?=((?:-[ \t]+)*))\2(?:((?:"[^"]*"|'[^']*'|[^\s#'"\-[{][^#]*?|-[^\s#][^#]*?)):)?[ \t]*$/],
    ] as const;
    const alphabet = [' ', '\t', '-', ':', '#', '"', "'", 'a', '[', '{', 'x'];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 100_000; i++) {
      let line = '';
      const length = Math.floor(random() * 10);
      for (let j = 0; j < length; j++) line += alphabet[Math.floor(random() * alphabet.length)];
      for (const [before, after] of pairs) assert.deepEqual(after.exec(line)?.slice(0, 4) ?? null, before.exec(line)?.slice(0, 4) ?? null, JSON.stringify(line));
    }
  });

  it('hostile lines take linear time', () => {
    for (const line of ['!' + ':\t!>'.repeat(20_000), '-\t' + '\t'.repeat(100_000) + '::', `x: ${'"'.repeat(50_000)}`, `{{ $d := dict ${'"\\\\"'.repeat(20_000)} }}`]) {
      const started = process.hrtime.bigint();
      blockHeader(line);
      maskTemplate(`{{ if .x }}\n${line}\n{{ end }}\n`);
      // Generous: the expressions these replace took minutes on such lines.
      assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 3, line.slice(0, 20));
    }
  });
});
