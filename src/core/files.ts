import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { isAbsolute, relative } from 'node:path';

/**
 * Reading a file a repository provides. A path may be a FIFO (a read blocks
 * for ever), a device (`/dev/zero` never ends), a socket, or a symlink out of
 * the repository (`k8s/leak.sql -> ~/.config/token`). Only regular files are
 * read, never more than the limit, and the caller says whether a symlink may
 * be followed at all.
 */
export type FileRead = { ok: true; text: string } | { ok: false; reason: string; kind: 'not-regular' | 'symlink' | 'too-large' | 'binary' | 'unreadable' };

const BINARY_PROBE_BYTES = 8000;

/** What an fstat says a non-regular file is, for a note. */
export function fileKind(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isSymbolicLink()) return 'a symlink';
  return 'not a regular file';
}

/** True when `inner` is `outer` or below it (both absolute, real paths). */
export function isWithin(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The real path, or undefined (dangling symlink, no permission). */
export function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The text of a regular file of at most `maxBytes` bytes. The file is opened
 * without blocking (a FIFO opens, then is refused by its type), checked with
 * fstat on the open descriptor (no race with a swap), and read up to one byte
 * past the limit. With `followSymlink` false, a symlink as the last component
 * is refused.
 */
export function readRegularFile(path: string, maxBytes: number, options: { followSymlink?: boolean; binary?: 'skip' | 'read' } = {}): FileRead {
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (options.followSymlink === false ? (constants.O_NOFOLLOW ?? 0) : 0);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' && options.followSymlink === false) return { ok: false, kind: 'symlink', reason: 'a symlink; not followed' };
    return { ok: false, kind: 'unreadable', reason: `unreadable: ${code ?? (error as Error).message}` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, kind: 'not-regular', reason: `${fileKind(stat)}, not a regular file; not read` };
    if (stat.size > maxBytes) return { ok: false, kind: 'too-large', reason: `larger than ${Math.round(maxBytes / 1024)} KB (${Math.round(stat.size / 1024)} KB); raise maxFileSizeKb in .rollbackguard.yaml to analyse it` };
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) return { ok: false, kind: 'too-large', reason: `grew past ${Math.round(maxBytes / 1024)} KB while being read; not read` };
    }
    const bytes = buffer.subarray(0, length);
    if (options.binary !== 'read' && bytes.subarray(0, BINARY_PROBE_BYTES).includes(0)) return { ok: false, kind: 'binary', reason: 'binary file' };
    return { ok: true, text: bytes.toString('utf8') };
  } catch (error) {
    return { ok: false, kind: 'unreadable', reason: `unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  } finally {
    closeSync(fd);
  }
}
