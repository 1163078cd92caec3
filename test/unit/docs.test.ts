/**
 * The rule documentation is part of the product: every finding links to
 * `docs/rules/<id>-<name>.md`, and the editor opens that page. This suite keeps
 * the pages honest:
 *
 *   1. every rule of the registry and of the catalogue (RULES.md, a contract)
 *      has its page, with the required sections, the header row of the
 *      registry, and the exact suppression comment;
 *   2. every registered rule is exercised by some other test file;
 *   3. each implemented rule's `## Bad` example triggers it, its `## Good`
 *      example does not, and the findings printed under `## Bad` are exactly
 *      what the engine reports;
 *   4. docs/rules/README.md is the index generated from the registry.
 *
 * After changing a rule's message or summary, regenerate the generated parts
 * (README and the output blocks under `## Bad`) and review the diff:
 *
 *   UPDATE_DOCS=1 node --import tsx --test test/unit/docs.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import type { Finding } from '../../src/core/model';
import { DEFAULT_CONFIG } from '../../src/core/config';
import { docsPath, type RuleMeta } from '../../src/core/rule';
import { RULES } from '../../src/core/rules';
import { analyze } from './helpers';
import { release } from './release/helpers';

const ROOT = join(__dirname, '..', '..');
const UPDATE = process.env.UPDATE_DOCS === '1';
const REGENERATE = 'regenerate with `UPDATE_DOCS=1 node --import tsx --test test/unit/docs.test.ts` and review the diff';

/** The path every documentation example is analysed as. */
const EXAMPLE_PATH = 'example.yaml';
/** The target Kubernetes release the examples are analysed for (RG116's page says so). */
const EXAMPLE_OPTIONS = { config: { ...DEFAULT_CONFIG, targetKubernetesVersion: '1.30' } };

/** What the catalogue says of a rule (the index uses it while the rule is not registered yet). */
type CatalogueRule = Omit<RuleMeta, 'help'> & {
  /** Judged in branch mode (the branch against its base); examples show both versions. */
  branchMode?: boolean;
};

/**
 * The catalogue of RULES.md: ids and names are a contract (CLI, SARIF,
 * suppression comments and these pages use them). The other fields only fill
 * the index for rules that are not in the registry yet.
 */
const CATALOGUE: readonly CatalogueRule[] = [
  { id: 'RG001', name: 'ignore-without-reason', severity: 'warning', rollbackClass: null, layer: null, scope: 'meta', summary: 'A `rollback-guard-ignore` comment gives no reason.' },
  { id: 'RG002', name: 'unused-ignore', severity: 'warning', rollbackClass: null, layer: null, scope: 'meta', summary: 'A `rollback-guard-ignore` comment suppresses nothing.' },
  { id: 'RG003', name: 'not-analysed', severity: 'info', rollbackClass: null, layer: null, scope: 'meta', summary: 'Part of a file could not be parsed, so it was not analysed.' },

  { id: 'RG101', name: 'mutable-image-reference', severity: 'warning', rollbackClass: 'manual-repair', layer: 'code', scope: 'manifest', summary: 'A container image is not pinned to a digest.' },
  { id: 'RG102', name: 'no-revision-history', severity: 'warning', rollbackClass: 'manual-repair', layer: 'config', scope: 'manifest', summary: '`revisionHistoryLimit: 0` keeps no revision to roll back to.' },
  { id: 'RG103', name: 'unversioned-config-reference', severity: 'warning', rollbackClass: 'manual-repair', layer: 'config', scope: 'manifest', summary: 'A workload reads a ConfigMap or Secret by a fixed name.' },
  { id: 'RG104', name: 'no-health-gate', severity: 'warning', rollbackClass: 'reversible-within-window', layer: 'code', scope: 'manifest', summary: 'A rolled-out container has no readinessProbe.' },
  { id: 'RG105', name: 'disruptive-rollout-strategy', severity: 'warning', rollbackClass: 'reversible', layer: 'config', scope: 'manifest', summary: 'The update strategy takes every pod down at once.' },
  { id: 'RG106', name: 'immutable-field-change', severity: 'error', rollbackClass: 'manual-repair', layer: 'config', scope: 'release', branchMode: true, summary: 'An immutable field differs from the base, so apply fails and rollback needs delete and recreate.' },
  { id: 'RG107', name: 'gitops-controller-reapplies', severity: 'info', rollbackClass: 'reversible', layer: 'config', scope: 'manifest', summary: 'A GitOps controller re-applies Git over a cluster-side rollback.' },
  { id: 'RG108', name: 'crd-version-removed', severity: 'error', rollbackClass: 'forward-only', layer: 'config', scope: 'release', branchMode: true, summary: 'A CRD version served in the base is removed, stops being served, or loses the storage flag.' },
  { id: 'RG109', name: 'helm-hook-side-effect', severity: 'warning', rollbackClass: 'forward-only', layer: 'data', scope: 'manifest', summary: 'A Helm install/upgrade hook does something `helm rollback` does not undo.' },
  { id: 'RG110', name: 'migration-in-release', severity: 'warning', rollbackClass: 'forward-only', layer: 'data', scope: 'manifest', summary: 'A Job, CronJob or init container runs a schema migration.' },
  { id: 'RG111', name: 'data-deleted-with-resource', severity: 'warning', rollbackClass: 'restore-required', layer: 'data', scope: 'manifest', summary: 'Deleting or scaling the resource deletes its data.' },
  { id: 'RG112', name: 'resource-removed', severity: 'error', rollbackClass: 'restore-required', layer: 'config', scope: 'release', branchMode: true, summary: 'A resource present in the base is gone from the branch, and pruning deletes it.' },
  { id: 'RG113', name: 'secret-in-manifest', severity: 'warning', rollbackClass: 'forward-only', layer: 'config', scope: 'manifest', summary: 'A Secret with literal values is committed.' },
  { id: 'RG114', name: 'unsafe-canary-abort', severity: 'warning', rollbackClass: 'reversible-within-window', layer: 'code', scope: 'manifest', summary: 'An Argo Rollouts canary cannot abort safely on its own.' },
  { id: 'RG115', name: 'declared-class-too-optimistic', severity: 'error', rollbackClass: null, layer: null, scope: 'manifest', summary: 'A declared rollback class is safer than what the rules detect, or unknown.' },
  { id: 'RG116', name: 'api-removed-in-target-version', severity: 'error', rollbackClass: 'manual-repair', layer: 'config', scope: 'manifest', summary: 'The manifest uses an API version the target Kubernetes release no longer serves.' },

  { id: 'RG201', name: 'drop-table', severity: 'error', rollbackClass: 'restore-required', layer: 'data', scope: 'migration', summary: 'A table, schema or database is dropped.' },
  { id: 'RG202', name: 'drop-column', severity: 'error', rollbackClass: 'restore-required', layer: 'data', scope: 'migration', summary: 'A column is dropped.' },
  { id: 'RG203', name: 'rename', severity: 'error', rollbackClass: 'forward-only', layer: 'data', scope: 'migration', summary: 'A table or column is renamed under the previous binary.' },
  { id: 'RG204', name: 'column-type-change', severity: 'error', rollbackClass: 'forward-only', layer: 'data', scope: 'migration', summary: 'A column type changes.' },
  { id: 'RG205', name: 'not-null-without-default', severity: 'error', rollbackClass: 'forward-only', layer: 'data', scope: 'migration', summary: 'A column becomes NOT NULL, or is added NOT NULL without a default.' },
  { id: 'RG206', name: 'relaxed-constraint', severity: 'info', rollbackClass: 'reversible-within-window', layer: 'data', scope: 'migration', summary: 'A NOT NULL, default or constraint is dropped.' },
  { id: 'RG207', name: 'data-mutation', severity: 'warning', rollbackClass: 'compensatable', layer: 'data', scope: 'migration', summary: 'Rows are rewritten or removed inside a migration.' },
  { id: 'RG208', name: 'enum-change', severity: 'warning', rollbackClass: 'forward-only', layer: 'data', scope: 'migration', summary: 'An enum value is added, renamed or removed.' },
  { id: 'RG209', name: 'missing-down', severity: 'warning', rollbackClass: 'forward-only', layer: 'data', scope: 'migration', summary: 'A non-additive migration has no down migration.' },
  { id: 'RG210', name: 'lossy-down', severity: 'warning', rollbackClass: 'restore-required', layer: 'data', scope: 'migration', summary: 'The down migration cannot bring the data back.' },
  { id: 'RG211', name: 'expand-and-contract-together', severity: 'error', rollbackClass: 'forward-only', layer: 'data', scope: 'migration', summary: 'One migration both expands and contracts the same table.' },
  { id: 'RG212', name: 'lock-heavy-ddl', severity: 'warning', rollbackClass: 'reversible', layer: 'data', scope: 'migration', summary: 'DDL takes long locks during rollout and again during rollback.' },
  { id: 'RG213', name: 'constraint-tightened', severity: 'warning', rollbackClass: 'forward-only', layer: 'data', scope: 'migration', summary: 'A constraint is added that the previous binary may violate.' },

  { id: 'RG301', name: 'code-rollback-meets-new-schema', severity: 'error', rollbackClass: 'forward-only', layer: 'data', scope: 'release', branchMode: true, summary: 'The branch changes a workload image and ships a non-additive migration.' },
  { id: 'RG302', name: 'several-axes-at-once', severity: 'info', rollbackClass: null, layer: null, scope: 'release', branchMode: true, summary: 'The branch changes several axes (CRDs, images, config, schema) together.' },
  { id: 'RG303', name: 'no-rollback-plan', severity: 'warning', rollbackClass: null, layer: null, scope: 'release', branchMode: true, summary: 'A forward-only or worse release carries no rollback plan.' },
];

const REQUIRED_SECTIONS = ['Problem', 'Why it blocks rollback', 'Fix', 'Bad', 'Good', 'Suppress', 'References'] as const;

/** Every rule the pages must cover: the registry, then catalogue ids it does not hold yet. */
function allRules(): { id: string; name: string; meta?: RuleMeta; catalogue?: CatalogueRule }[] {
  const byId = new Map(CATALOGUE.map((c) => [c.id, c]));
  const ids = [...new Set([...RULES.keys(), ...byId.keys()])].sort();
  return ids.map((id) => {
    const meta = RULES.get(id);
    const catalogue = byId.get(id);
    return { id, name: meta?.name ?? catalogue!.name, meta, catalogue };
  });
}

// ---------------------------------------------------------------- markdown

interface Fence {
  lang: string;
  /** Body without the fence lines, ending with a newline. */
  body: string;
  /** 0-based line indexes of the opening and closing fence lines. */
  open: number;
  close: number;
}

interface Section {
  title: string;
  /** 0-based line of the `## ` heading; the section runs to the next one. */
  start: number;
  end: number;
  fences: Fence[];
}

interface Page {
  path: string;
  lines: string[];
  title: string;
  sections: Section[];
}

function readPage(path: string): Page {
  const lines = readFileSync(path, 'utf8').split('\n');
  const sections: Section[] = [];
  let fence: { lang: string; open: number } | undefined;
  const fences: Fence[] = [];
  lines.forEach((line, i) => {
    const marker = /^```(\S*)\s*$/.exec(line);
    if (marker) {
      if (!fence) fence = { lang: marker[1] ?? '', open: i };
      else {
        fences.push({ lang: fence.lang, body: lines.slice(fence.open + 1, i).map((l) => `${l}\n`).join(''), open: fence.open, close: i });
        fence = undefined;
      }
      return;
    }
    if (fence) return;
    const heading = /^## (.+?)\s*$/.exec(line);
    if (heading) {
      const previous = sections.at(-1);
      if (previous) previous.end = i;
      sections.push({ title: heading[1]!, start: i, end: lines.length, fences: [] });
    }
  });
  for (const section of sections) section.fences = fences.filter((f) => f.open > section.start && f.open < section.end);
  return { path, lines, title: lines[0] ?? '', sections };
}

function section(page: Page, title: string): Section {
  const found = page.sections.find((s) => s.title === title);
  assert.ok(found, `${rel(page.path)} has no "## ${title}" section`);
  return found;
}

function rel(path: string): string {
  return relative(ROOT, path);
}

function pagePath(rule: { id: string; name: string }): string {
  return join(ROOT, docsPath(rule));
}

/** `| a | b |` → ['a', 'b']. */
function cells(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

// ---------------------------------------------------------------- 1. pages

describe('rule pages: one per rule, with the required sections', () => {
  it('the registry holds only catalogue ids, under their catalogue names', () => {
    const catalogue = new Map(CATALOGUE.map((c) => [c.id, c.name]));
    for (const meta of RULES.values()) {
      assert.ok(catalogue.has(meta.id), `${meta.id} is registered but not in the catalogue: add it to RULES.md and to CATALOGUE in this test`);
      assert.equal(meta.name, catalogue.get(meta.id), `${meta.id} is registered as "${meta.name}" but RULES.md names it "${catalogue.get(meta.id)}" (names are a contract)`);
    }
  });

  for (const rule of allRules()) {
    it(`${rule.id} ${rule.name} has ${docsPath(rule)}`, () => {
      const path = pagePath(rule);
      assert.ok(existsSync(path), `missing page ${docsPath(rule)}${rule.meta ? '' : ' (catalogue rule, not registered yet)'}`);
      const page = readPage(path);
      assert.equal(page.title, `# ${rule.id} ${rule.name}`, `${docsPath(rule)}: the first line must be the title`);

      // The header: one table row, severity | rollback class | layer | scope.
      const header = page.lines.slice(1, page.sections[0]?.start ?? page.lines.length).filter((l) => l.startsWith('|'));
      assert.deepEqual(cells(header[0] ?? ''), ['severity', 'rollback class', 'layer', 'scope'], `${docsPath(rule)}: header table`);
      assert.equal(header.length, 3, `${docsPath(rule)}: the header table has exactly one row`);
      const [severity, cls, layer, scope] = cells(header[2]!);
      const expected = rule.meta ?? rule.catalogue!;
      assert.ok(severity!.startsWith(expected.severity), `${docsPath(rule)}: severity cell "${severity}" must start with ${expected.severity}`);
      assert.ok(cls!.includes(expected.rollbackClass ?? '—'), `${docsPath(rule)}: class cell "${cls}" must name ${expected.rollbackClass ?? '—'}`);
      assert.ok(layer!.startsWith(expected.layer ?? '—'), `${docsPath(rule)}: layer cell "${layer}" must start with ${expected.layer ?? '—'}`);
      assert.ok(scope!.startsWith(expected.scope), `${docsPath(rule)}: scope cell "${scope}" must start with ${expected.scope}`);

      assert.deepEqual(
        page.sections.map((s) => s.title),
        [...REQUIRED_SECTIONS],
        `${docsPath(rule)}: sections must be exactly, in order: ${REQUIRED_SECTIONS.join(', ')}`,
      );
      for (const title of ['Bad', 'Good']) {
        assert.ok(section(page, title).fences.length > 0, `${docsPath(rule)}: "## ${title}" needs a fenced example`);
      }
      const suppress = page.lines.slice(section(page, 'Suppress').start, section(page, 'Suppress').end).join('\n');
      assert.match(suppress, new RegExp(`rollback-guard-ignore(-file)? ${rule.id}: \\S`), `${docsPath(rule)}: "## Suppress" must show \`rollback-guard-ignore ${rule.id}: <reason>\``);
      const references = page.lines.slice(section(page, 'References').start, section(page, 'References').end);
      assert.ok(references.some((l) => /^- \[[^\]]+\]\(https:\/\/[^)]+\)/.test(l)), `${docsPath(rule)}: "## References" needs at least one link`);
    });
  }

  it('docs/rules holds no page for an id outside the catalogue', () => {
    const known = new Set(allRules().map((r) => `${r.id}-${r.name}.md`));
    const stray = readdirSync(join(ROOT, 'docs', 'rules')).filter((f) => /^RG\d{3}/.test(f) && !known.has(f));
    assert.deepEqual(stray, [], 'pages whose file name is not `<id>-<name>.md` of a catalogue rule');
  });
});

// ---------------------------------------------------------------- 2. tests

describe('every registered rule is exercised by a test', () => {
  const testFiles: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        if (entry !== 'node_modules') walk(path);
      } else if (/\.test\.ts$/.test(entry) && path !== __filename) testFiles.push(path);
    }
  };
  walk(join(ROOT, 'test'));
  const sources = testFiles.map((f) => readFileSync(f, 'utf8'));

  for (const id of RULES.keys()) {
    it(`${id} is named in a test file other than docs.test.ts`, () => {
      assert.ok(
        sources.some((s) => new RegExp(`\\b${id}\\b`).test(s)),
        `no test file under test/ names ${id}; a rule without its own test is only checked by its documentation example`,
      );
    });
  }
});

// ---------------------------------------------------------------- 3. examples

/** `example.yaml:9:11 warning RG105 …` — the CLI's text format. */
function formatFinding(f: Finding): string {
  return `${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1} ${f.severity} ${f.ruleId} ${f.message}`;
}

/** The output block under `## Bad`: the first ```text fence after the first example. */
function outputFence(bad: Section): Fence | undefined {
  const example = bad.fences.find((f) => f.lang === 'yaml');
  return bad.fences.find((f) => f.lang === 'text' && example !== undefined && f.open > example.close);
}

describe('rule pages: the Bad example triggers the rule, the Good example does not', () => {
  for (const rule of allRules()) {
    const examplesRun = rule.meta !== undefined && (rule.meta.scope === 'manifest' || rule.meta.scope === 'meta');
    if (rule.meta?.scope === 'release') {
      it(`${rule.id}: the Bad branch reports ${rule.id} against its base exactly as printed, the Good branch does not report it`, () => checkBranchExamples(rule));
      continue;
    }
    if (!examplesRun) continue;
    it(`${rule.id}: the Bad example reports ${rule.id} exactly as printed, the Good example does not report it`, async (t) => {
      const path = pagePath(rule);
      if (!existsSync(path)) {
        t.skip(`no page yet (reported by the page check)`);
        return;
      }
      const page = readPage(path);
      const bad = section(page, 'Bad');
      const good = section(page, 'Good');
      const badExample = bad.fences.find((f) => f.lang === 'yaml');
      const goodExample = good.fences.find((f) => f.lang === 'yaml');
      assert.ok(badExample, `${docsPath(rule)}: "## Bad" needs a \`\`\`yaml example`);
      assert.ok(goodExample, `${docsPath(rule)}: "## Good" needs a \`\`\`yaml example`);

      const reported = (await analyze(EXAMPLE_PATH, badExample.body, EXAMPLE_OPTIONS)).filter((f) => f.ruleId === rule.id);
      assert.ok(reported.length > 0, `${docsPath(rule)}: the Bad example does not trigger ${rule.id}`);
      const notReported = (await analyze(EXAMPLE_PATH, goodExample.body, EXAMPLE_OPTIONS)).filter((f) => f.ruleId === rule.id);
      assert.deepEqual(notReported.map(formatFinding), [], `${docsPath(rule)}: the Good example triggers ${rule.id}`);

      const expected = reported.map(formatFinding);
      const output = outputFence(bad);
      const printed = output ? output.body.split('\n').filter((l) => l.trim() !== '') : undefined;
      if (UPDATE && (printed === undefined || printed.join('\n') !== expected.join('\n'))) {
        const lines = [...page.lines];
        if (output) lines.splice(output.open + 1, output.close - output.open - 1, ...expected);
        else lines.splice(badExample.close + 1, 0, '', 'Rollback Guard reports:', '', '```text', ...expected, '```');
        writeFileSync(path, lines.join('\n'));
        return;
      }
      assert.ok(printed, `${docsPath(rule)}: "## Bad" needs a \`\`\`text block with the findings after the example; ${REGENERATE}`);
      assert.deepEqual(printed, expected, `${docsPath(rule)}: the findings printed under "## Bad" are not what the engine reports; ${REGENERATE}`);
    });
  }
});

/*
 * Branch-mode pages show a base and a branch. In "## Bad" and "## Good",
 * each ```yaml or ```sql fence is a file of the base or of the branch: the
 * prose before it says which ("Base (`main`):" / "Branch: …"; a fence with
 * no prose of its own continues the previous side), and a first-line comment
 * naming a path (`# deploy/web.yaml`, `-- db/migrations/…up.sql`) gives its
 * path (else example.yaml / example.sql). "## Good" reuses the Bad base; its
 * branch is its own fences — plus the Bad branch when its prose says the
 * branch "also" adds something. A branch with no fence deletes the base files.
 */
interface ExampleFile {
  side: 'base' | 'branch';
  path: string;
  text: string;
  fence: Fence;
}

function exampleFiles(page: Page, section: Section): { files: ExampleFile[]; also: boolean } {
  const files: ExampleFile[] = [];
  let side: 'base' | 'branch' = 'branch';
  let previousEnd = section.start;
  let also = false;
  for (const fence of section.fences) {
    const prose = page.lines.slice(previousEnd + 1, fence.open).join(' ');
    previousEnd = fence.close;
    if (fence.lang !== 'yaml' && fence.lang !== 'sql') continue;
    if (/\bbranch\b/i.test(prose)) side = 'branch';
    else if (/\bbase\b/i.test(prose)) side = 'base';
    if (files.length === 0 && /\balso\b/i.test(prose)) also = true;
    const first = fence.body.split('\n')[0] ?? '';
    const named = (fence.lang === 'sql' ? /^--\s*(\S+\.\w+)\s*$/ : /^#\s*(\S+\.\w+)\s*$/).exec(first);
    files.push({ side, path: named?.[1] ?? (fence.lang === 'sql' ? 'example.sql' : EXAMPLE_PATH), text: fence.body, fence });
  }
  return { files, also };
}

const tree = (files: readonly ExampleFile[], side: 'base' | 'branch') => Object.fromEntries(files.filter((f) => f.side === side).map((f) => [f.path, f.text]));

async function checkBranchExamples(rule: { id: string; name: string }): Promise<void> {
  const path = pagePath(rule);
  if (!existsSync(path)) return;
  const page = readPage(path);
  const bad = exampleFiles(page, section(page, 'Bad'));
  const good = exampleFiles(page, section(page, 'Good'));
  assert.ok(bad.files.length > 0, `${docsPath(rule)}: "## Bad" needs a base or branch example`);
  assert.ok(good.files.length > 0, `${docsPath(rule)}: "## Good" needs a branch example`);
  const base = tree(bad.files, 'base');
  const badBranch = tree(bad.files, 'branch');
  const goodBranch = { ...(good.also ? badBranch : {}), ...tree(good.files, 'branch') };

  const reported = (await release(base, badBranch)).findings.filter((f) => f.ruleId === rule.id);
  assert.ok(reported.length > 0, `${docsPath(rule)}: the Bad branch does not trigger ${rule.id} against its base`);
  const notReported = (await release(base, goodBranch)).findings.filter((f) => f.ruleId === rule.id);
  assert.deepEqual(notReported.map(formatFinding), [], `${docsPath(rule)}: the Good branch triggers ${rule.id}`);

  const expected = reported.map(formatFinding);
  const last = bad.files.at(-1)!.fence;
  const badSection = section(page, 'Bad');
  const output = badSection.fences.find((f) => f.lang === 'text' && f.open > last.close);
  const printed = output ? output.body.split('\n').filter((l) => l.trim() !== '') : undefined;
  if (UPDATE && (printed === undefined || printed.join('\n') !== expected.join('\n'))) {
    const lines = [...page.lines];
    if (output) lines.splice(output.open + 1, output.close - output.open - 1, ...expected);
    else lines.splice(last.close + 1, 0, '', 'Rollback Guard reports (the branch against `main`):', '', '```text', ...expected, '```');
    writeFileSync(path, lines.join('\n'));
    return;
  }
  assert.ok(printed, `${docsPath(rule)}: "## Bad" needs a \`\`\`text block with the findings after the examples; ${REGENERATE}`);
  assert.deepEqual(printed, expected, `${docsPath(rule)}: the findings printed under "## Bad" are not what branch mode reports; ${REGENERATE}`);
}

// ---------------------------------------------------------------- 4. index

const FAMILIES: readonly { prefix: string; title: string }[] = [
  { prefix: 'RG0', title: 'Rollback Guard itself' },
  { prefix: 'RG1', title: 'Kubernetes manifests' },
  { prefix: 'RG2', title: 'Migrations' },
  { prefix: 'RG3', title: 'Releases (a branch against its base)' },
];

function code(value: string | null): string {
  return value === null ? '—' : `\`${value}\``;
}

/** docs/rules/README.md, generated from the registry (and the catalogue for rules not registered yet). */
function renderIndex(): string {
  const rules = allRules();
  const out: string[] = [
    '# Rules',
    '',
    '<!-- Generated by test/unit/docs.test.ts from the rule registry; do not edit.',
    '     Regenerate: UPDATE_DOCS=1 node --import tsx --test test/unit/docs.test.ts -->',
    '',
    'Every finding names its rule by id. The id, the name and the meaning of a rule never',
    'change; suppression comments and `.rollbackguard.yaml` use them (see',
    '[configuration](../configuration.md)).',
    '',
    'Severity is the default (`.rollbackguard.yaml` can change it). The rollback class is what',
    'the finding implies for undoing the change, from safest to worst: `reversible`,',
    '`reversible-within-window`, `manual-repair`, `forward-only`, `compensatable`,',
    '`restore-required`. The layer says which tool owns the undo: `code` (rollout undo, Argo',
    'Rollouts undo, helm rollback), `config` (git revert + sync), `data` (restore, compensation).',
    'The scope says what the rule reads: one manifest document, one migration, a release (the',
    'branch against its base), or Rollback Guard\'s own input (`meta`).',
    '',
  ];
  for (const family of FAMILIES) {
    const members = rules.filter((r) => r.id.startsWith(family.prefix));
    if (members.length === 0) continue;
    out.push(`## ${family.title}`, '', '| id | name | severity | class | layer | scope | summary |', '|---|---|---|---|---|---|---|');
    for (const r of members) {
      const m = r.meta ?? r.catalogue!;
      const summary = r.meta ? m.summary : `${m.summary} *(not implemented yet${r.catalogue?.branchMode ? ': branch mode' : ''})*`;
      out.push(`| [${r.id}](${r.id}-${r.name}.md) | ${r.name} | ${m.severity} | ${code(m.rollbackClass)} | ${m.layer ?? '—'} | ${m.scope} | ${summary.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

describe('docs/rules/README.md', () => {
  it('is the index of the registry: ids, names, severities, classes, layers, scopes, summaries', () => {
    const path = join(ROOT, 'docs', 'rules', 'README.md');
    const expected = renderIndex();
    if (UPDATE) writeFileSync(path, expected);
    assert.ok(existsSync(path), `docs/rules/README.md is missing; ${REGENERATE}`);
    const actual = readFileSync(path, 'utf8');
    if (actual === expected) return;
    // Name the first row that differs, so the failure says which rule drifted.
    const rows = (text: string) => text.split('\n').filter((l) => l.startsWith('| [RG'));
    const want = rows(expected);
    const got = rows(actual);
    const drift = want.find((row, i) => row !== got[i]);
    assert.fail(`docs/rules/README.md is out of date${drift ? ` (first differing row: ${drift})` : ''}; ${REGENERATE}`);
  });
});
