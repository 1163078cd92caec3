import { existsSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { SkippedFile } from '../core/report/summary';
import { PROJECT_FILE_NAMES } from '../core/project';

export interface ScannedFile {
  /** Absolute path. */
  abs: string;
  /** Path relative to the working directory, forward slashes: what findings show. */
  path: string;
  text: string;
}

export interface ScanOptions {
  cwd: string;
  /** Whether some analyzer reads this (display) path. */
  handles(path: string): boolean;
  /** Whether the configuration's `ignore` globs exclude a path relative to `ignoreRoot`. */
  ignored(path: string): boolean;
  /** Where the configuration lives (the repository root); defaults to the working directory. */
  ignoreRoot?: string;
  maxBytes: number;
  /** Called with the number of files read so far, after each one. */
  onFile?(count: number): void;
}

export interface ScanResult {
  files: ScannedFile[];
  skipped: SkippedFile[];
  /** Every kustomization and Skaffold file met while scanning, plus those above the scanned paths. */
  kustomizations: { path: string; text: string }[];
}

/** Directories never worth descending into, even without a .gitignore. */
const ALWAYS_SKIPPED = new Set(['.git', 'node_modules', '.hg', '.svn']);
const BINARY_PROBE_BYTES = 8000;

export function toDisplayPath(cwd: string, abs: string): string {
  return relative(cwd, abs).split(sep).join('/') || '.';
}

/**
 * Collects the files to analyse: directories are walked respecting every
 * `.gitignore` on the way (and the config's `ignore` globs); files named
 * explicitly are always read. Unreadable, binary and oversized files are
 * skipped with a reason.
 */
export function scan(paths: readonly string[], options: ScanOptions): ScanResult {
  const result: ScanResult = { files: [], skipped: [], kustomizations: [] };
  const seen = new Set<string>();
  const ignoreRoot = options.ignoreRoot ?? options.cwd;
  const toIgnorePath = (abs: string) => relative(ignoreRoot, abs).split(sep).join('/');
  const kustomizationSeen = new Set<string>();

  const noteKustomization = (abs: string) => {
    if (kustomizationSeen.has(abs)) return;
    kustomizationSeen.add(abs);
    try {
      result.kustomizations.push({ path: toDisplayPath(options.cwd, abs), text: readFileSync(abs, 'utf8') });
    } catch {
      // An unreadable kustomization only means fewer names count as generated.
    }
  };

  /** `path`: the display path; `ignorePath`: relative to the ignore root (walked files only). */
  const read = (abs: string, path: string, explicit: boolean, ignorePath?: string) => {
    if (seen.has(abs)) return;
    if (!options.handles(path)) {
      if (explicit) {
        seen.add(abs);
        result.skipped.push({ file: path, reason: 'not a manifest or migration Rollback Guard reads' });
      }
      return;
    }
    seen.add(abs);
    if (!explicit && options.ignored(ignorePath ?? toIgnorePath(abs))) return;
    const outcome = readText(abs, options.maxBytes);
    if (typeof outcome === 'string') options.onFile?.(result.files.push({ abs, path, text: outcome }));
    else result.skipped.push({ file: path, reason: outcome.reason });
  };

  /**
   * Walks `dir` depth-first in name order. Paths relative to the working
   * directory, the ignore root and each .gitignore's directory are carried
   * down as strings rather than recomputed for every entry.
   */
  const walk = (dir: string, display: string, ignorePath: string, rules: { ig: Ignore; rel: string }[]) => {
    const gitignore = join(dir, '.gitignore');
    const scoped = existsSync(gitignore) ? [...rules, { ig: ignore().add(safeRead(gitignore)), rel: '' }] : rules;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (error) {
      result.skipped.push({ file: display || '.', reason: `cannot list directory: ${(error as Error).message}` });
      return;
    }
    for (const entry of entries) {
      const name = entry.name;
      if (ALWAYS_SKIPPED.has(name)) continue;
      const abs = join(dir, name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (!isDir && !isFile) {
        // A symlink (or an entry the file system did not type): what it points to decides.
        try {
          const stat = statSync(abs);
          isDir = stat.isDirectory();
          isFile = stat.isFile();
        } catch {
          continue; // dangling symlink
        }
      }
      if (scoped.some(({ ig, rel }) => ig.ignores(`${rel}${name}${isDir ? '/' : ''}`))) continue;
      const childDisplay = display ? `${display}/${name}` : name;
      const childIgnore = ignorePath ? `${ignorePath}/${name}` : name;
      if (isDir) {
        if (!options.ignored(childIgnore)) walk(abs, childDisplay, childIgnore, scoped.map((r) => ({ ig: r.ig, rel: `${r.rel}${name}/` })));
      } else if (isFile) {
        if (PROJECT_FILE_NAMES.includes(name)) noteKustomization(abs);
        read(abs, childDisplay, false, childIgnore);
      }
    }
  };

  for (const given of paths) {
    const abs = resolve(options.cwd, given);
    let stat;
    try {
      stat = statSync(abs);
    } catch {
      result.skipped.push({ file: given, reason: 'no such file or directory' });
      continue;
    }
    for (let dir = dirname(abs); ; dir = dirname(dir)) {
      for (const name of PROJECT_FILE_NAMES) if (existsSync(join(dir, name))) noteKustomization(join(dir, name));
      if (dir === options.cwd || dir === dirname(dir) || !abs.startsWith(options.cwd)) break;
    }
    if (stat.isDirectory()) {
      const display = toDisplayPath(options.cwd, abs);
      const rules = ancestorsIgnore(abs, options.cwd).map(({ base, ig }) => ({ ig, rel: `${relative(base, abs).split(sep).join('/')}/` }));
      walk(abs, display === '.' ? '' : display, toIgnorePath(abs), rules);
    } else read(abs, toDisplayPath(options.cwd, abs), true);
  }
  return result;
}

/** .gitignore rules of the directories between the working directory and a scanned directory. */
function ancestorsIgnore(dir: string, cwd: string): { base: string; ig: Ignore }[] {
  const out: { base: string; ig: Ignore }[] = [];
  if (!dir.startsWith(cwd) || dir === cwd) return out;
  const chain: string[] = [];
  for (let d = dirname(dir); d.startsWith(cwd); d = dirname(d)) {
    chain.unshift(d);
    if (d === cwd || d === dirname(d)) break;
  }
  for (const d of chain) {
    const file = join(d, '.gitignore');
    if (existsSync(file)) out.push({ base: d, ig: ignore().add(safeRead(file)) });
  }
  return out;
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The file's text, or why it is skipped. */
export function readText(abs: string, maxBytes: number): string | { reason: string } {
  let size: number;
  try {
    size = statSync(abs).size;
  } catch (error) {
    return { reason: `unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  if (size > maxBytes) return { reason: `larger than ${Math.round(maxBytes / 1024)} KB (${Math.round(size / 1024)} KB); raise maxFileSizeKb in .rollbackguard.yaml to analyse it` };
  let buffer: Buffer;
  try {
    buffer = readFileSync(abs);
  } catch (error) {
    return { reason: `unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  if (buffer.subarray(0, BINARY_PROBE_BYTES).includes(0)) return { reason: 'binary file' };
  return buffer.toString('utf8');
}
