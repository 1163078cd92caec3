/**
 * No secret reaches an output. A branch adds manifests and migrations full of
 * marked secrets (`SECRETnn…`: env values, arguments, Secret data, ConfigMap
 * keys, connection URLs, SQL passwords quoted, bare and unterminated, MySQL
 * IDENTIFIED BY, Helm values); every output of the CLI — check in every
 * format with and without --base, report in both formats to stdout and to a
 * file — is searched for the markers.
 */
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadPostgres, parsePostgres } from '../../../src/core/sql/postgres';
import { cli } from '../../cli/run';
import { makeRepo, tempDir } from './helpers';

const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'hostile', 'secrets');
/** The markers, and Secret data as it is stored (base64 of SECRET07Data). */
const LEAK = /SECRET\d\d|U0VDUkVUMDdEYXRh/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => (statSync(join(dir, e)).isDirectory() ? files(join(dir, e)) : [join(dir, e)]));
}

describe('secrets never reach an output', () => {
  it('every marker is in the fixture, where the tool reads it (so a leak would show)', async () => {
    const all = files(FIXTURE).map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const n of ['01', '02', '03', '04', '05', '06', '08', '09', '10', '11', '12', '20', '21', '22', '23', '24', '25', '26', '30', '31', '32']) assert.match(all, new RegExp(`SECRET${n}`), n);
    // The PostgreSQL parser itself quotes an unterminated string, with the rest of the file, in its error.
    await loadPostgres();
    const parsed = parsePostgres(readFileSync(join(FIXTURE, 'db/migrations/002_unterminated.up.sql'), 'utf8'));
    assert.match(parsed.error?.message ?? '', /SECRET22Unterminated[\s\S]*SECRET23RestOfFile/);
  });

  it('check, check --base in every format, and report to stdout and to a file', async () => {
    const repo = await makeRepo();
    await repo.commit('base', { 'README.md': 'shop\n', 'db/migrations/000_init.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text, x int, y int, z int);\n' });
    await repo.run('switch', '--quiet', '--create', 'feature');
    cpSync(FIXTURE, repo.dir, { recursive: true });
    await repo.commit('secrets everywhere');

    const outputs: { name: string; text: string }[] = [];
    const run = (args: string[]) => {
      const r = cli(args, repo.dir);
      assert.ok(r.code === 0 || r.code === 1, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
      outputs.push({ name: args.join(' '), text: `${r.stdout}\n${r.stderr}` });
      return r;
    };
    for (const format of ['text', 'json', 'sarif', 'github', 'gitlab']) {
      run(['check', '.', '--format', format]);
      run(['check', '--base', 'main', '--format', format]);
    }
    run(['report', '--base', 'main']);
    run(['report', '--base', 'main', '--format', 'json']);
    const out = join(tempDir('rg-report-'), 'plan.md');
    run(['report', '--base', 'main', '--output', out]);
    outputs.push({ name: 'report --output', text: readFileSync(out, 'utf8') });

    // The files were read and judged: findings on each of them, in the outputs searched.
    const json = JSON.parse(outputs.find((o) => o.name === 'check . --format json')!.text.split('\n\n')[0]!.trim()) as { findings: { file: string; ruleId: string }[] };
    const judged = new Set(json.findings.map((f) => `${f.file} ${f.ruleId}`));
    for (const expected of ['k8s/secret.yaml RG113', 'db/migrations/002_unterminated.up.sql RG003', 'db/migrations/003_bareword.up.sql RG003', 'db/migrations/001_users.up.sql RG202', 'db/mysql/004_mysql.sql RG202', 'k8s/deployment.yaml RG101']) {
      assert.ok(judged.has(expected), `${expected} in ${[...judged].join(', ')}`);
    }
    const leaks = outputs.filter((o) => LEAK.test(o.text)).map((o) => `${o.name}: ${LEAK.exec(o.text)![0]} in …${o.text.slice(Math.max(0, LEAK.exec(o.text)!.index - 80), LEAK.exec(o.text)!.index + 40)}…`);
    assert.deepEqual(leaks, []);
  });
});
