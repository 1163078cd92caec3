import { baseName, type Analyzer } from '../analyzer';
import { CONFIG_FILE_NAMES } from '../config';
import type { Finding } from '../model';
import { toFinding, type Report } from '../rule';
import { MANIFEST_RULES } from '../rules';
import { createContext, type ManifestContext } from '../rules/manifest/context';
import { NOT_ANALYSED } from '../rules/meta';
import { HASH_COMMENT, toComment } from '../suppress';
import { parseManifestFile, yamlComments } from '../yaml/manifest';

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
    const reviewed: { ctx: ManifestContext; findings: Finding[] }[] = [];
    const reviews = MANIFEST_RULES.some((r) => r.review);
    // One context per document; what it reports goes to `sink`, set per rule.
    let sink: (report: Report) => void = () => undefined;
    for (const doc of file.manifests) {
      const docFindings: Finding[] = [];
      const ctx = createContext(source.path, file, doc, env.project, (report) => sink(report), env.config.targetKubernetesVersion);
      for (const rule of MANIFEST_RULES) {
        sink = (report) => docFindings.push(toFinding(rule.meta, source.path, report));
        rule.check(ctx);
      }
      for (const f of docFindings) findings.push(f);
      if (reviews) reviewed.push({ ctx, findings: docFindings });
    }
    const problem = file.problems[0];
    if (problem) {
      const more = file.problems.length > 1 ? ` (and ${file.problems.length - 1} more part${file.problems.length > 2 ? 's' : ''})` : '';
      findings.push(
        toFinding(NOT_ANALYSED, source.path, {
          range: file.lines.range(problem.offset, problem.offset),
          message: `Not analysed: ${problem.message}${file.templated ? ' (after masking the Helm template actions)' : ''}${more}.`,
        }),
      );
    }
    return {
      lines: file.lines,
      findings,
      parsed: { kind: 'manifest', file },
      commentSyntax: HASH_COMMENT,
      comments: () => yamlComments(source.text).map((c) => toComment(file.lines, c.text, c.start, c.end)),
      review(surviving) {
        const out: Finding[] = [];
        const kept = new Set(surviving);
        for (const { ctx, findings: docFindings } of reviewed) {
          const docKept = docFindings.filter((f) => kept.has(f));
          for (const rule of MANIFEST_RULES) {
            if (!rule.review) continue;
            sink = (report) => out.push(toFinding(rule.meta, source.path, report));
            rule.review(ctx, docKept);
          }
        }
        return out;
      },
    };
  },
};
