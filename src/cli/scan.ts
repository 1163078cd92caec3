import { existsSync, lstatSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { fileKind, isWithin, readRegularFile, realPath } from '../core/files';
import type { SkippedFile } from '../core/report/summary';
import { PROJECT_FILE_NAMES } from '../core/project';
import { gitListedFilesSync } from '../git/listing';

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
  /** Whether an analyzer may read this path once it has seen the text (`accepts` decides; an oversized or binary file is then passed over quietly). */
  mayHandle?(path: string): boolean;
  /** Whether an analyzer reads the file, now that its text is known (default: every file `handles` accepts). */
  accepts?(path: string, text: string): boolean;
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
  /** Display paths of the files the walk met but no analyzer reads (for the notes on unread migration folders). */
  unread: string[];
}

/** Directories never worth descending into, even without a .gitignore. */
const ALWAYS_SKIPPED = new Set(['.git', 'node_modules', '.hg', '.svn']);
/** .gitignore and kustomization files are small; a bigger one is not read. */
const SMALL_FILE_BYTES = 1024 * 1024;

export function toDisplayPath(cwd: string, abs: string): string {
  return relative(cwd, abs).split(sep).join('/') || '.';
}

/**
 * What git lists under a directory: the tracked files (even those a
 * `.gitignore` matches) and the untracked ones no ignore rule matches, by
 * absolute path, with every directory on their way. Undefined outside a
 * work tree, without git, or when git lists nothing there (an ignored
 * directory named explicitly is then walked with its .gitignore rules).
 */
export function gitListing(dir: string): { files: Set<string>; dirs: Set<string> } | undefined {
  const listed = gitListedFilesSync(dir);
  if (!listed) return undefined;
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const rel of listed) {
    const abs = join(dir, ...rel.split('/'));
    files.add(abs);
    for (let d = dirname(abs); d.length > dir.length && !dirs.has(d); d = dirname(d)) dirs.add(d);
  }
  return files.size > 0 ? { files, dirs } : undefined;
}

/**
 * Collects the files to analyse: inside a Git work tree, the files git lists
 * (tracked ones even when a `.gitignore` matches them, untracked ones unless
 * ignored); elsewhere, directories are walked respecting every `.gitignore`
 * on the way. The config's `ignore` globs apply to both; files named
 * explicitly are always read. Unreadable, binary and oversized files are
 * skipped with a reason.
 *
 * The scan stays inside what it was given: a symlink is followed only when
 * it leads to a place inside one of the scanned directories (else it is
 * skipped with a note), a directory reached twice (a symlink loop) is walked
 * once, and only regular files are read — a FIFO, a device or a socket is
 * skipped with a note, even when named explicitly.
 */
export function scan(paths: readonly string[], options: ScanOptions): ScanResult {
  const result: ScanResult = { files: [], skipped: [], kustomizations: [], unread: [] };
  const seen = new Set<string>();
  /** Real paths of the directories walked, and of the files read (a file reached through two names is read once). */
  const walked = new Map<string, string>();
  const readReal = new Map<string, string>();
  /** Real paths of the scanned directories (and of the working directory, for explicit files): what a symlink may lead into. */
  const roots: string[] = [];
  const cwdReal = realPath(options.cwd) ?? options.cwd;
  const inside = (real: string) => roots.some((root) => isWithin(root, real));
  const skip = (file: string, reason: string) => result.skipped.push({ file, reason });
  const ignoreRoot = options.ignoreRoot ?? options.cwd;
  const toIgnorePath = (abs: string) => relative(ignoreRoot, abs).split(sep).join('/');
  const kustomizationSeen = new Set<string>();

  const noteKustomization = (abs: string) => {
    if (kustomizationSeen.has(abs)) return;
    kustomizationSeen.add(abs);
    // An unreadable kustomization only means fewer names count as generated.
    const read = readRegularFile(abs, SMALL_FILE_BYTES, { followSymlink: false });
    if (read.ok) result.kustomizations.push({ path: toDisplayPath(options.cwd, abs), text: read.text });
  };

  /** `path`: the display path; `ignorePath`: relative to the ignore root (walked files only). */
  const read = (abs: string, path: string, explicit: boolean, ignorePath?: string) => {
    if (seen.has(abs)) return;
    const notRead = () => {
      if (explicit) result.skipped.push({ file: path, reason: 'not a manifest or migration Rollback Guard reads' });
      else result.unread.push(path);
    };
    const certain = options.handles(path);
    if (!certain && !options.mayHandle?.(path)) {
      if (explicit) seen.add(abs);
      notRead();
      return;
    }
    seen.add(abs);
    if (!explicit && options.ignored(ignorePath ?? toIgnorePath(abs))) return;
    const real = realPath(abs) ?? abs;
    const earlier = readReal.get(real);
    if (earlier !== undefined) return skip(path, `the same file as ${earlier} (through a symlink); analysed once`);
    readReal.set(real, path);
    const outcome = readText(real, options.maxBytes);
    if (typeof outcome !== 'string') {
      // A file only a text sniff could claim (any `.xml`) is passed over quietly when it cannot be read.
      if (certain || explicit) skip(path, outcome.reason);
    } else if (options.accepts && !options.accepts(path, outcome)) notRead();
    else {
      const count = result.files.push({ abs, path, text: outcome });
      options.onFile?.(count);
    }
  };

  /**
   * Walks `dir` depth-first in name order. Paths relative to the working
   * directory, the ignore root and each .gitignore's directory are carried
   * down as strings rather than recomputed for every entry.
   */
  const walk = (dir: string, display: string, ignorePath: string, rules: { ig: Ignore; rel: string }[], listed?: { files: Set<string>; dirs: Set<string> }) => {
    const real = realPath(dir) ?? dir;
    const before = walked.get(real);
    if (before !== undefined) return skip(display || '.', `the same directory as ${before || '.'} (a symlink, or a symlink loop); walked once`);
    walked.set(real, display);
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
      const childDisplay = display ? `${display}/${name}` : name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      let other: string | undefined;
      if (!isDir && !isFile) {
        // A symlink (or an entry the file system did not type): what it points to decides, if it stays inside.
        let stat;
        try {
          stat = entry.isSymbolicLink() || entry.isFIFO() || entry.isCharacterDevice() || entry.isBlockDevice() || entry.isSocket() ? lstatSync(abs) : statSync(abs);
          if (stat.isSymbolicLink()) {
            const target = realPath(abs);
            if (target === undefined) {
              if (options.handles(childDisplay)) skip(childDisplay, 'a broken symlink; not read');
              continue;
            }
            if (!inside(target)) {
              if (options.handles(childDisplay) || statSync(abs).isDirectory()) skip(childDisplay, 'a symlink that leads outside the scanned folder; not followed');
              continue;
            }
            stat = statSync(abs);
          }
        } catch (error) {
          skip(childDisplay, `unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
          continue;
        }
        isDir = stat.isDirectory();
        isFile = stat.isFile();
        if (!isDir && !isFile) other = fileKind(stat);
      }
      // Git's list decides; a directory git lists as one entry (a symlink to a directory, a submodule) is walked by its .gitignore rules.
      let childListed = listed;
      if (listed) {
        if (isDir && listed.files.has(abs)) childListed = undefined;
        else if (isDir ? !listed.dirs.has(abs) : !listed.files.has(abs)) continue;
      } else if (scoped.some(({ ig, rel }) => ig.ignores(`${rel}${name}${isDir ? '/' : ''}`))) continue;
      const childIgnore = ignorePath ? `${ignorePath}/${name}` : name;
      if (other !== undefined) {
        if (options.handles(childDisplay) && !options.ignored(childIgnore)) skip(childDisplay, `${other}, not a regular file; not read`);
        continue;
      }
      if (isDir) {
        if (!options.ignored(childIgnore)) walk(abs, childDisplay, childIgnore, scoped.map((r) => ({ ig: r.ig, rel: `${r.rel}${name}/` })), childListed);
      } else if (isFile) {
        if (PROJECT_FILE_NAMES.includes(name)) noteKustomization(abs);
        read(abs, childDisplay, false, childIgnore);
      }
    }
  };

  for (const given of paths) {
    const abs = resolve(options.cwd, given);
    const real = realPath(abs);
    if (real !== undefined) {
      try {
        if (statSync(real).isDirectory()) roots.push(real);
      } catch {
        // Reported below.
      }
    }
  }
  for (const given of paths) {
    const abs = resolve(options.cwd, given);
    let stat;
    try {
      stat = statSync(abs);
    } catch {
      skip(given, lstatOk(abs) ? 'a broken symlink; not read' : 'no such file or directory');
      continue;
    }
    // A path named on the command line that is a symlink may lead anywhere inside the working directory, not out of it.
    const real = realPath(abs) ?? abs;
    if (real !== abs && lstatOk(abs) && !isWithin(cwdReal, real) && !inside(real) && isSymlink(abs)) {
      skip(toDisplayPath(options.cwd, abs), 'a symlink that leads outside the working directory; not followed');
      continue;
    }
    if (!stat.isDirectory() && !stat.isFile()) {
      skip(toDisplayPath(options.cwd, abs), `${fileKind(stat)}, not a regular file; not read`);
      continue;
    }
    for (let dir = dirname(abs); ; dir = dirname(dir)) {
      for (const name of PROJECT_FILE_NAMES) if (existsSync(join(dir, name))) noteKustomization(join(dir, name));
      if (dir === options.cwd || dir === dirname(dir) || !abs.startsWith(options.cwd)) break;
    }
    if (stat.isDirectory()) {
      const display = toDisplayPath(options.cwd, abs);
      const rules = ancestorsIgnore(abs, options.cwd).map(({ base, ig }) => ({ ig, rel: `${relative(base, abs).split(sep).join('/')}/` }));
      const before = result.files.length;
      walk(abs, display === '.' ? '' : display, toIgnorePath(abs), rules, gitListing(abs));
      // Silence is never an all-clear: say when a folder given to check holds nothing Rollback Guard reads.
      if (result.files.length === before) result.skipped.push({ file: display, reason: 'no manifest or migration Rollback Guard reads is in this folder' });
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
  const read = readRegularFile(file, SMALL_FILE_BYTES, { followSymlink: false });
  return read.ok ? read.text : '';
}

function lstatOk(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The file's text, or why it is skipped: only a regular file, never more than `maxBytes` (see core/files.ts). */
export function readText(abs: string, maxBytes: number): string | { reason: string } {
  const read = readRegularFile(abs, maxBytes);
  return read.ok ? read.text : { reason: read.reason };
}
