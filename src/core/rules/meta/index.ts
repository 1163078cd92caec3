import type { RuleMeta } from '../../rule';

/** Findings about Rollback Guard's own input: suppressions and files it could not read. */

export const IGNORE_WITHOUT_REASON: RuleMeta = {
  id: 'RG001',
  name: 'ignore-without-reason',
  severity: 'warning',
  rollbackClass: null,
  layer: null,
  scope: 'meta',
  summary: 'A `rollback-guard-ignore` comment gives no reason.',
  help: 'Say why the risk is accepted after the rule id: `rollback-guard-ignore RG101: image is rebuilt from a pinned commit`. The reason is the audit trail.',
};

export const UNUSED_IGNORE: RuleMeta = {
  id: 'RG002',
  name: 'unused-ignore',
  severity: 'warning',
  rollbackClass: null,
  layer: null,
  scope: 'meta',
  summary: 'A `rollback-guard-ignore` comment suppresses nothing (no such finding there, or an unknown rule id).',
  help: 'Remove the comment, or move it to the line just above the finding it is meant for.',
};

export const NOT_ANALYSED: RuleMeta = {
  id: 'RG003',
  name: 'not-analysed',
  severity: 'info',
  rollbackClass: null,
  layer: null,
  scope: 'meta',
  summary: 'Part of a file could not be parsed, so it was not analysed.',
  help: 'Fix the syntax error, or for a Helm template check that `{{ … }}` actions are balanced; until then Rollback Guard cannot judge this part.',
};

export const META_RULES: readonly RuleMeta[] = [IGNORE_WITHOUT_REASON, UNUSED_IGNORE, NOT_ANALYSED];
