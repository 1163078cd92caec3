import type { Finding } from '../model';
import { docsUrl, REPOSITORY_URL, type RuleMeta } from '../rule';
import { RULES } from '../rules';

/** sha256 in hex; node:crypto loads when SARIF is written, not with every command. */
function sha256(text: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}

const LEVEL = { error: 'error', warning: 'warning', info: 'note', hint: 'note' } as const;

export interface SarifOptions {
  toolVersion: string;
}

/**
 * SARIF 2.1.0 as GitHub code scanning ingests it: the rule catalogue with help
 * text, one result per finding with a region, and a partial fingerprint that
 * survives line moves (rule, file, message, occurrence).
 */
export function toSarif(findings: readonly Finding[], options: SarifOptions): string {
  const used = [...new Set(findings.map((f) => f.ruleId))];
  const rules: RuleMeta[] = [...RULES.values()].filter((r) => used.includes(r.id));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const occurrences = new Map<string, number>();
  const results = findings.map((f) => {
    const key = `${f.ruleId}\0${f.file}\0${f.message}`;
    const n = (occurrences.get(key) ?? 0) + 1;
    occurrences.set(key, n);
    return {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId) ?? -1,
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeURI(f.file), uriBaseId: '%SRCROOT%' },
            region: {
              startLine: f.range.start.line + 1,
              startColumn: f.range.start.character + 1,
              endLine: f.range.end.line + 1,
              endColumn: f.range.end.character + 1,
            },
          },
        },
      ],
      partialFingerprints: { 'rollbackGuard/v1': `${sha256(key).slice(0, 32)}:${n}` },
      properties: { rollbackClass: f.rollbackClass, layer: f.layer, severity: f.severity },
    };
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Rollback Guard',
            informationUri: REPOSITORY_URL,
            semanticVersion: options.toolVersion,
            version: options.toolVersion,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.summary },
              fullDescription: { text: `${r.summary} ${r.help}` },
              help: { text: r.help, markdown: `**${r.id} ${r.name}** — ${r.summary}\n\n${r.help}\n\n[Rule documentation](${docsUrl(r)})` },
              helpUri: docsUrl(r),
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: {
                tags: ['rollback', ...(r.layer ? [r.layer] : []), ...(r.rollbackClass ? [r.rollbackClass] : [])],
                rollbackClass: r.rollbackClass,
                layer: r.layer,
              },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The directory the check ran in.' } } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
