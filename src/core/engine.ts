import type { Analyzer, AnalyzerEnv, FileSummary, ParsedFile, SourceFile } from './analyzer';
import { ANALYZERS } from './analyzers';
import { DEFAULT_CONFIG, type RollbackGuardConfig } from './config';
import { compareFindings, type Finding, type Range } from './model';
import { EMPTY_PROJECT, type ProjectContext } from './project';
import { RULES } from './rules';
import { toFinding } from './rule';
import { NOT_ANALYSED } from './rules/meta';
import { ignoreFix, Suppressions } from './suppress';
import { InputLimit } from './limits';
import { LineIndex } from './text';
import type { HelmRenders } from './helm/render';
import { DocumentMemo } from './yaml/manifest';

export interface EngineOptions {
  config?: RollbackGuardConfig;
  project?: ProjectContext;
  analyzers?: readonly Analyzer[];
  /** Reads a sibling file (see AnalyzerEnv.readFile); without it, siblings count as absent. */
  readFile?: (path: string) => string | undefined;
  /** Lists a folder's files (see AnalyzerEnv.listDir); without it, folders count as unlistable. */
  listDir?: (dir: string) => readonly string[] | undefined;
  /** Set by release (branch) analysis, which admits the release rules' findings before closing each file. */
  branchMode?: boolean;
  /**
   * Whether every finding carries the "ignore here" quick fix (default true).
   * The editor applies it; the CLI prints no fixes and sets false.
   */
  ignoreFixes?: boolean;
  /**
   * Parsed YAML documents kept between analyses of the same file, so an edit
   * in one document of a large manifest parses that document only. By
   * default the engine keeps its own, which moves documents between versions
   * of a file (see DocumentMemo); release analysis passes one that only
   * shares them between the base and the head.
   */
  documents?: DocumentMemo;
  /** Helm's renders of the charts whose templates are analysed (see src/helm); without them, templates are read by masking. */
  helm?: HelmRenders;
}

export interface FileAnalysis {
  file: string;
  /** Id of the analyzer that read the file; undefined when no analyzer claims it. */
  analyzer?: string;
  findings: Finding[];
  summaries: FileSummary[];
  /** Set when analysing the file failed: its findings are then one RG003 note; this is for the log. */
  failure?: AnalysisFailure;
}

/** An error that stopped the analysis of one file (see Engine.open). */
export interface AnalysisFailure {
  /** `RangeError: Maximum call stack size exceeded`. */
  reason: string;
  stack?: string;
}

/** A file still open for findings computed elsewhere; see `Engine.open`. */
export interface OpenAnalysis {
  file: string;
  analyzer?: string;
  /** The file's own findings, configured and suppressed (no ignore problems yet). */
  findings: Finding[];
  summaries: FileSummary[];
  /** Set when analysing the file failed (see FileAnalysis.failure). */
  failure?: AnalysisFailure;
  /** What the analyzer parsed (see AnalyzerOutput.parsed). */
  parsed?: ParsedFile;
  lines?: LineIndex;
  /** Applies configuration and this file's ignore comments to findings on this file; returns the survivors (with the ignore fix). */
  admit(findings: readonly Finding[]): Finding[];
  /** True (and the ignore marked used) when a `rollback-guard-ignore-file` here names the rule: for findings about the whole release. */
  ignoredFileWide(ruleId: string): boolean;
  /** Own and admitted findings plus the ignore comments' problems, sorted. */
  close(): FileAnalysis;
}

const NOWHERE: Range = { start: { line: -1, character: 0 }, end: { line: -1, character: 0 } };

/**
 * Parses each file once with the analyzer that claims it, runs its rules,
 * then applies the repository configuration and the file's suppressions.
 */
export class Engine {
  private readonly config: RollbackGuardConfig;
  private readonly project: ProjectContext;
  private readonly analyzers: readonly Analyzer[];
  private readonly prepared = new Map<Analyzer, Promise<void>>();
  private readonly readFile: (path: string) => string | undefined;
  private readonly listDir: ((dir: string) => readonly string[] | undefined) | undefined;
  private readonly branchMode: boolean;
  private readonly ignoreFixes: boolean;
  private readonly documents: DocumentMemo;
  private readonly helm: HelmRenders | undefined;

  constructor(options: EngineOptions = {}) {
    this.config = options.config ?? DEFAULT_CONFIG;
    this.project = options.project ?? EMPTY_PROJECT;
    this.analyzers = options.analyzers ?? ANALYZERS;
    this.readFile = options.readFile ?? (() => undefined);
    this.listDir = options.listDir;
    this.branchMode = options.branchMode ?? false;
    this.ignoreFixes = options.ignoreFixes ?? true;
    this.documents = options.documents ?? new DocumentMemo();
    this.helm = options.helm;
  }

  /** The analyzer that reads the file: by its text first when the text is given (see Analyzer.claimsText), else by its path. */
  analyzerFor(path: string, text?: string): Analyzer | undefined {
    if (text !== undefined) {
      for (const a of this.analyzers) if (a.claimsText && a.mayClaim?.(path, this.config) && a.claimsText(path, text, this.config)) return a;
    }
    return this.analyzers.find((a) => a.claims(path, this.config));
  }

  /** True when some analyzer reads this file (judged by its text too when the text is given). */
  handles(path: string, text?: string): boolean {
    return this.analyzerFor(path, text) !== undefined;
  }

  /** True when some analyzer reads this path, or may once it has seen the file's text: worth reading the file to ask `handles(path, text)`. */
  mayHandle(path: string): boolean {
    return this.analyzers.some((a) => a.claims(path, this.config) || a.mayClaim?.(path, this.config) === true);
  }

  /** `helm`: renders for this analysis only (the editor renders the chart of the document being analysed). */
  async analyze(source: SourceFile, options: { helm?: HelmRenders } = {}): Promise<FileAnalysis> {
    return (await this.open(source, options)).close();
  }

  /**
   * Analyses a file but keeps it open for findings computed elsewhere (the
   * release rules, which need every file of a branch first): they go through
   * the same configuration and ignore comments, so an ignore that suppresses
   * only a release finding counts as used. `close()` then adds the problems
   * of the file's ignore comments (RG001, RG002).
   *
   * An error while analysing the file does not escape: the file gets one
   * RG003 note with the reason (and `failure`, for a log), and every other
   * file is analysed as usual.
   */
  async open(source: SourceFile, options: { helm?: HelmRenders } = {}): Promise<OpenAnalysis> {
    const analyzer = this.analyzerFor(source.path, source.text);
    if (!analyzer) return this.closedWithout(source.path);
    try {
      return await this.openWith(analyzer, source, options.helm ?? this.helm);
    } catch (error) {
      return this.failed(source, analyzer, error);
    }
  }

  /** Runs the one-time setup of the analyzer that reads `path` (loading a parser), so the analysis that follows measures the file alone. */
  async prepare(path: string, text?: string): Promise<void> {
    const analyzer = this.analyzerFor(path, text);
    if (analyzer) await this.prepareAnalyzer(analyzer);
  }

  private async prepareAnalyzer(analyzer: Analyzer): Promise<void> {
    if (!analyzer.prepare) return;
    let ready = this.prepared.get(analyzer);
    if (!ready) this.prepared.set(analyzer, (ready = analyzer.prepare()));
    await ready;
  }

  private async openWith(analyzer: Analyzer, source: SourceFile, helm: HelmRenders | undefined): Promise<OpenAnalysis> {
    await this.prepareAnalyzer(analyzer);
    const env: AnalyzerEnv = { config: this.config, project: this.project, readFile: this.readFile, ...(this.listDir ? { listDir: this.listDir } : {}), documents: this.documents, helm };
    const output = await analyzer.analyze(source, env);

    const suppressions = source.text.includes('rollback-guard-ignore') ? new Suppressions(output.comments(), (id) => this.judgesIgnoresOf(id)) : undefined;
    const keep = (findings: readonly Finding[]) => this.configure(findings).filter((f) => !suppressions?.suppresses(f));
    const withIgnoreFix = (findings: Finding[]) => {
      if (!this.ignoreFixes) return findings;
      for (const finding of findings) {
        if (RULES.get(finding.ruleId)?.scope !== 'meta') finding.fixes.push(ignoreFix(output.lines, finding, output.commentSyntax));
      }
      return findings;
    };

    const surviving = keep(output.findings);
    if (output.review) surviving.push(...keep(output.review(surviving)));
    withIgnoreFix(surviving);
    const admitted: Finding[] = [];
    let closed: FileAnalysis | undefined;
    return {
      file: source.path,
      analyzer: analyzer.id,
      findings: surviving,
      summaries: output.summaries ?? [],
      parsed: output.parsed,
      lines: output.lines,
      admit(findings) {
        const kept = withIgnoreFix(keep(findings).map((f) => ({ ...f, fixes: [...f.fixes] })));
        admitted.push(...kept);
        return kept;
      },
      ignoredFileWide(ruleId) {
        // Line -1 is a line no directive targets: only file-wide ignores match.
        return suppressions?.suppresses({ ruleId, range: NOWHERE } as Finding) ?? false;
      },
      close: () => {
        if (!closed) {
          const findings = [...surviving, ...admitted];
          if (suppressions) findings.push(...this.configure(suppressions.problems(source.path)));
          findings.sort(compareFindings);
          closed = { file: source.path, analyzer: analyzer.id, findings, summaries: output.summaries ?? [] };
        }
        return closed;
      },
    };
  }

  /**
   * Whether an ignore naming the rule that suppresses nothing is a problem:
   * not for a rule the configuration turns off, nor for a release rule when
   * no release (branch) analysis runs — it could not have matched.
   */
  private judgesIgnoresOf(id: string): boolean {
    return this.config.rules.get(id)?.enabled !== false && (this.branchMode || RULES.get(id)?.scope !== 'release');
  }

  /** A file no analyzer reads: it has no ignore comments, so admitted findings are only configured. */
  private closedWithout(file: string, own: Finding[] = [], analyzer?: string, failure?: AnalysisFailure): OpenAnalysis {
    const admitted: Finding[] = [];
    const extra = { ...(analyzer ? { analyzer } : {}), ...(failure ? { failure } : {}) };
    return {
      file,
      ...extra,
      findings: own,
      summaries: [],
      admit: (findings) => {
        const kept = this.configure(findings);
        admitted.push(...kept);
        return kept;
      },
      ignoredFileWide: () => false,
      close: () => ({ file, ...extra, findings: [...own, ...admitted].sort(compareFindings), summaries: [] }),
    };
  }

  /** A file left unanalysed for `why` (its analysis ran past a time budget elsewhere): one RG003 note at its first line. */
  notAnalysed(source: SourceFile, why: string): OpenAnalysis {
    const firstLine = source.text.search(/\r?\n|$/);
    const finding = toFinding(NOT_ANALYSED, source.path, {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: Math.max(0, firstLine) } },
      message: `Not analysed: ${why}`,
    });
    return this.closedWithout(source.path, this.configure([finding]), this.analyzerFor(source.path, source.text)?.id);
  }

  /**
   * The analysis of a file that threw: one RG003 note. Input a reader
   * declines (InputLimit: nesting beyond the bounds) is noted where it is;
   * anything else is a fault, noted at the first line with the reason.
   */
  private failed(source: SourceFile, analyzer: Analyzer, error: unknown): OpenAnalysis {
    if (error instanceof InputLimit) {
      const lines = new LineIndex(source.text);
      const finding = toFinding(NOT_ANALYSED, source.path, {
        range: lines.range(error.offset, Math.max(error.offset, lines.lineEnd(lines.position(error.offset).line))),
        message: `Not analysed: ${error.message}. Rollback Guard reads no further than that; nothing in this file was checked.`,
      });
      return this.closedWithout(source.path, this.configure([finding]), analyzer.id);
    }
    const failure = describeFailure(error);
    const firstLine = source.text.search(/\r?\n|$/);
    const finding = toFinding(NOT_ANALYSED, source.path, {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: Math.max(0, firstLine) } },
      message: `Not analysed: reading this file failed (${failure.reason}). Other files are analysed as usual; this is a fault in Rollback Guard, please report it with the file.`,
    });
    return this.closedWithout(source.path, this.configure([finding]), analyzer.id, failure);
  }

  /** Drops disabled rules and applies severity overrides: for findings of files no analyzer reads (a deleted file, the release plan). */
  configured(findings: readonly Finding[]): Finding[] {
    return this.configure(findings);
  }

  /** Drops disabled rules and applies severity overrides from the configuration; control characters from the source are shown escaped. */
  private configure(findings: readonly Finding[]): Finding[] {
    const out: Finding[] = [];
    for (const finding of findings) {
      const setting = this.config.rules.get(finding.ruleId);
      if (setting?.enabled === false) continue;
      let f = setting?.severity ? { ...finding, severity: setting.severity } : finding;
      if (CONTROL.test(f.message)) f = { ...f, message: printable(f.message) };
      out.push(f);
    }
    return out;
  }
}

/** The reason (error name and first line of its message, shortened) and stack of what a file's analysis threw. */
export function describeFailure(error: unknown): AnalysisFailure {
  const name = error instanceof Error ? error.name : typeof error;
  const raw = error instanceof Error ? error.message : String(error);
  const line = (raw.split('\n')[0] ?? '').trim();
  const message = line.length > 80 ? `${line.slice(0, 79)}…` : line;
  const stack = error instanceof Error ? error.stack : undefined;
  return { reason: message ? `${name}: ${message}` : name, ...(stack ? { stack } : {}) };
}

/** Characters a terminal or a hover would act on or hide (line breaks and tabs aside). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/;

/** A message with every control character written as its escape (`\x1f`). */
export function printable(message: string): string {
  return message.replace(new RegExp(CONTROL.source, 'g'), (c) => (c.charCodeAt(0) > 0xff ? `\\u${c.charCodeAt(0).toString(16)}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
