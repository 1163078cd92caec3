/**
 * The rollback-risk model (see docs/rules and RULES.md): rollback classes,
 * layers, recommended actions and findings. Pure data, no I/O.
 */

export const SEVERITIES = ['error', 'warning', 'info', 'hint'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Ordered from safest to worst; a release takes the worst class of its parts. */
export const ROLLBACK_CLASSES = [
  'reversible',
  'reversible-within-window',
  'manual-repair',
  'forward-only',
  'compensatable',
  'restore-required',
] as const;
export type RollbackClass = (typeof ROLLBACK_CLASSES)[number];

export const LAYERS = ['code', 'config', 'data'] as const;
export type Layer = (typeof LAYERS)[number];

export const ACTIONS = ['flag-flip', 'rollback', 'rollforward', 'pause', 'data-first', 'compensate', 'restore'] as const;
export type Action = (typeof ACTIONS)[number];

export const CLASS_MEANING: Record<RollbackClass, string> = {
  reversible: 'previous state restored with low risk',
  'reversible-within-window': 'works only while old and new versions overlap',
  'manual-repair': 'needs state import, data fix or operator action',
  'forward-only': 'old state is unsafe or impossible; fix forward',
  compensatable: 'cannot undo, can counteract the business effect',
  'restore-required': 'only a backup / point-in-time restore brings it back',
};

export function isRollbackClass(value: unknown): value is RollbackClass {
  return typeof value === 'string' && (ROLLBACK_CLASSES as readonly string[]).includes(value);
}

export function classRank(cls: RollbackClass): number {
  return ROLLBACK_CLASSES.indexOf(cls);
}

/** The worse of two classes; `undefined` stands for "nothing detected". */
export function worseClass(a: RollbackClass | undefined, b: RollbackClass | undefined): RollbackClass | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return classRank(a) >= classRank(b) ? a : b;
}

/**
 * Whether a finding counts toward a document's or a release's class: hints
 * are advice (a tag without a digest), not a judgement of the change.
 */
export function bearsClass(finding: Pick<Finding, 'severity' | 'rollbackClass'>): boolean {
  return finding.rollbackClass !== null && finding.severity !== 'hint';
}

export function worstClass(classes: Iterable<RollbackClass | null | undefined>): RollbackClass | undefined {
  let worst: RollbackClass | undefined;
  for (const cls of classes) if (cls) worst = worseClass(worst, cls);
  return worst;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2, hint: 3 };

/** True when `severity` is at least as severe as `threshold`. */
export function reaches(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] <= SEVERITY_RANK[threshold];
}

/** 0-based line, 0-based UTF-16 character (the editor's coordinates). */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
  /**
   * Text in `newText` (at `offset`, `length` long) for the user to replace,
   * such as an ignore comment's reason: the editor selects it as a snippet
   * placeholder after applying the edit.
   */
  placeholder?: { offset: number; length: number };
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix a user most likely wants; the editor marks it preferred. */
  preferred?: boolean;
}

/** Another place a finding concerns (RG301's migration, seen from the image line), with what it shows there. */
export interface RelatedLocation {
  file: string;
  range: Range;
  message: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  /** Path as given to the engine (the CLI makes it relative for output). */
  file: string;
  range: Range;
  /** Other places the finding concerns, for the editor's related information; paths as `file`. */
  related?: RelatedLocation[];
  /** `null` for findings that carry no class of their own (RG302, RG303, meta). */
  rollbackClass: RollbackClass | null;
  layer: Layer | null;
  help: string;
  docsUrl: string;
  fixes: Fix[];
}

export function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    comparePositions(a.range.start, b.range.start) ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}
