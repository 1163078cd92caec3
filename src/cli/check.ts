import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isIgnoredPath, type RollbackGuardConfig } from '../core/config';
import { Engine } from '../core/engine';
import { parseKubeVersion } from '../core/k8s/apiRemovals';
import { objectDefinitions } from '../core/project';
import { describeUnread, unreadMigrationFolders, vendoredMigrationFolders, vendoredNote } from '../core/migrations/layout';
import { compareFindings, reaches, type Finding, type Severity } from '../core/model';
import { toGithub } from '../core/report/github';
import { toGitlab } from '../core/report/gitlab';
import { toJson } from '../core/report/json';
import { toSarif } from '../core/report/sarif';
import { summarize } from '../core/report/summary';
import { formatText } from '../core/report/text';
import { oneOf, parse, UsageError } from './args';
import type { BranchOptions } from './branch';
import { loadConfig } from './config';
import { AnalysisPool, DEFAULT_TIME_BUDGET_SECONDS, WORKER_ARG } from './parallel';
import { scan } from './scan';
import type { CliIO } from './io';

export const CHECK_USAGE = `Usage: rollback-guard check [path…] [options]

Reports rollback risks in Kubernetes manifests and migrations. With --base,
reports what the branch changes against that base (findings on changed lines
and files) plus the release rules (RG106, RG108, RG112, RG113, RG211, RG3xx).

Options:
  --base REF                        compare the branch with REF (\`auto\`: the configured base,
                                    the upstream, origin/HEAD, main, master)
  --worktree                        with --base: include uncommitted changes
  --format text|json|sarif|github|gitlab
                                    output format (default: text); gitlab: a Code Quality report
  --fail-on error|warning|info|hint|never
                                    exit 1 when a finding is at least this severe (default: error)
  --config FILE                     repository configuration (default: nearest .rollbackguard.yaml)
  --kube-version 1.30               the Kubernetes release the manifests must apply to: report
                                    API versions it no longer serves (RG116; default: the
                                    configuration's targetKubernetesVersion)
  --time-budget SECONDS             stop analysing a file after this long and note it (default: 30; 0: no limit)
  --values FILE                     with Helm charts: a values file applied on top of each chart's
                                    values (and those .rollbackguard.yaml names), as helm -f;
                                    repeatable
  --no-render                       read Helm templates without rendering them
  -h, --help                        show this help

Exit status: 0 nothing reaches --fail-on, 1 something does, 2 usage or configuration error.`;

const FORMATS = ['text', 'json', 'sarif', 'github', 'gitlab'] as const;
const FAIL_ON = ['error', 'warning', 'info', 'hint', 'never'] as const;

export async function check(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    format: { type: 'string' },
    'fail-on': { type: 'string' },
    config: { type: 'string' },
    base: { type: 'string' },
    worktree: { type: 'boolean' },
    'kube-version': { type: 'string' },
    'time-budget': { type: 'string' },
    values: { type: 'string', multiple: true },
    'no-render': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(`${CHECK_USAGE}\n`);
    return 0;
  }
  const format = oneOf('format', values.format, FORMATS, 'text');
  const failOn = oneOf('fail-on', values['fail-on'], FAIL_ON, 'error');
  const budgetMs = timeBudget(values['time-budget']);
  const loaded = loadConfig(io.cwd, values.config);
  const configFile = loaded.file;
  const kubeVersion = values['kube-version'];
  if (kubeVersion !== undefined && !parseKubeVersion(kubeVersion)) throw new UsageError(`--kube-version must be a Kubernetes release like 1.30 or v1.30.2 (got "${kubeVersion}")`);
  let config = kubeVersion !== undefined ? { ...loaded.config, targetKubernetesVersion: kubeVersion } : loaded.config;
  if (values['no-render']) config = { ...config, helm: { ...config.helm, render: false } };
  const valueFiles = (values.values ?? []).map((v) => resolve(io.cwd, v));
  for (const file of valueFiles) if (!existsSync(file)) throw new UsageError(`--values ${file}: no such file`);
  if (values.base !== undefined) return checkBranch(io, { base: values.base, worktree: values.worktree === true, paths: positionals, config, configDir: configFile ? dirname(configFile) : undefined, format, failOn, budgetMs });
  if (values.worktree) throw new UsageError('--worktree needs --base');

  const { findings, scanned, notes } = await scanFindings(io, positionals, config, configFile ? dirname(configFile) : undefined, budgetMs, valueFiles);
  const summary = summarize(findings, scanned.files.length, scanned.skipped);
  for (const s of scanned.skipped) io.err(`note: skipped ${s.file}: ${s.reason}\n`);
  for (const note of notes) io.err(`note: ${note}\n`);
  return printFindings(io, findings, format, failOn, {
    text: () => formatText(findings, summary, { color: io.color }),
    json: () => toJson(findings, summary),
  });
}

/**
 * The findings in `format` (text and JSON as the caller writes them, SARIF,
 * GitHub annotations and GitLab Code Quality as they are), then the exit status: 1 when one
 * reaches `failOn`, else 0.
 */
function printFindings(io: CliIO, findings: readonly Finding[], format: (typeof FORMATS)[number], failOn: (typeof FAIL_ON)[number], own: { text: () => string; json: () => string }): number {
  if (format === 'text') io.out(own.text());
  else if (format === 'json') io.out(own.json());
  else if (format === 'sarif') io.out(toSarif(findings, { toolVersion: io.version }));
  else if (format === 'gitlab') io.out(toGitlab(findings));
  else io.out(toGithub(findings));
  return failOn !== 'never' && findings.some((f) => reaches(f.severity, failOn as Severity)) ? 1 : 0;
}

/** `--time-budget` in milliseconds (0: none). */
function timeBudget(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIME_BUDGET_SECONDS * 1000;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) throw new UsageError(`--time-budget takes a number of seconds (0: no limit), not "${value}"`);
  return Math.round(seconds * 1000);
}

/** Every file under `paths` (default `.`), as `check` without `--base` reads them. */
async function scanFindings(io: CliIO, paths: readonly string[], config: RollbackGuardConfig, configDir: string | undefined, budgetMs: number, values: readonly string[] = []) {
  const probe = new Engine({ config });
  const pool = new AnalysisPool({ workerScript: io.workerScript, budgetMs });
  // With a budget the files are analysed on a worker: it boots while this thread scans.
  pool.start();
  try {
    const scanned = scan(paths.length > 0 ? paths : ['.'], {
      cwd: io.cwd,
      handles: (path) => probe.handles(path),
      mayHandle: (path) => probe.mayHandle(path),
      accepts: (path, text) => probe.handles(path, text),
      ignored: (path) => isIgnoredPath(config, path),
      ignoreRoot: configDir ?? io.cwd,
      maxBytes: config.maxFileSizeKb * 1024,
      onFile: (count) => pool.found(count),
    });
    const findings: Finding[] = [];
    // Charts are judged on what Helm's engine renders from them (the engine loads only when there are charts).
    const { renders, notes } = config.helm.render
      ? await (await import('../helm')).renderCharts(
          scanned.files.map((f) => f.abs),
          { cwd: io.cwd, chartValues: config.helm.charts, configRoot: configDir ?? io.cwd, values, maxBytes: config.maxFileSizeKb * 1024 },
        )
      : { renders: [], notes: [] };
    const setup = { config, kustomizations: scanned.kustomizations, definitions: objectDefinitions(scanned.files), renders, cwd: io.cwd };
    for (const fileFindings of await pool.analyze(scanned.files, setup)) findings.push(...fileFindings);
    findings.sort(compareFindings);
    const read = new Set(scanned.files.map((f) => f.path));
    for (const folder of unreadMigrationFolders([...scanned.unread, ...read], (path) => read.has(path))) {
      scanned.skipped.push({ file: folder.dir, reason: `named like a migrations folder, but none of its files is a migration Rollback Guard reads (${describeUnread(folder)})` });
    }
    for (const folder of vendoredMigrationFolders(scanned.unread, config)) scanned.skipped.push({ file: folder.dir, reason: vendoredNote(folder) });
    return { findings, scanned, notes };
  } finally {
    pool.close();
  }
}

/**
 * `check --base`: the findings in the change plus the release rules, in the
 * same formats. With `analyse: all` in .rollbackguard.yaml, every file's
 * findings (as without --base) plus the release rules.
 */
async function checkBranch(
  io: CliIO,
  options: BranchOptions & { format: (typeof FORMATS)[number]; failOn: (typeof FAIL_ON)[number]; budgetMs: number },
): Promise<number> {
  // The Git layer loads only for --base.
  const { analyzeBranch, forDisplay, releaseLine } = await import('./branch');
  const run =
    options.budgetMs > 0 && io.workerScript
      ? await (await import('./branchBudget')).analyzeBranchWithBudget(io, options, io.workerScript, options.budgetMs, WORKER_ARG)
      : await analyzeBranch(io, options);
  let findings = forDisplay(run, io.cwd, run.analysis.findings);
  let summary = { ...run.analysis.check, worstClass: run.analysis.summary.rollbackClass };
  if (options.config.analyse === 'all') {
    const all = await scanFindings(io, options.paths, options.config, options.configDir, options.budgetMs, []);
    findings = [...all.findings, ...forDisplay(run, io.cwd, run.analysis.releaseFindings)].sort(compareFindings);
    summary = { ...summarize(findings, all.scanned.files.length, all.scanned.skipped), worstClass: run.analysis.summary.rollbackClass };
  }
  for (const s of summary.skipped) io.err(`note: skipped ${s.file}: ${s.reason}\n`);
  for (const note of run.analysis.notes) io.err(`note: ${note}\n`);
  const release = run.analysis.summary;
  return printFindings(io, findings, options.format, options.failOn, {
    text: () => `${formatText(findings, summary, { color: io.color })}${releaseLine(run.analysis)}\n`,
    json: () => {
      const document = JSON.parse(toJson(findings, summary)) as Record<string, unknown>;
      document.release = {
        base: run.analysis.base,
        head: run.analysis.head,
        mergeBase: run.analysis.mergeBase ?? null,
        rollbackClass: release.rollbackClass,
        action: release.action,
        layers: release.layers,
        axes: release.axes,
        steps: release.steps.map((s) => s.action),
      };
      return `${JSON.stringify(document, null, 2)}\n`;
    },
  });
}
