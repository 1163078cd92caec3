import type { Op, OpBody, Span } from './ops';
import { arr, obj, str, type Json } from './json';
import { NESTING_LIMITS, nestingMessage, sqlParensBeyond } from '../limits';

/**
 * MySQL/MariaDB statements through node-sql-parser's MySQL grammar, one
 * statement at a time (the splitter gives exact ranges). The parser module is
 * large, so it is loaded on the first MySQL file.
 */

interface MysqlParser {
  astify(sql: string, options?: object): unknown;
}

let parser: MysqlParser | undefined;

function mysqlParser(): MysqlParser {
  if (!parser) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Parser } = require('node-sql-parser/build/mysql') as { Parser: new () => MysqlParser };
    parser = new Parser();
  }
  return parser;
}

export type MysqlParse = { ok: true; ast: Json[] } | { ok: false; message: string; offset: number };

function astify(sql: string): MysqlParse {
  // The parser recurses once per parenthesis (and exhausts the stack at some 700).
  const deep = sqlParensBeyond(sql, NESTING_LIMITS.sql);
  if (deep !== -1) return { ok: false, message: nestingMessage('sql'), offset: deep };
  try {
    const ast = mysqlParser().astify(sql, { database: 'MySQL' });
    return { ok: true, ast: (Array.isArray(ast) ? ast : [ast]) as Json[] };
  } catch (error) {
    const e = error as { message?: string; location?: { start?: { offset?: number } } };
    const text = e.message ?? '';
    const butAt = text.indexOf('but "');
    const foundAt = butAt === -1 ? -1 : text.indexOf('" found', butAt + 5);
    const message = foundAt !== -1 ? `syntax error at or near "${text.slice(butAt + 5, foundAt)}"` : /end of input found/.test(e.message ?? '') ? 'syntax error at end of statement' : (e.message ?? 'syntax error').split('\n')[0]!.slice(0, 200);
    return { ok: false, message, offset: e.location?.start?.offset ?? 0 };
  }
}

export function mysqlParse(sql: string): MysqlParse {
  const rewritten = acceptedSpellings(sql);
  const parsed = astify(rewritten.text);
  if (parsed.ok) return parsed;
  const fallback = alterColumnFallback(rewritten.text);
  if (fallback) return fallback;
  return { ...parsed, offset: rewritten.original(parsed.offset) };
}

/**
 * Valid MySQL the grammar lacks, rewritten into what it knows before
 * parsing: the type `BOOL` (a synonym of `BOOLEAN`) and the `BINARY`
 * attribute of a character column (`VARCHAR(255) BINARY`, a binary
 * collation, no change to the type). Quoted text and comments are left
 * alone; `original` maps an offset in the rewritten text back.
 */
function acceptedSpellings(sql: string): { text: string; original(offset: number): number } {
  if (!/\bbool\b|\bbinary\b/i.test(sql)) return { text: sql, original: (o) => o };
  const edits: { at: number; remove: number; insert: string }[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < n && sql[j] !== c) j += sql[j] === '\\' && c !== '`' ? 2 : 1;
      i = j + 1;
      continue;
    }
    if ((c === '-' && sql[i + 1] === '-') || c === '#') {
      const e = sql.indexOf('\n', i);
      i = e === -1 ? n : e;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      i = e === -1 ? n : e + 2;
      continue;
    }
    if (/[A-Za-z_]/.test(c) && (i === 0 || !/[\w$]/.test(sql[i - 1]!))) {
      let j = i;
      while (j < n && /[\w$]/.test(sql[j]!)) j++;
      const word = sql.slice(i, j).toLowerCase();
      if (word === 'bool') edits.push({ at: i, remove: 4, insert: 'BOOLEAN' });
      // `VARCHAR(255) BINARY` / `TEXT BINARY`: after a closing parenthesis or a character type.
      else if (word === 'binary' && /(\)|\b(char|varchar|text|tinytext|mediumtext|longtext|enum|set))\s*$/i.test(sql.slice(Math.max(0, i - 12), i))) edits.push({ at: i, remove: 6, insert: '' });
      i = j;
      continue;
    }
    i++;
  }
  if (edits.length === 0) return { text: sql, original: (o) => o };
  let text = '';
  let from = 0;
  const shifts: { at: number; delta: number }[] = [];
  let delta = 0;
  for (const e of edits) {
    text += sql.slice(from, e.at) + e.insert;
    from = e.at + e.remove;
    delta += e.insert.length - e.remove;
    shifts.push({ at: text.length, delta });
  }
  text += sql.slice(from);
  return {
    text,
    original(offset) {
      let d = 0;
      for (const s of shifts) if (s.at <= offset) d = s.delta;
      return Math.max(0, offset - d);
    },
  };
}

const IDENT = '(?:`(?:[^`]|``)+`|[\\w$]+)';
const ALTER_TABLE_HEAD = new RegExp(`^\\s*ALTER\\s+(?:ONLINE\\s+|IGNORE\\s+)*TABLE\\s+(${IDENT}(?:\\s*\\.\\s*${IDENT})?)\\s+`, 'i');
const QUALIFIED = new RegExp(`^(${IDENT})(?:\\s*\\.\\s*(${IDENT}))?$`);
const LEADING_COMMENTS = /^(?:\s*(?:(?:--\s|#)[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/))*\s*/;
const ALTER_COLUMN_CLAUSE = new RegExp(`^ALTER\\s+(?:COLUMN\\s+)?(${IDENT})\\s+(SET\\s+DEFAULT\\b|DROP\\s+DEFAULT\\s*$|SET\\s+(?:VISIBLE|INVISIBLE)\\s*$)`, 'i');

function unquote(ident: string): string {
  return ident.startsWith('`') ? ident.slice(1, -1).replace(/``/g, '`') : ident;
}

/** The clauses of an ALTER TABLE, split at the commas outside quotes and parentheses. */
function clauses(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}

/**
 * node-sql-parser's MySQL grammar has no `ALTER [COLUMN] c SET DEFAULT … |
 * DROP DEFAULT | SET VISIBLE | SET INVISIBLE` clause. When an ALTER TABLE
 * has such clauses, they are read here and the other clauses are parsed
 * without them; each comes back as an `alter-column` item.
 */
function alterColumnFallback(sql: string): MysqlParse | undefined {
  const head = ALTER_TABLE_HEAD.exec(sql);
  if (!head) return undefined;
  const rest: string[] = [];
  const items: Json[] = [];
  for (const clause of clauses(sql.slice(head[0].length).replace(/;\s*$/, ''))) {
    const m = ALTER_COLUMN_CLAUSE.exec(clause.replace(LEADING_COMMENTS, ''));
    if (m) items.push({ action: 'alter-column', resource: 'column', column: unquote(m[1]!), dropDefault: /^DROP/i.test(m[2]!) });
    else rest.push(clause);
  }
  if (items.length === 0) return undefined;
  const [, first, second] = QUALIFIED.exec(head[1]!)!;
  const name = second === undefined ? { db: null, table: unquote(first!) } : { db: unquote(first!), table: unquote(second) };
  let expr: unknown[] = [];
  if (rest.length > 0) {
    const parsed = astify(`${head[0]}${rest.join(', ')}`);
    if (!parsed.ok || parsed.ast.length !== 1) return undefined;
    expr = arr(parsed.ast[0]!.expr);
  }
  return { ok: true, ast: [{ type: 'alter', table: [name], expr: [...expr, ...items] }] };
}

function tableName(value: unknown): string {
  const t = obj(value) ?? {};
  const db = str(t.db);
  const name = str(t.table) ?? '?';
  return db ? `${db}.${name}` : name;
}
function columnName(value: unknown): string {
  const c = obj(value) ?? {};
  const column = c.column;
  if (typeof column === 'string') return column;
  return str(obj(obj(column)?.expr)?.value) ?? '?';
}

/** What one parsed MySQL statement does. */
export function mysqlOps(ast: Json, span: Span): Op[] {
  const out: Op[] = [];
  const push = (body: OpBody, via: string) => out.push({ ...body, span, via } as Op);
  switch (str(ast.type)) {
    case 'create': {
      const keyword = str(ast.keyword);
      if (keyword === 'table') push({ kind: 'create-table', table: tableName(arr(ast.table)[0]) }, 'CREATE TABLE');
      else if (keyword === 'index' || ast.index !== undefined) {
        const unique = str(ast.index_type)?.toLowerCase() === 'unique';
        const table = tableName(ast.table);
        // InnoDB builds a secondary index online (like ALTER TABLE … ADD INDEX), unless told to copy or lock.
        push({ kind: 'create-index', table, name: str(ast.index), unique, concurrently: true }, 'CREATE INDEX');
        if (str(obj(ast.algorithm_option)?.algorithm)?.toUpperCase() === 'COPY') push({ kind: 'rewrite-table', table, how: 'ALGORITHM=COPY' }, 'ALGORITHM=COPY');
        else if (str(obj(ast.lock_option)?.lock)?.toUpperCase() === 'EXCLUSIVE') push({ kind: 'rewrite-table', table, how: 'LOCK=EXCLUSIVE' }, 'LOCK=EXCLUSIVE');
      } else if (keyword === 'view') {
        const view = obj(ast.view) ?? {};
        push({ kind: 'create-view', name: str(view.view) ?? tableName(view), columns: arr(ast.columns).map((c) => str(c) ?? '') }, 'CREATE VIEW');
      } else push({ kind: 'other', what: `CREATE ${keyword ?? ''}` }, 'CREATE');
      break;
    }
    case 'drop': {
      const keyword = str(ast.keyword);
      const names = arr(ast.name);
      for (const name of names) {
        if (keyword === 'table') push({ kind: 'drop-table', table: tableName(name), object: 'table' }, 'DROP TABLE');
        else if (keyword === 'database' || keyword === 'schema') push({ kind: 'drop-table', table: str(name) ?? tableName(name), object: keyword === 'schema' ? 'schema' : 'database' }, `DROP ${keyword.toUpperCase()}`);
        // `DROP INDEX i ON t`: dropping a secondary index is an in-place metadata change in InnoDB.
        else if (keyword === 'index') push({ kind: 'drop-index', name: str(name) ?? columnName(name), table: ast.table ? tableName(ast.table) : undefined, concurrently: true }, 'DROP INDEX');
        else push({ kind: 'other', what: `DROP ${keyword ?? ''}` }, 'DROP');
      }
      if (names.length === 0 && (keyword === 'database' || keyword === 'schema')) push({ kind: 'drop-table', table: str(ast.name) ?? '?', object: keyword === 'schema' ? 'schema' : 'database' }, `DROP ${keyword.toUpperCase()}`);
      break;
    }
    case 'rename':
      for (const pair of arr(ast.table)) push({ kind: 'rename-table', table: tableName(arr(pair)[0]), to: tableName(arr(pair)[1]) }, 'RENAME TABLE');
      break;
    case 'alter': {
      const table = tableName(arr(ast.table)[0]);
      for (const item of arr(ast.expr)) {
        const e = obj(item) ?? {};
        const action = str(e.action);
        const resource = str(e.resource);
        const def = obj(e.definition);
        const isEnum = ['ENUM', 'SET'].includes(str(def?.dataType)?.toUpperCase() ?? '');
        if (resource === 'column' && action === 'add') {
          push(
            {
              kind: 'add-column',
              table,
              column: columnName(e.column),
              notNull: str(obj(e.nullable)?.type) === 'not null',
              hasDefault: e.default_val !== undefined && e.default_val !== null,
              generated: e.generated !== undefined && e.generated !== null,
            },
            'ADD COLUMN',
          );
        } else if (resource === 'column' && action === 'drop') push({ kind: 'drop-column', table, column: columnName(e.column) }, 'DROP COLUMN');
        else if (resource === 'column' && (action === 'modify' || action === 'change')) {
          const from = columnName(e.old_column ?? e.column);
          const to = columnName(e.column);
          if (action === 'change' && from.toLowerCase() !== to.toLowerCase()) push({ kind: 'rename-column', table, column: from, to }, 'CHANGE COLUMN');
          if (isEnum) push({ kind: 'enum-redefine', table, column: to }, action === 'modify' ? 'MODIFY' : 'CHANGE');
          else push({ kind: 'alter-type', table, column: to, type: str(def?.dataType), detail: action.toUpperCase() }, action === 'modify' ? 'MODIFY' : 'CHANGE');
        } else if (action === 'alter-column') {
          const column = str(e.column) ?? '?';
          if (e.dropDefault === true) push({ kind: 'drop-default', table, column }, 'ALTER COLUMN … DROP DEFAULT');
          else push({ kind: 'other', what: 'ALTER COLUMN' }, 'ALTER COLUMN');
        } else if (resource === 'column' && action === 'rename') push({ kind: 'rename-column', table, column: columnName(e.old_column), to: columnName(e.column) }, 'RENAME COLUMN');
        else if (resource === 'table' && action === 'rename') push({ kind: 'rename-table', table, to: str(e.table) ?? tableName(e.table) }, 'RENAME TO');
        else if (action === 'add' && (resource === 'constraint' || resource === 'index')) {
          const cd = obj(e.create_definitions) ?? e;
          const type = (str(cd.constraint_type) ?? str(cd.keyword) ?? '').toLowerCase();
          if (type.includes('foreign')) push({ kind: 'add-constraint', table, constraint: 'foreign-key', notValid: false, usingIndex: false, name: str(cd.constraint), dialect: 'mysql' }, 'ADD FOREIGN KEY');
          else if (type.includes('check')) push({ kind: 'add-constraint', table, constraint: 'check', notValid: false, usingIndex: false, name: str(cd.constraint), dialect: 'mysql' }, 'ADD CHECK');
          // A MySQL UNIQUE constraint is a unique index, built online by InnoDB.
          else if (type.includes('unique')) push({ kind: 'create-index', table, name: str(cd.index) ?? str(cd.constraint), unique: true, concurrently: true }, 'ADD UNIQUE');
          else if (type.includes('primary')) push({ kind: 'add-constraint', table, constraint: 'primary-key', notValid: false, usingIndex: false, dialect: 'mysql' }, 'ADD PRIMARY KEY');
          else push({ kind: 'create-index', table, name: str(cd.index), unique: false, concurrently: true }, 'ADD INDEX');
        } else if (action === 'drop' && (resource === 'key' || resource === 'constraint' || resource === 'check')) {
          push({ kind: 'drop-constraint', table, name: str(e.key) ?? str(e.constraint) ?? str(e.name) }, 'DROP CONSTRAINT');
        } else if (action === 'drop' && resource === 'index') push({ kind: 'drop-index', table, name: str(e.index), concurrently: true }, 'DROP INDEX');
        else if (resource === 'algorithm' && str(e.algorithm)?.toUpperCase() === 'COPY') push({ kind: 'rewrite-table', table, how: 'ALGORITHM=COPY' }, 'ALGORITHM=COPY');
        else if (resource === 'lock' && str(e.lock)?.toUpperCase() === 'EXCLUSIVE') push({ kind: 'rewrite-table', table, how: 'LOCK=EXCLUSIVE' }, 'LOCK=EXCLUSIVE');
        else push({ kind: 'other', what: `ALTER TABLE ${action ?? ''}`.trim() }, 'ALTER TABLE');
      }
      break;
    }
    case 'update': {
      const columns = arr(ast.set).map((s) => str(obj(s)?.column) ?? '');
      push({ kind: 'update', table: tableName(arr(ast.table)[0]), where: ast.where !== null && ast.where !== undefined, columns }, 'UPDATE');
      break;
    }
    case 'delete':
      push({ kind: 'delete', table: tableName(arr(ast.from)[0] ?? arr(ast.table)[0]), where: ast.where !== null && ast.where !== undefined }, 'DELETE');
      break;
    case 'truncate':
      push({ kind: 'truncate', tables: arr(ast.name).map(tableName) }, 'TRUNCATE');
      break;
    case 'insert':
    case 'replace': {
      const values = obj(ast.values);
      push({ kind: 'insert', table: tableName(arr(ast.table)[0]), select: str(values?.type) === 'select' }, 'INSERT');
      break;
    }
    case 'select':
    case 'set':
    case 'use':
    case 'show':
    case 'transaction':
      push({ kind: 'noop', what: str(ast.type)!.toUpperCase() }, str(ast.type)!.toUpperCase());
      break;
    default:
      push({ kind: 'other', what: str(ast.type)?.toUpperCase() ?? 'statement' }, 'statement');
  }
  return out;
}
