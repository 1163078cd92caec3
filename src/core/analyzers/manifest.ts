import { baseName, type Analyzer } from '../analyzer';
import { CONFIG_FILE_NAMES } from '../config';
import type { Finding } from '../model';
import { toFinding } from '../rule';
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
    const file = parseManifestFile(source.text);
    const findings: Finding[] = [];
    const contexts: { ctx: ManifestContext; start: number; end: number; findings: Finding[] }[] = [];
    const reviewers = MANIFEST_RULES.filter((r) => r.review);
    for (const doc of file.manifests) {
      const docFindings: Finding[] = [];
      for (const rule of MANIFEST_RULES) {
        const ctx = createContext(source.path, file, doc, env.project, (report) => docFindings.push(toFinding(rule.meta, source.path, report)));
        rule.check(ctx);
      }
      findings.push(...docFindings);
      if (reviewers.length > 0) {
        const range = doc.document.range;
        contexts.push({ ctx: createContext(source.path, file, doc, env.project, () => undefined), start: range[0], end: range[2], findings: docFindings });
      }
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
        for (const { ctx, findings: docFindings } of contexts) {
          const kept = docFindings.filter((f) => surviving.includes(f));
          for (const rule of MANIFEST_RULES) {
            if (!rule.review) continue;
            const reviewCtx = createContext(ctx.path, ctx.file, ctx.doc, ctx.project, (report) => out.push(toFinding(rule.meta, source.path, report)));
            rule.review(reviewCtx, kept);
          }
        }
        return out;
      },
    };
  },
};
