import type { Node } from 'web-tree-sitter';
import type { AutoUndo, Op, OpBody, Span } from '../sql/ops';
import type { Dialect } from '../sql/sql';
import { embeddedSql, embeddedString, type EmbeddedProblem } from './embedded';
import type { MigrationUnit } from './model';
import { kids } from './treeSitter';

/**
 * Rails migrations (`db/migrate/*.rb`), read from the tree-sitter-ruby tree:
 * `change` (Rails derives the down, and refuses for some operations),
 * `up`/`down`, `reversible`, `change_table` blocks, and SQL in `execute`.
 */

interface Args {
  positional: Node[];
  options: Map<string, Node>;
}

function args(call: Node, bound?: ReadonlyMap<string, Node>): Args {
  const list = call.childForFieldName('arguments');
  const positional: Node[] = [];
  const options = new Map<string, Node>();
  for (const given of kids(list)) {
    // A block parameter bound to a value of a constant (`PARAMS.each do |table, columns, options|`): that value.
    const splat = given.type === 'hash_splat_argument' ? kids(given).find((k) => k.type === 'identifier') : undefined;
    const a = (given.type === 'identifier' ? bound?.get(given.text) : splat ? bound?.get(splat.text) : undefined) ?? given;
    if (a.type === 'pair') {
      const k = a.childForFieldName('key');
      const v = a.childForFieldName('value');
      if (k && v) options.set(k.text.replace(/^:/, '').replace(/:$/, ''), v);
    } else if (a.type === 'hash') {
      for (const p of kids(a)) {
        const k = p.childForFieldName('key');
        const v = p.childForFieldName('value');
        if (p.type === 'pair' && k && v) options.set(k.text.replace(/^:/, '').replace(/:$/, ''), v);
      }
    } else positional.push(a);
  }
  return { positional, options };
}

/** `:orders`, `"orders"`, `'orders'` → orders */
function name(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'simple_symbol') return node.text.slice(1);
  if (node.type === 'string') {
    const parts = kids(node);
    if (parts.every((p) => p.type === 'string_content')) return parts.map((p) => p.text).join('');
  }
  if (node.type === 'delimited_symbol') return node.text.slice(2, -1);
  return undefined;
}

/**
 * A table or column name for messages: the literal, or the expression that
 * computes it (`` `t` `` in `TABLES.each { |t| add_index t, :version }`),
 * never a placeholder.
 */
function named(node: Node | undefined): string {
  const literal = name(node);
  if (literal !== undefined) return literal;
  if (!node) return 'an unnamed table';
  const text = node.text.length > 40 ? `${node.text.slice(0, 37)}…` : node.text;
  return `\`${text}\``;
}

/** `:authors` → author, `:categories` → category: Rails' default foreign key column is `<singular>_id`. */
function singular(word: string): string {
  if (/ies$/.test(word)) return word.slice(0, -3) + 'y';
  if (/(ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (/s$/.test(word) && !/ss$/.test(word)) return word.slice(0, -1);
  return word;
}

/** `User` → users, `BlogPost` → blog_posts, `Admin::Category` → categories: the table Rails gives a model. */
export function tableize(model: string): string {
  const last = model.split('::').pop() ?? model;
  const snake = last.replace(/([a-z\d])([A-Z])/g, '$1_$2').replace(/(?<![A-Z])([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();
  if (/[^aeiou]y$/.test(snake)) return `${snake.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(snake)) return `${snake}es`;
  return `${snake}s`;
}

/** Column names of `:a` or `[:a, :b]`. */
function columnList(node: Node | undefined): string[] | undefined {
  if (!node) return undefined;
  if (node.type === 'array') {
    const out = kids(node).map((k) => name(k));
    return out.every((c): c is string => c !== undefined) ? out : undefined;
  }
  const one = name(node);
  return one === undefined ? undefined : [one];
}

const FILTERS = new Set(['where', 'find_by', 'find', 'find_each', 'in_batches', 'joins', 'limit']);

/** `ActiveRecord::IrreversibleMigration` → IrreversibleMigration */
function constantName(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'constant') return node.text;
  if (node.type === 'scope_resolution') return node.childForFieldName('name')?.text;
  if (node.type === 'call') return constantName(node.childForFieldName('receiver') ?? undefined);
  return undefined;
}

function isFalse(node: Node | undefined): boolean {
  return node?.type === 'false';
}

function methodOf(call: Node): string | undefined {
  return call.childForFieldName('method')?.text;
}

interface Collect {
  ops: Op[];
  problems: EmbeddedProblem[];
  dialect: Dialect | 'auto';
  heredocs: Map<number, Node>;
  /** Inside `change`: the reverse Rails derives, per operation. */
  inChange: boolean;
  /** Array constants of the migration class (`INDEXES = [[:links, [:url], {unique: true}]]`). */
  constants?: ReadonlyMap<string, Node>;
  /** Block parameters bound to the items of one element of such a constant. */
  bound?: ReadonlyMap<string, Node>;
}

function span(node: Node): Span {
  return { start: node.startIndex, end: node.endIndex };
}

/** Operations of a method body (or block body), in source order. */
function collect(body: Node | null, c: Collect, table?: string, receiver?: string): void {
  for (const stmt of kids(body)) visit(stmt, c, table, receiver);
}

function visit(node: Node, c: Collect, table?: string, receiver?: string): void {
  if (node.type !== 'call' && node.type !== 'identifier') {
    if (node.type === 'comment' || node.type === 'heredoc_body') return;
    // Conditionals and the like: look inside.
    for (const child of kids(node)) visit(child, c, table, receiver);
    return;
  }
  if (node.type === 'identifier') return;
  const method = methodOf(node);
  if (!method) return;
  const recv = node.childForFieldName('receiver');
  const block = node.childForFieldName('block');
  const a = args(node, c.bound);
  const at = span(node);
  const push = (body: OpBody, undo?: AutoUndo) => {
    const op = { ...body, span: at, via: method } as Op;
    if (c.inChange && undo) op.undo = undo;
    c.ops.push(op);
  };
  const exact: AutoUndo = { kind: 'exact' };

  // Inside `change_table :t do |t|`: `t.remove :c` etc.
  if (table && recv && recv.text === receiver) {
    tableMethod(method, a, table, push, exact, c);
    return;
  }
  // `INDEXES.each do |table, columns, options| add_index(table, columns, **options) end`: once per element of the constant.
  const list = method === 'each' && recv?.type === 'constant' ? c.constants?.get(recv.text) : undefined;
  if (block && list) {
    const params = kids(block.childForFieldName('parameters')).filter((p) => p.type === 'identifier').map((p) => p.text);
    for (const element of kids(list)) {
      const items = element.type === 'array' ? kids(element) : [element];
      const bound = new Map(c.bound);
      params.forEach((p, i) => (items[i] ? bound.set(p, items[i]) : bound.delete(p)));
      collect(block.childForFieldName('body'), { ...c, bound }, table, receiver);
    }
    return;
  }
  // `dir.up { … }` / `dir.down { … }` inside `reversible`: handled by the caller.
  const t0 = name(a.positional[0]);
  switch (method) {
    case 'create_table':
      if (t0) push({ kind: 'create-table', table: t0 }, exact);
      return;
    case 'create_join_table':
      push({ kind: 'create-table', table: `${named(a.positional[0])}_${named(a.positional[1])}` }, exact);
      return;
    case 'drop_table':
    case 'drop_join_table':
      push({ kind: 'drop-table', table: named(a.positional[0]), object: 'table' }, block ? { kind: 'recreates-empty' } : { kind: 'none', why: '`drop_table` without a block has no reverse' });
      return;
    case 'add_column': {
      const notNull = isFalse(a.options.get('null'));
      push({ kind: 'add-column', table: named(a.positional[0]), column: named(a.positional[1]), notNull, hasDefault: a.options.has('default'), generated: a.options.has('as'), type: name(a.positional[2]) }, exact);
      return;
    }
    case 'add_reference':
    case 'add_belongs_to':
      reference(named(a.positional[0]), named(a.positional[1]), a, push, exact);
      return;
    case 'remove_column':
      push(
        { kind: 'drop-column', table: named(a.positional[0]), column: named(a.positional[1]) },
        a.positional[2] || a.options.has('type') ? { kind: 'recreates-empty' } : { kind: 'none', why: '`remove_column` without a column type has no reverse' },
      );
      return;
    case 'remove_columns':
      for (const col of a.positional.slice(1)) {
        push({ kind: 'drop-column', table: named(a.positional[0]), column: named(col) }, a.options.has('type') ? { kind: 'recreates-empty' } : { kind: 'none', why: '`remove_columns` without `type:` has no reverse' });
      }
      return;
    case 'remove_reference':
    case 'remove_belongs_to':
      push({ kind: 'drop-column', table: named(a.positional[0]), column: `${named(a.positional[1])}_id` }, { kind: 'recreates-empty' });
      return;
    case 'rename_column':
      push({ kind: 'rename-column', table: named(a.positional[0]), column: named(a.positional[1]), to: named(a.positional[2]) }, exact);
      return;
    case 'rename_table':
      push({ kind: 'rename-table', table: named(a.positional[0]), to: named(a.positional[1]) }, exact);
      return;
    case 'change_column':
      push({ kind: 'alter-type', table: named(a.positional[0]), column: named(a.positional[1]), type: name(a.positional[2]) }, { kind: 'none', why: '`change_column` has no reverse' });
      return;
    case 'change_column_null': {
      const column = named(a.positional[1]);
      const tighten = isFalse(a.positional[2]);
      if (tighten && a.positional[3]) push({ kind: 'update', table: named(a.positional[0]), where: true, columns: [column] }, exact);
      push(tighten ? { kind: 'set-not-null', table: named(a.positional[0]), column } : { kind: 'drop-not-null', table: named(a.positional[0]), column }, exact);
      return;
    }
    case 'change_column_default': {
      const to = a.options.get('to');
      const reversible = a.options.has('from') && a.options.has('to');
      const isNil = to?.type === 'nil' || a.positional[2]?.type === 'nil';
      const undo: AutoUndo = reversible ? exact : { kind: 'none', why: '`change_column_default` without `from:`/`to:` has no reverse' };
      if (isNil) push({ kind: 'drop-default', table: named(a.positional[0]), column: named(a.positional[1]) }, undo);
      else push({ kind: 'other', what: 'change_column_default' }, undo);
      return;
    }
    case 'add_index': {
      const algorithm = a.options.get('algorithm');
      const columns = columnList(a.positional[1]);
      push({ kind: 'create-index', table: named(a.positional[0]), name: name(a.options.get('name')), unique: a.options.get('unique')?.type === 'true', concurrently: algorithm?.text === ':concurrently', ...(columns ? { columns } : {}) }, exact);
      return;
    }
    case 'remove_index':
      push({ kind: 'drop-index', table: t0, name: name(a.options.get('name')), concurrently: a.options.get('algorithm')?.text === ':concurrently' }, a.options.has('column') || a.positional[1] ? exact : { kind: 'none', why: '`remove_index` without the column has no reverse' });
      return;
    case 'add_foreign_key': {
      const to = name(a.positional[1]);
      const column = name(a.options.get('column')) ?? (to ? `${singular(to)}_id` : undefined);
      push({ kind: 'add-constraint', table: named(a.positional[0]), constraint: 'foreign-key', notValid: isFalse(a.options.get('validate')), usingIndex: false, name: name(a.options.get('name')), ...(column ? { columns: [column] } : {}), ...(to ? { references: to } : {}) }, exact);
      return;
    }
    case 'add_check_constraint':
      push({ kind: 'add-constraint', table: named(a.positional[0]), constraint: 'check', notValid: isFalse(a.options.get('validate')), usingIndex: false, name: name(a.options.get('name')) }, exact);
      return;
    case 'add_unique_constraint':
      push({ kind: 'add-constraint', table: named(a.positional[0]), constraint: 'unique', notValid: false, usingIndex: a.options.has('using_index'), name: name(a.options.get('name')) }, exact);
      return;
    case 'remove_foreign_key':
    case 'remove_check_constraint':
    case 'remove_unique_constraint': {
      const to = method === 'remove_foreign_key' ? name(a.positional[1]) ?? name(a.options.get('to_table')) : undefined;
      const column = name(a.options.get('column'));
      push(
        {
          kind: 'drop-constraint',
          table: named(a.positional[0]),
          name: name(a.options.get('name')),
          constraint: method === 'remove_foreign_key' ? 'foreign-key' : method === 'remove_check_constraint' ? 'check' : 'unique',
          ...(to ? { references: to } : {}),
          ...(column ? { columns: [column] } : {}),
        },
        a.positional.length > 1 || a.options.size > 0 ? exact : { kind: 'none', why: `\`${method}\` without its definition has no reverse` },
      );
      return;
    }
    case 'add_enum_value':
      push({ kind: 'enum-add-value', type: named(a.positional[0]), value: named(a.positional[1]) }, { kind: 'none', why: 'an enum value cannot be removed' });
      return;
    case 'rename_enum_value':
      push({ kind: 'enum-rename-value', type: named(a.positional[0]), value: named(a.options.get('from')), to: named(a.options.get('to')) }, exact);
      return;
    case 'execute': {
      const arg = a.positional[0];
      const sql = arg ? sqlOf(arg, c) : undefined;
      const ops = sql ?? [{ kind: 'opaque', what: '`execute` with computed SQL', span: at, via: 'execute' } as Op];
      for (const op of ops) {
        if (!op.via) op.via = 'execute';
        if (c.inChange) op.undo = { kind: 'none', why: '`execute` in `change` has no reverse' };
        c.ops.push(op);
      }
      return;
    }
    case 'change_table': {
      const params = kids(block?.childForFieldName('parameters'));
      const bodyNode = block?.childForFieldName('body');
      if (t0 && params[0]) collect(bodyNode ?? null, c, t0, params[0].text);
      return;
    }
    case 'reversible': {
      const dir = kids(block?.childForFieldName('parameters'))[0]?.text;
      const bodyNode = block?.childForFieldName('body');
      const upOps: Op[] = [];
      const downOps: Op[] = [];
      for (const inner of kids(bodyNode)) {
        if (inner.type !== 'call' || inner.childForFieldName('receiver')?.text !== dir) continue;
        const which = methodOf(inner);
        const innerBlock = inner.childForFieldName('block');
        const sub: Collect = { ...c, ops: which === 'up' ? upOps : downOps, inChange: false };
        collect(innerBlock?.childForFieldName('body') ?? null, sub);
      }
      for (const op of upOps) op.undo = { kind: 'exact' };
      if (upOps[0]) upOps[0].undo = { kind: 'ops', ops: downOps };
      c.ops.push(...upOps);
      return;
    }
    case 'up_only': {
      const sub: Collect = { ...c, inChange: false };
      const start = c.ops.length;
      collect(block?.childForFieldName('body') ?? null, sub);
      for (const op of c.ops.slice(start)) op.undo = { kind: 'exact' };
      return;
    }
    case 'raise':
      if (constantName(a.positional[0]) === 'IrreversibleMigration') c.ops.push({ kind: 'irreversible', what: 'raise ActiveRecord::IrreversibleMigration', span: at, via: 'raise' });
      return;
    case 'update_all':
    case 'delete_all':
    case 'destroy_all': {
      const { model, where } = relation(recv);
      const target = model ? tableize(model) : recv ? `\`${recv.text.slice(0, 40)}\`` : 'the model\'s table';
      const how = `${model ?? 'relation'}.${method}`;
      // Inside `change`, a rollback replays model code forward (only the connection's calls are reversed): the write is left in place.
      const undo: AutoUndo = { kind: 'ops', ops: [] };
      if (method === 'update_all') {
        const arg = a.positional[0];
        const columns = [...a.options.keys(), ...(arg?.type === 'string' ? [...arg.text.matchAll(/(?<!\w)(\w+)\s*=/g)].map((m) => m[1]!) : [])];
        c.ops.push({ kind: 'update', table: target, where, columns, span: at, via: how, ...(c.inChange ? { undo } : {}) });
      } else c.ops.push({ kind: 'delete', table: target, where, span: at, via: how, ...(c.inChange ? { undo } : {}) });
      return;
    }
    default:
      // `Comment.where(…).find_each do |c| … c.save! end`: rows rewritten through the model.
      if (block && ITERATORS.has(method) && modelWrites(node, recv, block, c)) return;
      if (block) collect(block.childForFieldName('body'), c, table, receiver);
  }
}

const ITERATORS = new Set(['find_each', 'each', 'find_in_batches', 'in_batches', 'each_with_index', 'map']);
const SAVES = new Set(['save', 'save!', 'update', 'update!', 'update_attribute', 'update_attributes', 'update_attributes!', 'update_column', 'update_columns', 'toggle!', 'increment!', 'decrement!', 'touch']);
const DESTROYS = new Set(['destroy', 'destroy!', 'delete']);

/** The model of a relation (`Comment.where(…).includes(…)` → Comment) and whether a filter limits its rows. */
function relation(recv: Node | null): { model?: string; where: boolean } {
  let where = false;
  let model: string | undefined;
  for (let r: Node | null = recv; r; r = r.type === 'call' ? r.childForFieldName('receiver') : null) {
    if (r.type === 'call' && FILTERS.has(methodOf(r) ?? '')) where = true;
    if (r.type === 'constant' || r.type === 'scope_resolution') model = r.text;
  }
  return { model, where };
}

/**
 * Writes through a model inside an iteration (`Model.where(…).find_each do
 * |m| m.attr = …; m.save! end`, `m.update!(attr: …)`, `m.destroy`): one
 * update (or delete) of the model's table at each write. False when the
 * iteration is not over a model or writes nothing.
 */
function modelWrites(call: Node, recv: Node | null, block: Node, c: Collect): boolean {
  const { model, where } = relation(recv);
  const param = kids(block.childForFieldName('parameters'))[0]?.text;
  if (!model || !param) return false;
  const table = tableize(model);
  const body = block.childForFieldName('body');
  if (!body) return false;
  const assigned: string[] = [];
  for (const assignment of body.descendantsOfType('assignment')) {
    const left = assignment?.childForFieldName('left');
    if (left?.type === 'call' && left.childForFieldName('receiver')?.text === param) assigned.push(left.childForFieldName('method')?.text ?? '');
  }
  let found = false;
  for (const inner of body.descendantsOfType('call')) {
    if (!inner || inner.childForFieldName('receiver')?.text !== param) continue;
    const m = methodOf(inner) ?? '';
    // Inside `change`, a rollback replays model code forward: the write is left in place.
    const undo: AutoUndo = { kind: 'ops', ops: [] };
    const extra = c.inChange ? { undo } : {};
    if (SAVES.has(m)) {
      const a = args(inner);
      const columns = m === 'update_attribute' || m === 'update_column' ? [name(a.positional[0]) ?? ''] : m.startsWith('save') ? assigned : [...a.options.keys()];
      c.ops.push({ kind: 'update', table, where, columns: columns.filter(Boolean), span: span(inner), via: `${model}#${m}`, ...extra });
      found = true;
    } else if (DESTROYS.has(m)) {
      c.ops.push({ kind: 'delete', table, where, span: span(inner), via: `${model}#${m}`, ...extra });
      found = true;
    }
  }
  void call;
  return found;
}

/** Options of a hash argument (`index: { unique: true }`). */
function hashOptions(node: Node | undefined): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const p of node?.type === 'hash' ? kids(node) : []) {
    const k = p.childForFieldName('key');
    const v = p.childForFieldName('value');
    if (p.type === 'pair' && k && v) out.set(k.text.replace(/^:/, '').replace(/:$/, ''), v);
  }
  return out;
}

/**
 * `add_reference` / `t.references`: the `<name>_id` column, the index Rails
 * adds unless `index: false`, and the foreign key when `foreign_key:` is set.
 */
function reference(table: string, ref: string, a: Args, push: (body: OpBody, undo?: AutoUndo) => void, exact: AutoUndo): void {
  const column = `${ref}_id`;
  push({ kind: 'add-column', table, column, notNull: isFalse(a.options.get('null')), hasDefault: a.options.has('default'), generated: false, type: name(a.options.get('type')) ?? 'bigint' }, exact);
  const index = a.options.get('index');
  if (index?.type !== 'false' && index?.type !== 'nil') {
    const o = hashOptions(index);
    push({ kind: 'create-index', table, unique: o.get('unique')?.type === 'true', concurrently: o.get('algorithm')?.text === ':concurrently', columns: [column] }, exact);
  }
  const fk = a.options.get('foreign_key');
  if (fk && fk.type !== 'false' && fk.type !== 'nil') {
    const to = name(hashOptions(fk).get('to_table'));
    push({ kind: 'add-constraint', table, constraint: 'foreign-key', notValid: isFalse(hashOptions(fk).get('validate')), usingIndex: false, columns: [column], ...(to ? { references: to } : {}) }, exact);
  }
}

/** `t.remove`, `t.rename`, `t.change`, `t.string …` inside `change_table`. */
function tableMethod(method: string, a: Args, table: string, push: (body: OpBody, undo?: AutoUndo) => void, exact: AutoUndo, c: Collect): void {
  const first = named(a.positional[0]);
  switch (method) {
    case 'remove':
      for (const col of a.positional) push({ kind: 'drop-column', table, column: named(col) }, a.options.has('type') ? { kind: 'recreates-empty' } : { kind: 'none', why: '`t.remove` without `type:` has no reverse' });
      return;
    case 'rename':
      push({ kind: 'rename-column', table, column: first, to: named(a.positional[1]) }, exact);
      return;
    case 'change':
      push({ kind: 'alter-type', table, column: first, type: name(a.positional[1]) }, { kind: 'none', why: '`t.change` has no reverse' });
      return;
    case 'change_null':
      push(isFalse(a.positional[1]) ? { kind: 'set-not-null', table, column: first } : { kind: 'drop-not-null', table, column: first }, exact);
      return;
    case 'index':
      push({ kind: 'create-index', table, unique: a.options.get('unique')?.type === 'true', concurrently: a.options.get('algorithm')?.text === ':concurrently' }, exact);
      return;
    case 'remove_index':
      push({ kind: 'drop-index', table, concurrently: false }, exact);
      return;
    case 'remove_references':
    case 'remove_belongs_to':
      push({ kind: 'drop-column', table, column: `${first}_id` }, { kind: 'recreates-empty' });
      return;
    case 'references':
    case 'belongs_to':
      for (const ref of a.positional) reference(table, named(ref), a, push, exact);
      return;
    case 'timestamps':
      push({ kind: 'add-column', table, column: 'created_at', notNull: !a.options.has('null') || isFalse(a.options.get('null')), hasDefault: a.options.has('default'), generated: false }, exact);
      return;
    case 'check_constraint':
      push({ kind: 'add-constraint', table, constraint: 'check', notValid: isFalse(a.options.get('validate')), usingIndex: false }, exact);
      return;
    case 'foreign_key':
      push({ kind: 'add-constraint', table, constraint: 'foreign-key', notValid: isFalse(a.options.get('validate')), usingIndex: false }, exact);
      return;
    case 'remove_foreign_key':
    case 'remove_check_constraint':
      push({ kind: 'drop-constraint', table }, exact);
      return;
    default:
      // `t.string :name, null: false`, `t.column :name, :string`
      if (a.positional.length > 0 && /^[a-z_]+$/.test(method)) {
        for (const col of method === 'column' ? a.positional.slice(0, 1) : a.positional) {
          push({ kind: 'add-column', table, column: named(col), notNull: isFalse(a.options.get('null')), hasDefault: a.options.has('default'), generated: a.options.has('as') }, exact);
        }
      }
  }
  void c;
}

function sqlOf(arg: Node, c: Collect): Op[] | undefined {
  // `<<~SQL.squish`, `<<-SQL.strip`: the heredoc is the receiver of a string method.
  if (arg.type === 'call' && /^(squish|strip|chomp|strip_heredoc|squish!|freeze|dedent)$/.test(methodOf(arg) ?? '')) {
    const receiver = arg.childForFieldName('receiver');
    return receiver ? sqlOf(receiver, c) : undefined;
  }
  if (arg.type === 'string') {
    const e = embeddedString(arg, ['string_content'], 'escape_sequence', true);
    return e ? embeddedSql(e, c.dialect, c.problems) : undefined;
  }
  if (arg.type === 'heredoc_beginning') {
    const body = c.heredocs.get(arg.startIndex);
    if (!body) return undefined;
    const e = embeddedString(body, ['heredoc_content'], 'escape_sequence', true);
    return e ? embeddedSql(e, c.dialect, c.problems) : undefined;
  }
  if (arg.type === 'parenthesized_statements') {
    const inner = kids(arg)[0];
    return inner ? sqlOf(inner, c) : undefined;
  }
  return undefined;
}

/** Pairs each `<<~SQL` with its body (bodies follow in the order the heredocs start). */
function heredocMap(root: Node): Map<number, Node> {
  const begins = root.descendantsOfType('heredoc_beginning').filter((n): n is Node => n !== null);
  const bodies = root.descendantsOfType('heredoc_body').filter((n): n is Node => n !== null);
  const out = new Map<number, Node>();
  begins.forEach((b, i) => {
    const body = bodies[i];
    if (body) out.set(b.startIndex, body);
  });
  return out;
}

export function readRails(root: Node, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): MigrationUnit[] {
  const heredocs = heredocMap(root);
  const methods = new Map<string, Node>();
  let classNode: Node | undefined;
  for (const cls of root.descendantsOfType('class')) {
    if (!cls) continue;
    classNode ??= cls;
    for (const m of kids(cls.childForFieldName('body'))) {
      // `def up` and, in migrations written before Rails 3.1, `def self.up`.
      const n = m.type === 'method' || m.type === 'singleton_method' ? m.childForFieldName('name')?.text : undefined;
      if (n && !methods.has(n)) methods.set(n, m);
    }
  }
  if (!classNode) return [];
  const anchor = { start: classNode.startIndex, end: classNode.startIndex };
  const change = methods.get('change');
  const up = methods.get('up');
  const down = methods.get('down');
  const constants = new Map<string, Node>();
  for (const assignment of classNode.childForFieldName('body')?.children ?? []) {
    const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
    const right = assignment?.childForFieldName('right');
    if (left?.type === 'constant' && right?.type === 'array') constants.set(left.text, right);
  }
  const base = (inChange: boolean): Collect => ({ ops: [], problems, dialect, heredocs, inChange, constants });
  if (change) {
    const c = base(true);
    collect(change.childForFieldName('body'), c);
    return [{ framework: 'rails', anchor, up: c.ops, upHere: true, down: { state: 'derived' } }];
  }
  if (!up) {
    // A migration class with nothing Rails runs as a migration would pass for an all-clear: say it was not read.
    if (/Migration/.test(classNode.childForFieldName('superclass')?.text ?? '')) problems.push({ offset: classNode.startIndex, message: 'no `change`, `up` or `self.up` method in this migration class' });
    return [];
  }
  const u = base(false);
  collect(up.childForFieldName('body'), u);
  if (!down) return [{ framework: 'rails', anchor, up: u.ops, upHere: true, down: { state: 'absent', expected: 'a `down` method' } }];
  const d = base(false);
  collect(down.childForFieldName('body'), d);
  const name = down.childForFieldName('name')!;
  return [{ framework: 'rails', anchor, up: u.ops, upHere: true, down: { state: 'present', ops: d.ops, here: true, label: '`down`', anchor: span(name) } }];
}
