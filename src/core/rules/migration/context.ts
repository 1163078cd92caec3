import type { Report, RuleMeta } from '../../rule';
import type { MigrationUnit } from '../../migrations/model';
import type { FrameworkId } from '../../migrations/layout';
import { isAdditive, key, type Op, type Span } from '../../sql/ops';
import type { Dialect } from '../../sql/sql';
import { wholeMigration } from './whole';

export type MigrationReport = Omit<Report, 'range'> & {
  span: Span;
  /** Short phrase for the editor's summary: "drops orders.legacy_total". */
  reason: string;
};

export interface MigrationContext {
  /** Path of the file as the engine received it. */
  path: string;
  unit: MigrationUnit;
  framework: FrameworkId;
  /** The database the migration runs on (PostgreSQL unless something says otherwise). */
  dialect: Dialect;
  /** The up's net operations located in this file (none when this file is a down); see wholeMigration. */
  upOps: readonly Op[];
  /** Every net operation of the up, wherever it is. */
  allUpOps: readonly Op[];
  /** The down's operations located in this file. */
  downOpsHere: readonly Op[];
  /** True when the table is created by this migration: nobody else can see it yet. */
  isNewTable(table: string): boolean;
  /** True when the column is added by this migration, before `op` (or anywhere, without `op`), or its table is new. */
  isNewColumn(table: string, column: string, op?: Op): boolean;
  /** True when the migration adds the column with a default, or gives it one. */
  hasDefault(table: string, column: string): boolean;
  /** True when the operation re-creates what the migration dropped (a constraint replaced, a unique key widened). */
  isReplacement(op: Op): boolean;
  /** Whether the previous release keeps working after the operation, given what else the migration does. */
  isAdditive(op: Op): boolean;
  report(report: MigrationReport): void;
}

/** A rule that judges one migration (its up and its down together). */
export interface MigrationRule {
  meta: RuleMeta;
  check(ctx: MigrationContext): void;
}

export function defineMigrationRule(rule: MigrationRule): MigrationRule {
  return rule;
}

export function createMigrationContext(path: string, unit: MigrationUnit, sink: (report: MigrationReport) => void): MigrationContext {
  const whole = wholeMigration(unit.before || unit.after ? [...(unit.before ?? []), ...unit.up, ...(unit.after ?? [])] : unit.up, unit.newTables, unit.newColumns);
  const local = whole.ops.filter((op) => !op.elsewhere);
  const index = new Map<Op, number>();
  whole.ops.forEach((op, i) => index.set(op, i));
  const downOpsHere: Op[] = [];
  // The down is judged as a whole too (a table rebuilt under its own name is not dropped).
  if (unit.down.state === 'present' && unit.down.here) downOpsHere.push(...wholeMigration(unit.down.ops).ops.filter((op) => !op.elsewhere));
  if (unit.upHere) {
    for (const op of local) if (op.undo?.kind === 'ops') downOpsHere.push(...op.undo.ops);
  }
  const isNewTable = (table: string) => whole.created.has(key(table));
  const isNewColumn = (table: string, column: string, op?: Op) => {
    if (isNewTable(table)) return true;
    const at = whole.addedColumns.get(`${key(table)}.${key(column)}`);
    if (at === undefined) return false;
    return op === undefined || at < (index.get(op) ?? Number.MAX_SAFE_INTEGER);
  };
  const ctx: MigrationContext = {
    path,
    unit,
    framework: unit.framework,
    dialect: unit.dialect ?? 'postgres',
    upOps: unit.upHere ? local : [],
    allUpOps: whole.ops,
    downOpsHere,
    isNewTable,
    isNewColumn,
    hasDefault: (table, column) => whole.defaults.has(`${key(table)}.${key(column)}`),
    isReplacement: (op) => whole.replacement.has(op),
    isAdditive(op) {
      if (isAdditive(op)) return true;
      switch (op.kind) {
        case 'add-column':
          return isNewTable(op.table);
        case 'add-constraint':
          return isNewTable(op.table) || (op.columns !== undefined && op.columns.length > 0 && op.columns.every((c) => isNewColumn(op.table, c, op) && !ctx.hasDefault(op.table, c)));
        case 'set-not-null':
        case 'drop-not-null':
        case 'drop-default':
        case 'alter-type':
        case 'rename-column':
        case 'drop-column':
          return isNewColumn(op.table, op.column, op);
        case 'update':
          return isNewTable(op.table) || (op.columns.length > 0 && op.columns.every((c) => isNewColumn(op.table, c, op)));
        case 'insert':
        case 'delete':
        case 'drop-table':
        case 'drop-constraint':
        case 'rename-table':
        case 'enum-redefine':
          return isNewTable(op.table);
        case 'rewrite-table':
          return op.table !== undefined && isNewTable(op.table);
        default:
          return false;
      }
    },
    report: sink,
  };
  return ctx;
}

/** `orders.legacy_total`, `the table orders`. */
export function columnRef(table: string, column: string): string {
  return `${table}.${column}`;
}

/** First operation of the up that the previous release cannot live with. */
export function firstNonAdditive(ctx: MigrationContext, ops: readonly Op[]): Op | undefined {
  return ops.find((op) => !ctx.isAdditive(op));
}

/** "(Rails `remove_column`)" — how the construct was written, for messages. */
export function via(op: Op): string {
  return op.via ? ` (\`${op.via}\`)` : '';
}
