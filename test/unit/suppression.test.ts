import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/core/config';
import { analyze, assertNone, located } from './helpers';

const POD = (imageLine: string, before = '') =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n${before}      ${imageLine}\n      readinessProbe: {tcpSocket: {port: 80}}\n`;

describe('rollback-guard-ignore comments', () => {
  it('an ignore with a reason on the line before suppresses the finding and reports nothing', async () => {
    assertNone(await analyze('p.yaml', POD('image: nginx:latest', '      # rollback-guard-ignore RG101: mirrored into our registry nightly\n')));
  });

  it('an ignore without a reason still suppresses, and is reported as RG001 at the comment', async () => {
    const findings = await analyze('p.yaml', POD('image: nginx:latest', '      # rollback-guard-ignore RG101\n'));
    assert.deepEqual(located(findings), ['RG001@8:7']);
    assert.equal(findings[0]!.severity, 'warning');
  });

  it('the "Ignore … here" fix marks its reason for the editor to select, and RG001 names that placeholder until it is replaced', async () => {
    const findings = await analyze('p.yaml', POD('image: nginx:latest'));
    const fix = findings.find((f) => f.ruleId === 'RG101')!.fixes.find((x) => /^Ignore RG101 here/.test(x.title))!;
    const [edit] = fix.edits;
    assert.equal(edit!.newText, '      # rollback-guard-ignore RG101: <why this is safe>\n');
    assert.equal(edit!.newText.substr(edit!.placeholder!.offset, edit!.placeholder!.length), '<why this is safe>');
    // Applied as it is: RG001 says what to do with what the user sees.
    const applied = await analyze('p.yaml', POD('image: nginx:latest', edit!.newText));
    assert.deepEqual(located(applied), ['RG001@8:7']);
    assert.equal(applied[0]!.message, 'Replace `<why this is safe>` in `rollback-guard-ignore RG101` with why this rollback risk is accepted here.');
    const bare = await analyze('p.yaml', POD('image: nginx:latest', '      # rollback-guard-ignore RG101\n'));
    assert.match(bare[0]!.message, /gives no reason: say why this rollback risk is accepted, after a colon\./);
  });

  it('an ignore that suppresses nothing is reported as RG002', async () => {
    const findings = await analyze('p.yaml', POD('image: nginx@sha256:00', '      # rollback-guard-ignore RG101: pinned anyway\n'));
    assert.deepEqual(located(findings), ['RG002@8:7']);
    assert.match(findings[0]!.message, /no RG101 finding on line 9/);
  });

  it('an unknown rule id is reported as RG002', async () => {
    const findings = await analyze('p.yaml', POD('image: nginx:latest', '      # rollback-guard-ignore RG101, RG777: legacy\n'));
    assert.deepEqual(located(findings), ['RG002@8:7']);
    assert.match(findings[0]!.message, /RG777 is not a Rollback Guard rule id/);
  });

  it('a trailing comment covers its own line', async () => {
    assertNone(await analyze('p.yaml', POD('image: nginx:latest # rollback-guard-ignore RG101: base image, rebuilt daily')));
  });

  it('stacked comment lines above the finding all count as “the line before”', async () => {
    const before = '      # rollback-guard-ignore RG101: mirrored\n      # (see the platform runbook)\n';
    assertNone(await analyze('p.yaml', POD('image: nginx:latest', before)));
  });

  it('does not reach past a code line', async () => {
    const text = POD('image: nginx:latest').replace('    - name: c\n', '    # rollback-guard-ignore RG101: too far away\n    - name: c\n');
    assert.deepEqual(located(await analyze('p.yaml', text)), ['RG002@7:5', 'RG101@9:14']);
  });

  it('the -file form covers every finding of that rule in the file', async () => {
    const text = `# rollback-guard-ignore-file RG101: demo manifests, never deployed\n${POD('image: nginx:latest')}---\n${POD('image: redis')}`;
    assertNone(await analyze('p.yaml', text));
  });

  it('the -file form that matches nothing is reported', async () => {
    const findings = await analyze('p.yaml', `# rollback-guard-ignore-file RG113: no secrets here\n${POD('image: nginx@sha256:00')}`);
    assert.deepEqual(located(findings), ['RG002@1:1']);
    assert.match(findings[0]!.message, /no RG113 finding in this file/);
  });

  it('RG001 and RG002 follow the configuration like any rule', async () => {
    const config = parseConfig('rules:\n  RG001: off\n');
    assertNone(await analyze('p.yaml', POD('image: nginx:latest', '      # rollback-guard-ignore RG101\n'), { config }));
  });
});

describe('.rollbackguard.yaml rules', () => {
  it('turns a rule off by id or by name', async () => {
    for (const key of ['RG101', 'mutable-image-reference']) {
      const config = parseConfig(`rules:\n  ${key}: off\n`);
      assertNone(await analyze('p.yaml', POD('image: nginx:latest'), { config }));
    }
  });

  it('overrides a rule’s severity', async () => {
    const config = parseConfig('rules:\n  RG101: {severity: error}\n');
    const findings = await analyze('p.yaml', POD('image: nginx:latest'), { config });
    assert.deepEqual(findings.map((f) => f.severity), ['error']);
  });
});

describe('reading ignore comments', () => {
  it('takes the first word that is not a rule as the start of the reason, colon or not', async () => {
    const findings = await analyze('p.yaml', POD('image: nginx:latest', '      # rollback-guard-ignore RG101 pinned by CI.\n'));
    assertNone(findings);
  });

  it('accepts rule names as well as ids, and several rules at once', async () => {
    const before = '      # rollback-guard-ignore mutable-image-reference, RG104: demo pod\n';
    // RG101 (by name) is suppressed; a Pod is not rolled out, so the RG104 part suppresses nothing.
    const findings = await analyze('p.yaml', POD('image: nginx:latest', before));
    assert.deepEqual(located(findings), ['RG002@8:7']);
    assert.match(findings[0]!.message, /no RG104 finding on line 9/);
  });
});
