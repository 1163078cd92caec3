/**
 * A demo that fails after it started something stops it again: `npm run demo`
 * (scripts/demo.mjs) with the editor installed (linked in from the real cache)
 * and a PATH without go, so the background cluster job cannot build the
 * plane while code-server opens. The demo runs in a copy of the project: it
 * packages an extension without Helm's engine (no go), which must not replace
 * the build the other tests use. The demo must exit non-zero, say why and
 * that the next run resumes from the caches, and leave no process of its own
 * running (code-server included).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { childEnv } from '../../scripts/childEnv.mjs';
import { dependenciesInstalled } from '../../scripts/dependencies.mjs';
import { demoWorkdir, processesNaming, runDemo } from './demoSupport';
import { artifactsDir, ROOT } from './support';

const PATH_WITHOUT_GO = [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);
const goReachable = spawnSync('go', ['version'], { env: { PATH: PATH_WITHOUT_GO } }).status === 0;
let work: string;
let output = '';
let code: number | null = null;

/** Processes whose command line names the demo's cache or repository. */
const demoProcesses = (): string[] => processesNaming(work);

before(async () => {
  const dirs = demoWorkdir('rg-e2e-demo-fail-', ['editor']);
  work = dirs.work;
  // node, git and the system tools stay reachable; go (installed elsewhere here) does not.
  const env = childEnv({ ROLLBACK_GUARD_CACHE: dirs.cache, PATH: PATH_WITHOUT_GO });
  if (goReachable) return;
  const project = path.join(work, 'project');
  const left = new Set(['.git', 'node_modules', 'dist', 'test-results', path.join('examples', 'bookstore', '.demo')]);
  // Timestamps kept: a package-lock.json newer than node_modules would make the demo run `npm ci`
  // in the copy, which empties the linked node_modules of the project itself.
  fs.cpSync(ROOT, project, { recursive: true, preserveTimestamps: true, filter: (from) => !left.has(path.relative(ROOT, from)) && !from.endsWith('.vsix') });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'));
  assert.ok(dependenciesInstalled(project), 'the copy would reinstall the linked node_modules');
  ({ code, output } = await runDemo(['--repo', path.join(work, 'repo'), '--no-gitops'], { env, timeoutMs: 600_000, signal: 'SIGKILL', root: project }));
  fs.writeFileSync(path.join(artifactsDir('demo-failure'), 'demo-output.txt'), output);
});

after(() => {
  for (const p of demoProcesses()) {
    try {
      process.kill(Number(p.split(' ')[0]), 'SIGKILL');
    } catch {
      // gone
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
});

test('the go toolchain missing, the demo fails after opening the editor, says why and stops the editor again', { skip: goReachable ? `go is in ${PATH_WITHOUT_GO}: this machine cannot run the demo without it` : false }, () => {
  assert.match(output, /Helm's template engine is not built yet: this demo reads Helm charts without rendering them/);
  assert.match(output, /Open http:\/\/127\.0\.0\.1:\d+\/\?folder=/, 'the editor was started before the failure');
  assert.match(output, /demo: the local cluster failed: cannot run go/);
  assert.match(output, /demo: stopping what it started/);
  assert.match(output, /demo: stopped code-server \(pid \d+\)/);
  assert.match(output, /the next `npm run demo` picks up from the caches/);
  assert.equal(code, 1, output);
  assert.deepEqual(demoProcesses(), []);
  assert.equal(fs.existsSync(path.join(work, 'cache', 'demo', 'state.json')), false, 'the demo state is removed');
});
