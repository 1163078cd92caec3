/**
 * `check DIR` stays inside what it was given: symlinks out of the scanned
 * folder are not followed (a token outside never reaches a message), symlink
 * loops are walked once, and only regular files are read (a FIFO or
 * `/dev/zero` named explicitly is skipped with a note, never read).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli } from './run';

const TOKEN = 'ghp_SECRETOUTSIDE1234567890abcdef';
const CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n';

function layout(): string {
  const root = mkdtempSync(join(tmpdir(), 'rg-paths-'));
  mkdirSync(join(root, 'ext'));
  writeFileSync(join(root, 'ext/token.txt'), `${TOKEN}\n`);
  writeFileSync(join(root, 'ext/app.yaml'), "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: outside-secret-app}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: 'registry.internal.corp/secret-project:latest'}]\n");
  return root;
}

describe('paths: the scan stays inside what it was given', () => {
  it('symlinks out of the folder are skipped with a note: no outside file is read or reported', () => {
    const root = layout();
    const repo = join(root, 'repo');
    mkdirSync(join(repo, 'k8s'), { recursive: true });
    writeFileSync(join(repo, 'k8s/inside.yaml'), CONFIGMAP);
    symlinkSync(join(root, 'ext/token.txt'), join(repo, 'k8s/leak.sql'));
    symlinkSync(join(root, 'ext/app.yaml'), join(repo, 'k8s/leak.yaml'));
    symlinkSync(join(root, 'ext'), join(repo, 'k8s/outside-dir'));
    const result = cli(['check', '.', '--format', 'json'], repo);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /SECRETOUTSIDE|outside-secret-app|secret-project/);
    for (const path of ['k8s/leak.sql', 'k8s/leak.yaml', 'k8s/outside-dir']) assert.match(result.stderr, new RegExp(`note: skipped ${path}: a symlink that leads outside the scanned folder; not followed`));
    assert.equal(JSON.parse(result.stdout).summary.files, 1);
  });

  it('symlink loops are walked once: one `loop -> .` and two of them finish with the file read once', () => {
    for (const links of [['loop'], ['loop', 'loop2']]) {
      const repo = mkdtempSync(join(tmpdir(), 'rg-loop-'));
      mkdirSync(join(repo, 'k8s'));
      writeFileSync(join(repo, 'k8s/a.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: "web:latest"}]\n');
      for (const link of links) symlinkSync('.', join(repo, 'k8s', link));
      const result = spawnSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli.js'), 'check', '.', '--format', 'json'], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.status, 0, result.stderr);
      const findings = JSON.parse(result.stdout).findings as { file: string; ruleId: string }[];
      assert.deepEqual([...new Set(findings.map((f) => f.file))], ['k8s/a.yaml'], 'the file is analysed once, under its own name');
      for (const link of links) assert.match(result.stderr, new RegExp(`note: skipped k8s/${link}: the same directory as k8s`));
    }
  });

  it('an explicit FIFO, or a symlink to /dev/zero, is skipped with a note and never read', () => {
    const repo = mkdtempSync(join(tmpdir(), 'rg-special-'));
    mkdirSync(join(repo, 'k8s'));
    spawnSync('mkfifo', [join(repo, 'k8s/pipe.yaml')]);
    symlinkSync('/dev/zero', join(repo, 'k8s/zero.yaml'));
    const fifo = spawnSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli.js'), 'check', 'k8s/pipe.yaml'], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    assert.equal(fifo.status, 0, fifo.stderr);
    assert.match(fifo.stderr, /note: skipped k8s\/pipe\.yaml: a FIFO, not a regular file; not read/);
    const zero = spawnSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli.js'), 'check', 'k8s/zero.yaml'], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    assert.equal(zero.status, 0, zero.stderr);
    assert.match(zero.stderr, /note: skipped k8s\/zero\.yaml: a symlink that leads outside the working directory; not followed/);
    const device = spawnSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli.js'), 'check', '/dev/zero'], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    assert.match(device.stderr, /note: skipped .*: a character device, not a regular file; not read/);
    const walked = cli(['check', '.'], repo);
    assert.equal(walked.code, 0, walked.stderr);
    assert.match(walked.stderr, /note: skipped k8s\/pipe\.yaml: a FIFO/);
    assert.match(walked.stderr, /note: skipped k8s\/zero\.yaml: a symlink that leads outside the scanned folder/);
  });
});
