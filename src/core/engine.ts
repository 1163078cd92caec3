import type { Analyzer, AnalyzerEnv, FileSummary, SourceFile } from './analyzer';
import { ANALYZERS } from './analyzers';
import { DEFAULT_CONFIG, type RollbackGuardConfig } from './config';
import { compareFindings, type Finding } from './model';
import { EMPTY_PROJECT, type ProjectContext } from './project';
import { RULES } from './rules';
import { ignoreFix, Suppressions } from './suppress';

export interface EngineOptions {
  config?: RollbackGuardConfig;
  project?: ProjectContext;
  analyzers?: readonly Analyzer[];
  /** Reads a sibling file (see AnalyzerEnv.readFile); without it, siblings count as absent. */
  readFile?: (path: string) => string | undefined;
}

export interface FileAnalysis {
  file: string;
  /** Id of the analyzer that read the file; undefined when no analyzer claims it. */
  analyzer?: string;
  findings: Finding[];
  summaries: FileSummary[];
}

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

  constructor(options: EngineOptions = {}) {
    this.config = options.config ?? DEFAULT_CONFIG;
    this.project = options.project ?? EMPTY_PROJECT;
    this.analyzers = options.analyzers ?? ANALYZERS;
    this.readFile = options.readFile ?? (() => undefined);
  }

  analyzerFor(path: string): Analyzer | undefined {
    return this.analyzers.find((a) => a.claims(path, this.config));
  }

  /** True when some analyzer reads this path. */
  handles(path: string): boolean {
    return this.analyzerFor(path) !== undefined;
  }

  async analyze(source: SourceFile): Promise<FileAnalysis> {
    const analyzer = this.analyzerFor(source.path);
    if (!analyzer) return { file: source.path, findings: [], summaries: [] };
    if (analyzer.prepare) {
      let ready = this.prepared.get(analyzer);
      if (!ready) this.prepared.set(analyzer, (ready = analyzer.prepare()));
      await ready;
    }
    const env: AnalyzerEnv = { config: this.config, project: this.project, readFile: this.readFile };
    const output = await analyzer.analyze(source, env);

    const suppressions = source.text.includes('rollback-guard-ignore') ? new Suppressions(output.comments(), (id) => RULES.has(id)) : undefined;
    const keep = (findings: readonly Finding[]) => this.configure(findings).filter((f) => !suppressions?.suppresses(f));

    const surviving = keep(output.findings);
    if (output.review) surviving.push(...keep(output.review(surviving)));
    for (const finding of surviving) {
      if (RULES.get(finding.ruleId)?.scope !== 'meta') finding.fixes.push(ignoreFix(output.lines, finding, output.commentSyntax));
    }
    if (suppressions) surviving.push(...this.configure(suppressions.problems(source.path)));
    surviving.sort(compareFindings);
    return { file: source.path, analyzer: analyzer.id, findings: surviving, summaries: output.summaries ?? [] };
  }

  /** Drops disabled rules and applies severity overrides from the configuration. */
  private configure(findings: readonly Finding[]): Finding[] {
    const out: Finding[] = [];
    for (const finding of findings) {
      const setting = this.config.rules.get(finding.ruleId);
      if (setting?.enabled === false) continue;
      out.push(setting?.severity ? { ...finding, severity: setting.severity } : finding);
    }
    return out;
  }
}
