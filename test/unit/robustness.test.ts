import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Analyzer } from '../../src/core/analyzer';
import { ANALYZERS } from '../../src/core/analyzers';
import { Engine } from '../../src/core/engine';
import { InputLimit, NESTING_LIMITS } from '../../src/core/limits';
import { analyzeRelease, lineHunks, type ChangedFile } from '../../src/core/release';
import { LineIndex } from '../../src/core/text';
import { parseDirective } from '../../src/core/suppress';
import { maskTemplate } from '../../src/core/yaml/helm';
import { MAX_YAML_ERRORS } from '../../src/core/yaml/nesting';
import { COMMENT_RUN_LINES, commentRuns } from '../../src/core/migrations/treeSitter';
import type { Finding } from '../../src/core/model';
import { checkYamlNesting } from '../../src/core/yaml/nesting';
import { analyze, FIXTURES, located, only } from './helpers';

const fixture = (name: string) => readFileSync(join(FIXTURES, 'robustness', name), 'utf8');

/** Every position of every finding is a whole number inside the text. */
function assertRealRanges(text: string, findings: readonly { range: { start: { line: number; character: number }; end: { line: number; character: number } } }[]) {
  const lines = new LineIndex(text);
  for (const f of findings) {
    for (const p of [f.range.start, f.range.end]) {
      assert.ok(Number.isInteger(p.line) && Number.isInteger(p.character), JSON.stringify(f.range));
      assert.ok(p.line >= 0 && p.line < lines.lineCount, JSON.stringify(f.range));
      assert.ok(p.character >= 0 && p.character <= lines.lineText(p.line).length + 1, JSON.stringify(f.range));
    }
  }
}

describe('one file never takes down a run', () => {
  it('an analyzer that throws gives that file one RG003 note with the reason (and the stack for a log); the next file is analysed', async () => {
    const broken: Analyzer = {
      id: 'broken',
      claims: (path) => path.endsWith('.broken.yaml'),
      analyze: () => {
        throw new TypeError('r is not a function');
      },
    };
    const engine = new Engine({ analyzers: [broken, ...ANALYZERS] });
    const failed = await engine.analyze({ path: 'k8s/a.broken.yaml', text: 'apiVersion: v1\nkind: Pod\n' });
    assert.deepEqual(located(failed.findings), ['RG003@1:1']);
    assert.equal(failed.findings[0]!.range.end.character, 'apiVersion: v1'.length);
    assert.match(failed.findings[0]!.message, /^Not analysed: reading this file failed \(TypeError: r is not a function\)\./);
    assert.equal(failed.failure?.reason, 'TypeError: r is not a function');
    assert.match(failed.failure?.stack ?? '', /at /);
    const next = await engine.analyze({ path: 'k8s/b.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' });
    assert.equal(next.failure, undefined);
    assert.deepEqual(located(next.findings), []);
  });

  it('a broken YAML document between good ones: the good documents\' findings and one RG003 at the broken one, in a fresh engine and after an edit', async () => {
    const good = (name: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          image: "example/${name}:latest"\n`;
    const broken = {
      'an unclosed flow sequence': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  key: [unclosed\n',
      'an unclosed quote': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  key: "unclosed\n',
      'a line out of indentation': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  key: value\n bad: indentation\n',
    };
    for (const [what, document] of Object.entries(broken)) {
      const text = `${good('web')}---\n${document}---\n${good('api')}`;
      const engine = new Engine();
      const shown = (t: string, findings: readonly Finding[]) => findings.map((f) => `${f.ruleId} ${t.split('\n')[f.range.start.line]!.trim()}`);
      const expected = ['RG104 - name: web', 'RG101 image: "example/web:latest"', 'RG003 …', 'RG104 - name: api', 'RG101 image: "example/api:latest"'];
      const fresh = await engine.analyze({ path: 'k8s/all.yaml', text });
      assert.deepEqual(shown(text, fresh.findings).map((l) => (l.startsWith('RG003') ? 'RG003 …' : l)), expected, what);
      const note = fresh.findings[2]!;
      const brokenStart = text.indexOf('kind: ConfigMap') - 'apiVersion: v1\n'.length;
      const brokenEnd = text.indexOf('---', brokenStart);
      const noteAt = new LineIndex(text).offset(note.range.start);
      assert.ok(noteAt >= brokenStart && noteAt <= brokenEnd, `${what}: the note is in the broken document (or at the marker that ends it)`);
      assert.match(note.message, /^Not analysed: /, what);
      // The editor parses the next version reusing the documents of the last one.
      const edited = `# edited\n${text}`;
      assert.deepEqual(shown(edited, (await engine.analyze({ path: 'k8s/all.yaml', text: edited })).findings).map((l) => (l.startsWith('RG003') ? 'RG003 …' : l)), expected, what);
    }
  });

  it('a control character in SQL: a syntax note at it, not an error in the parse tree\'s JSON', async () => {
    const text = fixture('control-character.sql');
    assert.equal(text, '\x1f');
    const result = await new Engine().analyze({ path: 'db/migrations/000001_x.up.sql', text });
    assert.equal(result.failure, undefined);
    assert.deepEqual(located(result.findings), ['RG003@1:1']);
    assert.match(result.findings[0]!.message, /syntax error at or near "\\x1f"/);
  });

  it('control characters and NUL inside SQL strings are read as the characters they are', async () => {
    const text = "ALTER TABLE t ADD COLUMN c text DEFAULT 'a\x01b\x00c';\n-- rollback-guard-ignore RG211: \x02 shipped together on purpose\nALTER TABLE t DROP COLUMN d;\n";
    const result = await new Engine().analyze({ path: 'db/migrations/000001_x.up.sql', text });
    assert.equal(result.failure, undefined);
    assert.deepEqual(located(result.findings), ['RG202@3:1', 'RG209@3:1']);
  });

  it('a stray `<` in a changelog: the note has a real column', async () => {
    const text = fixture('stray-lt.changelog.xml');
    const findings = await analyze('db/changelog/changelog.xml', text);
    assert.deepEqual(located(findings), ['RG003@1:2']);
    assertRealRanges(text, findings);
  });

  it('a heredoc word the Ruby grammar cannot read: a note on that file, and Ruby migrations after it are read as before', async () => {
    const engine = new Engine();
    const good = 'class X < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :email, :string\n  end\nend\n';
    const path = 'db/migrate/20240101000000_x.rb';
    const before = located((await engine.analyze({ path, text: good })).findings);
    for (let i = 0; i < 3; i++) {
      const bad = await engine.analyze({ path: 'db/migrate/20240101000001_long_heredoc.rb', text: fixture('long-heredoc-word.rb') });
      assert.equal(bad.failure, undefined);
      assert.deepEqual(located(bad.findings), ['RG003@3:13']);
      assert.match(bad.findings[0]!.message, /heredoc word longer than 255 characters/);
    }
    assert.deepEqual(located((await engine.analyze({ path, text: good })).findings), before);
  });
});

describe('no recursion that input controls', () => {
  const deepXml = '<a>'.repeat(225) + '</a>'.repeat(225);
  const deepYaml = `${'- '.repeat(5000)}x\n- y\n`;
  const deepPython = `def upgrade():\n    op.execute(${'('.repeat(10_000)}"DROP TABLE t"${')'.repeat(10_000)})\n`;

  it('225 nested XML elements in a changelog: "nesting too deep" where it goes past the bound', async () => {
    const findings = await analyze('db/changelog/changelog.xml', deepXml);
    assert.deepEqual(located(findings), [`RG003@1:${NESTING_LIMITS.xml * 3 + 1}`]);
    assert.match(findings[0]!.message, /^Not analysed: nesting deeper than 100 XML elements\./);
  });

  it('10 KB of nested YAML sequences: "nesting too deep", as a manifest and as a Liquibase changelog', async () => {
    for (const path of ['k8s/deep.yaml', 'db/changelog/changelog.yaml']) {
      const result = await new Engine().analyze({ path, text: deepYaml });
      assert.equal(result.failure, undefined, path);
      assert.deepEqual(located(result.findings).map((l) => l.replace(/:\d+$/, '')), ['RG003@1'], path);
      assert.ok(result.findings[0]!.range.start.character >= NESTING_LIMITS.yaml * 2, path);
      assert.match(result.findings[0]!.message, /nesting deeper than 256 YAML collections/);
    }
  });

  it('deeply nested parentheses in an Alembic migration: "nesting too deep", not a stack overflow in the tree walk', async () => {
    const result = await new Engine().analyze({ path: 'alembic/versions/abc123_nested.py', text: deepPython });
    assert.equal(result.failure, undefined);
    assert.deepEqual(located(result.findings, 'RG003').length, 1);
    assert.match(result.findings[0]!.message, /nesting deeper than 1000 syntax tree levels/);
  });

  it('an XML declaration left unfinished, then nested elements: "nesting too deep" at the element past the bound', async () => {
    const text = fixture('unfinished-xml-declaration.changelog.xml');
    const findings = await analyze('db/changelog/changelog.xml', text);
    // The lexer reads the `<` of each element even inside the unfinished declaration, and the parser nests them.
    assert.deepEqual(located(findings), [`RG003@1:${'<?xml ve'.length + NESTING_LIMITS.xml * 3 + 1}`]);
    assert.match(findings[0]!.message, /^Not analysed: nesting deeper than 100 XML elements\./);
  });

  it('stray `<` and closing tags that close nothing in a changelog: read up to the first error, or a note; never a stack overflow', async () => {
    const head = '<databaseChangeLog><changeSet id="1" author="a"><dropTable tableName="t"/>';
    const tail = '</changeSet></databaseChangeLog>';
    const strayLt = await new Engine().analyze({ path: 'db/changelog/changelog.xml', text: head + '< '.repeat(8_000) + tail });
    assert.equal(strayLt.failure, undefined);
    assert.deepEqual(strayLt.findings.map((f) => f.ruleId), ['RG201', 'RG209', 'RG003']);
    const strayClose = await new Engine().analyze({ path: 'db/changelog/changelog.xml', text: head + '</x>'.repeat(5_000) + tail });
    assert.equal(strayClose.failure, undefined);
    assert.match(only(strayClose.findings, 'RG003')[0]!.message, /^Not analysed: more than 100 XML closing tags that close nothing/);
  });

  it('nesting just inside the bounds is read', async () => {
    const xml = `<databaseChangeLog><changeSet id="1" author="a"><dropTable tableName="t"/>${'<x>'.repeat(90)}${'</x>'.repeat(90)}</changeSet></databaseChangeLog>`;
    assert.deepEqual(located(await analyze('db/changelog/changelog.xml', xml)), ['RG201@1:49', 'RG209@1:49']);
    const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: ${'['.repeat(250)}${']'.repeat(250)}\n`;
    assert.deepEqual(located(await analyze('k8s/a.yaml', yaml)), []);
    const sql = `UPDATE t SET c = ${'('.repeat(150)}1${')'.repeat(150)};\n`;
    assert.deepEqual(located(await analyze('db/mysql/1.sql', sql)), ['RG207@1:1']);
  });

  it('the YAML bound counts collections as the parser nests them: block, compact and flow, and malformed lines that nest', () => {
    const accepted = (text: string) => {
      try {
        checkYamlNesting(text);
        return true;
      } catch (error) {
        assert.ok(error instanceof InputLimit);
        return false;
      }
    };
    const limit = NESTING_LIMITS.yaml;
    for (const nest of [(n: number) => `${'- '.repeat(n)}x\n- y\n`, (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:\n`).join('') + 'z: 1\n', (n: number) => '['.repeat(n) + ']'.repeat(n)]) {
      assert.equal(accepted(nest(limit)), true);
      assert.equal(accepted(nest(limit + 1)), false);
    }
    // Deep indentation of a block scalar is text, not nesting.
    assert.equal(accepted(`k: |\n${' '.repeat(600)}x\n`), true);
    // After a line of a space and CRLF the parser nests every following line: bounded all the same.
    assert.equal(accepted(`spec:\n  replicas: 4\n \r\nx: 4\n${'  y: 4\n'.repeat(3000)}`), false);
  });
});

describe('the same findings however the file is read', () => {
  it('a lone carriage return before `---`: the editor, which parsed the previous version, finds what a fresh engine finds', async () => {
    const previous = fixture('lone-cr-previous.yaml');
    const current = fixture('lone-cr-current.yaml');
    assert.equal(current, '\r---\rapiVersion:\rkind:');
    const path = 'k8s/app.yaml';
    const editor = new Engine();
    await editor.analyze({ path, text: previous });
    const incremental = (await editor.analyze({ path, text: current })).findings;
    const whole = (await new Engine().analyze({ path, text: current })).findings;
    assert.deepEqual(incremental, whole);
    assert.deepEqual(located(whole), ['RG003@1:17']);
  });
});

describe('no input makes a rule slow', () => {
  it('800 Helm actions on one line are masked and the template read (`npm run bench -- robustness` times it: milliseconds)', async () => {
    const text = fixture('helm-actions-one-line.yaml');
    assert.ok((text.match(/\{\{/g) ?? []).length >= 800);
    const result = await new Engine().analyze({ path: 'chart/templates/cm.yaml', text });
    assert.equal(result.failure, undefined);
    assert.deepEqual(located(result.findings), []);
  });

  it('Helm actions whose quotes the YAML escaped (`\\"`), line after line: each action ends at its own `}}` (`npm run bench -- robustness` times it)', () => {
    const lines = fixture('helm-escaped-quotes-values.yaml');
    const text = lines.repeat(2_000);
    const masked = maskTemplate(text);
    assert.equal(masked.unterminatedAt, undefined);
    assert.equal(masked.spans.length, 3 * 2_000);
    // Read as Go reads an action, the quotes of `\"%s-creds\"` pair up with those of the lines after it and no `}}` stands outside a string: the first `}}` ends each action.
    for (const [start, end] of masked.spans) assert.equal(text.indexOf('}}', start), end - 2);
    assert.equal(masked.text.length, text.length);
    assert.doesNotMatch(masked.text, /\{\{|\}\}/);
  });

  it('a line of YAML debris in a Liquibase changelog (one syntax error per token): a note where the errors start, not tens of thousands of errors composed', async () => {
    const text = fixture('flow-debris.changelog.yaml');
    const result = await new Engine().analyze({ path: 'db/changelog/changelog.yaml', text });
    assert.equal(result.failure, undefined);
    const line = text.split('\n').findIndex((l) => l.includes('{{x}}'));
    assert.deepEqual(result.findings.map((f) => [f.ruleId, f.range.start.line]), [['RG003', line]]);
    assert.ok(result.findings[0]!.range.start.character < 30, 'at the first error of the line, not the last one counted');
    assert.match(result.findings[0]!.message, new RegExp(`^Not analysed: more than ${MAX_YAML_ERRORS.toLocaleString('en-US')} YAML syntax errors from here\\.`));
  });

  it('a Helm value running over lone carriage returns and long blank runs is masked as one opaque value', () => {
    const text = fixture('helm-lone-cr-long-value.yaml');
    const masked = maskTemplate(text);
    // A lone carriage return does not end a YAML line: everything after the first key is its value, mixing an action with quotes.
    assert.ok(masked.text.startsWith('apiVersion: _'));
    assert.match(masked.text.slice('apiVersion: '.length), /^[_\r]+\n$/);
    assert.equal(masked.text.length, text.length);
  });

  it('an ignore comment with a long run of spaces before `-->` is read as one with a short one', () => {
    const ruleId = (id: string) => (/^RG\d{3}$/.test(id) ? id : undefined);
    assert.deepEqual(parseDirective(` RG209 the table is empty${' '.repeat(50_000)}-->${' '.repeat(50_000)}`, ruleId), parseDirective(' RG209 the table is empty -->', ruleId));
    assert.deepEqual(parseDirective(` RG209 the table is empty${' '.repeat(50_000)}x`, ruleId).ids, ['RG209']);
  });

  it('a long run of comment lines in a Python migration is kept out of the parse: the same findings, the same offsets, its ignore comments still read', async () => {
    const base = readFileSync(join(FIXTURES, 'migrations/django/shop/migrations/0007_order_cleanup.py'), 'utf8');
    const path = 'shop/migrations/0007_order_cleanup.py';
    const run = (n: number) => `${'    # filler comment, not an operation.\n'.repeat(n)}    # rollback-guard-ignore RG202: the column was never read.\n`;
    const withComments = (n: number) =>
      base
        .replace('    # "RemoveField" here is a comment, not an operation.\n', `    # "RemoveField" here is a comment, not an operation.\n${run(n)}`)
        .replace('        migrations.RemoveField(', `${run(n).replace(/^ {4}/gm, '        ')}        migrations.RemoveField(`);
    const short = withComments(2);
    const long = withComments(COMMENT_RUN_LINES + 8);
    assert.deepEqual(commentRuns(short), []);
    assert.equal(commentRuns(long).length, 2);
    const shortFindings = await analyze(path, short);
    const longFindings = await analyze(path, long);
    assert.ok(shortFindings.length > 0);
    assert.equal(only(shortFindings, 'RG202').length, only(await analyze(path, base), 'RG202').length - 1, 'the ignore comment above RemoveField applies');
    const shifted = (findings: Finding[], text: string) =>
      findings.map((f) => `${f.ruleId} ${text.split('\n')[f.range.start.line]!.slice(f.range.start.character, f.range.start.character + 40)} ${f.message.replace(/line \d+/g, 'line …')}`);
    assert.deepEqual(shifted(longFindings, long), shifted(shortFindings, short));
  });

  it('a run of comment lines before a last line without a line feed leaves that line in the parse', async () => {
    const text = `from alembic import op\n\n\ndef upgrade():\n${'    # a comment\n'.repeat(COMMENT_RUN_LINES + 8)}    op.drop_column("orders", "legacy_total")`;
    assert.deepEqual(commentRuns(text).map((g) => g.end), [text.lastIndexOf('\n') + 1]);
    const findings = await analyze('alembic/versions/abc_drop.py', text);
    assert.ok(located(findings, 'RG202').length > 0);
    assert.deepEqual(located(findings), located(await analyze('alembic/versions/abc_drop.py', text.replace(/ {4}# a comment\n/g, '\n'))));
  });

  it('lines starting with `#` inside a Python string are not comments, however many there are', async () => {
    const text = `from alembic import op\n\n\ndef upgrade():\n    \"\"\"\n${'    # not a comment\n'.repeat(COMMENT_RUN_LINES + 8)}    # rollback-guard-ignore RG202: inside the docstring\n    \"\"\"\n    op.drop_column("orders", "legacy_total")\n`;
    assert.equal(commentRuns(text).length, 1);
    const findings = await analyze('alembic/versions/abc_drop.py', text);
    const direct = await analyze('alembic/versions/abc_drop.py', text.replace(/ {4}# not a comment\n/g, '    not a comment\n'));
    assert.deepEqual(located(findings), located(direct));
    assert.ok(located(findings).length > 0, 'the drop is reported: the line in the docstring ignores nothing');
  });

  it('10,000 column renames: one RG203 each (the rule looks compatibility shims up in a map; `npm run bench -- robustness` times it)', async () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `ALTER TABLE t RENAME COLUMN a${i} TO b${i};\n`).join('');
    const findings = await analyze('db/migrations/001_renames.up.sql', text);
    assert.equal(only(findings, 'RG203').length, 10_000);
    assert.equal(only(findings, 'RG203')[9_999]!.range.start.line, 9_999);
  });
});

describe('branch mode under a time budget', () => {
  const change = (path: string, base: string | undefined, head: string, notAnalysed?: string): ChangedFile => ({
    path,
    status: base === undefined ? 'added' : 'modified',
    binary: false,
    hunks: lineHunks(base ?? '', head),
    ...(base !== undefined ? { base } : {}),
    head,
    ...(notAnalysed !== undefined ? { notAnalysed } : {}),
  });
  const revision = (ref: string) => ({ ref, sha: ref[0]!.repeat(40), readFile: () => undefined });

  it('the release analysis says which version of which file it begins, then that the files are done', async () => {
    const seen: (string | undefined)[] = [];
    await analyzeRelease(
      {
        base: revision('main'),
        head: revision('feature'),
        files: [change('db/migrations/000002_b.up.sql', undefined, 'ALTER TABLE t DROP COLUMN b;\n'), change('db/migrations/000001_a.up.sql', 'SELECT 1;\n', 'ALTER TABLE t DROP COLUMN a;\n'), change('README.md', 'a\n', 'b\n')],
      },
      { onFile: (path) => seen.push(path) },
    );
    assert.deepEqual(seen, ['db/migrations/000001_a.up.sql', 'db/migrations/000001_a.up.sql', 'db/migrations/000002_b.up.sql', undefined]);
  });

  it('a file left out gets one RG003 note with the reason and nothing else; the other files are analysed', async () => {
    const seen: (string | undefined)[] = [];
    const analysis = await analyzeRelease(
      {
        base: revision('main'),
        head: revision('feature'),
        files: [change('db/migrations/000001_a.up.sql', undefined, 'ALTER TABLE t DROP COLUMN a;\n', 'analysing this file took longer than 1 s, so it was stopped.'), change('db/migrations/000002_b.up.sql', undefined, 'ALTER TABLE t DROP COLUMN b;\n')],
      },
      { onFile: (path) => seen.push(path) },
    );
    assert.deepEqual(seen, ['db/migrations/000002_b.up.sql', undefined]);
    const left = analysis.files.find((f) => f.path === 'db/migrations/000001_a.up.sql')!;
    assert.deepEqual(left.allFindings.map((f) => [f.ruleId, f.message]), [['RG003', 'Not analysed: analysing this file took longer than 1 s, so it was stopped.']]);
    assert.ok(analysis.findings.some((f) => f.file === 'db/migrations/000002_b.up.sql' && f.ruleId === 'RG202'));
  });
});
