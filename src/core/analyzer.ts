import type { RollbackGuardConfig } from './config';
import type { HelmRenders } from './helm/render';
import type { Finding, Range, RollbackClass } from './model';
import type { ProjectContext } from './project';
import type { MigrationUnit } from './migrations/model';
import type { Comment, CommentSyntax } from './suppress';
import type { LineIndex } from './text';
import type { DocumentMemo, ManifestFile } from './yaml/manifest';

export interface SourceFile {
  /** Path as the caller names the file (forward slashes); used in findings and path-based detection. */
  path: string;
  text: string;
}

export interface AnalyzerEnv {
  config: RollbackGuardConfig;
  project: ProjectContext;
  /**
   * Reads another file by the same kind of path (a migration's down next to
   * its up); the editor supplies unsaved buffers. Undefined when unreadable.
   */
  readFile(path: string): string | undefined;
  /**
   * Names of the files in a folder (same kind of path, no trailing slash), or
   * undefined when the caller cannot list it (a Git tree in branch mode): a
   * Flyway project uses undo migrations when a `U…__` file sits next to its
   * `V…__` files.
   */
  listDir?(dir: string): readonly string[] | undefined;
  /** Parsed YAML documents the engine keeps between analyses, to reuse what did not change. */
  documents?: DocumentMemo;
  /** Helm's renders of the charts being analysed: a chart's templates are judged on what they produce. */
  helm?: HelmRenders;
}

export interface AnalyzerOutput {
  lines: LineIndex;
  /** Findings of the analyzer's rules, before configuration and suppression. */
  findings: Finding[];
  /** Source comments with exact ranges; only called when the file mentions an ignore directive. */
  comments(): Comment[];
  commentSyntax: CommentSyntax;
  /**
   * Second pass for rules that judge the other findings (RG115): receives the
   * findings that survived configuration and suppression.
   */
  review?(surviving: readonly Finding[]): Finding[];
  /** Summaries the editor shows as CodeLens (a migration's rollback class and reason). */
  summaries?: FileSummary[];
  /**
   * What the analyzer parsed, so release (branch) analysis compares the base
   * and head versions of a file without parsing either a second time.
   */
  parsed?: ParsedFile;
}

export type ParsedFile = { kind: 'manifest'; file: ManifestFile } | { kind: 'migration'; units: readonly MigrationUnit[] };

/** "↩ restore-required · drops orders.legacy_total" at the top of a migration. */
export interface FileSummary {
  range: Range;
  rollbackClass: RollbackClass;
  reason: string;
}

/**
 * Reads one kind of file (Kubernetes YAML, SQL, a migration framework). The
 * engine asks each analyzer in order whether it claims a file; the first
 * that does analyses it, so a file is parsed once.
 */
export interface Analyzer {
  id: string;
  claims(path: string, config: RollbackGuardConfig): boolean;
  /**
   * Paths whose text decides whether the analyzer reads them (`claimsText`):
   * a Liquibase changelog under any name, a TypeORM class outside a
   * `migrations/` folder. A claim by text comes before any claim by path.
   */
  mayClaim?(path: string, config: RollbackGuardConfig): boolean;
  claimsText?(path: string, text: string, config: RollbackGuardConfig): boolean;
  /** One-time asynchronous setup (loading a parser's WASM). */
  prepare?(): Promise<void>;
  analyze(file: SourceFile, env: AnalyzerEnv): AnalyzerOutput | Promise<AnalyzerOutput>;
}

export function baseName(path: string): string {
  return path.slice(path.replace(/\\/g, '/').lastIndexOf('/') + 1);
}
