/**
 * Readers of repository and cluster text that replaced a backtracking
 * regular expression: each answers as the expression did (compared on many
 * seeded random strings over the characters that matter), and each reads the
 * input that made the expression take quadratic time — a long run that the
 * expression retried from every position — in one pass.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authKeyHost, challenge } from '../../src/cluster/checks/artifacts';
import { hookParts } from '../../src/cluster/checks/notUndone';
import { parseKubeVersion } from '../../src/core/k8s/apiRemovals';
import { isFlywayVersioned, MIGRATION_FOLDER, sqitchParts, sqlLayout } from '../../src/core/migrations/layout';
import { productionBlock } from '../../src/core/analyzers/migration';
import { tableize } from '../../src/core/migrations/rails';
import { redact } from '../../src/core/redact';
import { splitFirstSentence } from '../../src/core/text';
import { isFlywayFile } from '../../src/git/migrationOwners';

/** A small seeded generator (mulberry32), so a failure names its input and repeats. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` strings of up to `max` pieces drawn from `pieces`. */
function strings(seed: number, pieces: readonly string[], count = 4000, max = 14): string[] {
  const next = random(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = Math.floor(next() * (max + 1));
    let s = '';
    for (let j = 0; j < n; j++) s += pieces[Math.floor(next() * pieces.length)]!;
    out.push(s);
  }
  return out;
}

function same<T>(inputs: readonly string[], ours: (s: string) => T, theirs: (s: string) => T): void {
  for (const s of inputs) assert.deepEqual(ours(s), theirs(s), JSON.stringify(s));
}

const LONG = 200_000;

describe('readers that replaced backtracking expressions', { timeout: 120_000 }, () => {
  it('Flyway file names (layout and migration owners)', () => {
    const inputs = strings(1, ['V', 'U', '1', '2', '_', '__', '.', '.sql', 'a', '-', '/', '\n', ' ']);
    same(inputs, isFlywayVersioned, (s) => /^([VU])(\d[\w.]*__.+\.sql)$/.test(s));
    same(inputs, isFlywayFile, (s) => /(^|\/)[VU]\d[^/]*__[^/]+\.sql$/.test(s));
    assert.deepEqual(sqlLayout('db/V1_2__add.sql'), { framework: 'flyway', role: 'up', counterpart: 'db/U1_2__add.sql' });
    const hostile = `U0${'__s'.repeat(LONG / 3)}0`;
    assert.equal(isFlywayVersioned(hostile), false);
    assert.equal(isFlywayFile(`${hostile}/U0__s.sq`), false);
  });

  it('Sqitch scripts', () => {
    const inputs = strings(2, ['deploy/', 'revert/', 'verify/', '/', 'a', 'x.sql', '.sql', 'deploy', '\n']);
    same(inputs, sqitchParts, (s) => {
      const m = /^(.*\/|)(deploy|revert|verify)\/(.+\.sql)$/.exec(s);
      return m ? [m[1]!, m[2]!, m[3]!] : undefined;
    });
    assert.equal(sqitchParts(`i${'/verify/s'.repeat(LONG / 9)}d`), undefined);
  });

  it('Helm hooks', () => {
    const inputs = strings(3, ['Job', '/', 'a', ' ', ' (', ')', '(', 'pre-install', ',', '\t', '\n']);
    same(inputs, hookParts, (s) => {
      const m = /^(\S+?)\/(\S+) \(([^)]*)\)$/.exec(s);
      return m ? [m[0], m[1]!, m[2]!, m[3]!] : undefined;
    });
    assert.equal(hookParts(`(${'(//'.repeat(LONG / 3)}()`), undefined);
  });

  it('registry challenges and docker config keys', () => {
    const before = (header: string | undefined) => {
      if (!header) return undefined;
      const m = /^(\w+)\s*(.*)$/.exec(header.trim());
      if (!m) return undefined;
      const params: Record<string, string> = {};
      for (const p of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) params[p[1]!.toLowerCase()] = p[2]!;
      return { scheme: m[1]!.toLowerCase(), params };
    };
    same(strings(4, ['Bearer', ' ', 'realm', '=', '"', 'x', ',', 'a_b', '\t', '\n', '-']), challenge, before);
    same(strings(5, ['https://', 'a', '/', '.', ':', '\n', 'v1']), authKeyHost, (key) => {
      const host = key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
      return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
    });
    assert.deepEqual(challenge('Bearer realm="https://auth",service="reg",scope="repository:a:pull"'), { scheme: 'bearer', params: { realm: 'https://auth', service: 'reg', scope: 'repository:a:pull' } });
    assert.deepEqual(challenge(`Basic ${'0'.repeat(LONG)}`), { scheme: 'basic', params: {} });
    assert.equal(authKeyHost('https://index.docker.io/v1/'), 'docker.io');
    // `.` stops at the line break: only the `/` after it starts the path.
    assert.ok(authKeyHost(`${'/'.repeat(LONG)}\n/`) === `${'/'.repeat(LONG)}\n`);
  });

  it('Kubernetes versions', () => {
    same(strings(6, ['v', '1', '30', '.', '+', '-', 'eks', ' ', '\t', '\n', 'x']), parseKubeVersion, (text) => {
      const m = /^\s*v?(\d+)\.(\d+)(?:\.\d+)?(?:[+-].*)?\s*$/.exec(text ?? '');
      return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
    });
    assert.equal(parseKubeVersion(`0.0+${'\t'.repeat(LONG)}\n0.0`), undefined);
  });

  it('the first sentence of a message', () => {
    const before = (message: string) => {
      // The word before a mark as the expression read it.
      const words: string[] = [];
      for (let i = 0; i < message.length; i++) if (message[i] === '.') words.push(/(\S+)$/.exec(message.slice(0, i))?.[1] ?? '');
      return words;
    };
    const ours = (message: string) => {
      const words: string[] = [];
      for (let i = 0; i < message.length; i++) {
        if (message[i] !== '.') continue;
        let from = i;
        while (from > 0 && !/\s/.test(message[from - 1]!)) from--;
        words.push(message.slice(from, i));
      }
      return words;
    };
    same(strings(7, ['a', 'e.g', '.', ' ', '\n', '\t', 'x']), ours, before);
    assert.deepEqual(splitFirstSentence('Use e.g. a digest. Then more.'), { first: 'Use e.g. a digest.', rest: 'Then more.' });
    const long = 'a. '.repeat(LONG / 3);
    assert.equal(splitFirstSentence(`${long}End here. Rest`).first, `${long}End here.`.trim());
  });

  it('JWTs are masked, and a long run of look-alikes is read once', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsaW5lYXIifQ.c2lnbmF0dXJlLWxpbmVhcg';
    assert.equal(redact(`token: x ${jwt} y`).includes('eyJzdWIiOiJsaW5lYXIifQ'), false);
    assert.equal(redact(`a=${jwt}`).includes('c2lnbmF0dXJlLWxpbmVhcg'), false);
    const text = `${'eyJyyyy-'.repeat(LONG / 8)}\u0000eyJ-e---.-J0J-.`;
    assert.equal(redact(text).length > 0, true);
  });

  it('migration folders, Rails names and database.yml', () => {
    same(strings(8, ['migrat', 'ion', 's', '_', '-', 'migrate', 'a', 'X', 'MIGRATION', 'changelog', 'flyway', '/', '.']), (s) => MIGRATION_FOLDER.test(s), (s) => /^(migrate|\w+_migrate|[\w-]*migrations?[\w-]*|changelogs?|liquibase|flyway)$/i.test(s));
    assert.equal(MIGRATION_FOLDER.test(`${'a_'.repeat(LONG / 2)}migrat`), false);
    same(strings(9, ['A', 'B', 'b', 'c', 'D', '1', '::', 'y']), tableize, (model) => {
      const last = model.split('::').pop() ?? model;
      const snake = last.replace(/([a-z\d])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();
      if (/[^aeiou]y$/.test(snake)) return `${snake.slice(0, -1)}ies`;
      if (/(s|x|z|ch|sh)$/.test(snake)) return `${snake}es`;
      return `${snake}s`;
    });
    assert.ok(tableize(`${'A'.repeat(LONG)}1`).length > LONG);
    const adapter = (block: string | undefined) => (block ? /adapter:\s*["']?([\w-]+)/.exec(block)?.[1] : undefined);
    same(strings(10, ['production:', 'development:', '\n', '  ', '\t', 'adapter: ', 'pg', 'mysql2', 'x', ' ']), (t) => adapter(productionBlock(t)), (t) => adapter(/^production:[^\n]*\n((?:[ \t]+[^\n]*\n?|\s*\n)*)/m.exec(t)?.[1]));
    assert.equal(productionBlock(`production:\n${'\n'.repeat(LONG)}x`), '\n'.repeat(LONG - 1));
    // Indentation read within its line: the same lines match as with `^\s*`.
    const lines = strings(11, ['databaseChangeLog', 'provider', ':', '"', ' ', '\t', '\n', 'x', '=']);
    same(lines, (t) => /^[^\S\n\r\u2028\u2029]*["']?databaseChangeLog["']?\s*:/m.test(t), (t) => /^\s*["']?databaseChangeLog["']?\s*:/m.test(t));
    same(lines, (t) => /^[^\S\n\r\u2028\u2029]*provider\s*=\s*"([^"]+)"/m.exec(t)?.[1], (t) => /^\s*provider\s*=\s*"([^"]+)"/m.exec(t)?.[1]);
  });
});
