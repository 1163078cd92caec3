import type { Finding, RollbackClass } from '../../model';
import type { MigrationUnit } from '../../migrations/model';
import type { Report, RuleMeta } from '../../rule';
import type { LineIndex } from '../../text';
import type { Document } from 'yaml';
import type { Located } from '../../release/facts';
import type { ChangeStatus, ImageChange, MigrationChange } from '../../release/model';

/** What a release rule reports: a finding on a head file (or on the base path of a deleted file). */
export interface ReleaseReport extends Report {
  file: string;
  /**
   * About the release as a whole rather than a line (RG112, RG302, RG303):
   * a file-wide ignore in any changed file, or the configuration, accepts it.
   */
  wide?: boolean;
  /**
   * The range is in the base version of `file` (an object the branch
   * removed). When the file still exists on the branch, the finding moves to
   * its first line there.
   */
  onBase?: boolean;
}

export interface MigrationFacts extends MigrationChange {
  units: readonly MigrationUnit[];
  lines: LineIndex;
}

export interface ReleasePlan {
  path: string;
  text: string;
  /** Added or modified by this branch. */
  changed: boolean;
  document: Document.Parsed;
  lines: LineIndex;
}

/** Everything the release rules read; built once per analysis from the parse of each side. */
export interface ReleaseFacts {
  /** How the base is named in messages: `main`, `origin/main`. */
  baseRef: string;
  base: ReadonlyMap<string, Located>;
  head: ReadonlyMap<string, Located>;
  /** Objects on both sides whose content differs; `imageOnly` when nothing but container images changed. */
  changed: readonly { base: Located; head: Located; imageOnly: boolean }[];
  /** Objects on both sides (changed or not). */
  both: readonly { base: Located; head: Located }[];
  added: readonly Located[];
  removed: readonly Located[];
  images: readonly ImageChange[];
  migrations: readonly MigrationFacts[];
  /** Helm values and kustomizations whose content other than images changed. */
  configFiles: readonly { path: string; range: Finding['range'] }[];
  /** Head paths of the changed files, with their status. */
  files: ReadonlyMap<string, { status: ChangeStatus; oldPath?: string }>;
  plan?: ReleasePlan;
}

export interface ReleaseContext extends ReleaseFacts {
  report(report: ReleaseReport): void;
}

/** The release's class once every other finding is known (what RG303 and the plan's RG115 judge). */
export interface Verdict {
  rollbackClass: RollbackClass | null;
  /** Findings that set the class, in file order. */
  causes: readonly Finding[];
}

/** A rule that judges a branch against its base. */
export interface ReleaseRule {
  meta: RuleMeta;
  check?(ctx: ReleaseContext): void;
  /** Runs once the release class is known. */
  judge?(ctx: ReleaseContext, verdict: Verdict): void;
}

export function defineReleaseRule(rule: ReleaseRule): ReleaseRule {
  return rule;
}

/** `apps/catalog/deployment.yaml:12` for messages (1-based line). */
export function where(file: string, range: Finding['range']): string {
  return `${file}:${range.start.line + 1}`;
}
