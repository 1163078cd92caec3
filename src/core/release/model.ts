/**
 * Release (branch) analysis: what the git layer hands over, and what the
 * analysis returns. Pure data; the analysis never runs git — it receives the
 * base and head contents of each changed file.
 */
import type { FileSummary } from '../analyzer';
import type { CheckSummary, SkippedFile } from '../report/summary';
import type { Action, Finding, Layer, RollbackClass } from '../model';
import type { Axis } from '../k8s/axes';
import type { ProjectContext } from '../project';

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed';

/** A hunk as `git diff -U0` prints it: 1-based starts; a count of 0 means a pure insertion or deletion. */
export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
}

export interface ChangedFile {
  /** Head path (forward slashes, relative to the repository root); for a deleted file, its base path. */
  path: string;
  /** Base path of a renamed or copied file. */
  oldPath?: string;
  status: ChangeStatus;
  binary: boolean;
  hunks: readonly Hunk[];
  /** Base content (undefined for an added file, a binary file, or one too large to read). */
  base?: string;
  /** Head content (undefined for a deleted file, a binary file, or one too large to read). */
  head?: string;
  /** Why a side is missing although the file exists there (too large, unreadable). */
  unreadable?: string;
  /** Why the file is not analysed although it was read (its analysis ran past the time budget): it gets one RG003 note saying so. */
  notAnalysed?: string;
}

export interface Revision {
  /** How the user named it: `main`, `origin/main`, `HEAD`, `working tree`. */
  ref: string;
  /** Commit id; undefined for the working tree. */
  sha?: string;
  /**
   * Reads a file of this revision that is not in the change set (a
   * migration's unchanged down next to a changed up); undefined when absent.
   */
  readFile?(path: string): string | undefined;
  /** Kustomize generators of this revision (RG103 counts their names as versioned). */
  project?: ProjectContext;
}

export interface ReleaseInput {
  base: Revision;
  head: Revision;
  /** The commit both sides share (what the changes are measured from); equal to base.sha unless the branches diverged. */
  mergeBase?: string;
  files: readonly ChangedFile[];
  /**
   * Head content of the release plan when the repository has one at its
   * root, even if this branch does not change it (RG303 says so).
   */
  plan?: { path: string; text: string };
  /** Notes about how the comparison was made (a shallow clone without the merge base). */
  notes?: readonly string[];
}

// ——— what the analysis finds ———

export interface ResourceId {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface ImageChange {
  file: string;
  /** `Deployment catalog`, or `values image` for a chart's values. */
  object: string;
  container?: string;
  from?: string;
  to: string;
  range: Finding['range'];
}

export interface MigrationChange {
  file: string;
  status: ChangeStatus;
  /** Worst class of the migration's own findings (`reversible` when none). */
  rollbackClass: RollbackClass;
  /** The editor summary's reason: "drops orders.legacy_total". */
  reason: string;
  /** True when every operation only adds (the previous release keeps working). */
  additive: boolean;
  range: Finding['range'];
}

export interface Step {
  action: Action;
  layer: Layer | null;
  /** One imperative sentence: what to do. */
  title: string;
  /** The objects or files it concerns. */
  detail: string[];
}

export interface Question {
  id: 'method' | 'window' | 'unsafe' | 'trigger' | 'evidence';
  question: string;
  /** Answers the change shows (empty: the change does not say; the plan should). */
  answers: string[];
  /** Where the answer comes from: `rollback-plan.yaml`, `Rollout orders`, `the findings`. */
  source?: string;
}

export interface DeclaredPlan {
  path: string;
  /** Whether this branch adds or changes it (a plan left from an earlier release does not describe this one). */
  changed: boolean;
  class?: string;
  window?: string;
  method?: string;
  flag?: string;
  irreversibleEffects: string[];
  verification: string[];
}

export interface ReleaseSummary {
  /** Worst class of the release's findings; `reversible` when it changes something and nothing is risky; null when nothing changed. */
  rollbackClass: RollbackClass | null;
  /** The findings that set the class (worst first). */
  causes: Finding[];
  layers: Layer[];
  axes: Axis[];
  action: Action | null;
  steps: Step[];
  questions: Question[];
  plan?: DeclaredPlan;
  images: ImageChange[];
  migrations: MigrationChange[];
  resources: { added: string[]; removed: string[]; changed: string[] };
  files: { changed: number; analysed: number; binary: number; other: number };
}

export interface ReleaseFile {
  path: string;
  oldPath?: string;
  status: ChangeStatus;
  binary: boolean;
  analyzer?: string;
  /** Findings in the change (on changed lines, new against the base, or in an added file) and the release findings here. */
  findings: Finding[];
  /** Every head finding of the file, in the change or not (the editor's `all` scope). */
  allFindings: Finding[];
  summaries: FileSummary[];
  /** Head lines (0-based) the branch changed. */
  changedLines: readonly [number, number][];
  /**
   * `ruleId\0message` of the base version's findings: a finding of the head
   * that is not among them is new (the editor re-applies "in the change" to
   * unsaved buffers with it).
   */
  baseFindingKeys: readonly string[];
}

export interface ReleaseAnalysis {
  base: { ref: string; sha?: string };
  head: { ref: string; sha?: string };
  mergeBase?: string;
  files: ReleaseFile[];
  /** What `check --base` reports: the findings in the change and the release findings, sorted. */
  findings: Finding[];
  /** The release rules' own findings (also in `findings`), for callers that take per-file findings elsewhere. */
  releaseFindings: Finding[];
  summary: ReleaseSummary;
  check: CheckSummary;
  skipped: SkippedFile[];
  notes: string[];
}
