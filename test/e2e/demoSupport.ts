/**
 * What the demo's end-to-end tests share: a directory of their own with a
 * cache whose installed parts are linked in from the real cache (so nothing
 * is rebuilt), `npm run demo` (scripts/demo.mjs) run with arguments and an
 * environment, and the processes left that name that directory.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheRoot } from '../../scripts/editor/install';
import { ROOT } from './support';

/** A new directory `work` holding `cache`, where each of `warm` (`editor`, `cluster`) is the real cache's. */
export function demoWorkdir(prefix: string, warm: readonly ('editor' | 'cluster')[]): { work: string; cache: string } {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const cache = path.join(work, 'cache');
  fs.mkdirSync(cache);
  for (const dir of warm) fs.symlinkSync(path.join(cacheRoot(), dir), path.join(cache, dir));
  return { work, cache };
}

/** Runs `root`'s scripts/demo.mjs with `args`; after `timeoutMs` it gets `signal`. Resolves with its exit code and output. */
export function runDemo(
  args: string[],
  options: { env: Record<string, string>; timeoutMs: number; signal?: NodeJS.Signals; root?: string },
): Promise<{ code: number | null; output: string }> {
  const root = options.root ?? ROOT;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'demo.mjs'), ...args], { cwd: root, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => child.kill(options.signal ?? 'SIGINT'), options.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Processes whose command line names `dir` (the demo's cache or repository inside it): pid and command line. */
export function processesNaming(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(dir)) out.push(`${entry} ${cmdline.slice(0, 160)}`);
    } catch {
      // gone
    }
  }
  return out;
}
