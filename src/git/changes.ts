import { buildProjectContext, KUSTOMIZATION_FILE_NAMES, type ProjectContext } from '../core/project';
import type { ChangedFile, ReleaseInput } from '../core/release/model';
import { PLAN_FILE_NAMES } from '../core/rules/release/RG303-no-rollback-plan';
import type { BaseInfo } from './base';
import { runGitSync } from './exec';
import { parseHunkSections, parseNameStatus, parseNumstatBinary } from './parse';
import type { GitRepo } from './repo';

/** `worktree`: the files on disk (tracked changes, staged or not, and untracked files not ignored). */
export type HeadSide = { commit: string } | 'worktree';

// Machine-readable and independent of the user's diff settings (external diff
// tools, textconv filters, colour); -M detects renames as `git diff` does by default.
const DIFF_OPTIONS = ['--no-color', '--no-ext-diff', '--no-textconv', '-M'];

/** Changed files between `from` and the head side: status, rename source, binary flag and `-U0` hunks (no contents). */
export async function listChanges(repo: GitRepo, from: string, head: HeadSide): Promise<ChangedFile[]> {
  const range = ['--end-of-options', ...(head === 'worktree' ? [from] : [from, head.commit])];
  const [nameStatus, numstat, patch] = await Promise.all([
    repo.run(['diff', '--name-status', '-z', ...DIFF_OPTIONS, ...range, '--']),
    repo.run(['diff', '--numstat', '-z', ...DIFF_OPTIONS, ...range, '--']),
    repo.run(['diff', '-U0', ...DIFF_OPTIONS, ...range, '--']),
  ]);
  const entries = parseNameStatus(nameStatus);
  const binary = parseNumstatBinary(numstat);
  let sections = parseHunkSections(patch);
  if (sections.length !== entries.length) {
    // Both listings come from the same diff queue in the same order; if they
    // ever disagree, ask per file rather than guess.
    sections = [];
    for (const e of entries) {
      const out = await repo.run(['diff', '-U0', ...DIFF_OPTIONS, ...range, '--', ...(e.oldPath ? [e.oldPath] : []), e.path]);
      sections.push(parseHunkSections(out).flat());
    }
  }
  const files: ChangedFile[] = entries.map((e, i) => ({
    path: e.path,
    ...(e.oldPath ? { oldPath: e.oldPath } : {}),
    status: e.status,
    binary: binary.has(e.path),
    hunks: sections[i] ?? [],
  }));
  if (head === 'worktree') {
    const untracked = (await repo.run(['ls-files', '-z', '--others', '--exclude-standard'])).split('\0').filter(Boolean);
    for (const path of untracked) files.push({ path, status: 'added', binary: false, hunks: [] });
  }
  return files;
}

export interface ReleaseInputOptions {
  head?: HeadSide;
  /** Files larger than this are listed but not read. */
  maxBytes?: number;
}

const BINARY_PROBE_BYTES = 8000;

function decode(buffer: Buffer | undefined, maxBytes: number): { text?: string; binary?: boolean; tooLarge?: boolean } {
  if (!buffer) return {};
  if (buffer.subarray(0, BINARY_PROBE_BYTES).includes(0)) return { binary: true };
  if (buffer.length > maxBytes) return { tooLarge: true };
  return { text: buffer.toString('utf8') };
}

/** Whole-file hunk for a file git does not diff (untracked). */
function wholeFile(text: string): ChangedFile['hunks'] {
  const lines = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  return lines === 0 ? [] : [{ oldStart: 0, oldLines: 0, newStart: 1, newLines: lines }];
}

/** Reads one file of a revision synchronously (the engine's sibling lookups are synchronous and rare). */
function readRevisionSync(repo: GitRepo, rev: string, path: string): string | undefined {
  return runGitSync(repo.root, ['cat-file', 'blob', `${rev}:${path}`], { pinned: repo.pins })?.toString('utf8');
}

async function projectAt(repo: GitRepo, head: HeadSide | { commit: string }): Promise<ProjectContext> {
  const names = new Set(KUSTOMIZATION_FILE_NAMES);
  const isKustomization = (p: string) => names.has(p.slice(p.lastIndexOf('/') + 1));
  if (head === 'worktree') {
    const paths = (await repo.run(['ls-files', '-z', '--cached', '--others', '--exclude-standard'])).split('\0').filter((p) => p && isKustomization(p));
    const files: { path: string; text: string }[] = [];
    for (const path of paths) {
      const buffer = await repo.readWorktree(path);
      if (buffer) files.push({ path, text: buffer.toString('utf8') });
    }
    return buildProjectContext(files);
  }
  const paths = (await repo.run(['ls-tree', '-r', '-z', '--name-only', head.commit])).split('\0').filter((p) => p && isKustomization(p));
  const blobs = await repo.readBlobs(paths.map((path) => ({ rev: head.commit, path })));
  return buildProjectContext(paths.flatMap((path, i) => (blobs[i] ? [{ path, text: blobs[i]!.toString('utf8') }] : [])));
}

/**
 * Everything release analysis needs from git: the changed files between the
 * merge base and the head side with both contents, sibling readers for each
 * side, Kustomize generators, and the release plan at the root.
 */
export async function releaseInput(repo: GitRepo, base: BaseInfo, options: ReleaseInputOptions = {}): Promise<ReleaseInput> {
  const head: HeadSide = options.head ?? { commit: base.head.sha };
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const files = await listChanges(repo, base.mergeBase, head);

  const requests: { rev: string; path: string }[] = [];
  const slots: { file: ChangedFile; side: 'base' | 'head'; index: number }[] = [];
  for (const file of files) {
    if (file.status !== 'added') {
      slots.push({ file, side: 'base', index: requests.length });
      requests.push({ rev: base.mergeBase, path: file.oldPath ?? file.path });
    }
    if (file.status !== 'deleted' && head !== 'worktree') {
      slots.push({ file, side: 'head', index: requests.length });
      requests.push({ rev: head.commit, path: file.path });
    }
  }
  const blobs = await repo.readBlobs(requests);
  const read = async (slot: { file: ChangedFile; side: 'base' | 'head' }, buffer: Buffer | undefined) => {
    const decoded = decode(buffer, maxBytes);
    if (decoded.binary) slot.file.binary = true;
    if (decoded.tooLarge) slot.file.unreadable = `larger than ${Math.round(maxBytes / 1024)} KB; not read`;
    if (decoded.text !== undefined) slot.file[slot.side] = decoded.text;
  };
  for (const slot of slots) await read(slot, blobs[slot.index]);
  if (head === 'worktree') {
    for (const file of files) {
      if (file.status === 'deleted') continue;
      const onDisk = repo.readWorktreeFile(file.path, maxBytes);
      if (!onDisk.ok) {
        // A symlink, a FIFO or a device in the working tree is not read (a missing file simply has no head).
        if (onDisk.kind === 'too-large') file.unreadable = `larger than ${Math.round(maxBytes / 1024)} KB; not read`;
        else if (onDisk.kind !== 'unreadable') file.unreadable = onDisk.reason;
        continue;
      }
      await read({ file, side: 'head' }, Buffer.from(onDisk.text, 'utf8'));
      if (file.status === 'added' && file.hunks.length === 0 && file.head !== undefined) file.hunks = wholeFile(file.head);
    }
  }
  for (const file of files) if (file.binary) {
    delete file.base;
    delete file.head;
  }

  let plan: ReleaseInput['plan'];
  for (const name of PLAN_FILE_NAMES) {
    const changed = files.find((f) => f.path === name && f.head !== undefined);
    const buffer = changed ? undefined : head === 'worktree' ? await repo.readWorktree(name) : (await repo.readBlobs([{ rev: head.commit, path: name }]))[0];
    const text = changed?.head ?? buffer?.toString('utf8');
    if (text !== undefined) {
      plan = { path: name, text };
      break;
    }
  }

  // "(working tree)" only when uncommitted changes are part of what is analysed: on a clean tree it is the branch.
  const uncommitted = head === 'worktree' ? await uncommittedIn(repo, files) : false;
  const headRef = head === 'worktree' ? `${base.head.branch ?? 'HEAD'}${uncommitted ? ' (working tree)' : ''}` : (base.head.branch ?? head.commit.slice(0, 12));
  return {
    base: {
      ref: base.ref,
      sha: base.sha,
      readFile: (path) => readRevisionSync(repo, base.mergeBase, path),
      project: await projectAt(repo, { commit: base.mergeBase }),
    },
    head: {
      ref: headRef,
      sha: head === 'worktree' ? base.head.sha : head.commit,
      readFile:
        head === 'worktree'
          ? (path) => {
              const read = repo.readWorktreeFile(path, maxBytes);
              return read.ok ? read.text : undefined;
            }
          : (path) => readRevisionSync(repo, head.commit, path),
      project: await projectAt(repo, head),
    },
    mergeBase: base.mergeBase,
    files,
    plan,
    notes: base.notes,
  };
}

/** Whether any of `files` has changes in the working tree that HEAD does not have (edited, staged or untracked). */
async function uncommittedIn(repo: GitRepo, files: readonly { path: string; oldPath?: string }[]): Promise<boolean> {
  const status = await repo.status();
  const dirty = new Set([...status.tracked, ...status.untracked, ...status.conflicted]);
  return files.some((f) => dirty.has(f.path) || (f.oldPath !== undefined && dirty.has(f.oldPath)));
}
