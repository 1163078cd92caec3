import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine, type EngineOptions } from '../../src/core/engine';
import type { Finding } from '../../src/core/model';

export const FIXTURES = join(__dirname, '..', 'fixtures');

export function fixture(rel: string): string {
  return readFileSync(join(FIXTURES, rel), 'utf8');
}

/** Analyses `text` as if it were the file at `path`. */
export async function analyze(path: string, text: string, options: EngineOptions = {}): Promise<Finding[]> {
  return (await new Engine(options).analyze({ path, text })).findings;
}

/** Analyses a fixture file under test/fixtures (the fixture's path is used for detection). */
export async function analyzeFixture(rel: string, options: EngineOptions = {}): Promise<Finding[]> {
  return analyze(rel, fixture(rel), options);
}

/** `RG101@12:5` — rule id and 1-based line:column of the start of each finding. */
export function located(findings: readonly Finding[], ruleId?: string): string[] {
  return findings
    .filter((f) => ruleId === undefined || f.ruleId === ruleId)
    .map((f) => `${f.ruleId}@${f.range.start.line + 1}:${f.range.start.character + 1}`);
}

export function only(findings: readonly Finding[], ruleId: string): Finding[] {
  return findings.filter((f) => f.ruleId === ruleId);
}

/** Applies a fix's edits to `text` (edits do not overlap). */
export function applyEdits(text: string, edits: readonly { range: Finding['range']; newText: string }[]): string {
  const offsets = (line: number, character: number) => {
    let at = 0;
    for (let l = 0; l < line; l++) at = text.indexOf('\n', at) + 1;
    return at + character;
  };
  const sorted = [...edits].sort((a, b) => offsets(b.range.start.line, b.range.start.character) - offsets(a.range.start.line, a.range.start.character));
  let out = text;
  for (const e of sorted) {
    out = out.slice(0, offsets(e.range.start.line, e.range.start.character)) + e.newText + out.slice(offsets(e.range.end.line, e.range.end.character));
  }
  return out;
}

export function assertNone(findings: readonly Finding[], message?: string): void {
  assert.deepEqual(located(findings), [], message);
}
