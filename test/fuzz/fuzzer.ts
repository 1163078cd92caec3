/**
 * A seeded, deterministic fuzzer over every analyzer: it mutates the test
 * fixtures and the example repository (manifests, Helm templates, SQL,
 * framework migrations) and checks, for each input, that
 *
 * - no exception escapes the engine, and none is caught by its per-file
 *   isolation either (an RG003 "reading this file failed" is a failure here);
 * - every finding's range is a real position inside the text;
 * - in branch mode (base against a mutated head) nothing throws either;
 * - the editor's incremental parse (an engine that analysed the previous
 *   version first) finds exactly what a fresh engine finds;
 *
 * and it times every input. Input N of seed S is the same on every machine.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join, relative } from 'node:path';
import { Engine } from '../../src/core/engine';
import type { Finding } from '../../src/core/model';
import { analyzeRelease, lineHunks, type ChangedFile } from '../../src/core/release';
import { LineIndex } from '../../src/core/text';
import { languageOf, mutate, Random } from './mutate';

export const TARGETS = ['manifest', 'helm', 'sql', 'framework', 'branch', 'memo'] as const;
export type Target = (typeof TARGETS)[number];

export interface FuzzOptions {
  seed: number;
  count: number;
  /** Only these targets (default: all, in turn). */
  targets?: readonly Target[];
  /** Longest input (characters). */
  maxLength?: number;
  /** Where to write each failing input and the slowest ones. */
  saveDir?: string;
  /** How many of the slowest inputs to keep. */
  slowest?: number;
  /** Only input number `only` (to reproduce one). */
  only?: number;
  /** Called every `every` inputs with the progress. */
  progress?: (done: number, report: FuzzReport) => void;
}

export interface FuzzInput {
  index: number;
  target: Target;
  path: string;
  text: string;
  steps: string[];
  /** The version analysed first (memo) or the base (branch). */
  previous?: string;
}

export interface FuzzProblem {
  index: number;
  target: Target;
  path: string;
  kind: 'exception' | 'range' | 'memo';
  detail: string;
  bytes: number;
  saved?: string;
}

export interface Timing {
  index: number;
  target: Target;
  path: string;
  bytes: number;
  /** CPU time of this process while the input ran (user + system, every thread): what the input costs, whatever else the machine runs. */
  ms: number;
  /** Wall-clock time. */
  wallMs: number;
  steps: string[];
  saved?: string;
}

export interface FuzzReport {
  seed: number;
  inputs: Record<Target, number>;
  problems: FuzzProblem[];
  slowest: Timing[];
  /** Inputs that took over a second of CPU time (the lower of two measurements). */
  overOneSecond: Timing[];
  /** CPU time per input (ms): median, 99th percentile and maximum. */
  cpuMs: { p50: number; p99: number; max: number };
  /** The 1-minute load average when the run started and when it ended. */
  load: { start: number; end: number };
  totalMs: number;
}

const ROOT = join(__dirname, '..', '..');
const SEED_DIRS = ['test/fixtures', 'examples/bookstore'];

interface Seed {
  path: string;
  text: string;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

/** The seed files of each target, and every seed's text by path (the engines read siblings from it). */
function corpus(): { seeds: Record<Target, Seed[]>; byPath: Map<string, string> } {
  const probe = new Engine();
  const byPath = new Map<string, string>();
  const seeds: Record<Target, Seed[]> = { manifest: [], helm: [], sql: [], framework: [], branch: [], memo: [] };
  for (const dir of SEED_DIRS) {
    for (const file of listFiles(join(ROOT, dir))) {
      const path = relative(ROOT, file).replace(/\\/g, '/');
      const analyzer = probe.analyzerFor(path);
      if (!analyzer) continue;
      const text = readFileSync(file, 'utf8');
      byPath.set(path, text);
      const seed = { path, text };
      seeds.branch.push(seed);
      if (analyzer.id === 'manifest') {
        (text.includes('{{') ? seeds.helm : seeds.manifest).push(seed);
        seeds.memo.push(seed);
      } else if (analyzer.id === 'migration-sql') seeds.sql.push(seed);
      else seeds.framework.push(seed);
    }
  }
  // Helm templates also come from plain manifests with actions spliced in (the mutations add more).
  for (const seed of seeds.manifest) seeds.helm.push({ path: seed.path.replace(/[^/]+$/, 'templates/$&'), text: seed.text.replace(/: (\S+)$/gm, (_, v: string) => `: {{ .Values.${v.replace(/\W/g, '') || 'x'} | default "${v.replace(/"/g, '')}" }}`) });
  return { seeds, byPath };
}

/** Input `index` of `seed`: its own generator, so any input is made without the ones before it. */
export function makeInput(seed: number, index: number, targets: readonly Target[], seeds: Record<Target, Seed[]>, maxLength: number): FuzzInput {
  const random = new Random((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const target = targets[index % targets.length]!;
  const pool = seeds[target];
  const chosen = random.pick(pool);
  const donors = pool.filter((s) => languageOf(s.path) === languageOf(chosen.path)).map((s) => s.text);
  const { text, steps } = mutate(chosen.text, { random, language: languageOf(chosen.path), donors, maxLength });
  return { index, target, path: chosen.path, text, steps, ...(target === 'memo' || target === 'branch' ? { previous: chosen.text } : {}) };
}

/** Problems with the findings' ranges against the text they are on. */
function rangeProblems(text: string, findings: readonly Finding[]): string | undefined {
  const lines = new LineIndex(text);
  for (const f of findings) {
    for (const p of [f.range.start, f.range.end]) {
      const ok =
        Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.character >= 0 && p.line < lines.lineCount && p.character <= lines.lineEnd(p.line) - lines.lineStart(p.line) + 1;
      if (!ok) return `${f.ruleId} at ${JSON.stringify(f.range)} (${lines.lineCount} lines)`;
    }
    if (f.range.start.line > f.range.end.line || (f.range.start.line === f.range.end.line && f.range.start.character > f.range.end.character)) return `${f.ruleId} ends before it starts: ${JSON.stringify(f.range)}`;
  }
  return undefined;
}

/** A fault the engine caught: the message of its RG003 note. */
function caughtFault(findings: readonly Finding[]): string | undefined {
  return findings.find((f) => f.ruleId === 'RG003' && f.message.startsWith('Not analysed: reading this file failed'))?.message;
}

const comparable = (findings: readonly Finding[]) => JSON.stringify(findings.map((f) => [f.ruleId, f.severity, f.range, f.message]));

/** Runs one input; returns its problems (empty when it passed). */
async function runInput(input: FuzzInput, engines: Map<Target, Engine>, byPath: Map<string, string>): Promise<{ kind: FuzzProblem['kind']; detail: string }[]> {
  const problems: { kind: FuzzProblem['kind']; detail: string }[] = [];
  const readFile = (p: string) => byPath.get(p);
  try {
    if (input.target === 'branch') {
      const base: Record<string, string> = { [input.path]: input.previous! };
      const head: Record<string, string> = { [input.path]: input.text };
      const files: ChangedFile[] = [];
      // Every third input adds the file, every fifth deletes it.
      const added = input.index % 3 === 0;
      const deleted = !added && input.index % 5 === 0;
      const b = added ? undefined : base[input.path];
      const h = deleted ? undefined : head[input.path];
      files.push({ path: input.path, status: added ? 'added' : deleted ? 'deleted' : 'modified', binary: false, hunks: lineHunks(b ?? '', h ?? ''), ...(b !== undefined ? { base: b } : {}), ...(h !== undefined ? { head: h } : {}) });
      const analysis = await analyzeRelease({ base: { ref: 'main', sha: 'b'.repeat(40), readFile }, head: { ref: 'feature', sha: 'f'.repeat(40), readFile }, files });
      const own = [...analysis.findings, ...analysis.releaseFindings].filter((f) => f.file === input.path);
      const fault = caughtFault(own);
      if (fault) problems.push({ kind: 'exception', detail: fault });
      if (h !== undefined) {
        const bad = rangeProblems(h, own);
        if (bad) problems.push({ kind: 'range', detail: bad });
      }
      return problems;
    }
    if (input.target === 'memo') {
      const editor = new Engine({ readFile });
      await editor.analyze({ path: input.path, text: input.previous! });
      const incremental = await editor.analyze({ path: input.path, text: input.text });
      const whole = await new Engine({ readFile }).analyze({ path: input.path, text: input.text });
      const fault = caughtFault(whole.findings) ?? caughtFault(incremental.findings);
      if (fault) problems.push({ kind: 'exception', detail: fault });
      else if (comparable(incremental.findings) !== comparable(whole.findings)) {
        problems.push({ kind: 'memo', detail: `incremental ${comparable(incremental.findings).slice(0, 300)} ≠ whole ${comparable(whole.findings).slice(0, 300)}` });
      }
      return problems;
    }
    let engine = engines.get(input.target);
    if (!engine) engines.set(input.target, (engine = new Engine({ readFile })));
    const result = await engine.analyze({ path: input.path, text: input.text });
    if (result.failure) problems.push({ kind: 'exception', detail: `${result.failure.reason}\n${result.failure.stack ?? ''}` });
    const bad = rangeProblems(input.text, result.findings);
    if (bad) problems.push({ kind: 'range', detail: bad });
  } catch (error) {
    problems.push({ kind: 'exception', detail: `escaped the engine: ${(error as Error).stack ?? String(error)}` });
  }
  return problems;
}

function save(dir: string | undefined, name: string, input: FuzzInput): string | undefined {
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${input.target}-${input.index}-${basename(input.path)}`);
  writeFileSync(file, input.text);
  writeFileSync(`${file}.json`, JSON.stringify({ index: input.index, target: input.target, path: input.path, steps: input.steps }, null, 2));
  if (input.previous !== undefined) writeFileSync(`${file}.previous`, input.previous);
  return file;
}

export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const targets = options.targets && options.targets.length > 0 ? options.targets : TARGETS;
  const maxLength = options.maxLength ?? 128 * 1024;
  const keep = options.slowest ?? 10;
  const { seeds, byPath } = corpus();
  const engines = new Map<Target, Engine>();
  const report: FuzzReport = { seed: options.seed, inputs: { manifest: 0, helm: 0, sql: 0, framework: 0, branch: 0, memo: 0 }, problems: [], slowest: [], overOneSecond: [], cpuMs: { p50: 0, p99: 0, max: 0 }, load: { start: loadavg()[0]!, end: 0 }, totalMs: 0 };
  const times: number[] = [];
  // Parsers load once (WASM), before anything is timed.
  for (const target of targets) await runInput(makeInput(options.seed, -1 - TARGETS.indexOf(target), [target], seeds, 64), engines, byPath);
  const started = performance.now();
  const indexes = options.only !== undefined ? [options.only] : Array.from({ length: options.count }, (_, i) => i);
  for (const index of indexes) {
    const input = makeInput(options.seed, index, targets, seeds, maxLength);
    const measure = async () => {
      const cpu = process.cpuUsage();
      const wall = performance.now();
      const problems = await runInput(input, engines, byPath);
      const used = process.cpuUsage(cpu);
      return { problems, ms: (used.user + used.system) / 1000, wallMs: performance.now() - wall };
    };
    const first = await measure();
    let { ms, wallMs } = first;
    report.inputs[input.target]++;
    for (const p of first.problems) {
      report.problems.push({ index, target: input.target, path: input.path, kind: p.kind, detail: p.detail, bytes: input.text.length, saved: save(options.saveDir, p.kind, input) });
    }
    if (ms > 1000) {
      // Once more, to tell a slow input from a moment of garbage collection or compilation.
      const again = await measure();
      if (again.ms < ms) ({ ms, wallMs } = again);
      if (ms > 1000) report.overOneSecond.push({ index, target: input.target, path: input.path, bytes: input.text.length, ms, wallMs, steps: input.steps, saved: save(options.saveDir, 'slow', input) });
    }
    times.push(ms);
    if (report.slowest.length < keep || ms > report.slowest[report.slowest.length - 1]!.ms) {
      report.slowest.push({ index, target: input.target, path: input.path, bytes: input.text.length, ms, wallMs, steps: input.steps });
      report.slowest.sort((a, b) => b.ms - a.ms);
      report.slowest.length = Math.min(report.slowest.length, keep);
    }
    options.progress?.(report.inputs.manifest + report.inputs.helm + report.inputs.sql + report.inputs.framework + report.inputs.branch + report.inputs.memo, report);
  }
  report.totalMs = performance.now() - started;
  report.load.end = loadavg()[0]!;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  report.cpuMs = { p50: at(0.5), p99: at(0.99), max: times[times.length - 1] ?? 0 };
  if (options.saveDir) for (const t of report.slowest) t.saved = save(options.saveDir, 'slowest', makeInput(options.seed, t.index, targets, seeds, maxLength));
  return report;
}

/** The report as text: inputs by target, problems, the slowest inputs. */
export function formatReport(report: FuzzReport): string {
  const total = Object.values(report.inputs).reduce((a, b) => a + b, 0);
  const out = [`seed ${report.seed}: ${total} inputs in ${(report.totalMs / 1000).toFixed(1)} s (${TARGETS.map((t) => `${t} ${report.inputs[t]}`).join(', ')})`];
  const by = (kind: FuzzProblem['kind']) => report.problems.filter((p) => p.kind === kind);
  out.push(`exceptions: ${by('exception').length}; impossible ranges: ${by('range').length}; incremental ≠ whole parse: ${by('memo').length}; inputs over 1 s: ${report.overOneSecond.length}`);
  for (const p of report.problems.slice(0, 20)) out.push(`  ${p.kind} #${p.index} ${p.target} ${p.path} (${p.bytes} chars): ${p.detail.split('\n')[0]!.slice(0, 200)}${p.saved ? `\n    saved: ${p.saved}` : ''}`);
  if (report.problems.length > 20) out.push(`  … and ${report.problems.length - 20} more`);
  for (const t of report.overOneSecond.slice(0, 20)) out.push(`  over 1 s #${t.index} ${t.target} ${t.path} (${t.bytes} chars): ${t.ms.toFixed(0)} ms CPU after ${t.steps.join(', ')}`);
  out.push(`CPU time per input: median ${report.cpuMs.p50.toFixed(1)} ms, p99 ${report.cpuMs.p99.toFixed(1)} ms, max ${report.cpuMs.max.toFixed(1)} ms (1-min load average ${report.load.start.toFixed(1)} at the start, ${report.load.end.toFixed(1)} at the end)`);
  out.push('slowest inputs (CPU time; wall-clock time in brackets):');
  for (const t of report.slowest) out.push(`  ${t.ms.toFixed(1).padStart(8)} ms [${t.wallMs.toFixed(0)} ms]  #${t.index} ${t.target} ${t.path} (${t.bytes} chars; ${t.steps.join(', ')})${t.saved ? `\n    saved: ${t.saved}` : ''}`);
  return out.join('\n');
}
