/**
 * Parsers for git's machine-readable outputs: `--name-status -z`,
 * `--numstat -z`, `-U0` hunk headers, `blame --porcelain`,
 * `status --porcelain=v1 -z`. Pure functions over strings.
 */
import type { ChangeStatus, Hunk } from '../core/release/model';

export interface NameStatus {
  status: ChangeStatus;
  path: string;
  oldPath?: string;
  /** Rename/copy similarity, 0–100. */
  similarity?: number;
}

const STATUS: Record<string, ChangeStatus> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type-changed' };

/** `git diff --name-status -z`: `M\0path\0`, `R086\0old\0new\0`. Unmerged (`U`) and unknown (`X`) entries are skipped. */
export function parseNameStatus(out: string): NameStatus[] {
  const parts = out.split('\0');
  const result: NameStatus[] = [];
  for (let i = 0; i < parts.length; ) {
    const code = parts[i++];
    if (!code) continue;
    const letter = code[0]!;
    if (letter === 'R' || letter === 'C') {
      const oldPath = parts[i++]!;
      const path = parts[i++]!;
      result.push({ status: STATUS[letter]!, path, oldPath, similarity: Number(code.slice(1)) || 0 });
      continue;
    }
    const path = parts[i++]!;
    const status = STATUS[letter];
    if (status) result.push({ status, path });
  }
  return result;
}

/**
 * `git diff --numstat -z`: `added\tdeleted\tpath\0`, or for a rename
 * `added\tdeleted\t\0old\0new\0`; `-\t-\t` marks a binary file. Returns the
 * head paths of binary files.
 */
export function parseNumstatBinary(out: string): Set<string> {
  const binary = new Set<string>();
  const parts = out.split('\0');
  for (let i = 0; i < parts.length; ) {
    const record = parts[i++];
    if (!record) continue;
    const [added, deleted, path] = record.split('\t');
    let head = path;
    if (path === '') {
      i++; // old path
      head = parts[i++];
    }
    if (added === '-' && deleted === '-' && head !== undefined) binary.add(head);
  }
  return binary;
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Splits `git diff -U0` output into one list of hunks per file section, in output order. */
export function parseHunkSections(out: string): Hunk[][] {
  const sections: Hunk[][] = [];
  let current: Hunk[] | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('diff --git ') || line.startsWith('diff --cc ') || line.startsWith('diff --combined ')) {
      current = [];
      sections.push(current);
      continue;
    }
    if (!current || !line.startsWith('@@ ')) continue;
    const m = HUNK.exec(line);
    if (!m) continue;
    current.push({
      oldStart: Number(m[1]),
      oldLines: m[2] === undefined ? 1 : Number(m[2]),
      newStart: Number(m[3]),
      newLines: m[4] === undefined ? 1 : Number(m[4]),
    });
  }
  return sections;
}

export interface BlameLine {
  sha: string;
  /** True for a line not committed yet (blame's all-zero id). */
  uncommitted: boolean;
  summary?: string;
  author?: string;
  authorTime?: number;
  /** Path of the line in that commit. */
  filename?: string;
  /** Line number in that commit (1-based). */
  originalLine: number;
  /** Line number in the blamed file (1-based). */
  finalLine: number;
}

/**
 * `git blame --porcelain`: per line, a header `<sha> <orig> <final> [<n>]`,
 * the commit's `key value` lines the first time the commit appears, then the
 * tab-prefixed content. Returns one entry per blamed line, in order.
 */
export function parseBlamePorcelain(out: string): BlameLine[] {
  const commits = new Map<string, Omit<BlameLine, 'originalLine' | 'finalLine'>>();
  const result: BlameLine[] = [];
  let current: BlameLine | undefined;
  for (const line of out.split('\n')) {
    const head = /^([0-9a-f]{40,64}) (\d+) (\d+)/.exec(line);
    if (head && !current) {
      const sha = head[1]!;
      const known = commits.get(sha) ?? { sha, uncommitted: /^0+$/.test(sha) };
      commits.set(sha, known);
      current = { ...known, originalLine: Number(head[2]), finalLine: Number(head[3]) };
      continue;
    }
    if (!current) continue;
    if (line.startsWith('\t')) {
      result.push({ ...commits.get(current.sha)!, originalLine: current.originalLine, finalLine: current.finalLine });
      current = undefined;
      continue;
    }
    const space = line.indexOf(' ');
    const key = space === -1 ? line : line.slice(0, space);
    const value = space === -1 ? '' : line.slice(space + 1);
    const info = commits.get(current.sha)!;
    if (key === 'summary') info.summary = value;
    else if (key === 'author') info.author = value;
    else if (key === 'author-time') info.authorTime = Number(value);
    else if (key === 'filename') info.filename = value;
  }
  return result;
}

/** `git status --porcelain=v1 -z`: paths with tracked changes (staged or not), and untracked ones. */
export function parseStatus(out: string): { tracked: string[]; untracked: string[]; conflicted: string[] } {
  const result = { tracked: [] as string[], untracked: [] as string[], conflicted: [] as string[] };
  const parts = out.split('\0');
  for (let i = 0; i < parts.length; ) {
    const entry = parts[i++];
    if (!entry || entry.length < 4) continue;
    const xy = entry.slice(0, 2);
    const path = entry.slice(3);
    if (xy[0] === 'R' || xy[0] === 'C') i++; // the original path follows
    if (xy === '??') result.untracked.push(path);
    else if (xy === '!!') continue;
    else if (xy.includes('U') || xy === 'AA' || xy === 'DD') result.conflicted.push(path);
    else result.tracked.push(path);
  }
  return result;
}
