import type { ConstraintKind, Op, OpBody, Span } from './ops';
import { parsePostgres, pgParsePlpgsql, type PgStatement } from './postgres';
import { arr, obj, str, type Json } from './json';

function rangeVar(value: unknown): string {
  const rv = obj(value) ?? {};
  const schema = str(rv.schemaname);
  const name = str(rv.relname) ?? '?';
  return schema ? `${schema}.${name}` : name;
}

/** `[{String: {sval: 'a'}}, …]` → `a.b` */
function nameList(value: unknown): string {
  return arr(value)
    .map((item) => str(obj(obj(item)?.String)?.sval))
    .filter((s): s is string => s !== undefined)
    .join('.');
}

/** `[{String: {sval: 'a'}}, …]` → ['a', …] */
function names(value: unknown): string[] {
  return arr(value)
    .map((item) => str(obj(obj(item)?.String)?.sval))
    .filter((s): s is string => s !== undefined);
}

/**
 * Visits every object node of a parse tree, iteratively and to a bounded
 * depth (a generated expression can nest thousands of levels deep).
 */
function eachNode(root: unknown, visit: (key: string, node: Json) => void, maxDepth = 256): void {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (depth > maxDepth) continue;
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    const o = obj(value);
    if (!o) continue;
    for (const key in o) {
      const child = o[key];
      const node = obj(child);
      if (node) visit(key, node);
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
    }
  }
}

/** The last name of every column an expression refers to (`t.a + b` → a, b). */
function columnRefs(expr: unknown): string[] {
  const out: string[] = [];
  eachNode(expr, (key, node) => {
    if (key !== 'ColumnRef') return;
    const fields = names(node.fields);
    const last = fields[fields.length - 1];
    if (last) out.push(last);
  });
  return out;
}

/** True when the expression has `x IS NOT NULL` (a CHECK that NULL fails). */
function rejectsNull(expr: unknown): boolean {
  let found = false;
  eachNode(expr, (key, node) => {
    if (key === 'NullTest' && str(node.nulltesttype) === 'IS_NOT_NULL') found = true;
  });
  return found;
}

/** The SQL spelling of the parser's internal names for built-in types (`pg_catalog.bpchar` is `char`). */
const BUILTIN_TYPES: Record<string, string> = {
  bpchar: 'char',
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  timestamptz: 'timestamp with time zone',
  timetz: 'time with time zone',
};

/** `numeric(14, 2)`, `char(3)`, `public.mood` — a type name as written, with its modifiers. */
function typeName(value: unknown): string {
  const all = arr(obj(value)?.names).map((item) => str(obj(obj(item)?.String)?.sval));
  const builtin = all.length === 2 && all[0] === 'pg_catalog';
  const names = all.filter((s): s is string => s !== undefined && s !== 'pg_catalog');
  const mods = arr(obj(value)?.typmods)
    .map((m) => obj(obj(obj(m)?.A_Const)?.ival)?.ival)
    .filter((n): n is number => typeof n === 'number');
  const base = (builtin ? BUILTIN_TYPES[names[0]!] : undefined) ?? (names.join('.') || '?');
  return mods.length > 0 ? `${base}(${mods.join(', ')})` : base;
}

const CONSTRAINTS: Record<string, ConstraintKind> = {
  CONSTR_FOREIGN: 'foreign-key',
  CONSTR_CHECK: 'check',
  CONSTR_UNIQUE: 'unique',
  CONSTR_PRIMARY: 'primary-key',
  CONSTR_EXCLUSION: 'exclusion',
};

/** Columns, referenced table and NULL handling of a constraint definition. */
function constraintFacts(con: Json, kind: ConstraintKind): { columns?: string[]; references?: string; rejectsNull?: boolean } {
  if (kind === 'foreign-key') {
    const columns = names(con.fk_attrs);
    return { ...(columns.length > 0 ? { columns } : {}), ...(con.pktable ? { references: rangeVar(con.pktable) } : {}) };
  }
  if (kind === 'check') {
    const columns = [...new Set(columnRefs(con.raw_expr))];
    return { ...(columns.length > 0 ? { columns } : {}), rejectsNull: rejectsNull(con.raw_expr) };
  }
  const keys = names(con.keys);
  return keys.length > 0 ? { columns: keys } : {};
}

/**
 * The statements inside a `DO $$ … $$` block, read with PostgreSQL's own
 * PL/pgSQL parser: each SQL statement of the body (in IF branches and loops
 * too, and `EXECUTE '…'` with a literal string) is judged as if the
 * migration ran it, at its own range. Undefined when the body is not
 * PL/pgSQL the parser accepts (the block then stays opaque).
 */
function doBlockOps(n: Json, span: Span, text: string): Op[] | undefined {
  const args = arr(n.args).map((a) => obj(obj(a)?.DefElem) ?? {});
  const language = str(obj(obj(args.find((a) => str(a.defname) === 'language')?.arg)?.String)?.sval);
  if (language && language.toLowerCase() !== 'plpgsql') return undefined;
  const body = str(obj(obj(args.find((a) => str(a.defname) === 'as')?.arg)?.String)?.sval);
  if (body === undefined) return undefined;
  const at = text.indexOf(body, span.start);
  if (at === -1 || at > span.end) return undefined;
  return plpgsqlOps(body, at, span);
}

/** Ops of the SQL statements in a PL/pgSQL body that starts at `at` in the file. */
export function plpgsqlOps(body: string, at: number, fallback: Span): Op[] | undefined {
  let tag = '$rg_body$';
  while (body.includes(tag)) tag = `$rg_${tag.length}$`;
  const parsed = pgParsePlpgsql(`CREATE FUNCTION rg_block() RETURNS void LANGUAGE plpgsql AS ${tag}${body}${tag};`);
  const fn = obj(obj(arr(obj(parsed?.[0])?.plpgsql_funcs)[0])?.PLpgSQL_function);
  if (!fn) return undefined;
  const lineStarts = [0];
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const out: Op[] = [];
  const sql = (query: string, lineno: number, literal: boolean) => {
    const from = lineStarts[Math.max(0, Math.min(lineStarts.length - 1, lineno - 1))] ?? 0;
    let text = query;
    if (literal) {
      // `EXECUTE 'ALTER TABLE …'`: the string's value.
      const m = /^\s*'((?:[^']|'')*)'\s*$/.exec(query);
      if (!m) return false;
      text = m[1]!.replace(/''/g, "'");
    }
    const found = body.indexOf(literal ? query.trim() : query, from);
    const base = found === -1 ? -1 : at + found + (literal ? query.trim().indexOf("'") + 1 : 0);
    const script = parsePostgres(text);
    if (script.error) return false;
    for (const statement of script.statements) {
      for (const op of postgresOps(statement, text)) {
        op.span = base === -1 || literal ? (base === -1 ? fallback : { start: base, end: base + text.length }) : { start: base + op.span.start, end: base + op.span.end };
        out.push(op);
      }
    }
    return true;
  };
  let opaque = false;
  // Statements in source order: walk the body lists depth-first, in order.
  const visit = (list: unknown, depth: number) => {
    if (depth > 64) {
      opaque = true;
      return;
    }
    for (const item of arr(list)) {
      const o = obj(item) ?? {};
      for (const key in o) {
        const node = obj(o[key]) ?? {};
        const lineno = typeof node.lineno === 'number' ? node.lineno : 1;
        switch (key) {
          case 'PLpgSQL_stmt_execsql': {
            const query = str(obj(obj(node.sqlstmt)?.PLpgSQL_expr)?.query);
            if (query === undefined || !sql(query, lineno, false)) opaque = true;
            break;
          }
          case 'PLpgSQL_stmt_dynexecute': {
            const query = str(obj(obj(node.query)?.PLpgSQL_expr)?.query);
            if (query === undefined || !sql(query, lineno, true)) opaque = true;
            break;
          }
          case 'PLpgSQL_stmt_block':
            visit(node.body, depth + 1);
            break;
          case 'PLpgSQL_stmt_if':
            visit(node.then_body, depth + 1);
            for (const e of arr(node.elsif_list)) visit(obj(obj(e)?.PLpgSQL_if_elsif)?.stmts, depth + 1);
            visit(node.else_body, depth + 1);
            break;
          case 'PLpgSQL_stmt_case':
            for (const w of arr(node.case_when_list)) visit(obj(obj(w)?.PLpgSQL_case_when)?.stmts, depth + 1);
            visit(node.else_stmts, depth + 1);
            break;
          case 'PLpgSQL_stmt_loop':
          case 'PLpgSQL_stmt_while':
          case 'PLpgSQL_stmt_fori':
          case 'PLpgSQL_stmt_fors':
          case 'PLpgSQL_stmt_forc':
          case 'PLpgSQL_stmt_foreach_a':
          case 'PLpgSQL_stmt_dynfors':
            visit(node.body, depth + 1);
            break;
          default:
            // Assignments, RAISE, PERFORM, RETURN, EXIT: no schema or row change of their own.
            break;
        }
      }
    }
  };
  const action = obj(obj(fn.action)?.PLpgSQL_stmt_block);
  visit(action?.body, 0);
  if (opaque) out.push({ kind: 'opaque', what: 'dynamic SQL in a DO block', span: fallback, via: 'DO' });
  return out;
}

/** What one parsed PostgreSQL statement does, as rollback-relevant operations (`text`: the script, to read a DO block's body). */
export function postgresOps(statement: PgStatement, text?: string): Op[] {
  const span = statement.span;
  const out: Op[] = [];
  const push = (body: OpBody, via: string) => out.push({ ...body, span, via } as Op);
  // The statement node has one key, its type (for…in: no entries array per statement).
  let type = '';
  let n: Json = {};
  for (const key in statement.node) {
    type = key;
    n = statement.node[key] as Json;
    break;
  }
  switch (type) {
    case 'CreateStmt':
      push({ kind: 'create-table', table: rangeVar(n.relation) }, 'CREATE TABLE');
      break;
    case 'CreateTableAsStmt':
      push({ kind: 'create-table', table: rangeVar(obj(n.into)?.rel) }, 'CREATE TABLE AS');
      break;
    case 'DropStmt': {
      const removeType = str(n.removeType);
      for (const object of arr(n.objects)) {
        const list = obj(object)?.List;
        const name = list ? nameList(obj(list)?.items) : str(obj(obj(object)?.String)?.sval) ?? '?';
        if (removeType === 'OBJECT_TABLE') push({ kind: 'drop-table', table: name, object: 'table' }, 'DROP TABLE');
        else if (removeType === 'OBJECT_SCHEMA') push({ kind: 'drop-table', table: name, object: 'schema' }, 'DROP SCHEMA');
        else if (removeType === 'OBJECT_INDEX') push({ kind: 'drop-index', name, concurrently: n.concurrent === true }, 'DROP INDEX');
        else push({ kind: 'other', what: `DROP ${removeType?.replace('OBJECT_', '') ?? ''}` }, 'DROP');
      }
      break;
    }
    case 'DropdbStmt':
      push({ kind: 'drop-table', table: str(n.dbname) ?? '?', object: 'database' }, 'DROP DATABASE');
      break;
    case 'RenameStmt': {
      const renameType = str(n.renameType);
      const table = rangeVar(n.relation);
      const to = str(n.newname) ?? '?';
      if (renameType === 'OBJECT_TABLE') push({ kind: 'rename-table', table, to }, 'ALTER TABLE … RENAME TO');
      else if (renameType === 'OBJECT_COLUMN') push({ kind: 'rename-column', table, column: str(n.subname) ?? '?', to }, 'ALTER TABLE … RENAME COLUMN');
      else push({ kind: 'other', what: 'RENAME' }, 'RENAME');
      break;
    }
    case 'AlterTableStmt': {
      const table = rangeVar(n.relation);
      for (const item of arr(n.cmds)) {
        const cmd = obj(obj(item)?.AlterTableCmd) ?? {};
        const column = str(cmd.name) ?? '?';
        switch (str(cmd.subtype)) {
          case 'AT_AddColumn': {
            const def = obj(obj(cmd.def)?.ColumnDef) ?? {};
            const contypes = arr(def.constraints).map((c) => str(obj(obj(c)?.Constraint)?.contype));
            const added = str(def.colname) ?? '?';
            push(
              {
                kind: 'add-column',
                table,
                column: added,
                notNull: contypes.includes('CONSTR_NOTNULL') || contypes.includes('CONSTR_PRIMARY'),
                hasDefault: contypes.includes('CONSTR_DEFAULT') || contypes.includes('CONSTR_IDENTITY'),
                generated: contypes.includes('CONSTR_GENERATED'),
                type: typeName(def.typeName),
              },
              'ADD COLUMN',
            );
            // A stored generated column is computed for every row: the table is rewritten under ACCESS EXCLUSIVE.
            if (contypes.includes('CONSTR_GENERATED')) push({ kind: 'rewrite-table', table, how: 'ADD COLUMN … GENERATED ALWAYS AS … STORED' }, 'ADD COLUMN … GENERATED');
            for (const c of arr(def.constraints)) {
              const con = obj(obj(c)?.Constraint) ?? {};
              const kind = CONSTRAINTS[str(con.contype) ?? ''];
              if (kind && kind !== 'primary-key') {
                push(
                  { kind: 'add-constraint', table, constraint: kind, notValid: false, usingIndex: false, columns: [added], ...constraintFacts(con, kind) },
                  'ADD COLUMN … ' + kind.toUpperCase().replace('-', ' '),
                );
              }
            }
            break;
          }
          case 'AT_DropColumn':
            push({ kind: 'drop-column', table, column }, 'DROP COLUMN');
            break;
          case 'AT_AlterColumnType':
            push({ kind: 'alter-type', table, column, type: typeName(obj(obj(cmd.def)?.ColumnDef)?.typeName) }, 'ALTER COLUMN … TYPE');
            break;
          case 'AT_SetNotNull':
            push({ kind: 'set-not-null', table, column }, 'SET NOT NULL');
            break;
          case 'AT_DropNotNull':
            push({ kind: 'drop-not-null', table, column }, 'DROP NOT NULL');
            break;
          case 'AT_ColumnDefault':
            if (cmd.def === undefined) push({ kind: 'drop-default', table, column }, 'DROP DEFAULT');
            else push({ kind: 'set-default', table, column }, 'SET DEFAULT');
            break;
          case 'AT_DropConstraint':
            push({ kind: 'drop-constraint', table, name: column }, 'DROP CONSTRAINT');
            break;
          case 'AT_AddConstraint': {
            const con = obj(obj(cmd.def)?.Constraint) ?? {};
            const kind = CONSTRAINTS[str(con.contype) ?? ''];
            if (kind) {
              push(
                { kind: 'add-constraint', table, constraint: kind, notValid: con.skip_validation === true, usingIndex: str(con.indexname) !== undefined, name: str(con.conname), ...constraintFacts(con, kind) },
                'ADD CONSTRAINT',
              );
            } else push({ kind: 'other', what: 'ADD CONSTRAINT' }, 'ADD CONSTRAINT');
            break;
          }
          default:
            push({ kind: 'other', what: str(cmd.subtype) ?? 'ALTER TABLE' }, 'ALTER TABLE');
        }
      }
      break;
    }
    case 'IndexStmt': {
      // Columns only when every key is a plain column (an expression index keys on the expression).
      const params = arr(n.indexParams).map((p) => obj(obj(p)?.IndexElem) ?? {});
      const columns = params.every((p) => str(p.name) !== undefined) ? params.map((p) => str(p.name)!) : undefined;
      push({ kind: 'create-index', table: rangeVar(n.relation), name: str(n.idxname), unique: n.unique === true, concurrently: n.concurrent === true, ...(columns ? { columns } : {}) }, 'CREATE INDEX');
      break;
    }
    case 'ViewStmt': {
      const query = obj(obj(n.query)?.SelectStmt);
      const columns = arr(n.aliases).map((a) => str(obj(obj(a)?.String)?.sval) ?? '');
      if (columns.length === 0 && query) {
        for (const target of arr(query.targetList)) {
          const res = obj(obj(target)?.ResTarget) ?? {};
          const alias = str(res.name);
          const fields = arr(obj(obj(res.val)?.ColumnRef)?.fields);
          const last = str(obj(obj(fields[fields.length - 1])?.String)?.sval);
          columns.push(alias ?? last ?? '');
        }
      }
      push({ kind: 'create-view', name: rangeVar(n.view), columns }, 'CREATE VIEW');
      break;
    }
    case 'UpdateStmt': {
      const targets = arr(n.targetList).map((t) => obj(obj(t)?.ResTarget) ?? {});
      const columns = targets.map((t) => str(t.name) ?? '');
      const reads = targets.flatMap((t) => columnRefs(t.val));
      push({ kind: 'update', table: rangeVar(n.relation), where: n.whereClause !== undefined, columns, reads }, 'UPDATE');
      break;
    }
    case 'DeleteStmt':
      push({ kind: 'delete', table: rangeVar(n.relation), where: n.whereClause !== undefined }, 'DELETE');
      break;
    case 'TruncateStmt':
      push({ kind: 'truncate', tables: arr(n.relations).map((r) => rangeVar(obj(r)?.RangeVar)) }, 'TRUNCATE');
      break;
    case 'InsertStmt': {
      const select = obj(obj(n.selectStmt)?.SelectStmt);
      push({ kind: 'insert', table: rangeVar(n.relation), select: select !== undefined && select.valuesLists === undefined }, 'INSERT');
      break;
    }
    case 'AlterEnumStmt': {
      const typeNameText = nameList(n.typeName);
      if (str(n.oldVal) !== undefined) push({ kind: 'enum-rename-value', type: typeNameText, value: str(n.oldVal)!, to: str(n.newVal) ?? '?' }, 'ALTER TYPE … RENAME VALUE');
      else push({ kind: 'enum-add-value', type: typeNameText, value: str(n.newVal) ?? '?' }, 'ALTER TYPE … ADD VALUE');
      break;
    }
    case 'VacuumStmt': {
      const full = arr(n.options).some((o) => str(obj(obj(o)?.DefElem)?.defname) === 'full');
      if (full) {
        const rels = arr(n.rels).map((r) => rangeVar(obj(obj(r)?.VacuumRelation)?.relation));
        push({ kind: 'rewrite-table', table: rels[0], how: 'VACUUM FULL' }, 'VACUUM FULL');
      } else push({ kind: 'noop', what: 'VACUUM' }, 'VACUUM');
      break;
    }
    case 'ClusterStmt':
      push({ kind: 'rewrite-table', table: n.relation ? rangeVar(n.relation) : undefined, how: 'CLUSTER' }, 'CLUSTER');
      break;
    case 'SelectStmt':
    case 'TransactionStmt':
    case 'VariableSetStmt':
    case 'CommentStmt':
    case 'GrantStmt':
    case 'ExplainStmt':
      push({ kind: 'noop', what: type.replace(/Stmt$/, '') }, type);
      break;
    case 'DoStmt': {
      const inner = text === undefined ? undefined : doBlockOps(n, statement.span, text);
      if (inner) for (const op of inner) out.push(op);
      else push({ kind: 'opaque', what: 'a DO block' }, 'DO');
      break;
    }
    default:
      push({ kind: 'other', what: type.replace(/Stmt$/, '') }, type);
  }
  return out;
}

export function spanOf(ops: readonly Op[]): Span | undefined {
  return ops[0]?.span;
}
