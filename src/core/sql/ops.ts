/**
 * What a migration does, in terms that matter for rollback: the same model
 * for PostgreSQL, MySQL and every framework's DSL, so each rule is written
 * once. Offsets are UTF-16 offsets into the file being analysed.
 */

export interface Span {
  start: number;
  end: number;
}

export type ConstraintKind = 'foreign-key' | 'check' | 'unique' | 'primary-key' | 'exclusion';

export type OpBody =
  | { kind: 'create-table'; table: string }
  | { kind: 'drop-table'; table: string; object: 'table' | 'schema' | 'database' }
  | { kind: 'rename-table'; table: string; to: string }
  | { kind: 'rename-column'; table: string; column: string; to: string }
  | { kind: 'add-column'; table: string; column: string; notNull: boolean; hasDefault: boolean; generated: boolean; type?: string }
  | { kind: 'drop-column'; table: string; column: string }
  | { kind: 'alter-type'; table: string; column: string; type?: string; detail?: string }
  | { kind: 'set-not-null'; table: string; column: string }
  | { kind: 'drop-not-null'; table: string; column: string }
  | { kind: 'set-default'; table: string; column: string }
  | { kind: 'drop-default'; table: string; column: string }
  /** What is known of the dropped constraint: its kind, columns and referenced table, when the migration says. */
  | { kind: 'drop-constraint'; table: string; name?: string; constraint?: ConstraintKind; columns?: string[]; references?: string }
  /**
   * `dialect` is set where the locking differs from PostgreSQL's (MySQL's
   * InnoDB). `columns`: the constrained columns, when known; `references`:
   * a foreign key's table; `rejectsNull`: a CHECK that NULL fails (`IS NOT
   * NULL`), so even a column the previous release leaves NULL violates it.
   */
  | {
      kind: 'add-constraint';
      table: string;
      constraint: ConstraintKind;
      notValid: boolean;
      usingIndex: boolean;
      name?: string;
      dialect?: 'mysql';
      columns?: string[];
      references?: string;
      rejectsNull?: boolean;
    }
  | { kind: 'create-index'; table: string; name?: string; unique: boolean; concurrently: boolean; columns?: string[] }
  | { kind: 'drop-index'; name?: string; table?: string; concurrently: boolean }
  | { kind: 'create-view'; name: string; columns: string[] }
  /** `reads`: columns the new values are computed from (`SET a = b` reads b); `where` is also set by a join that limits the rows. */
  | { kind: 'update'; table: string; where: boolean; columns: string[]; reads?: string[] }
  | { kind: 'delete'; table: string; where: boolean }
  | { kind: 'truncate'; tables: string[] }
  | { kind: 'insert'; table: string; select: boolean }
  | { kind: 'enum-add-value'; type: string; value: string }
  | { kind: 'enum-rename-value'; type: string; value: string; to: string }
  | { kind: 'enum-redefine'; table: string; column: string }
  | { kind: 'rewrite-table'; table?: string; how: 'VACUUM FULL' | 'CLUSTER' | 'ALGORITHM=COPY' | 'LOCK=EXCLUSIVE' | 'ADD COLUMN … GENERATED ALWAYS AS … STORED' }
  /** Code the analysis cannot see into (Django RunPython, a DO block, a Knex callback). */
  | { kind: 'opaque'; what: string }
  /** An explicit "this cannot be undone" (Rails IrreversibleMigration, Alembic raise). */
  | { kind: 'irreversible'; what: string }
  /** Statements with no effect on rollback: SELECT 1, BEGIN, SET lock_timeout, COMMENT ON. */
  | { kind: 'noop'; what: string }
  /** Anything else that changes the schema, recognised but without a rollback concern. */
  | { kind: 'other'; what: string };

/**
 * How a DSL operation undoes itself when the framework derives the down
 * (Rails `change`, Django operations): not at all, or by recreating the
 * object empty.
 */
export type AutoUndo =
  | { kind: 'none'; why: string }
  | { kind: 'recreates-empty' }
  | { kind: 'exact' }
  /** An explicit reverse written next to the operation (Django `reverse_sql`, Rails `reversible`). */
  | { kind: 'ops'; ops: Op[] };

export type Op = OpBody & {
  /** The statement or DSL call (what the editor underlines). */
  span: Span;
  /** Set when the framework derives the down from this operation. */
  undo?: AutoUndo;
  /** Display name of the construct: `remove_column`, `ALTER TABLE … DROP COLUMN`, `RemoveField`. */
  via?: string;
  /** In another file of the same migration (a step of a multi-step migration): it informs the judgement of this file, and is reported in its own. */
  elsewhere?: boolean;
};

export type OpKind = Op['kind'];

/** Operations that only add: the previous binary keeps working and the down can drop them. */
const ADDITIVE = new Set<OpKind>(['create-table', 'create-index', 'create-view', 'noop', 'other', 'insert', 'set-default']);

export function isAdditive(op: Op): boolean {
  if (op.kind === 'add-column') return !op.notNull || op.hasDefault || op.generated;
  if (op.kind === 'insert') return !op.select;
  if (op.kind === 'add-constraint') return false;
  return ADDITIVE.has(op.kind);
}

/** Case-insensitive identifier key (schema prefixes dropped). */
export function key(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot === -1 ? name : name.slice(dot + 1)).toLowerCase();
}

export function qualified(table: string, column: string): string {
  return `${table}.${column}`;
}

/** Tables the ops create (nobody else can see them yet). */
export function createdTables(ops: readonly Op[]): Set<string> {
  const out = new Set<string>();
  for (const op of ops) if (op.kind === 'create-table') out.add(key(op.table));
  return out;
}
