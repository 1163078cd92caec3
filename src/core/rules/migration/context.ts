import type { Report, RuleMeta } from '../../rule';
import type { MigrationUnit } from '../../migrations/model';
import type { FrameworkId } from '../../migrations/layout';
import { createdTables, isAdditive, key, type Op, type Span } from '../../sql/ops';

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
  /** The up's operations located in this file (none when this file is a down). */
  upOps: readonly Op[];
  /** Every operation of the up, wherever it is. */
  allUpOps: readonly Op[];
  /** The down's operations located in this file. */
  downOpsHere: readonly Op[];
  /** True when the table is created by this migration: nobody else can see it yet. */
  isNewTable(table: string): boolean;
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
  const created = createdTables(unit.up);
  const downOpsHere: Op[] = [];
  if (unit.down.state === 'present' && unit.down.here) downOpsHere.push(...unit.down.ops);
  if (unit.upHere) {
    for (const op of unit.up) if (op.undo?.kind === 'ops') downOpsHere.push(...op.undo.ops);
  }
  return {
    path,
    unit,
    framework: unit.framework,
    upOps: unit.upHere ? unit.up : [],
    allUpOps: unit.up,
    downOpsHere,
    isNewTable: (table) => created.has(key(table)),
    report: sink,
  };
}

/** `orders.legacy_total`, `the table orders`. */
export function columnRef(table: string, column: string): string {
  return `${table}.${column}`;
}

/** First operation of the up that the previous release cannot live with. */
export function firstNonAdditive(ops: readonly Op[]): Op | undefined {
  return ops.find((op) => !isAdditive(op));
}

/** "(Rails `remove_column`)" — how the construct was written, for messages. */
export function via(op: Op): string {
  return op.via ? ` (\`${op.via}\`)` : '';
}
