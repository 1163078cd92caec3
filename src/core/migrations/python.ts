import type { Node } from 'web-tree-sitter';
import type { AutoUndo, Op, OpBody, Span } from '../sql/ops';
import type { Dialect } from '../sql/sql';
import { embeddedSql, embeddedString, type EmbeddedProblem } from './embedded';
import type { MigrationUnit } from './model';
import { kids } from './treeSitter';

/**
 * Alembic (`versions/*.py`: `op.*` in `upgrade()`/`downgrade()`) and Django
 * (`migrations/*.py`: the `operations` list of `class Migration`), read from
 * the tree-sitter-python tree.
 */

interface Call {
  node: Node;
  /** `op.drop_column` → receiver `op`, name `drop_column` */
  receiver?: string;
  name: string;
  positional: Node[];
  keywords: Map<string, Node>;
}

function asCall(node: Node): Call | undefined {
  if (node.type !== 'call') return undefined;
  const fn = node.childForFieldName('function');
  if (!fn) return undefined;
  let receiver: string | undefined;
  let name: string;
  if (fn.type === 'attribute') {
    receiver = fn.childForFieldName('object')?.text;
    name = fn.childForFieldName('attribute')?.text ?? '';
  } else name = fn.text;
  const positional: Node[] = [];
  const keywords = new Map<string, Node>();
  for (const a of kids(node.childForFieldName('arguments'))) {
    if (a.type === 'keyword_argument') {
      const k = a.childForFieldName('name')?.text;
      const v = a.childForFieldName('value');
      if (k && v) keywords.set(k, v);
    } else if (a.type !== 'comment') positional.push(a);
  }
  return { node, receiver, name, positional, keywords };
}

/** A plain string literal's value (no f-string, no concatenation with code). */
function str(node: Node | undefined): string | undefined {
  if (!node || node.type !== 'string') return undefined;
  const e = embeddedString(node, ['string_content']);
  return e?.text;
}

/** A constraint or index name: a string, or `op.f("name")` (a name Alembic must not convert). */
function nameArg(node: Node | undefined): string | undefined {
  const call = node ? asCall(node) : undefined;
  return call?.name === 'f' && call.receiver === 'op' ? str(call.positional[0]) : str(node);
}

function isConst(node: Node | undefined, value: 'True' | 'False' | 'None'): boolean {
  return node?.type === value.toLowerCase() || node?.text === value;
}

function span(node: Node): Span {
  return { start: node.startIndex, end: node.endIndex };
}

/** `"SQL"`, `sa.text("SQL")`, `text("SQL")` → the SQL ops. */
function sqlArg(node: Node | undefined, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): Op[] | undefined {
  if (!node) return undefined;
  if (node.type === 'string') {
    const e = embeddedString(node, ['string_content']);
    return e ? embeddedSql(e, dialect, problems) : undefined;
  }
  const call = asCall(node);
  if (call && call.name === 'text') return sqlArg(call.positional[0], dialect, problems);
  if (node.type === 'parenthesized_expression') return sqlArg(kids(node)[0], dialect, problems);
  return undefined;
}

// ——— Alembic ———

/** Column facts from `sa.Column("name", sa.Integer(), nullable=False, server_default=…)`. */
function columnInfo(node: Node | undefined): { name: string; notNull: boolean; hasDefault: boolean; generated: boolean } {
  const call = node ? asCall(node) : undefined;
  if (!call) return { name: '?', notNull: false, hasDefault: false, generated: false };
  const nullable = call.keywords.get('nullable');
  const primary = isConst(call.keywords.get('primary_key'), 'True');
  const computed = call.positional.some((p) => asCall(p)?.name === 'Computed') || call.keywords.has('Computed');
  const identity = call.positional.some((p) => asCall(p)?.name === 'Identity');
  return {
    name: str(call.positional[0]) ?? '?',
    notNull: isConst(nullable, 'False') || (primary && !nullable),
    hasDefault: (call.keywords.has('server_default') && !isConst(call.keywords.get('server_default'), 'None')) || identity,
    generated: computed,
  };
}

function alembicOps(body: Node | null, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): Op[] {
  const ops: Op[] = [];
  const walk = (node: Node, batchTable?: string, batchName?: string) => {
    if (node.type === 'with_statement') {
      // `with op.batch_alter_table("t") as batch_op:`
      let table = batchTable;
      let alias = batchName;
      for (const item of node.descendantsOfType('with_item')) {
        const value = item?.childForFieldName('value');
        const inner = value?.type === 'as_pattern' ? kids(value)[0] : value;
        const call = inner ? asCall(inner) : undefined;
        if (call?.name === 'batch_alter_table') {
          table = str(call.positional[0]) ?? call.keywords.get('table_name')?.text;
          alias = value?.type === 'as_pattern' ? value.childForFieldName('alias')?.text ?? kids(value)[1]?.text : undefined;
        }
      }
      for (const child of kids(node.childForFieldName('body'))) walk(child, table, alias);
      return;
    }
    const call = asCall(node);
    if (!call) {
      if (node.type === 'raise_statement') ops.push({ kind: 'irreversible', what: 'raise', span: span(node), via: 'raise' });
      if (node.type === 'pass_statement') ops.push({ kind: 'noop', what: 'pass', span: span(node), via: 'pass' });
      for (const child of kids(node)) if (child.type !== 'function_definition' && child.type !== 'class_definition') walk(child, batchTable, batchName);
      return;
    }
    const inBatch = batchName !== undefined && call.receiver === batchName;
    if (call.receiver !== 'op' && !inBatch) {
      for (const child of kids(node)) walk(child, batchTable, batchName);
      return;
    }
    const at = span(node);
    const push = (b: OpBody) => ops.push({ ...b, span: at, via: `op.${call.name}` } as Op);
    // In a batch the table is implied: shift positional arguments.
    const p = inBatch ? [undefined, ...call.positional] : call.positional;
    const table = inBatch ? batchTable ?? '?' : str(p[0]) ?? call.keywords.get('table_name')?.text ?? '?';
    const k = call.keywords;
    switch (call.name) {
      case 'create_table':
        push({ kind: 'create-table', table: str(call.positional[0]) ?? '?' });
        break;
      case 'drop_table':
        push({ kind: 'drop-table', table: str(call.positional[0]) ?? '?', object: 'table' });
        break;
      case 'rename_table':
        push({ kind: 'rename-table', table: str(call.positional[0]) ?? '?', to: str(call.positional[1]) ?? '?' });
        break;
      case 'add_column': {
        const info = columnInfo(p[1] ?? undefined);
        push({ kind: 'add-column', table, column: info.name, notNull: info.notNull, hasDefault: info.hasDefault, generated: info.generated });
        break;
      }
      case 'drop_column':
        push({ kind: 'drop-column', table, column: str(p[1] ?? undefined) ?? str(k.get('column_name')) ?? '?' });
        break;
      case 'alter_column': {
        const column = str(p[1] ?? undefined) ?? str(k.get('column_name')) ?? '?';
        if (k.has('new_column_name')) push({ kind: 'rename-column', table, column, to: str(k.get('new_column_name')) ?? '?' });
        if (k.has('type_')) push({ kind: 'alter-type', table, column, type: k.get('type_')!.text });
        if (isConst(k.get('nullable'), 'False')) push({ kind: 'set-not-null', table, column });
        if (isConst(k.get('nullable'), 'True')) push({ kind: 'drop-not-null', table, column });
        if (k.has('server_default') && isConst(k.get('server_default'), 'None')) push({ kind: 'drop-default', table, column });
        break;
      }
      case 'create_index': {
        const t = inBatch ? table : str(call.positional[1]) ?? str(k.get('table_name')) ?? '?';
        push({ kind: 'create-index', table: t, name: nameArg(call.positional[0]), unique: isConst(k.get('unique'), 'True'), concurrently: isConst(k.get('postgresql_concurrently'), 'True') });
        break;
      }
      case 'drop_index':
        push({ kind: 'drop-index', name: nameArg(call.positional[0]), table: str(k.get('table_name')), concurrently: isConst(k.get('postgresql_concurrently'), 'True') });
        break;
      case 'create_foreign_key': {
        const t = inBatch ? table : str(call.positional[1]) ?? '?';
        push({ kind: 'add-constraint', table: t, constraint: 'foreign-key', notValid: isConst(k.get('postgresql_not_valid'), 'True'), usingIndex: false, name: nameArg(call.positional[0]) });
        break;
      }
      case 'create_check_constraint': {
        const t = inBatch ? table : str(call.positional[1]) ?? '?';
        push({ kind: 'add-constraint', table: t, constraint: 'check', notValid: isConst(k.get('postgresql_not_valid'), 'True'), usingIndex: false, name: nameArg(call.positional[0]) });
        break;
      }
      case 'create_unique_constraint':
      case 'create_primary_key': {
        const t = inBatch ? table : str(call.positional[1]) ?? '?';
        push({ kind: 'add-constraint', table: t, constraint: call.name === 'create_unique_constraint' ? 'unique' : 'primary-key', notValid: false, usingIndex: false, name: nameArg(call.positional[0]) });
        break;
      }
      case 'drop_constraint': {
        const t = inBatch ? table : str(call.positional[1]) ?? str(k.get('table_name')) ?? '?';
        push({ kind: 'drop-constraint', table: t, name: nameArg(call.positional[0]) });
        break;
      }
      case 'execute': {
        const sql = sqlArg(call.positional[0], dialect, problems);
        if (sql) for (const op of sql) ops.push({ ...op, via: 'op.execute' });
        else push({ kind: 'opaque', what: 'op.execute with computed SQL' });
        break;
      }
      case 'bulk_insert':
        push({ kind: 'insert', table: call.positional[0]?.text ?? '?', select: false });
        break;
      default:
        push({ kind: 'other', what: `op.${call.name}` });
    }
  };
  for (const stmt of kids(body)) walk(stmt);
  return ops;
}

function functions(root: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const child of kids(root)) {
    const fn = child.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (fn?.type === 'function_definition') {
      const n = fn.childForFieldName('name')?.text;
      if (n) out.set(n, fn);
    }
  }
  return out;
}

export function readAlembic(root: Node, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): MigrationUnit[] | undefined {
  const fns = functions(root);
  const upgrade = fns.get('upgrade');
  if (!upgrade) return undefined;
  const anchor = { start: 0, end: 0 };
  const up = alembicOps(upgrade.childForFieldName('body'), dialect, problems);
  const downgrade = fns.get('downgrade');
  if (!downgrade) return [{ framework: 'alembic', anchor, up, upHere: true, down: { state: 'absent', expected: 'a `downgrade()` function' } }];
  const down = alembicOps(downgrade.childForFieldName('body'), dialect, problems);
  const name = downgrade.childForFieldName('name')!;
  return [{ framework: 'alembic', anchor, up, upHere: true, down: { state: 'present', ops: down, here: true, label: '`downgrade()`', anchor: span(name) } }];
}

// ——— Django ———

const NOOP = 'noop';

/** `migrations.RunPython.noop` / `RunSQL.noop` */
function isNoop(node: Node | undefined): boolean {
  return node?.type === 'attribute' && node.childForFieldName('attribute')?.text === NOOP;
}

function fieldInfo(node: Node | undefined): { notNull: boolean; hasDefault: boolean; type?: string; m2m: boolean; keywords: Map<string, Node> } {
  const call = node ? asCall(node) : undefined;
  if (!call) return { notNull: false, hasDefault: false, m2m: false, keywords: new Map() };
  return {
    keywords: call.keywords,
    notNull: !isConst(call.keywords.get('null'), 'True'),
    // Django sets `default` in Python, not in the database (before `db_default`, Django 5).
    hasDefault: call.keywords.has('db_default'),
    type: call.name,
    m2m: call.name === 'ManyToManyField',
  };
}

function djangoOps(list: Node, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): Op[] {
  const ops: Op[] = [];
  for (const item of kids(list)) {
    const call = asCall(item);
    if (!call) continue;
    const at = span(item);
    const k = call.keywords;
    const arg = (i: number, kw: string) => str(call.positional[i]) ?? str(k.get(kw));
    const push = (b: OpBody, undo: AutoUndo) => ops.push({ ...b, span: at, via: call.name, undo } as Op);
    const exact: AutoUndo = { kind: 'exact' };
    const model = (arg(0, 'model_name') ?? '?').toLowerCase();
    switch (call.name) {
      case 'CreateModel':
        push({ kind: 'create-table', table: (arg(0, 'name') ?? '?').toLowerCase() }, exact);
        break;
      case 'DeleteModel':
        push({ kind: 'drop-table', table: (arg(0, 'name') ?? '?').toLowerCase(), object: 'table' }, { kind: 'recreates-empty' });
        break;
      case 'RenameModel':
        push({ kind: 'rename-table', table: (arg(0, 'old_name') ?? '?').toLowerCase(), to: (arg(1, 'new_name') ?? '?').toLowerCase() }, exact);
        break;
      case 'AddField': {
        const info = fieldInfo(call.positional[2] ?? k.get('field'));
        if (info.m2m) {
          push({ kind: 'create-table', table: `${model}_${arg(1, 'name') ?? '?'}` }, exact);
          break;
        }
        const relation = info.type === 'ForeignKey' || info.type === 'OneToOneField';
        const field = arg(1, 'name') ?? '?';
        const column = str(info.keywords.get('db_column')) ?? (relation ? `${field}_id` : field);
        push({ kind: 'add-column', table: model, column, notNull: info.notNull, hasDefault: info.hasDefault, generated: info.type === 'GeneratedField' }, exact);
        if (relation) {
          // Django indexes a ForeignKey (a OneToOneField gets a unique constraint) and adds its constraint, validated, in the same operation.
          if (info.type === 'OneToOneField') push({ kind: 'add-constraint', table: model, constraint: 'unique', notValid: false, usingIndex: false }, exact);
          else if (!isConst(info.keywords.get('db_index'), 'False')) push({ kind: 'create-index', table: model, unique: false, concurrently: false }, exact);
          if (!isConst(info.keywords.get('db_constraint'), 'False')) push({ kind: 'add-constraint', table: model, constraint: 'foreign-key', notValid: false, usingIndex: false }, exact);
        }
        break;
      }
      case 'RemoveField':
        push({ kind: 'drop-column', table: model, column: arg(1, 'name') ?? '?' }, { kind: 'recreates-empty' });
        break;
      case 'RenameField':
        push({ kind: 'rename-column', table: model, column: arg(1, 'old_name') ?? '?', to: arg(2, 'new_name') ?? '?' }, exact);
        break;
      case 'AlterField': {
        const info = fieldInfo(call.positional[2] ?? k.get('field'));
        push({ kind: 'alter-type', table: model, column: arg(1, 'name') ?? '?', type: info.type }, exact);
        break;
      }
      case 'AddIndex':
      case 'AddIndexConcurrently': {
        const index = asCall(call.positional[1] ?? k.get('index') ?? item);
        push({ kind: 'create-index', table: model, name: index ? str(index.keywords.get('name')) : undefined, unique: false, concurrently: call.name === 'AddIndexConcurrently' }, exact);
        break;
      }
      case 'RemoveIndex':
      case 'RemoveIndexConcurrently':
        push({ kind: 'drop-index', table: model, name: arg(1, 'name'), concurrently: call.name === 'RemoveIndexConcurrently' }, exact);
        break;
      case 'AddConstraint': {
        const c = asCall(call.positional[1] ?? k.get('constraint') ?? item);
        const kind = c?.name === 'CheckConstraint' ? 'check' : c?.name === 'UniqueConstraint' ? 'unique' : c?.name === 'ExclusionConstraint' ? 'exclusion' : 'check';
        push({ kind: 'add-constraint', table: model, constraint: kind, notValid: false, usingIndex: false, name: c ? str(c.keywords.get('name')) : undefined }, exact);
        break;
      }
      case 'RemoveConstraint':
        push({ kind: 'drop-constraint', table: model, name: arg(1, 'name') }, exact);
        break;
      case 'AlterUniqueTogether':
        push({ kind: 'add-constraint', table: (arg(0, 'name') ?? '?').toLowerCase(), constraint: 'unique', notValid: false, usingIndex: false }, exact);
        break;
      case 'RunPython': {
        const reverse = call.positional[1] ?? k.get('reverse_code');
        const undo: AutoUndo = !reverse || isConst(reverse, 'None')
          ? { kind: 'none', why: '`RunPython` without `reverse_code`' }
          : isNoop(reverse)
            ? { kind: 'ops', ops: [{ kind: 'noop', what: 'RunPython.noop', span: span(reverse), via: 'RunPython.noop' }] }
            : exact;
        push({ kind: 'opaque', what: 'RunPython' }, undo);
        break;
      }
      case 'RunSQL': {
        const forward = sqlArg(call.positional[0] ?? k.get('sql'), dialect, problems) ?? [{ kind: 'opaque', what: 'RunSQL', span: at } as Op];
        const reverse = call.positional[1] ?? k.get('reverse_sql');
        let undo: AutoUndo;
        if (!reverse || isConst(reverse, 'None')) undo = { kind: 'none', why: '`RunSQL` without `reverse_sql`' };
        else if (isNoop(reverse)) undo = { kind: 'ops', ops: [{ kind: 'noop', what: 'RunSQL.noop', span: span(reverse), via: 'RunSQL.noop' }] };
        else undo = { kind: 'ops', ops: sqlArg(reverse, dialect, problems) ?? [{ kind: 'other', what: 'reverse_sql', span: span(reverse) }] };
        for (const op of forward) ops.push({ ...op, via: 'RunSQL', undo });
        break;
      }
      case 'SeparateDatabaseAndState':
        break;
      default:
        push({ kind: 'other', what: call.name }, exact);
    }
  }
  return ops;
}

export function readDjango(root: Node, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): MigrationUnit[] | undefined {
  for (const cls of kids(root)) {
    if (cls.type !== 'class_definition' || cls.childForFieldName('name')?.text !== 'Migration') continue;
    for (const stmt of kids(cls.childForFieldName('body'))) {
      const assign = stmt.type === 'expression_statement' ? kids(stmt)[0] : undefined;
      if (assign?.type !== 'assignment' || assign.childForFieldName('left')?.text !== 'operations') continue;
      const list = assign.childForFieldName('right');
      if (!list || list.type !== 'list') continue;
      const up = djangoOps(list, dialect, problems);
      return [{ framework: 'django', anchor: { start: cls.startIndex, end: cls.startIndex }, up, upHere: true, down: { state: 'derived' } }];
    }
    return [{ framework: 'django', anchor: { start: cls.startIndex, end: cls.startIndex }, up: [], upHere: true, down: { state: 'derived' } }];
  }
  return undefined;
}
