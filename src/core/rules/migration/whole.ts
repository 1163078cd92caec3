import { key, type Op } from '../../sql/ops';

/**
 * A migration judged as a whole, not statement by statement: what the
 * previous release sees once the whole migration has run. One pass indexes
 * the operations in maps, a second rewrites them into their net effect:
 *
 * - work on a table the migration drops later is part of that drop;
 * - a table rebuilt under its own name (SQLite's create-copy-drop-rename,
 *   or rename-away, create, copy, drop) is a new table, not a drop and a
 *   rename;
 * - a column swapped under its old name (renamed away and re-added, or added
 *   under a new name, filled, the old one dropped and the new one renamed)
 *   is a type change of that column;
 * - a constraint dropped and re-created (same name, or a foreign key between
 *   the same tables) is a replacement; a unique key dropped and re-created
 *   over more columns is widened;
 * - a sequence renamed with `ALTER TABLE … RENAME` is not a table rename.
 *
 * Everything is linear in the number of operations.
 */

export interface WholeMigration {
  /** The net operations, in order. */
  ops: Op[];
  /** Tables created (or rebuilt) by the migration. */
  created: Set<string>;
  /** `table.column` → index in `ops` of the statement that adds the column (-1: added before the first). */
  addedColumns: Map<string, number>;
  /** `table.column` of columns added with a default, or given one by the migration. */
  defaults: Set<string>;
  /** Operations that re-create what the migration dropped in the same step. */
  replacement: WeakSet<Op>;
}

function col(table: string, column: string): string {
  return `${key(table)}.${key(column)}`;
}

/** The table an operation works on, for the "part of a later drop" rule. */
function tableOf(op: Op): string | undefined {
  switch (op.kind) {
    case 'add-column':
    case 'drop-column':
    case 'rename-column':
    case 'alter-type':
    case 'set-not-null':
    case 'drop-not-null':
    case 'set-default':
    case 'drop-default':
    case 'drop-constraint':
    case 'add-constraint':
    case 'create-index':
    case 'update':
    case 'delete':
    case 'insert':
    case 'enum-redefine':
      return op.table;
    case 'drop-index':
      return op.table;
    default:
      return undefined;
  }
}

/** The column of a constraint named by PostgreSQL's default for one column (`orders_customer_id_fkey`, `_key`, `_check`). */
function constraintColumn(table: string, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const t = key(table);
  const m = /^(.+)_(fkey|key|check)$/.exec(name.toLowerCase());
  return m && m[1]!.startsWith(`${t}_`) ? m[1]!.slice(t.length + 1) : undefined;
}

/**
 * A CHECK that stood in for NOT NULL (`<table>_<column>_null`, added NOT
 * VALID and validated so that SET NOT NULL needs no scan), dropped after the
 * migration makes that column NOT NULL: nothing is relaxed.
 */
function replacedByNotNull(op: Extract<Op, { kind: 'drop-constraint' }>, input: readonly Op[], at: number): boolean {
  if (!op.name || (op.constraint !== undefined && op.constraint !== 'check')) return false;
  const n = op.name.toLowerCase();
  if (!/_(not_)?null$/.test(n)) return false;
  for (let j = 0; j < at; j++) {
    const prior = input[j]!;
    if (prior.kind === 'set-not-null' && key(prior.table) === key(op.table) && n.includes(key(prior.column))) return true;
  }
  return false;
}

/**
 * A constraint whose name ends with the name of a column of its table that
 * the migration drops after it (`fk_orders_coupon_id`, `orders_coupon_id_fk`):
 * it goes with that column.
 */
function namesDroppedColumn(table: string, name: string | undefined, droppedCol: ReadonlyMap<string, number>, at: number): boolean {
  if (!name) return false;
  const n = name.toLowerCase();
  const prefix = `${key(table)}.`;
  for (const [k, i] of droppedCol) {
    if (i <= at || !k.startsWith(prefix)) continue;
    const c = k.slice(prefix.length);
    for (const suffix of ['', '_fk', '_fkey', '_key', '_check', '_uq', '_unique']) {
      const tail = `${c}${suffix}`;
      if (n === tail || n.endsWith(`_${tail}`)) return true;
    }
  }
  return false;
}

/** Columns of a unique constraint named by PostgreSQL's default (`<table>_<a>_<b>_key`), when the name says. */
function uniqueColumnsFromName(table: string, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const t = key(table);
  const n = name.toLowerCase();
  if (!n.startsWith(`${t}_`) || !/_(key|uniq|unique)$/.test(n)) return undefined;
  return n.slice(t.length + 1).replace(/_(key|uniq|unique)$/, '');
}

export function wholeMigration(input: readonly Op[], newTables: readonly string[] = [], newColumns: readonly string[] = []): WholeMigration {
  const n = input.length;
  // ——— index ———
  const lastDrop = new Map<string, number>();
  const created = new Map<string, number>();
  const firstAdd = new Map<string, number>();
  const renamedAway = new Map<string, number>(); // rename-column: old column → index
  const droppedCol = new Map<string, number>();
  const constraintDrops = new Map<string, number>();
  const fkDrops = new Map<string, number>();
  /** Foreign keys dropped by name alone (Liquibase `dropForeignKeyConstraint`): table → name and index. */
  const fkDropsByName = new Map<string, { name: string; at: number }[]>();
  const uniqueDrops = new Map<string, string>(); // table → columns text of a dropped unique key
  const filled = new Map<string, number[]>(); // `table.column` → indexes of updates that write it
  input.forEach((op, i) => {
    switch (op.kind) {
      case 'drop-table':
        lastDrop.set(key(op.table), i);
        break;
      case 'create-table':
        if (!created.has(key(op.table))) created.set(key(op.table), i);
        break;
      case 'add-column': {
        const k = col(op.table, op.column);
        if (!firstAdd.has(k)) firstAdd.set(k, i);
        break;
      }
      case 'rename-column':
        renamedAway.set(col(op.table, op.column), i);
        break;
      case 'drop-column':
        droppedCol.set(col(op.table, op.column), i);
        break;
      case 'drop-constraint':
        if (op.name) constraintDrops.set(`${key(op.table)}:${op.name.toLowerCase()}`, i);
        if (op.references) fkDrops.set(`${key(op.table)}>${key(op.references)}`, i);
        else if (op.constraint === 'foreign-key' && op.name && !op.columns) fkDropsByName.set(key(op.table), [...(fkDropsByName.get(key(op.table)) ?? []), { name: op.name.toLowerCase(), at: i }]);
        {
          const cols = uniqueColumnsFromName(op.table, op.name) ?? (op.constraint === 'unique' && op.columns ? op.columns.map(key).join('_') : undefined);
          if (cols) uniqueDrops.set(key(op.table), cols);
        }
        break;
      case 'update':
        for (const c of op.columns) {
          const k = col(op.table, c);
          const list = filled.get(k);
          if (list) list.push(i);
          else filled.set(k, [i]);
        }
        break;
    }
  });

  // ——— tables rebuilt under their own name, in order (a migration may rebuild a table several times) ———
  const skip = new Uint8Array(n);
  const rebuild = new Set<number>();
  const rebuilt = new Set<string>();
  {
    const createdAt = new Map<string, number>();
    const droppedAt = new Map<string, number>();
    /** old name → where `ALTER t RENAME TO old` renamed t away. */
    const renamedTo = new Map<string, { at: number; from: string }>();
    input.forEach((op, i) => {
      if (op.kind === 'create-table') createdAt.set(key(op.table), i);
      else if (op.kind === 'drop-table') {
        const t = key(op.table);
        // ALTER t RENAME TO old; CREATE t; copy; DROP old.
        const away = renamedTo.get(t);
        if (away && (createdAt.get(away.from) ?? -1) > away.at) {
          rebuild.add(away.at);
          rebuild.add(i);
          rebuilt.add(away.from);
          renamedTo.delete(t);
          return;
        }
        droppedAt.set(t, i);
      } else if (op.kind === 'rename-table') {
        const from = key(op.table);
        const to = key(op.to);
        // CREATE new; copy; DROP t; ALTER new RENAME TO t.
        const drop = droppedAt.get(to);
        if (createdAt.has(from) && drop !== undefined && !rebuild.has(drop)) {
          rebuild.add(i);
          rebuild.add(drop);
          droppedAt.delete(to);
          createdAt.delete(from);
          createdAt.set(to, i);
          rebuilt.add(to);
          return;
        }
        renamedTo.set(to, { at: i, from });
      }
    });
  }
  // The last drop of each table that is a real drop (not part of a rebuild).
  lastDrop.clear();
  for (let i = 0; i < n; i++) {
    const op = input[i]!;
    if (op.kind === 'drop-table' && !rebuild.has(i)) lastDrop.set(key(op.table), Math.max(lastDrop.get(key(op.table)) ?? -1, i));
  }

  // ——— decide ———
  const replaced = new Map<number, Op>();
  const replacement = new WeakSet<Op>();
  const createdSet = new Set<string>([...created.keys(), ...newTables.map(key), ...rebuilt]);
  const addedColumns = new Map<string, number>();
  for (const c of newColumns) addedColumns.set(c.toLowerCase(), -1);

  for (let i = 0; i < n; i++) {
    const op = input[i]!;
    if (rebuild.has(i)) {
      skip[i] = 1;
      continue;
    }
    // A constraint PostgreSQL named after a column (`<table>_<column>_fkey`) that the migration then drops goes with the column.
    if (op.kind === 'drop-constraint') {
      const column = constraintColumn(op.table, op.name) ?? (op.columns?.length === 1 ? op.columns[0] : undefined);
      if ((column !== undefined && (droppedCol.get(col(op.table, column)) ?? -1) > i) || namesDroppedColumn(op.table, op.name, droppedCol, i) || replacedByNotNull(op, input, i)) {
        skip[i] = 1;
        continue;
      }
    }
    // Work on a table dropped later in the same migration is part of the drop.
    const table = tableOf(op);
    if (table !== undefined && (lastDrop.get(key(table)) ?? -1) > i && !createdSet.has(key(table))) {
      skip[i] = 1;
      continue;
    }
    switch (op.kind) {
      case 'rename-table': {
        const from = key(op.table);
        const to = key(op.to);
        // A sequence renamed with ALTER TABLE: column defaults refer to it by OID.
        if (/_seq$/.test(from) && /_seq$/.test(to)) {
          skip[i] = 1;
          break;
        }
        if (rebuild.has(i)) skip[i] = 1;
        break;
      }
      case 'rename-column': {
        const from = col(op.table, op.column);
        const to = col(op.table, op.to);
        // Swap: renamed away, then re-added under the old name (handled at the add). A generated column with the old name is a compatibility shim, not a swap.
        const readd = firstAdd.get(from);
        const readdOp = readd === undefined ? undefined : input[readd];
        if (readd !== undefined && readd > i && !(readdOp?.kind === 'add-column' && readdOp.generated)) {
          skip[i] = 1;
          break;
        }
        // Swap: added under a new name, the old column dropped, the new one renamed to the old name.
        const added = firstAdd.get(from);
        const dropped = droppedCol.get(to);
        if (added !== undefined && added < i && dropped !== undefined && dropped < i) {
          const addOp = input[added]!;
          replaced.set(i, { kind: 'alter-type', table: op.table, column: op.to, type: addOp.kind === 'add-column' ? addOp.type : undefined, span: op.span, via: 'column swap', ...(op.elsewhere ? { elsewhere: true } : {}) });
          // The values were copied over before the drop: nothing is lost.
          if ((filled.get(from) ?? []).some((u) => u > added && u < dropped)) skip[dropped] = 1;
        }
        break;
      }
      case 'add-column': {
        const away = renamedAway.get(col(op.table, op.column));
        const droppedAt = droppedCol.get(col(op.table, op.column));
        if (droppedAt !== undefined && droppedAt < i && !op.generated && (away === undefined || away > i)) {
          // Swap: dropped, then re-added under the same name; the column changes type, and the drop keeps its loss unless the values are written back.
          replaced.set(i, { kind: 'alter-type', table: op.table, column: op.column, type: op.type, span: op.span, via: 'column swap', ...(op.elsewhere ? { elsewhere: true } : {}) });
          if ((filled.get(col(op.table, op.column)) ?? []).some((u) => u > i)) skip[droppedAt] = 1;
        } else if (away !== undefined && away < i && !op.generated) {
          // Swap: re-added under the name it was renamed away from; the column changes type.
          replaced.set(i, { kind: 'alter-type', table: op.table, column: op.column, type: op.type, span: op.span, via: 'column swap', ...(op.elsewhere ? { elsewhere: true } : {}) });
        } else if (away !== undefined) {
          // Swap: the column added under a new name that replaces the old one is internal to the swap.
          const rename = input[away]!;
          const dropped = rename.kind === 'rename-column' ? droppedCol.get(col(op.table, rename.to)) : undefined;
          if (dropped !== undefined && dropped < away) {
            skip[i] = 1;
            addedColumns.set(col(op.table, op.column), -1);
          }
        }
        break;
      }
      case 'add-constraint': {
        const named = op.name ? constraintDrops.get(`${key(op.table)}:${op.name.toLowerCase()}`) : undefined;
        const sameTarget = op.constraint === 'foreign-key' && op.references ? fkDrops.get(`${key(op.table)}>${key(op.references)}`) : undefined;
        // A foreign key dropped by name alone, re-added on the column it is named after (`person_a` → `person_a_is_person` on person_a).
        const byName =
          op.constraint === 'foreign-key' && op.columns
            ? fkDropsByName.get(key(op.table))?.find((d) => op.columns!.some((c) => key(c) === d.name) && (!op.name || op.name.toLowerCase().startsWith(d.name)))?.at
            : undefined;
        const drop = named ?? sameTarget ?? byName;
        if (drop !== undefined && drop < i) {
          skip[drop] = 1;
          replacement.add(op);
        }
        // A unique key over more columns than the one dropped: it relaxes.
        const narrower = uniqueDrops.get(key(op.table));
        if (op.constraint === 'unique' && narrower !== undefined && op.columns && op.columns.length > 1 && widens(narrower, op.columns)) replacement.add(op);
        break;
      }
      case 'create-index': {
        const narrower = uniqueDrops.get(key(op.table));
        if (op.unique && narrower !== undefined && op.columns && op.columns.length > 1 && widens(narrower, op.columns)) replacement.add(op);
        break;
      }
    }
  }

  const ops: Op[] = [];
  const defaults = new Set<string>();
  const addedConstraints = new Set<string>();
  // Where each named constraint is last dropped: one added before that is gone again by the end of the migration.
  const constraintDroppedAt = new Map<string, number>();
  input.forEach((op, i) => {
    if (op.kind === 'drop-constraint' && op.name) constraintDroppedAt.set(`${key(op.table)}:${op.name.toLowerCase()}`, i);
  });
  for (let i = 0; i < n; i++) {
    const original = input[i]!;
    // A column the migration added keeps counting as new under the name it is renamed to.
    if (
      original.kind === 'rename-column' &&
      addedColumns.has(col(original.table, original.column)) &&
      !addedColumns.has(col(original.table, original.to)) &&
      // Renamed to the name of a column it replaces (a swap): that name existed before.
      !((droppedCol.get(col(original.table, original.to)) ?? n) < i)
    ) {
      addedColumns.set(col(original.table, original.to), ops.length);
    }
    if (original.kind === 'add-constraint' && original.name) {
      const k = `${key(original.table)}:${original.name.toLowerCase()}`;
      addedConstraints.add(k);
      // Added and dropped again by the same migration (Liquibase `addLookupTable` then `dropForeignKeyConstraint`): it tightens nothing.
      if ((constraintDroppedAt.get(k) ?? -1) > i) continue;
    }
    // Dropping a constraint the migration itself added relaxes nothing the previous release had.
    if (original.kind === 'drop-constraint' && original.name && addedConstraints.has(`${key(original.table)}:${original.name.toLowerCase()}`)) continue;
    if (skip[i]) continue;
    const op = replaced.get(i) ?? original;
    if (original.kind === 'add-column') {
      const k = col(original.table, original.column);
      // From the statement after it, the column counts as added by this migration.
      if (!addedColumns.has(k)) addedColumns.set(k, ops.length);
      if (original.hasDefault) defaults.add(k);
    }
    if (op.kind === 'set-default') defaults.add(col(op.table, op.column));
    ops.push(op);
  }
  return { ops, created: createdSet, addedColumns, defaults, replacement };
}

/** True when the columns `wider` contain every column of the dropped key `narrower` (joined with `_`). */
function widens(narrower: string, wider: string[]): boolean {
  const inKey = wider.map(key).filter((c) => narrower.includes(c));
  return inKey.length < wider.length && inKey.join('_') === narrower;
}
