import type { AutoUndo, Op, Span } from '../sql/ops';
import type { Dialect } from '../sql/sql';
import type { FrameworkId } from './layout';

/**
 * One migration as the rules see it: the operations of its up, and what its
 * down is. A file holds one unit, except Liquibase changelogs (one per
 * changeSet). When the file analysed is a down file, `up` comes from its
 * counterpart and `upHere` is false: the rules then only judge the down.
 */
export interface MigrationUnit {
  framework: FrameworkId;
  /** The database the migration runs on, when configuration, its path, the framework's settings or its SQL tell; PostgreSQL's locking is assumed otherwise. */
  dialect?: Dialect;
  /** How messages name the unit when a file has several (`changeSet drop-legacy`). */
  label?: string;
  /** Where the editor shows the unit's rollback summary. */
  anchor: Span;
  up: Op[];
  upHere: boolean;
  down: Down;
  /**
   * Operations of the same migration in other files (the steps of a
   * multi-step migration), before and after this file's: the migration is
   * judged as a whole, and each file reports its own operations.
   */
  before?: Op[];
  after?: Op[];
  /** Tables to judge as created by this migration although an earlier one creates them (the models of a Django initial squash). */
  newTables?: string[];
  /** `table.column` of columns to judge as added by this migration (filled by a data migration right after the one that adds them). */
  newColumns?: string[];
}

export type Down =
  /** The framework derives the down from each operation (Rails `change`, Django operations); see `Op.undo`. */
  | { state: 'derived' }
  /** No up/down pairing here: a plain SQL file, a Flyway repeatable, a sqitch verify script. */
  | { state: 'not-applicable' }
  /** The tool has no down migrations at all (Prisma Migrate), or the project does not use them (Flyway without undo migrations). */
  | { state: 'none-by-design' }
  /** There should be a down and there is none. `expected` names it: `001_x.down.sql`, `downgrade()`. */
  | { state: 'absent'; expected: string }
  | {
      state: 'present';
      ops: Op[];
      /** The down's operations are in the file being analysed (spans are valid here). */
      here: boolean;
      /** How to name the down: `001_x.down.sql`, `downgrade()`, `the <rollback> block`. */
      label: string;
      /** Where to report a down that undoes nothing, when it is in this file. */
      anchor?: Span;
    };

export type { AutoUndo };

/** True when the down undoes nothing: no statements, only no-ops (`SELECT 1`, `pass`), or an explicit irreversible. */
export function isEmptyDown(ops: readonly Op[]): boolean {
  return ops.every((op) => op.kind === 'noop') || ops.some((op) => op.kind === 'irreversible');
}
