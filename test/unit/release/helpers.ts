import { analyzeRelease, lineHunks, type ChangedFile, type ReleaseAnalysis, type ReleaseInput } from '../../../src/core/release';
import type { RollbackGuardConfig } from '../../../src/core/config';
import type { Finding } from '../../../src/core/model';

export type Tree = Record<string, string>;

/** The change set between two trees (path → content), as the git layer would hand it over (no rename detection). */
export function changes(base: Tree, head: Tree): ChangedFile[] {
  const out: ChangedFile[] = [];
  for (const path of [...new Set([...Object.keys(base), ...Object.keys(head)])].sort()) {
    const b = base[path];
    const h = head[path];
    if (b === h) continue;
    const status = b === undefined ? 'added' : h === undefined ? 'deleted' : 'modified';
    out.push({ path, status, binary: false, hunks: lineHunks(b ?? '', h ?? ''), ...(b !== undefined ? { base: b } : {}), ...(h !== undefined ? { head: h } : {}) });
  }
  return out;
}

/** Analyses head against base as a branch of `main`; files not changed are readable as siblings. */
export function release(base: Tree, head: Tree, options: { config?: RollbackGuardConfig; input?: Partial<ReleaseInput> } = {}): Promise<ReleaseAnalysis> {
  return analyzeRelease(
    {
      base: { ref: 'main', sha: 'b'.repeat(40), readFile: (p) => base[p] },
      head: { ref: 'feature', sha: 'f'.repeat(40), readFile: (p) => head[p] },
      files: changes(base, head),
      ...options.input,
    },
    { config: options.config },
  );
}

/** `RG106@apps/web.yaml:7:3` — rule, file and 1-based start of each finding. */
export function at(findings: readonly Finding[], ruleId?: string): string[] {
  return findings.filter((f) => ruleId === undefined || f.ruleId === ruleId).map((f) => `${f.ruleId}@${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}`);
}
