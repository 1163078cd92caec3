#!/usr/bin/env node
// `npm run test:vscode`: the extension's in-editor tests on a desktop VS Code,
// through @vscode/test-electron. Set VSCODE_EXECUTABLE to a local VS Code
// binary; without it, test-electron downloads one (which needs network access
// to update.code.visualstudio.com). The suite that must pass everywhere runs
// on code-server instead: `npm test -- e2e`.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { childEnv } from './childEnv.mjs';
import esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';

const root = join(import.meta.dirname, '..');
const build = spawnSync(process.execPath, ['esbuild.js', '--dev'], { cwd: root, stdio: 'inherit', env: childEnv() });
if (build.status !== 0) process.exit(build.status ?? 1);
await esbuild.build({
  entryPoints: [join(root, 'test', 'vscode', 'suite.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  outfile: join(root, 'out', 'test', 'vscode', 'suite.js'),
  logLevel: 'warning',
});
const workspace = mkdtempSync(join(tmpdir(), 'rg-vscode-'));
cpSync(join(root, 'examples', 'bookstore'), workspace, { recursive: true, filter: (src) => !src.includes('.demo') });
try {
  await runTests({
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out', 'test', 'vscode', 'suite.js'),
    launchArgs: [workspace, '--disable-extensions', '--skip-welcome', '--skip-release-notes', '--disable-workspace-trust'],
  });
} catch (error) {
  console.error(`VS Code tests failed or could not start: ${error instanceof Error ? error.message : String(error)}`);
  if (!process.env.VSCODE_EXECUTABLE) console.error('No VSCODE_EXECUTABLE set: test-electron tried to download VS Code. Point VSCODE_EXECUTABLE at a local VS Code, or run `npm test -- e2e` (code-server).');
  process.exit(1);
}
