import { compileGlobs, GlobError } from '../core/glob';
import { runGit, runGitSync } from './exec';

/** Tracked files (even those a `.gitignore` matches) and untracked ones no ignore rule matches. */
const LS_FILES = ['ls-files', '-z', '--cached', '--others', '--exclude-standard'];

function parse(out: Buffer | undefined): string[] | undefined {
  const paths = out?.toString('utf8').split('\0').filter(Boolean) ?? [];
  return paths.length > 0 ? paths : undefined;
}

/**
 * What git lists under `dir`, relative to it with forward slashes: the
 * tracked files, even those a `.gitignore` matches, and the untracked ones
 * no ignore rule matches. Undefined outside a work tree, without git, or
 * when git lists nothing there.
 */
export function gitListedFilesSync(dir: string): string[] | undefined {
  return parse(runGitSync(dir, LS_FILES));
}

/** gitListedFilesSync, without blocking (the editor's extension host). */
export async function gitListedFiles(dir: string): Promise<string[] | undefined> {
  try {
    return parse(await runGit(dir, LS_FILES));
  } catch {
    return undefined;
  }
}

/**
 * The files of a folder a workspace analysis reads when the folder is in a
 * Git work tree, as `check` reads them: what git lists whose name `include`
 * accepts and no `exclude` glob (relative to the folder) matches. Undefined
 * outside a work tree, or for an exclude glob it does not read: the caller
 * searches the folder instead.
 */
export async function gitWorkspaceFiles(dir: string, include: RegExp, exclude: readonly string[]): Promise<string[] | undefined> {
  let excluded: (path: string) => boolean;
  try {
    excluded = compileGlobs(exclude, { paths: true });
  } catch (error) {
    // A glob this matcher does not read: the caller's search applies it as the editor reads it.
    if (error instanceof GlobError) return undefined;
    throw error;
  }
  const listed = await gitListedFiles(dir);
  return listed?.filter((path) => include.test(path) && !excluded(path));
}
