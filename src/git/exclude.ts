import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** The work tree holding `path` and its info/exclude file (a linked worktree's is the main repository's). */
function findRepository(path: string): { top: string; exclude: string } | undefined {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    if (existsSync(dotGit)) {
      let gitDir = dotGit;
      if (statSync(dotGit).isFile()) {
        const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
        if (!m) return undefined;
        gitDir = resolve(dir, m[1]!.trim());
        const common = join(gitDir, 'commondir');
        if (existsSync(common)) gitDir = resolve(gitDir, readFileSync(common, 'utf8').trim());
      }
      return { top: dir, exclude: join(gitDir, 'info', 'exclude') };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Keeps a directory Rollback Guard writes into a work tree (its evidence
 * records) out of Git: adds `/<path>/` to the repository's info/exclude
 * once, so the files are neither untracked changes nor committed by
 * accident. Returns the exclude file when it had to add the line; nothing
 * when the directory is outside any work tree or already excluded.
 */
export function excludeFromGit(directory: string): string | undefined {
  const repo = findRepository(existsSync(directory) ? directory : dirname(directory));
  if (!repo) return undefined;
  const rel = relative(repo.top, resolve(directory));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  const line = `/${rel.split(sep).join('/')}/`;
  const current = existsSync(repo.exclude) ? readFileSync(repo.exclude, 'utf8') : '';
  if (current.split(/\r?\n/).includes(line)) return undefined;
  mkdirSync(dirname(repo.exclude), { recursive: true });
  appendFileSync(repo.exclude, `${current && !current.endsWith('\n') ? '\n' : ''}# Rollback Guard's evidence records\n${line}\n`);
  return repo.exclude;
}
