import { baseName, type Analyzer } from '../analyzer';
import { CONFIG_FILE_NAMES } from '../config';
import { describeObject, isControllerOutput } from '../k8s/workload';
import type { Finding } from '../model';
import { toFinding, type Report } from '../rule';
import { MANIFEST_RULES } from '../rules';
import { createContext, type ManifestContext } from '../rules/manifest/context';
import { NOT_ANALYSED } from '../rules/meta';
import { HASH_COMMENT, toComment } from '../suppress';
import type { LineIndex } from '../text';
import { parseManifestFile, yamlComments, type ManifestDoc } from '../yaml/manifest';

/** File names that are YAML but never Kubernetes objects Rollback Guard judges here. */
const NOT_MANIFESTS = new Set([...CONFIG_FILE_NAMES, 'rollback-plan.yaml', 'rollback-plan.yml']);

/** Kubernetes manifests: plain YAML, Helm templates, Kustomize, Argo CD, Argo Rollouts, Flux. */
export const manifestAnalyzer: Analyzer = {
  id: 'manifest',
  claims(path) {
    return /\.ya?ml$/i.test(path) && !NOT_MANIFESTS.has(baseName(path));
  },
  analyze(source, env) {
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

function ownedNote(lines: LineIndex, owned: readonly ManifestDoc[]): Report {
  const at = owned[0]!.root.range?.[0] ?? 0;
  return {
    range: lines.range(at, at),
    message: `Not analysed: ${owned.length === 1 ? `${describeObject(owned[0]!)} is` : `${owned.length} objects are`} owned by a controller (\`ownerReferences\`), so what is applied and rolled back is the owner.`,
  };
}
