/**
 * Build groups (scripts/cluster/build.ts) on small real Go modules: one
 * `go build` makes both main packages of the group's module and a second one
 * the binary of another module, the binary named after a /v2 package is
 * renamed, the -X flag reaches all three, progress ends in "done", a second
 * call is a cache hit, and a changed flag is a new key. Runs with its own
 * ROLLBACK_GUARD_CACHE (Go's build cache stays whatever the environment says).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { builtGroup, defaultBinaryName, describeProgress, ensureGroup, groupByName, groupKey, PLANE, type BuildGroup, type BuildProgress } from '../../scripts/cluster/build';

const group: BuildGroup<'hello' | 'other' | 'third'> = {
  name: 'fixture',
  module: 'fixtures/group',
  binaries: [
    { name: 'hello', pkg: 'rollback-guard.local/test/cluster/fixtures/group/cmd/hello' },
    { name: 'other', pkg: 'rollback-guard.local/test/cluster/fixtures/group/tool/v2' },
    { name: 'third', pkg: 'rollback-guard.local/test/cluster/fixtures/other/cmd/third', module: 'fixtures/other' },
  ],
  ldflags: () => ['-X main.greeting=from-the-group'],
  versions: () => ({ fixture: 'v0.0.0' }),
};

let cache: string;
const saved = process.env.ROLLBACK_GUARD_CACHE;

before(() => {
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-build-test-'));
  process.env.ROLLBACK_GUARD_CACHE = cache;
});

after(() => {
  if (saved === undefined) delete process.env.ROLLBACK_GUARD_CACHE;
  else process.env.ROLLBACK_GUARD_CACHE = saved;
  fs.rmSync(cache, { recursive: true, force: true });
});

describe('build groups', () => {
  it('names a binary after its package, before a /vN suffix', () => {
    assert.equal(defaultBinaryName('k8s.io/kubernetes/cmd/kube-apiserver'), 'kube-apiserver');
    assert.equal(defaultBinaryName('go.etcd.io/etcd/server/v3'), 'server');
    assert.equal(defaultBinaryName('helm.sh/helm/v3/cmd/helm'), 'helm');
  });

  it('says what a build is on in one line', () => {
    const p: BuildProgress = { group: 'plane', phase: 'compiling', elapsedSeconds: 130, packagesDone: 1200, packagesTotal: 3400, binariesDone: ['etcd'], binariesTotal: 7, current: 'kube-apiserver', etaSeconds: 540 };
    assert.equal(describeProgress(p), 'kube-apiserver 2/7, ~9 min left');
    assert.equal(describeProgress({ ...p, etaSeconds: undefined }), 'kube-apiserver 2/7');
    assert.equal(describeProgress({ ...p, phase: 'done' }), 'built 7/7');
  });

  it('finds the plane and refuses an unknown group with the list of groups', async () => {
    assert.equal(await groupByName('plane'), PLANE);
    await assert.rejects(groupByName('no-such-group'), /no build group no-such-group \(groups: plane/);
    await assert.rejects(groupByName('../x'), /not a group name/);
  });

  it('builds every binary of a group in one go build, with its flags, and reuses the result', async () => {
    assert.equal(builtGroup(group), undefined);
    const seen: BuildProgress[] = [];
    const lines: string[] = [];
    const first = await ensureGroup(group, { onProgress: (p) => seen.push(p), log: (l) => lines.push(l) });
    assert.equal(first.built, true);
    assert.deepEqual(Object.keys(first.bin).sort(), ['hello', 'other', 'third']);
    assert.equal(execFileSync(first.bin.hello, { encoding: 'utf8' }).trim(), 'hello from-the-group');
    assert.equal(execFileSync(first.bin.other, { encoding: 'utf8' }).trim(), 'tool from-the-group');
    assert.equal(execFileSync(first.bin.third, { encoding: 'utf8' }).trim(), 'third from-the-group');
    assert.ok(!fs.existsSync(path.join(first.binDir, 'tool')), 'the /v2 package\'s binary is renamed');
    assert.equal(first.versions.fixture, 'v0.0.0');
    assert.match(first.versions.go ?? '', /^go1\./);
    assert.equal(seen.at(-1)?.phase, 'done');
    assert.deepEqual(seen.at(-1)?.binariesDone, ['hello', 'other', 'third']);
    assert.equal(seen.filter((p) => p.phase === 'done').length, 1);
    const manifest = JSON.parse(fs.readFileSync(path.join(first.binDir, 'build.json'), 'utf8')) as { group: string; packages: number };
    assert.equal(manifest.group, 'fixture');
    assert.ok(manifest.packages > 2, 'the plan counts the dependencies (fmt and the runtime)');
    assert.ok(lines.some((l) => /go build hello, other \(test\/cluster\/fixtures\/group\)/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /go build third \(test\/cluster\/fixtures\/other\)/.test(l)), lines.join('\n'));

    const again = await ensureGroup(group, { log: () => undefined });
    assert.equal(again.built, false);
    assert.equal(again.binDir, first.binDir);
    assert.equal(builtGroup(group)?.binDir, first.binDir);
  });

  it('a failing go build fails the group and leaves no binaries', async () => {
    const broken: BuildGroup<'hello' | 'missing'> = { ...group, name: 'broken', binaries: [{ name: 'hello', pkg: group.binaries[0]!.pkg }, { name: 'missing', pkg: 'rollback-guard.local/test/cluster/fixtures/group/cmd/missing' }] };
    await assert.rejects(ensureGroup(broken, { log: () => undefined }), /cmd\/missing/);
    assert.equal(builtGroup(broken), undefined);
    const keyDir = path.join(cache, 'cluster', groupKey(broken));
    assert.deepEqual(fs.readdirSync(keyDir), [], 'no partial binaries, progress or lock left');
  });

  it('a compile error in one module fails the group and leaves nothing behind', async () => {
    const bad: BuildGroup<'hello' | 'bad'> = { ...group, name: 'bad', binaries: [{ name: 'hello', pkg: group.binaries[0]!.pkg }, { name: 'bad', pkg: 'rollback-guard.local/test/cluster/fixtures/other/cmd/bad', module: 'fixtures/other' }] };
    await assert.rejects(ensureGroup(bad, { log: () => undefined }), /cannot use "not a number"/);
    assert.deepEqual(fs.readdirSync(path.join(cache, 'cluster', groupKey(bad))), []);
  });

  it('keys the cache on the flags and the modules: another -X value is another key', () => {
    const other = { ...group, ldflags: () => ['-X main.greeting=changed'] };
    assert.notEqual(groupKey(other), groupKey(group));
    assert.notEqual(groupKey({ ...group, binaries: group.binaries.slice(0, 2) }), groupKey(group));
    assert.match(groupKey(group), /^fixture-[0-9a-f]{16}$/);
    assert.match(groupKey(PLANE), /^k8s-v1\.\d+\.\d+-[0-9a-f]{16}$/);
  });
});
