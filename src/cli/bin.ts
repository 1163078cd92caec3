/**
 * The `rollback-guard` executable (dist/cli.js): loads the CLI bundle next to
 * it (dist/cli-main.js) through V8's code cache, so a command does not parse
 * a megabyte of JavaScript again on every start. Node 20 has no
 * `module.enableCompileCache`; this is the same idea by hand: the compiled
 * code of each command is kept in the user's cache directory after its first
 * run, and V8 checks it (version, flags, source) before using it. Without a
 * usable cache directory, with a cache V8 rejects, or with
 * ROLLBACK_GUARD_CODE_CACHE=0, the bundle is compiled as usual.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { tuneForOneCommand } from './runtime';

const BUNDLE = join(__dirname, 'cli-main.js');
/** An analysis worker thread of `check` (parallel.ts starts them with this argument). */
const WORKER = process.argv[2] === '--analysis-worker' && !(require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread;
const COMMANDS = new Set(['check', 'report', 'history', 'undo']);

interface CliBundle {
  runCli(): void;
  runWorker(): void;
}

/** `$ROLLBACK_GUARD_CACHE`, else the platform's user cache directory, plus `code-cache`. */
function cacheDirectory(): string | undefined {
  const env = process.env;
  if (env.ROLLBACK_GUARD_CODE_CACHE === '0') return undefined;
  let root = env.ROLLBACK_GUARD_CACHE;
  if (!root) {
    const home = homedir();
    if (process.platform === 'win32') root = env.LOCALAPPDATA ? join(env.LOCALAPPDATA, 'rollback-guard') : undefined;
    else if (process.platform === 'darwin') root = home ? join(home, 'Library', 'Caches', 'rollback-guard') : undefined;
    else root = env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, 'rollback-guard') : home ? join(home, '.cache', 'rollback-guard') : undefined;
  }
  return root ? join(root, 'code-cache') : undefined;
}

/**
 * The cache file for this bundle, Node and command. The bundle's size and
 * modification time are in the name: V8 compares only the source's length,
 * so a rebuilt bundle must not meet the old cache. Each command (and the
 * analysis worker) has its own file, holding the functions that command ran.
 */
function cacheFile(): string | undefined {
  const dir = cacheDirectory();
  if (!dir) return undefined;
  const stat = statSync(BUNDLE, { bigint: true });
  const command = WORKER ? 'worker' : COMMANDS.has(process.argv[2] ?? '') ? process.argv[2] : 'other';
  return join(dir, `cli-${process.version}-${process.arch}-${stat.size}-${stat.mtimeNs}-${command}.bin`);
}

function load(): CliBundle {
  let file: string | undefined;
  let cached: Buffer | undefined;
  let source: string;
  try {
    file = cacheFile();
    source = readFileSync(BUNDLE, 'utf8');
  } catch {
    return require(BUNDLE) as CliBundle;
  }
  try {
    if (file) cached = readFileSync(file);
  } catch {
    // No cache yet.
  }
  const script = new Script(Module.wrap(source), { filename: BUNDLE, cachedData: cached });
  const bundle = new Module(BUNDLE, module);
  bundle.filename = BUNDLE;
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  run.call(bundle.exports, bundle.exports, createRequire(BUNDLE), bundle, BUNDLE, dirname(BUNDLE));
  bundle.loaded = true;
  if (file && (cached === undefined || script.cachedDataRejected)) {
    const target = file;
    // After the command ran, so the cache holds the functions it compiled.
    process.once('exit', () => {
      try {
        mkdirSync(dirname(target), { recursive: true });
        const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}`;
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, target);
        // The same command's caches of earlier bundles (or Node versions) are stale.
        const suffix = target.slice(target.lastIndexOf('-'));
        for (const name of readdirSync(dirname(target))) {
          const path = join(dirname(target), name);
          if (name.startsWith('cli-') && name.endsWith(suffix) && path !== target) rmSync(path, { force: true });
        }
      } catch {
        // A cache that cannot be written only means the next start compiles again.
      }
    });
  }
  return bundle.exports as CliBundle;
}

// The parsers' V8 settings must be in place before any code is compiled: the
// code cache records the flags it was made with.
tuneForOneCommand();
const cli = load();
if (WORKER) cli.runWorker();
else cli.runCli();
