import { relative, resolve, sep } from 'node:path';
import { isIgnoredPath, type RollbackGuardConfig } from '../core/config';
import type { Finding } from '../core/model';
import { analyzeRelease, type ReleaseAnalysis } from '../core/release';
import { GitRepo, releaseInput, resolveBase, type BaseInfo } from '../git';
import { UsageError } from './args';
import type { CliIO } from './io';

export interface BranchRun {
  repo: GitRepo;
  base: BaseInfo;
  analysis: ReleaseAnalysis;
}

export interface BranchOptions {
  /** `--base REF`; `auto` (or undefined) finds it: configured base, upstream, origin/HEAD, main, master. */
  base?: string;
  config: RollbackGuardConfig;
  /** Compare the working tree (uncommitted changes included) instead of the HEAD commit. */
  worktree: boolean;
  /** Only changes under these paths (relative to the working directory). */
  paths: readonly string[];
  /** Directory of the configuration file: its `ignore` globs are relative to it (default: the repository root). */
  configDir?: string;
  /** Changed files (repository paths) not to analyse, each with why: they get an RG003 note. */
  notAnalysed?: ReadonlyMap<string, string>;
  /** Called as the analysis of each version of a file begins, and with undefined after the last. */
  onFile?(path: string | undefined): void;
}

/** Branch mode of the CLI: the release of HEAD (or the working tree) against its base. */
export async function analyzeBranch(io: CliIO, options: BranchOptions): Promise<BranchRun> {
  const repo = await GitRepo.open(io.cwd);
  if (!repo) throw new UsageError(`${io.cwd} is not inside a git repository (or git is not installed): comparing with a base needs one`);
  const base = await resolveBase(repo, { explicit: options.base === 'auto' ? undefined : options.base, setting: options.config.base });
  if (!base.ok) throw new UsageError(base.error.message);
  const input = await releaseInput(repo, base.value, {
    head: options.worktree ? 'worktree' : { commit: base.value.head.sha },
    maxBytes: options.config.maxFileSizeKb * 1024,
  });
  const configDir = options.configDir ?? repo.root;
  const excluded = (path: string) => isIgnoredPath(options.config, relative(configDir, resolve(repo.root, path)).split(sep).join('/'));
  const under = options.paths.map((p) => toRepoPath(repo.root, resolve(io.cwd, p)));
  const wanted = (path: string) => !excluded(path) && (under.length === 0 || under.some((u) => u === '' || path === u || path.startsWith(`${u}/`)));
  const files = input.files.filter((f) => wanted(f.path) || (f.oldPath !== undefined && wanted(f.oldPath)));
  for (const file of files) {
    const why = options.notAnalysed?.get(file.path) ?? (file.oldPath !== undefined ? options.notAnalysed?.get(file.oldPath) : undefined);
    if (why !== undefined) file.notAnalysed = why;
  }
  const analysis = await analyzeRelease({ ...input, files }, { config: options.config, ignoreFixes: false, ...(options.onFile ? { onFile: options.onFile } : {}) });
  return { repo, base: base.value, analysis };
}

function toRepoPath(root: string, abs: string): string {
  const rel = relative(root, abs).split(sep).join('/');
  return rel === '.' ? '' : rel;
}

/** Findings with paths relative to the working directory, as `check` prints them. */
export function forDisplay(run: { repo: { root: string } }, cwd: string, findings: readonly Finding[]): Finding[] {
  return findings.map((f) => ({ ...f, file: relative(cwd, resolve(run.repo.root, f.file)).split(sep).join('/') || f.file }));
}

/** One line about the release, after the findings. */
export function releaseLine(a: ReleaseAnalysis): string {
  const s = a.summary;
  if (s.rollbackClass === null) return `Release ${a.head.ref} against ${a.base.ref}: no changes.`;
  return `Release ${a.head.ref} against ${a.base.ref}: rollback class ${s.rollbackClass}; layers ${s.layers.join(', ') || 'none'}; recommended action ${s.action}.${s.steps.length > 1 ? ` Steps: ${s.steps.map((st) => st.action).join(' → ')}.` : ''}`;
}
