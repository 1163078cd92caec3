/**
 * Release (branch) analysis: each changed file is parsed once per side by
 * the engine (the head side with its rules, suppressions and configuration),
 * the release rules compare the two sides, and the summary says what rolling
 * the release back takes.
 */
import { parseDocument } from 'yaml';
import { boundAliases } from '../yaml/aliases';
import { DEFAULT_CONFIG, type RollbackGuardConfig } from '../config';
import { Engine, type OpenAnalysis } from '../engine';
import { compareFindings, worstClass, type Finding, type Range } from '../model';
import { summarize, type SkippedFile } from '../report/summary';
import { toFinding } from '../rule';
import { RELEASE_RULES } from '../rules/release';
import type { MigrationFacts, ReleaseContext, ReleaseFacts, ReleasePlan, ReleaseReport, Verdict } from '../rules/release/context';
import { PLAN_FILE_NAMES } from '../rules/release/RG303-no-rollback-plan';
import { Suppressions, toComment } from '../suppress';
import { LineIndex } from '../text';
import { DocumentMemo, type ManifestFile } from '../yaml/manifest';
import { yamlComments } from '../yaml/manifest';
import { withinYamlNesting } from '../yaml/nesting';
import { canonical, configFileChanged, imageChanges, imageNodes, indexResources, isAdditiveMigration, isConfigFile, migrationAnchor, type Located } from './facts';
import { changedLineRanges, touchesLines } from './lines';
import type { ChangedFile, ReleaseAnalysis, ReleaseFile, ReleaseInput } from './model';
import { summarizeRelease } from './decide';

export interface ReleaseOptions {
  config?: RollbackGuardConfig;
  /** See EngineOptions.ignoreFixes (the CLI prints no fixes). */
  ignoreFixes?: boolean;
  /** Called as the analysis of each version of a file begins (its parser already loaded), and with undefined once every file is read (the CLI's time budget watches it). */
  onFile?(path: string | undefined): void;
}

interface Side {
  open: OpenAnalysis;
  text: string;
}

interface FileWork {
  change: ChangedFile;
  base?: Side;
  head?: Side;
  /** Keys (`rule\0message`) of the base version's findings: a head finding absent there is new. */
  baseKeys?: Set<string>;
}

/** How a finding is recognised on both sides of a change (positions move; rule and message do not). */
export const findingKey = (f: Pick<Finding, 'ruleId' | 'message'>) => `${f.ruleId}\0${f.message}`;

/** True when the plan file sits at the repository root. */
export function isPlanPath(path: string): boolean {
  return PLAN_FILE_NAMES.includes(path);
}

export async function analyzeRelease(input: ReleaseInput, options: ReleaseOptions = {}): Promise<ReleaseAnalysis> {
  const config = options.config ?? DEFAULT_CONFIG;
  const byHead = new Map(input.files.filter((f) => f.status !== 'deleted').map((f) => [f.path, f]));
  const byBase = new Map(input.files.filter((f) => f.status !== 'added').map((f) => [f.oldPath ?? f.path, f]));
  // Siblings (a migration's down next to its up) come from the change set first, then from the revision.
  const ignoreFixes = options.ignoreFixes ?? true;
  // The base and the head of a file share the documents the change leaves in place; both stay in use.
  const documents = new DocumentMemo(false);
  const baseEngine = new Engine({ config, project: input.base.project, branchMode: true, ignoreFixes, documents, readFile: (p) => (byBase.has(p) ? byBase.get(p)!.base : input.base.readFile?.(p)) });
  const headEngine = new Engine({ config, project: input.head.project, branchMode: true, ignoreFixes, documents, readFile: (p) => (byHead.has(p) ? byHead.get(p)!.head : input.head.readFile?.(p)) });

  const skipped: SkippedFile[] = [];
  const maxChars = config.maxFileSizeKb * 1024;
  const work: FileWork[] = [];
  for (const change of [...input.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const w: FileWork = { change };
    work.push(w);
    if (change.binary) continue;
    const basePath = change.oldPath ?? change.path;
    if (change.unreadable) skipped.push({ file: change.path, reason: change.unreadable });
    if (change.notAnalysed !== undefined) {
      if (change.head !== undefined && change.status !== 'deleted') w.head = { open: headEngine.notAnalysed({ path: change.path, text: change.head }, change.notAnalysed), text: change.head };
      continue;
    }
    if (change.base !== undefined && change.status !== 'added' && baseEngine.handles(basePath, change.base)) {
      if (change.base.length > maxChars) skipped.push({ file: `${basePath} (base)`, reason: `larger than ${config.maxFileSizeKb} KB` });
      else {
        if (options.onFile) {
          // The parser's one-time loading is not the file's time.
          await baseEngine.prepare(basePath, change.base);
          options.onFile(basePath);
        }
        const open = await baseEngine.open({ path: basePath, text: change.base });
        w.base = { open, text: change.base };
        w.baseKeys = new Set(open.close().findings.map(findingKey));
      }
    }
    if (change.head !== undefined && change.status !== 'deleted' && headEngine.handles(change.path, change.head)) {
      if (change.head.length > maxChars) skipped.push({ file: change.path, reason: `larger than ${config.maxFileSizeKb} KB; raise maxFileSizeKb in .rollbackguard.yaml to analyse it` });
      else {
        if (options.onFile) {
          await headEngine.prepare(change.path, change.head);
          options.onFile(change.path);
        }
        w.head = { open: await headEngine.open({ path: change.path, text: change.head }), text: change.head };
      }
    }
  }

  // The rest is the release's own work, not any one file's.
  options.onFile?.(undefined);
  const facts = buildFacts(input, work);
  const heads = new Map(work.filter((w) => w.head).map((w) => [w.change.path, w.head!.open]));

  // ——— release rules, first pass: everything that does not need the release class ———
  const releaseFindings: Finding[] = [];
  const wideReports: Finding[] = [];
  const admit = (report: ReleaseReport, meta: (typeof RELEASE_RULES)[number]['meta']) => {
    let { file, range } = report;
    if (report.onBase) {
      // The object is gone; when its file stays, point at the file (its old lines mean nothing there).
      const stays = input.files.find((f) => f.status !== 'deleted' && (f.oldPath ?? f.path) === file);
      if (stays) {
        file = stays.path;
        range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
      }
    }
    const finding = toFinding(meta, file, { ...report, range });
    if (report.wide) {
      wideReports.push(finding);
      return;
    }
    const open = heads.get(file);
    releaseFindings.push(...(open ? open.admit([finding]) : headEngine.configured([finding])));
  };
  const context = (meta: (typeof RELEASE_RULES)[number]['meta']): ReleaseContext => ({ ...facts, report: (r) => admit(r, meta) });
  for (const rule of RELEASE_RULES) rule.check?.(context(rule.meta));

  // A finding about the whole release is accepted by a file-wide ignore in any changed file.
  const admitWide = (findings: Finding[]) => {
    for (const finding of findings) {
      let ignored = false;
      for (const open of heads.values()) if (open.ignoredFileWide(finding.ruleId)) ignored = true;
      if (!ignored) releaseFindings.push(...headEngine.configured([finding]));
    }
  };
  admitWide(wideReports.splice(0));

  // ——— what is in the change, and the release class ———
  const inChange = new Map<string, Finding[]>();
  for (const w of work) {
    if (!w.head) continue;
    const lines = changedLineRanges(w.change.hunks);
    const whole = w.change.status === 'added' || w.change.status === 'copied' || !w.base;
    inChange.set(
      w.change.path,
      w.head.open.findings.filter((f) => whole || touchesLines(f.range, lines) || !w.baseKeys!.has(findingKey(f))),
    );
  }
  const verdictOf = (extra: readonly Finding[]): Verdict => {
    const all = [...[...inChange.values()].flat(), ...releaseFindings, ...extra].filter((f) => f.rollbackClass !== null);
    const rollbackClass = worstClass(all.map((f) => f.rollbackClass)) ?? null;
    return { rollbackClass, causes: all.filter((f) => f.rollbackClass === rollbackClass).sort(compareFindings) };
  };
  const verdict = verdictOf([]);

  // ——— second pass: rules that judge the release class (RG115 on the plan, RG303) ———
  const planFindings: Finding[] = [];
  for (const rule of RELEASE_RULES) {
    if (!rule.judge) continue;
    rule.judge({ ...facts, report: (r) => (facts.plan && r.file === facts.plan.path && !r.wide ? planFindings.push(toFinding(rule.meta, r.file, r)) : admit(r, rule.meta)) }, verdict);
  }
  admitWide(wideReports.splice(0));
  releaseFindings.push(...admitPlan(facts.plan, planFindings, headEngine));

  // ——— close every file and assemble ———
  const files: ReleaseFile[] = [];
  const releaseByFile = new Map<string, Finding[]>();
  for (const f of releaseFindings) releaseByFile.set(f.file, [...(releaseByFile.get(f.file) ?? []), f]);
  const releaseSet = new Set(releaseFindings);
  for (const w of work) {
    const closed = w.head?.open.close();
    const lines = changedLineRanges(w.change.hunks);
    const own = closed ? closed.findings.filter((f) => !releaseSet.has(f)) : [];
    const changedOwn = new Set(inChange.get(w.change.path) ?? []);
    const whole = w.change.status === 'added' || w.change.status === 'copied' || !w.base;
    // Ignore problems (RG001/RG002) count as in the change by the same test as other findings.
    const scoped = own.filter((f) => changedOwn.has(f) || ((f.ruleId === 'RG001' || f.ruleId === 'RG002') && (whole || touchesLines(f.range, lines) || !w.baseKeys?.has(findingKey(f)))));
    const release = releaseByFile.get(w.change.path) ?? [];
    releaseByFile.delete(w.change.path);
    files.push({
      path: w.change.path,
      oldPath: w.change.oldPath,
      status: w.change.status,
      binary: w.change.binary,
      analyzer: closed?.analyzer,
      findings: [...scoped, ...release].sort(compareFindings),
      allFindings: [...own, ...release].sort(compareFindings),
      summaries: closed?.summaries ?? [],
      changedLines: lines,
      baseFindingKeys: [...(w.baseKeys ?? [])],
    });
  }
  // Findings on paths that are not head files (a deleted file's removed objects, the plan when unchanged).
  for (const [path, findings] of releaseByFile) {
    const existing = files.find((f) => f.path === path);
    if (existing) {
      existing.findings.push(...findings);
      existing.allFindings.push(...findings);
      continue;
    }
    files.push({ path, status: 'deleted', binary: false, findings: [...findings].sort(compareFindings), allFindings: [...findings].sort(compareFindings), summaries: [], changedLines: [], baseFindingKeys: [] });
  }

  const findings = files.flatMap((f) => f.findings).sort(compareFindings);
  const finalVerdict = verdictOf(planFindings.filter((f) => releaseSet.has(f)));
  const analysed = work.filter((w) => w.head || w.base).length;
  const summary = summarizeRelease({ input, facts, findings, verdict: finalVerdict, work: work.map((w) => ({ change: w.change, analysed: Boolean(w.head || w.base), headFindings: w.head?.open.findings ?? [] })) });
  return {
    base: { ref: input.base.ref, sha: input.base.sha },
    head: { ref: input.head.ref, sha: input.head.sha },
    mergeBase: input.mergeBase,
    files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    findings,
    releaseFindings: [...releaseFindings].sort(compareFindings),
    summary,
    check: summarize(findings, analysed, skipped),
    skipped,
    notes: [...(input.notes ?? [])],
  };
}

/** The plan file is not a manifest: its own ignore comments and their problems are judged here. */
function admitPlan(plan: ReleasePlan | undefined, findings: Finding[], engine: Engine): Finding[] {
  if (!plan || !plan.changed) return engine.configured(findings);
  const configured = engine.configured(findings);
  if (!plan.text.includes('rollback-guard-ignore')) return configured;
  const comments = yamlComments(plan.text).map((c) => toComment(plan.lines, c.text, c.start, c.end));
  const suppressions = new Suppressions(comments);
  return [...configured.filter((f) => !suppressions.suppresses(f)), ...engine.configured(suppressions.problems(plan.path))];
}

function manifestOf(side: Side | undefined): ManifestFile | undefined {
  return side?.open.parsed?.kind === 'manifest' ? side.open.parsed.file : undefined;
}

/** Where a base path is on the head side (the new path of a renamed file). */
function pathOnHead(work: readonly FileWork[], basePath: string): string {
  return work.find((w) => (w.change.oldPath ?? w.change.path) === basePath)?.change.path ?? basePath;
}

function buildFacts(input: ReleaseInput, work: readonly FileWork[]): ReleaseFacts {
  const baseFiles: { path: string; file: ManifestFile }[] = [];
  const headFiles: { path: string; file: ManifestFile }[] = [];
  for (const w of work) {
    const b = manifestOf(w.base);
    const h = manifestOf(w.head);
    if (b) baseFiles.push({ path: w.change.oldPath ?? w.change.path, file: b });
    if (h) headFiles.push({ path: w.change.path, file: h });
  }
  const base = indexResources(baseFiles);
  const head = indexResources(headFiles);
  const both: { base: Located; head: Located }[] = [];
  const changed: { base: Located; head: Located; imageOnly: boolean }[] = [];
  const added: Located[] = [];
  for (const [key, h] of head) {
    const b = base.get(key);
    if (!b) {
      added.push(h);
      continue;
    }
    both.push({ base: b, head: h });
    if (canonical(b, b.doc.root) === canonical(h, h.doc.root)) continue;
    const imageOnly = canonical(b, b.doc.root, imageNodes(b.doc)) === canonical(h, h.doc.root, imageNodes(h.doc));
    changed.push({ base: b, head: h, imageOnly });
  }
  // A file whose head version could not all be read may still hold the object: it is not known to be removed.
  const unread = new Set(headFiles.filter((f) => f.file.problems.length > 0).map((f) => f.path));
  const removed = [...base].filter(([key, loc]) => !head.has(key) && !unread.has(pathOnHead(work, loc.path))).map(([, loc]) => loc);

  const images = imageChanges(
    [...both.map((p) => ({ base: p.base, head: p.head })), ...added.map((h) => ({ head: h }))],
    work.map((w) => ({ path: w.change.path, base: manifestOf(w.base), head: manifestOf(w.head) })),
  );

  const configFiles: { path: string; range: Range }[] = [];
  for (const w of work) {
    const h = manifestOf(w.head);
    if (!h || !isConfigFile(w.change.path)) continue;
    if (configFileChanged(manifestOf(w.base), h)) {
      const first = changedLineRanges(w.change.hunks)[0];
      const line = first ? first[0] : 0;
      configFiles.push({ path: w.change.path, range: { start: { line, character: 0 }, end: { line, character: h.lines.lineText(line).length } } });
    }
  }

  const migrations: MigrationFacts[] = [];
  for (const w of work) {
    const parsed = w.head?.open.parsed;
    if (parsed?.kind !== 'migration' || !w.head?.open.lines) continue;
    const units = parsed.units;
    if (!units.some((u) => u.upHere)) continue;
    const summaries = w.head.open.summaries;
    const worst = summaries.reduce<(typeof summaries)[number] | undefined>((acc, s) => (!acc || worstClass([acc.rollbackClass, s.rollbackClass]) !== acc.rollbackClass ? s : acc), undefined);
    migrations.push({
      file: w.change.path,
      status: w.change.status,
      rollbackClass: worst?.rollbackClass ?? 'reversible',
      reason: worst?.reason ?? 'no schema change',
      additive: isAdditiveMigration(units),
      range: migrationAnchor(units, w.head.open.lines),
      units,
      lines: w.head.open.lines,
    });
  }

  const files = new Map(input.files.filter((f) => f.status !== 'deleted').map((f) => [f.path, { status: f.status, oldPath: f.oldPath }]));
  let plan: ReleasePlan | undefined;
  const planChange = input.files.find((f) => isPlanPath(f.path) && f.status !== 'deleted' && f.head !== undefined);
  const planText = planChange?.head ?? input.plan?.text;
  const planPath = planChange?.path ?? input.plan?.path;
  if (planText !== undefined && planPath !== undefined) {
    // A plan nested past the readers' bound reads as an empty one.
    const readable = withinYamlNesting(planText) ? planText : '';
    plan = { path: planPath, text: planText, changed: Boolean(planChange), document: boundAliases([parseDocument(readable, { prettyErrors: false, uniqueKeys: false })])[0]!, lines: new LineIndex(planText) };
  }
  return { baseRef: input.base.ref, base, head, changed, both, added, removed, images, migrations, configFiles, files, plan };
}

