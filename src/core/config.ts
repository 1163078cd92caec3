import type Ajv from 'ajv';
import { isMap, isSeq, parseDocument, type Node } from 'yaml';
import { boundAliases } from './yaml/aliases';
import { compileGlob, compileGlobs, GlobError } from './glob';
import schema from '../../schemas/rollbackguard.schema.json';
import type { Severity } from './model';
import { ruleById } from './rules';
import { InputLimit } from './limits';
import { LineIndex } from './text';
import { checkYamlNesting } from './yaml/nesting';

/** A dialect `migrations.dialects` may name (`mariadb` is read as MySQL). */
export type ConfiguredDialect = 'postgres' | 'mysql' | 'mariadb' | 'sqlite' | 'cockroachdb' | 'h2' | 'sqlserver' | 'oracle' | 'db2' | 'hsqldb' | 'derby' | 'clickhouse';

/** `.rollbackguard.yaml`, resolved: every field has its default. */
export interface RollbackGuardConfig {
  base?: string;
  analyse: 'changed' | 'all';
  /** Keyed by rule id. */
  rules: ReadonlyMap<string, { enabled: boolean; severity?: Severity }>;
  ignore: readonly string[];
  migrations: { paths: readonly string[]; dialects: readonly { path: string; dialect: ConfiguredDialect }[]; owners?: readonly { workload?: string; image?: string; paths: readonly string[] }[] };
  production: { contexts: readonly string[] };
  maxFileSizeKb: number;
  /** The Kubernetes release the manifests must apply to (`1.30`): APIs it no longer serves are reported (RG116). */
  targetKubernetesVersion?: string;
  /** Helm charts: rendered with Helm's engine (unless `render: false`), with these values files per chart directory. */
  helm: { render: boolean; charts: ReadonlyMap<string, { values: readonly string[] }> };
}

export const CONFIG_FILE_NAMES = ['.rollbackguard.yaml', '.rollbackguard.yml'];

export const DEFAULT_CONFIG: RollbackGuardConfig = {
  analyse: 'changed',
  rules: new Map(),
  ignore: [],
  migrations: { paths: [], dialects: [] },
  production: { contexts: ['prod*', '*-prod', '*-production', '*production*'] },
  maxFileSizeKb: 10 * 1024,
  helm: { render: true, charts: new Map() },
};

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = 'ConfigError';
  }
}

// All errors, so the most specific one (the deepest path) can be reported.
// Loaded and compiled on first use: most runs have no configuration file.
let compiled: ReturnType<Ajv['compile']> | undefined;
function validator(): ReturnType<Ajv['compile']> {
  if (!compiled) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { default: AjvClass } = require('ajv') as { default: typeof Ajv };
    compiled = new AjvClass({ allErrors: true, strict: false }).compile(schema);
  }
  return compiled;
}

/** Parses and validates a config file; throws ConfigError with the position of the first problem. */
export function parseConfig(text: string, file = CONFIG_FILE_NAMES[0]!): RollbackGuardConfig {
  const lines = new LineIndex(text);
  const fail = (offset: number, detail: string): never => {
    const p = lines.position(offset);
    throw new ConfigError(file, p.line + 1, p.character + 1, detail);
  };
  try {
    checkYamlNesting(text);
  } catch (error) {
    if (error instanceof InputLimit) fail(error.offset, error.message);
    throw error;
  }
  const [doc] = boundAliases([parseDocument(text, { prettyErrors: false })]) as [ReturnType<typeof parseDocument>];
  if (doc.errors.length > 0) fail(doc.errors[0]!.pos[0], `invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const raw: unknown = doc.toJS({ maxAliasCount: -1 }) ?? {};
  const validate = validator();
  if (!validate(raw)) {
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'oneOf');
    const error = errors.reduce<(typeof errors)[number] | undefined>(
      (best, e) => (best === undefined || e.instancePath.split('/').length > best.instancePath.split('/').length ? e : best),
      undefined,
    );
    const path = (error?.instancePath ?? '').split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const node = nodeAt(doc.contents, path);
    const detail = error?.keyword === 'additionalProperties'
      ? `unknown setting \`${String((error.params as { additionalProperty?: string }).additionalProperty)}\`${path.length ? ` under \`${path.join('.')}\`` : ''}`
      : `\`${path.join('.') || '(root)'}\` ${error?.message ?? 'is invalid'}${error?.keyword === 'enum' ? `: ${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)}` : ''}`;
    fail(node?.range?.[0] ?? 0, detail);
  }
  const value = raw as {
    base?: string;
    analyse?: 'changed' | 'all';
    rules?: Record<string, string | { enabled?: boolean; severity?: Severity }>;
    ignore?: string[];
    migrations?: { paths?: string[]; dialects?: { path: string; dialect: ConfiguredDialect }[]; owners?: { workload?: string; image?: string; paths: string[] }[] };
    production?: { contexts?: string[] };
    maxFileSizeKb?: number;
    targetKubernetesVersion?: string;
    helm?: { render?: boolean; charts?: Record<string, { values?: string[] }> };
  };
  // Globs are compiled now, so a pattern the matcher refuses is an error at its line.
  const globs: [string[], string | undefined, boolean][] = [
    ...(value.ignore ?? []).map((g, i): [string[], string, boolean] => [['ignore', String(i)], g, true]),
    ...(value.migrations?.paths ?? []).map((g, i): [string[], string, boolean] => [['migrations', 'paths', String(i)], g, true]),
    ...(value.migrations?.dialects ?? []).map((d, i): [string[], string, boolean] => [['migrations', 'dialects', String(i), 'path'], d.path, true]),
    ...(value.migrations?.owners ?? []).flatMap((o, i) => (o.paths ?? []).map((g, j): [string[], string, boolean] => [['migrations', 'owners', String(i), 'paths', String(j)], g, true])),
    ...(value.production?.contexts ?? []).map((g, i): [string[], string, boolean] => [['production', 'contexts', String(i)], g, false]),
  ];
  for (const [path, glob, paths] of globs) {
    try {
      compileGlob(glob!, { paths, ignoreCase: !paths });
    } catch (error) {
      if (!(error instanceof GlobError)) throw error;
      fail(nodeAt(doc.contents, path)?.range?.[0] ?? 0, `\`${path.join('.')}\`: ${error.message} in \`${glob}\``);
    }
  }
  const rules = new Map<string, { enabled: boolean; severity?: Severity }>();
  for (const [key, setting] of Object.entries(value.rules ?? {})) {
    const meta = ruleById(key);
    if (!meta) fail(nodeAt(doc.contents, ['rules', key], true)?.range?.[0] ?? 0, `unknown rule \`${key}\``);
    const resolved =
      typeof setting === 'string'
        ? setting === 'off'
          ? { enabled: false }
          : setting === 'on'
            ? { enabled: true }
            : { enabled: true, severity: setting as Severity }
        : { enabled: setting.enabled ?? true, ...(setting.severity ? { severity: setting.severity } : {}) };
    rules.set(meta!.id, resolved);
  }
  return {
    ...(value.base ? { base: value.base } : {}),
    analyse: value.analyse ?? DEFAULT_CONFIG.analyse,
    rules,
    ignore: value.ignore ?? [],
    migrations: { paths: value.migrations?.paths ?? [], dialects: value.migrations?.dialects ?? [], ...(value.migrations?.owners ? { owners: value.migrations.owners } : {}) },
    // A repository can only add production patterns: the defaults (and the user's own, merged by the caller) always apply.
    production: { contexts: [...new Set([...DEFAULT_CONFIG.production.contexts, ...(value.production?.contexts ?? [])])] },
    maxFileSizeKb: value.maxFileSizeKb ?? DEFAULT_CONFIG.maxFileSizeKb,
    ...(value.targetKubernetesVersion !== undefined ? { targetKubernetesVersion: value.targetKubernetesVersion } : {}),
    helm: {
      render: value.helm?.render ?? true,
      charts: new Map(Object.entries(value.helm?.charts ?? {}).map(([dir, chart]) => [dir.replace(/\\/g, '/').replace(/^\.\/|\/+$/g, ''), { values: chart.values ?? [] }])),
    },
  };
}

const ignoreMatchers = new WeakMap<RollbackGuardConfig, (path: string) => boolean>();

/** Whether the config's `ignore` globs exclude `path` (relative to the repository root, forward slashes). */
export function isIgnoredPath(config: RollbackGuardConfig, path: string): boolean {
  if (config.ignore.length === 0) return false;
  let matcher = ignoreMatchers.get(config);
  if (!matcher) ignoreMatchers.set(config, (matcher = compileGlobs(config.ignore, { paths: true })));
  return matcher(path);
}

/** The YAML node at a JSON path (the key node when `key` is set), for error positions. */
function nodeAt(root: unknown, path: string[], key = false): Node | undefined {
  let current = root as Node | null | undefined;
  let keyNode: Node | undefined;
  for (const segment of path) {
    if (isMap(current)) {
      const pair = current.items.find((p) => String((p.key as { value?: unknown } | null)?.value) === segment);
      keyNode = pair?.key as Node | undefined;
      current = pair?.value as Node | undefined;
    } else if (isSeq(current)) {
      current = current.items[Number(segment)] as Node | undefined;
      keyNode = current ?? undefined;
    } else return keyNode;
    if (current == null) return keyNode;
  }
  return key ? keyNode : (current ?? keyNode);
}
