import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import { boundAliases } from '../yaml/aliases';
import type { AutoUndo, Op, OpBody, Span } from '../sql/ops';
import { checkYamlNesting } from '../yaml/nesting';
import type { Dialect } from '../sql/sql';
import { embeddedSql, type Embedded, type EmbeddedProblem } from './embedded';
import type { MigrationUnit } from './model';
import { parseXml } from './xml';

/**
 * Liquibase changelogs in XML and YAML: one unit per changeSet. Change types
 * map to operations; `<sql>` bodies are parsed as SQL; `<rollback>` is the
 * down. Without one, Liquibase rolls back only the change types it can
 * invert itself (createTable, addColumn, renameColumn, …).
 */

/** A change in either syntax. */
interface Change {
  type: string;
  attrs: Map<string, string>;
  /** Nested `<column>` entries (addColumn, dropColumn). */
  columns: { attrs: Map<string, string>; nullable?: string }[];
  hasWhere: boolean;
  sql?: Embedded;
  span: Span;
}

interface ChangeSet {
  id: string;
  /** The changeSet's `dbms` attribute. */
  dbms?: string;
  span: Span;
  changes: Change[];
  /** Undefined: no rollback given; otherwise its changes (empty for `<rollback/>`). */
  rollback?: { changes: Change[]; span: Span };
}

/** Change types Liquibase rolls back by itself. */
const AUTO_ROLLBACK = new Set([
  'createTable', 'addColumn', 'renameColumn', 'renameTable', 'createIndex', 'addForeignKeyConstraint', 'addUniqueConstraint', 'addNotNullConstraint',
  'dropNotNullConstraint', 'createView', 'renameView', 'addDefaultValue', 'addPrimaryKey', 'addLookupTable', 'createSequence', 'tagDatabase',
  'addAutoIncrement', 'createProcedure', 'renameSequence', 'addCheckConstraint',
]);

function opsOf(change: Change, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): Op[] {
  const a = change.attrs;
  const table = a.get('tableName') ?? a.get('baseTableName') ?? '?';
  const ops: Op[] = [];
  const push = (body: OpBody) => ops.push({ ...body, span: change.span, via: change.type } as Op);
  switch (change.type) {
    case 'createTable':
      push({ kind: 'create-table', table });
      break;
    case 'dropTable':
      push({ kind: 'drop-table', table, object: 'table' });
      break;
    case 'renameTable':
      push({ kind: 'rename-table', table: a.get('oldTableName') ?? '?', to: a.get('newTableName') ?? '?' });
      break;
    case 'addColumn':
      for (const c of change.columns) {
        const hasDefault = [...c.attrs.keys()].some((k) => k.startsWith('defaultValue'));
        push({ kind: 'add-column', table, column: c.attrs.get('name') ?? '?', notNull: c.nullable === 'false', hasDefault, generated: false, ...(c.attrs.get('type') ? { type: c.attrs.get('type') } : {}) });
      }
      break;
    case 'dropColumn': {
      const names = a.has('columnName') ? [a.get('columnName')!] : change.columns.map((c) => c.attrs.get('name') ?? '?');
      for (const column of names) push({ kind: 'drop-column', table, column });
      break;
    }
    case 'renameColumn':
      push({ kind: 'rename-column', table, column: a.get('oldColumnName') ?? '?', to: a.get('newColumnName') ?? '?' });
      break;
    case 'modifyDataType':
      push({ kind: 'alter-type', table, column: a.get('columnName') ?? '?', type: a.get('newDataType') });
      break;
    case 'addNotNullConstraint':
      if (a.has('defaultNullValue')) push({ kind: 'update', table, where: true, columns: [a.get('columnName') ?? '?'] });
      push({ kind: 'set-not-null', table, column: a.get('columnName') ?? '?' });
      break;
    case 'dropNotNullConstraint':
      push({ kind: 'drop-not-null', table, column: a.get('columnName') ?? '?' });
      break;
    case 'dropDefaultValue':
      push({ kind: 'drop-default', table, column: a.get('columnName') ?? '?' });
      break;
    case 'addForeignKeyConstraint': {
      const columns = list(a.get('baseColumnNames'));
      const references = a.get('referencedTableName');
      push({ kind: 'add-constraint', table, constraint: 'foreign-key', notValid: a.get('validate') === 'false', usingIndex: false, name: a.get('constraintName'), ...(columns ? { columns } : {}), ...(references ? { references } : {}) });
      break;
    }
    case 'addUniqueConstraint': {
      const columns = list(a.get('columnNames'));
      push({ kind: 'add-constraint', table, constraint: 'unique', notValid: false, usingIndex: false, name: a.get('constraintName'), ...(columns ? { columns } : {}) });
      break;
    }
    case 'addCheckConstraint':
      push({ kind: 'add-constraint', table, constraint: 'check', notValid: a.get('validate') === 'false', usingIndex: false, name: a.get('constraintName') });
      break;
    case 'addPrimaryKey':
      push({ kind: 'add-constraint', table, constraint: 'primary-key', notValid: false, usingIndex: false });
      break;
    case 'dropForeignKeyConstraint':
    case 'dropUniqueConstraint':
    case 'dropPrimaryKey':
    case 'dropCheckConstraint':
    case 'dropAllForeignKeyConstraints': {
      const constraint = change.type === 'dropUniqueConstraint' ? 'unique' : change.type === 'dropCheckConstraint' ? 'check' : change.type === 'dropPrimaryKey' ? 'primary-key' : 'foreign-key';
      push({ kind: 'drop-constraint', table, name: a.get('constraintName'), constraint });
      break;
    }
    case 'createIndex': {
      const columns = change.columns.map((c) => c.attrs.get('name')).filter((n): n is string => n !== undefined);
      push({ kind: 'create-index', table, name: a.get('indexName'), unique: a.get('unique') === 'true', concurrently: false, ...(columns.length > 0 ? { columns } : {}) });
      break;
    }
    case 'dropIndex':
      push({ kind: 'drop-index', table, name: a.get('indexName'), concurrently: false });
      break;
    case 'update':
      push({ kind: 'update', table, where: change.hasWhere, columns: change.columns.map((c) => c.attrs.get('name') ?? '') });
      break;
    case 'delete':
      push({ kind: 'delete', table, where: change.hasWhere });
      break;
    case 'insert':
    case 'loadData':
      push({ kind: 'insert', table, select: false });
      break;
    case 'createView':
      push({ kind: 'create-view', name: a.get('viewName') ?? '?', columns: [] });
      break;
    case 'addLookupTable': {
      // A new table filled with the distinct values of a column, and a foreign key from that column to it.
      const lookup = a.get('newTableName') ?? '?';
      const existing = a.get('existingTableName') ?? '?';
      const column = a.get('existingColumnName');
      push({ kind: 'create-table', table: lookup });
      push({ kind: 'insert', table: lookup, select: true });
      push({ kind: 'add-constraint', table: existing, constraint: 'foreign-key', notValid: false, usingIndex: false, name: a.get('constraintName'), ...(column ? { columns: [column] } : {}), references: lookup });
      break;
    }
    case 'sql': {
      if (!change.sql) break;
      const dbms = (a.get('dbms') ?? '').toLowerCase();
      const d: Dialect | 'auto' = dbms.includes('postgres') ? 'postgres' : dbms.includes('mysql') || dbms.includes('mariadb') ? 'mysql' : dialect;
      for (const op of embeddedSql(change.sql, d, problems)) ops.push({ ...op, via: 'sql' });
      break;
    }
    case 'sqlFile':
    case 'customChange':
    case 'executeCommand':
      push({ kind: 'opaque', what: change.type });
      break;
    default:
      push({ kind: 'other', what: change.type });
  }
  return ops;
}

/** `a, b` → ['a', 'b'] */
function list(value: string | undefined): string[] | undefined {
  const out = value?.split(',').map((v) => v.trim()).filter(Boolean);
  return out && out.length > 0 ? out : undefined;
}

/** The dialect a changeSet's `dbms` names (`mysql`, `postgresql`, `h2`, …); one that lists several or excludes some (`!h2`) names none. */
function dbmsDialect(dbms: string | undefined): Dialect | undefined {
  if (!dbms || /[,!]/.test(dbms)) return undefined;
  const d = dbms.trim().toLowerCase();
  if (d === 'postgresql' || d === 'postgres') return 'postgres';
  if (d === 'mysql' || d === 'mariadb') return 'mysql';
  if (d === 'h2') return 'h2';
  if (d === 'sqlite') return 'sqlite';
  if (d === 'cockroachdb') return 'cockroachdb';
  if (d === 'mssql') return 'sqlserver';
  if (d === 'oracle') return 'oracle';
  if (d === 'db2') return 'db2';
  if (d === 'hsqldb') return 'hsqldb';
  if (d === 'derby') return 'derby';
  return undefined;
}

/** Operations a schema snapshot is made of: it creates tables and what belongs to them, and seeds rows. */
/** Liquibase's own tables, under their default names or a project's `liquibase`-prefixed ones. */
const CHANGELOG_TABLE = /^(database|liquibase)changelog(lock)?$/i;
const SNAPSHOT_KINDS = new Set(['create-table', 'create-index', 'add-constraint', 'add-column', 'create-view', 'insert', 'set-default', 'noop', 'other']);

/**
 * A changelog that only creates (tables, their columns, indexes, keys and
 * seed rows) is a schema snapshot, run on an empty database: the tables an
 * earlier changeSet of it creates are new to every later one.
 */
function snapshotTables(units: readonly MigrationUnit[]): string[] | undefined {
  const created = new Set<string>();
  for (const unit of units) for (const op of unit.up) if (op.kind === 'create-table') created.add(op.table.toLowerCase());
  if (created.size < 2) return undefined;
  for (const unit of units) {
    for (const op of unit.up) {
      if (!SNAPSHOT_KINDS.has(op.kind)) return undefined;
      // A snapshot marks the changeSets it stands for as run, in Liquibase's own table.
      if (op.kind === 'insert' && CHANGELOG_TABLE.test(op.table)) continue;
      if ((op.kind === 'add-column' || op.kind === 'add-constraint' || op.kind === 'create-index' || op.kind === 'insert') && !created.has(op.table.toLowerCase())) return undefined;
    }
  }
  return [...created];
}

function toUnits(changeSets: ChangeSet[], dialect: Dialect | 'auto', problems: EmbeddedProblem[]): MigrationUnit[] {
  const units = changeSetUnits(changeSets, dialect, problems);
  const snapshot = snapshotTables(units);
  if (snapshot) for (const unit of units) unit.newTables = snapshot;
  return units;
}

function changeSetUnits(changeSets: ChangeSet[], dialect: Dialect | 'auto', problems: EmbeddedProblem[]): MigrationUnit[] {
  return changeSets.map((cs) => {
    const up: Op[] = [];
    // `dbms="mysql"`: the changeSet runs on that database only, and is judged with its locking.
    const own = dbmsDialect(cs.dbms);
    const csDialect = own ?? dialect;
    for (const change of cs.changes) {
      const ops = opsOf(change, csDialect, problems);
      if (!cs.rollback) {
        const undo: AutoUndo = AUTO_ROLLBACK.has(change.type)
          ? { kind: 'exact' }
          : { kind: 'none', why: `Liquibase cannot roll back \`${change.type}\` by itself, and the changeSet has no \`<rollback>\`` };
        for (const op of ops) op.undo = undo;
      }
      up.push(...ops);
    }
    const anchor = { start: cs.span.start, end: cs.span.start };
    const common = { framework: 'liquibase', label: `changeSet ${cs.id}`, anchor, up, upHere: true, ...(csDialect !== 'auto' ? { dialect: csDialect } : {}) } as const;
    if (!cs.rollback) return { ...common, down: { state: 'derived' } };
    const down = cs.rollback.changes.flatMap((c) => opsOf(c, csDialect, problems));
    return { ...common, down: { state: 'present', ops: down, here: true, label: 'the changeSet\'s rollback', anchor: cs.rollback.span } };
  });
}

// ——— XML ———

interface XToken {
  image: string;
  startOffset: number;
  endOffset: number;
}
interface XNode {
  name: string;
  children: Record<string, (XNode | XToken)[]>;
  location?: { startOffset: number; endOffset: number };
}

interface El {
  name: string;
  attrs: Map<string, string>;
  children: El[];
  span: Span;
  content?: XNode;
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&apos;': "'" };

function element(node: XNode): El {
  const name = (node.children.Name?.[0] as XToken | undefined)?.image ?? '';
  const attrs = new Map<string, string>();
  for (const attr of (node.children.attribute ?? []) as XNode[]) {
    const key = (attr.children.Name?.[0] as XToken | undefined)?.image;
    const value = (attr.children.STRING?.[0] as XToken | undefined)?.image;
    if (key && value !== undefined) attrs.set(key, value.slice(1, -1).replace(/&(lt|gt|amp|quot|apos);/g, (e) => ENTITIES[e] ?? e));
  }
  const content = (node.children.content?.[0] as XNode | undefined) ?? undefined;
  const children = ((content?.children.element ?? []) as XNode[]).map(element);
  const loc = node.location ?? { startOffset: 0, endOffset: 0 };
  return { name: localName(name), attrs, children, span: { start: loc.startOffset, end: loc.endOffset + 1 }, ...(content ? { content } : {}) };
}

function localName(name: string): string {
  const i = name.indexOf(':');
  return i === -1 ? name : name.slice(i + 1);
}

/** Text of an element (chardata, entity references, CDATA) with its map to file offsets. */
function elementText(el: El): Embedded | undefined {
  if (!el.content) return undefined;
  const tokens: { offset: number; raw: string; text: string; literal: boolean }[] = [];
  const collect = (node: XNode | XToken) => {
    if ('image' in node) {
      if (node.image.startsWith('<![CDATA[')) tokens.push({ offset: node.startOffset + 9, raw: node.image, text: node.image.slice(9, -3), literal: true });
      else if (node.image.startsWith('&')) tokens.push({ offset: node.startOffset, raw: node.image, text: ENTITIES[node.image] ?? node.image, literal: false });
      else tokens.push({ offset: node.startOffset, raw: node.image, text: node.image, literal: true });
      return;
    }
    if (node.name === 'element') return;
    for (const list of Object.values(node.children)) for (const child of list) collect(child);
  };
  for (const key of ['chardata', 'reference', 'CData']) for (const child of el.content.children[key] ?? []) collect(child);
  tokens.sort((x, y) => x.offset - y.offset);
  let text = '';
  const pieces: { cooked: number; file: number; literal: boolean }[] = [];
  for (const t of tokens) {
    pieces.push({ cooked: text.length, file: t.offset, literal: t.literal });
    text += t.text;
  }
  const end = el.span.end;
  return {
    text,
    map(offset) {
      if (offset >= text.length) return end;
      let piece = pieces[0];
      for (const p of pieces) {
        if (p.cooked > offset) break;
        piece = p;
      }
      if (!piece) return end;
      return piece.literal ? piece.file + (offset - piece.cooked) : piece.file;
    },
  };
}

function xmlChange(el: El): Change {
  const columns = el.children
    .filter((c) => c.name === 'column')
    .map((c) => ({ attrs: c.attrs, nullable: c.children.find((k) => k.name === 'constraints')?.attrs.get('nullable') }));
  return {
    type: el.name,
    attrs: el.attrs,
    columns,
    hasWhere: el.children.some((c) => c.name === 'where'),
    ...(el.name === 'sql' ? { sql: elementText(el) } : {}),
    span: el.span,
  } as Change;
}

export interface ChangelogRead {
  units: MigrationUnit[];
  /** First syntax error offset and message. */
  error?: { offset: number; message: string };
  comments: { text: string; start: number; end: number }[];
  /** False when the file is XML/YAML but not a Liquibase changelog. */
  isChangelog: boolean;
}

/** Where a parse error's token starts; the end-of-input token has no offset (NaN): the end of the file. */
function tokenOffset(token: XToken, end: number): number {
  return Number.isFinite(token.startOffset) ? token.startOffset : end;
}

export function readLiquibaseXml(text: string, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): ChangelogRead {
  const parsed = parseXml(text) as unknown as { cst: XNode; lexErrors: { offset: number; message: string }[]; parseErrors: { token: XToken; message: string }[] };
  const comments: ChangelogRead['comments'] = [];
  const collectComments = (node: XNode) => {
    for (const c of (node.children.Comment ?? []) as XToken[]) comments.push({ text: c.image.slice(4, -3), start: c.startOffset, end: c.endOffset + 1 });
    for (const list of Object.values(node.children)) for (const child of list) if (!('image' in child)) collectComments(child);
  };
  collectComments(parsed.cst);
  const error = parsed.lexErrors[0]
    ? { offset: parsed.lexErrors[0].offset, message: `XML: ${parsed.lexErrors[0].message}` }
    : parsed.parseErrors[0]
      ? { offset: tokenOffset(parsed.parseErrors[0].token, text.length), message: `XML: ${parsed.parseErrors[0].message}` }
      : undefined;
  const rootNode = (parsed.cst.children.element?.[0] as XNode | undefined) ?? undefined;
  if (!rootNode) return { units: [], comments, isChangelog: false, ...(error ? { error } : {}) };
  const root = element(rootNode);
  if (root.name !== 'databaseChangeLog') return { units: [], comments, isChangelog: false, ...(error ? { error } : {}) };
  const changeSets: ChangeSet[] = [];
  for (const cs of root.children) {
    if (cs.name !== 'changeSet') continue;
    const changes: Change[] = [];
    let rollback: ChangeSet['rollback'];
    for (const child of cs.children) {
      if (child.name === 'rollback') {
        const inner = child.children.map(xmlChange);
        const text = elementText(child);
        // `<rollback>DROP TABLE x</rollback>`: the text is SQL.
        if (inner.length === 0 && text && text.text.trim() !== '') inner.push({ type: 'sql', attrs: new Map(), columns: [], hasWhere: false, sql: text, span: child.span });
        rollback = { changes: inner, span: child.span };
      } else if (!['comment', 'preConditions', 'validCheckSum', 'precondition'].includes(child.name)) changes.push(xmlChange(child));
    }
    changeSets.push({ id: cs.attrs.get('id') ?? '?', ...(cs.attrs.get('dbms') ? { dbms: cs.attrs.get('dbms') } : {}), span: cs.span, changes, ...(rollback ? { rollback } : {}) });
  }
  return { units: toUnits(changeSets, dialect, problems), comments, isChangelog: true, ...(error ? { error } : {}) };
}

// ——— YAML ———

let ySource = '';

/** A YAML node's span, without the line break and indentation the parser counts into it. */
function ySpan(node: unknown, fallback: Span): Span {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  if (!range) return fallback;
  let end = range[1];
  while (end > range[0] && /\s/.test(ySource[end - 1] ?? '')) end--;
  return { start: range[0], end };
}

function yGet(map: unknown, key: string): unknown {
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  return pair?.value;
}

function yPairs(map: unknown): Pair[] {
  return isMap(map) ? (map.items as Pair[]) : [];
}

function yScalar(node: unknown): string | undefined {
  return isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : undefined;
}

/** A block scalar's text maps to the file line by line only when it is plain; otherwise report at the scalar. */
function yamlText(node: unknown, source: string): Embedded | undefined {
  if (!isScalar(node) || typeof node.value !== 'string') return undefined;
  const value = node.value;
  const [start, end] = node.range ?? [0, 0];
  const raw = source.slice(start, end);
  const at = raw.indexOf(value);
  if (at !== -1) return { text: value, map: (o) => start + at + Math.min(o, value.length) };
  // Folded or indented block: map each line of the value to the same line in the source.
  const lines = value.split('\n');
  const offsets: number[] = [];
  let search = start;
  for (const line of lines) {
    const found = line === '' ? -1 : source.indexOf(line, search);
    offsets.push(found === -1 || found > end ? search : found);
    if (found !== -1 && found <= end) search = found + line.length;
  }
  return {
    text: value,
    map(o) {
      let acc = 0;
      for (let i = 0; i < lines.length; i++) {
        const len = lines[i]!.length + 1;
        if (o < acc + len) return offsets[i]! + (o - acc);
        acc += len;
      }
      return end;
    },
  };
}

function yamlChange(item: unknown, source: string): Change | undefined {
  const pair = yPairs(item)[0];
  if (!pair) return undefined;
  const type = yScalar(pair.key) ?? '?';
  const body = pair.value;
  const attrs = new Map<string, string>();
  for (const p of yPairs(body)) {
    const k = yScalar(p.key);
    const v = yScalar(p.value);
    if (k && v !== undefined) attrs.set(k, v);
  }
  const columns: Change['columns'] = [];
  const cols = yGet(body, 'columns');
  for (const entry of isSeq(cols) ? cols.items : []) {
    const column = yGet(entry, 'column');
    const cAttrs = new Map<string, string>();
    for (const p of yPairs(column)) {
      const k = yScalar(p.key);
      const v = yScalar(p.value);
      if (k && v !== undefined) cAttrs.set(k, v);
    }
    columns.push({ attrs: cAttrs, nullable: yScalar(yGet(yGet(column, 'constraints'), 'nullable')) });
  }
  const span = ySpan(item, { start: 0, end: 0 });
  let sql: Embedded | undefined;
  if (type === 'sql') sql = isScalar(body) ? yamlText(body, source) : yamlText(yGet(body, 'sql'), source);
  return { type, attrs, columns, hasWhere: yGet(body, 'where') !== undefined, ...(sql ? { sql } : {}), span };
}

export function readLiquibaseYaml(text: string, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): ChangelogRead {
  ySource = text;
  checkYamlNesting(text);
  const [doc] = boundAliases([parseDocument(text, { keepSourceTokens: false, prettyErrors: false })]) as [ReturnType<typeof parseDocument>];
  const comments: ChangelogRead['comments'] = [];
  const error = doc.errors[0] ? { offset: doc.errors[0].pos[0], message: `YAML: ${doc.errors[0].message.split('\n')[0]}` } : undefined;
  const log = yGet(doc.contents, 'databaseChangeLog');
  if (!isSeq(log)) return { units: [], comments, isChangelog: false, ...(error ? { error } : {}) };
  const changeSets: ChangeSet[] = [];
  for (const entry of log.items) {
    const cs = yGet(entry, 'changeSet');
    if (!isMap(cs)) continue;
    const changes = (isSeq(yGet(cs, 'changes')) ? (yGet(cs, 'changes') as { items: unknown[] }).items : []).map((c) => yamlChange(c, text)).filter((c): c is Change => c !== undefined);
    const rb = cs.items.find((p) => isScalar(p.key) && p.key.value === 'rollback');
    let rollback: ChangeSet['rollback'];
    if (rb) {
      const value = rb.value as YamlNode | null;
      const span = ySpan(rb.key, { start: 0, end: 0 });
      if (isSeq(value)) rollback = { changes: value.items.map((c) => yamlChange(c, text)).filter((c): c is Change => c !== undefined), span };
      else if (isScalar(value) && typeof value.value === 'string' && value.value.trim() !== '') {
        const sql = yamlText(value, text);
        rollback = { changes: sql ? [{ type: 'sql', attrs: new Map(), columns: [], hasWhere: false, sql, span: ySpan(value, span) }] : [], span };
      } else if (isMap(value)) {
        const c = yamlChange(value, text);
        rollback = { changes: c ? [c] : [], span };
      } else rollback = { changes: [], span };
    }
    const dbms = yScalar(yGet(cs, 'dbms'));
    changeSets.push({ id: yScalar(yGet(cs, 'id')) ?? '?', ...(dbms ? { dbms } : {}), span: ySpan(cs, { start: 0, end: 0 }), changes, ...(rollback ? { rollback } : {}) });
  }
  return { units: toUnits(changeSets, dialect, problems), comments, isChangelog: true, ...(error ? { error } : {}) };
}
