import type { ConstraintKind, Op, OpBody, Span } from './ops';
import type { PgStatement } from './postgres';
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

/** What one parsed PostgreSQL statement does, as rollback-relevant operations. */
export function postgresOps(statement: PgStatement): Op[] {
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
            push(
              {
                kind: 'add-column',
                table,
                column: str(def.colname) ?? '?',
                notNull: contypes.includes('CONSTR_NOTNULL') || contypes.includes('CONSTR_PRIMARY'),
                hasDefault: contypes.includes('CONSTR_DEFAULT') || contypes.includes('CONSTR_IDENTITY'),
                generated: contypes.includes('CONSTR_GENERATED'),
              },
              'ADD COLUMN',
            );
            // A stored generated column is computed for every row: the table is rewritten under ACCESS EXCLUSIVE.
            if (contypes.includes('CONSTR_GENERATED')) push({ kind: 'rewrite-table', table, how: 'ADD COLUMN … GENERATED ALWAYS AS … STORED' }, 'ADD COLUMN … GENERATED');
            for (const c of arr(def.constraints)) {
              const con = obj(obj(c)?.Constraint) ?? {};
              const kind = CONSTRAINTS[str(con.contype) ?? ''];
              if (kind && kind !== 'primary-key') push({ kind: 'add-constraint', table, constraint: kind, notValid: false, usingIndex: false }, 'ADD COLUMN … ' + kind.toUpperCase().replace('-', ' '));
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
            else push({ kind: 'other', what: 'SET DEFAULT' }, 'SET DEFAULT');
            break;
          case 'AT_DropConstraint':
            push({ kind: 'drop-constraint', table, name: column }, 'DROP CONSTRAINT');
            break;
          case 'AT_AddConstraint': {
            const con = obj(obj(cmd.def)?.Constraint) ?? {};
            const kind = CONSTRAINTS[str(con.contype) ?? ''];
            if (kind) {
              push(
                { kind: 'add-constraint', table, constraint: kind, notValid: con.skip_validation === true, usingIndex: str(con.indexname) !== undefined, name: str(con.conname) },
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
    case 'IndexStmt':
      push({ kind: 'create-index', table: rangeVar(n.relation), name: str(n.idxname), unique: n.unique === true, concurrently: n.concurrent === true }, 'CREATE INDEX');
      break;
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
      const columns = arr(n.targetList).map((t) => str(obj(obj(t)?.ResTarget)?.name) ?? '');
      push({ kind: 'update', table: rangeVar(n.relation), where: n.whereClause !== undefined, columns }, 'UPDATE');
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
    case 'DoStmt':
      push({ kind: 'opaque', what: 'a DO block' }, 'DO');
      break;
    default:
      push({ kind: 'other', what: type.replace(/Stmt$/, '') }, type);
  }
  return out;
}

export function spanOf(ops: readonly Op[]): Span | undefined {
  return ops[0]?.span;
}
