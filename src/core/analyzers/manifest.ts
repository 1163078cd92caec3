import { baseName, type Analyzer, type AnalyzerEnv, type SourceFile } from '../analyzer';
import { TemplateLocator } from '../helm/locate';
import { parseRender, type ChartRender } from '../helm/render';
import { CONFIG_FILE_NAMES } from '../config';
import { describeObject, isControllerOutput } from '../k8s/workload';
import type { Finding } from '../model';
import { toFinding, type Report } from '../rule';
import { MANIFEST_RULES } from '../rules';
import { createContext, type ContextOptions, type ManifestContext } from '../rules/manifest/context';
import { NOT_ANALYSED } from '../rules/meta';
import { HASH_COMMENT, toComment } from '../suppress';
import type { LineIndex } from '../text';
import { parseManifestFile, yamlComments, type ManifestDoc } from '../yaml/manifest';
import { boundAliases } from '../yaml/aliases';
import { YamlNav } from '../yaml/nodes';
import { isMap, isScalar, parseDocument } from 'yaml';

/** File names that are YAML but never Kubernetes objects Rollback Guard judges here. */
const NOT_MANIFESTS = new Set([...CONFIG_FILE_NAMES, 'rollback-plan.yaml', 'rollback-plan.yml']);

/** Kubernetes manifests: plain YAML, Helm templates, Kustomize, Argo CD, Argo Rollouts, Flux. */
export const manifestAnalyzer: Analyzer = {
  id: 'manifest',
  claims(path) {
    return /\.ya?ml$/i.test(path) && !NOT_MANIFESTS.has(baseName(path));
  },
  analyze(source, env) {
    const render = env.helm?.forFile(source.path);
    if (render && render.outputs[source.path] !== undefined) return analyzeRendered(source, env, render);

    const file = parseManifestFile(source.text, { path: source.path, memo: env.documents });
    const findings: Finding[] = [];
    const notes: Report[] = [];
    const run = runRules(source.path, file.manifests, (doc, sink) => createContext(source.path, file, doc, env.project, sink, { kubernetesVersion: env.config.targetKubernetesVersion }));
    findings.push(...run.findings);
    if (run.owned.length > 0) notes.push(ownedNote(file.lines, run.owned));
    const problem = file.problems[0];
    if (problem) {
      const more = file.problems.length > 1 ? ` (and ${file.problems.length - 1} more part${file.problems.length > 2 ? 's' : ''})` : '';
      notes.push({
        range: file.lines.range(problem.offset, problem.offset),
        message: `Not analysed: ${problem.message}${file.templated ? ' (after masking the Helm template actions)' : ''}${more}.`,
      });
    }
    if (render) notes.push(...chartNotes(source, file.lines, render));
    for (const note of notes) findings.push(toFinding(NOT_ANALYSED, source.path, note));
    return {
      lines: file.lines,
      findings,
      parsed: { kind: 'manifest', file },
      commentSyntax: HASH_COMMENT,
      comments: () => yamlComments(source.text).map((c) => toComment(file.lines, c.text, c.start, c.end)),
      review: run.review,
    };
  },
};

/**
 * A template judged on what Helm printed for it: the rules read the
 * rendered objects (with the whole release as their unit: a hook Job's
 * ServiceAccount, the Secret a Deployment reads), and each finding is placed
 * on the template line that produced it.
 */
function analyzeRendered(source: SourceFile, env: AnalyzerEnv, render: ChartRender) {
  const release = parseRender(render);
  const output = release.files.get(source.path)!;
  const template = parseManifestFile(source.text, { path: source.path, memo: env.documents });
  const locator = new TemplateLocator(template, output.manifests);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const run = runRules(source.path, output.manifests, (doc, sink) => {
    const printed = (node: unknown) => locator.printed(doc, node);
    const options: ContextOptions = {
      unit: release.docs,
      wholeRelease: true,
      rangeOf: (node) => {
        const [start, end] = locator.locate(doc, node);
        return template.lines.range(start, end);
      },
      printed,
      // A fix edits the template's own node: a mapping the template writes out (its values may be printed), or a literal scalar.
      fixTarget: (node) => {
        const found = locator.templateNode(doc, node);
        if (!found || (isScalar(found.node) && printed(node))) return undefined;
        return { lines: template.lines, node: found.node, nav: found.nav, templated: true };
      },
    };
    return createContext(source.path, output, doc, env.project, sink, { ...options, kubernetesVersion: env.config.targetKubernetesVersion });
  });
  // A `range` that prints the same object twice gives the same finding twice, at the same line.
  for (const f of run.findings) {
    const key = `${f.ruleId}|${f.range.start.line}:${f.range.start.character}|${f.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      findings.push(f);
    }
  }
  const notes: Report[] = [];
  if (run.owned.length > 0) notes.push(ownedNote(template.lines, run.owned, true));
  const problem = output.problems[0];
  if (problem) notes.push({ range: template.lines.range(0, 0), message: `Not analysed: Helm's output for this template is not valid YAML: ${problem.message}.` });
  for (const note of notes) findings.push(toFinding(NOT_ANALYSED, source.path, note));
  return {
    lines: template.lines,
    findings,
    parsed: { kind: 'manifest' as const, file: template },
    commentSyntax: HASH_COMMENT,
    comments: () => yamlComments(source.text).map((c) => toComment(template.lines, c.text, c.start, c.end)),
    review: run.review,
  };
}

/** Every manifest rule on every document but controller output; a second pass for the rules that review findings. */
function runRules(path: string, docs: readonly ManifestDoc[], contextFor: (doc: ManifestDoc, sink: (report: Report) => void) => ManifestContext) {
  const findings: Finding[] = [];
  const reviewed: { ctx: ManifestContext; findings: Finding[] }[] = [];
  const reviews = MANIFEST_RULES.some((r) => r.review);
  const owned: ManifestDoc[] = [];
  // One context per document; what it reports goes to `sink`, set per rule.
  let sink: (report: Report) => void = () => undefined;
  for (const doc of docs) {
    // Controller output kept as data (a `kubectl get -o yaml` of a Pod): its owner is what is applied.
    if (isControllerOutput(doc)) {
      owned.push(doc);
      continue;
    }
    const docFindings: Finding[] = [];
    const ctx = contextFor(doc, (report) => sink(report));
    for (const rule of MANIFEST_RULES) {
      sink = (report) => docFindings.push(toFinding(rule.meta, path, report));
      rule.check(ctx);
    }
    findings.push(...docFindings);
    if (reviews) reviewed.push({ ctx, findings: docFindings });
  }
  const review = (surviving: readonly Finding[]): Finding[] => {
    const out: Finding[] = [];
    const kept = new Set(surviving);
    for (const { ctx, findings: docFindings } of reviewed) {
      const docKept = docFindings.filter((f) => kept.has(f));
      for (const rule of MANIFEST_RULES) {
        if (!rule.review) continue;
        sink = (report) => out.push(toFinding(rule.meta, path, report));
        rule.review(ctx, docKept);
      }
    }
    return out;
  };
  return { findings, owned, review };
}

function ownedNote(lines: LineIndex, owned: readonly ManifestDoc[], rendered = false): Report {
  const at = rendered ? 0 : (owned[0]!.root.range?.[0] ?? 0);
  return {
    range: lines.range(at, at),
    message: `Not analysed: ${owned.length === 1 ? `${describeObject(owned[0]!)} is` : `${owned.length} objects are`} owned by a controller (\`ownerReferences\`), so what is applied and rolled back is the owner.`,
  };
}

/**
 * Notes on a chart file that rendering could not cover: a template Helm
 * failed to render (read by masking instead), and on Chart.yaml the
 * dependencies charts/ does not hold.
 */
function chartNotes(source: SourceFile, lines: LineIndex, render: ChartRender): Report[] {
  const failed = render.failed[source.path];
  // With a dependency missing, templates that use it fail; the note on Chart.yaml says why, once.
  if (failed !== undefined && render.missing.length === 0) {
    return [{ range: lines.range(0, 0), message: `Helm could not render this template with the chart's values (${oneLine(failed)}), so it was read without rendering.` }];
  }
  if (source.path !== `${render.dir ? `${render.dir}/` : ''}Chart.yaml`) return [];
  const notes: Report[] = [];
  if (render.error !== undefined) {
    notes.push({ range: lines.range(0, 0), message: `Helm could not render this chart (${oneLine(render.error)}), so its templates were read without rendering.` });
  }
  if (render.missing.length > 0) {
    const one = render.missing.length === 1;
    const names = render.missing.map((m) => `\`${m.name}\`${m.repository ? ` (${m.repository})` : ''}`);
    const at = dependencyOffset(source.text, render.missing[0]!.name);
    notes.push({
      range: lines.range(at, at),
      message: `Not analysed: ${one ? 'dependency' : 'dependencies'} ${names.join(', ')} ${one ? 'is' : 'are'} not in charts/, so ${one ? 'its' : 'their'} objects are not rendered. Run \`helm dependency build\` to vendor ${one ? 'it' : 'them'}; templates that need ${one ? 'it' : 'them'} were read without rendering.`,
    });
  }
  return notes;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

/** Offset of the `name` of the dependency in Chart.yaml (0 when not found). */
function dependencyOffset(text: string, name: string): number {
  const [document] = boundAliases([parseDocument(text, { uniqueKeys: false })]);
  if (!isMap(document!.contents)) return 0;
  const nav = new YamlNav(document as never);
  for (const item of nav.items(nav.get(document!.contents, 'dependencies'))) {
    const node = nav.get(item, 'name');
    if (nav.str(node) === name) return (node as { range?: number[] }).range?.[0] ?? 0;
  }
  return 0;
}
