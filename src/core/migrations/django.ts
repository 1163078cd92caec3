import type { Node } from 'web-tree-sitter';
import type { AutoUndo, ConstraintKind, Op, OpBody, Span } from '../sql/ops';
import type { Dialect } from '../sql/sql';
import type { EmbeddedProblem } from './embedded';
import type { MigrationUnit } from './model';
import { asCall, isConst, span, sqlArg, str, strings, type Call } from './python';
import { kids, withTree } from './treeSitter';

/**
 * Django migrations (`<app>/migrations/*.py`), judged by the database change
 * each operation really makes. The model state before a migration is
 * replayed from the app's history (its `dependencies`, followed through the
 * files next to it, squashes and `replaces` included), so that an
 * `AlterField` is judged by what changes in the database (type, NULL,
 * length, `db_column`, unique, index) and not by `choices` or `help_text`,
 * tables get their real names (`shop_order`, or `db_table`), proxy and
 * unmanaged models have no table, and fields without a column
 * (`ManyToManyField`, `TaggableManager`) add none.
 */

// ——— what a migration file says, as plain data ———

export interface FieldDef {
  cls: string;
  /** The column, or undefined for a field without one (many-to-many, generic relations, tag managers). */
  column?: string;
  nullable: boolean;
  maxLength?: string;
  maxDigits?: string;
  decimalPlaces?: string;
  unique: boolean;
  dbIndex: boolean;
  primaryKey: boolean;
  /** `app.model` of a relation. */
  to?: string;
  dbDefault: boolean;
  dbConstraint: boolean;
}

interface ModelState {
  name: string;
  table: string;
  fields: Map<string, FieldDef>;
  /** No table of its own: a proxy, or an unmanaged model. */
  tableless: boolean;
  uniqueTogether: string[][];
  constraints: Map<string, { kind: ConstraintKind; fields: string[] }>;
}

type State = ReadonlyMap<string, ModelState>;

interface History {
  state: State;
  /** Tables created by initial migrations of the app (for an initial squash). */
  initialTables: ReadonlySet<string>;
}

/** One operation of `operations = [...]`, read into data the state replay and the rules use. */
type DjOp =
  | { name: 'CreateModel'; model: string; fields: [string, FieldDef][]; options: ModelOptions; span: Span }
  | { name: 'DeleteModel'; model: string; span: Span }
  | { name: 'RenameModel'; model: string; to: string; span: Span }
  | { name: 'AlterModelTable'; model: string; table?: string; span: Span }
  | { name: 'AlterModelOptions'; model: string; options: ModelOptions; span: Span }
  | { name: 'AddField' | 'AlterField'; model: string; field: string; def?: FieldDef; span: Span }
  | { name: 'RemoveField'; model: string; field: string; span: Span }
  | { name: 'RenameField'; model: string; field: string; to: string; span: Span }
  | { name: 'AlterUniqueTogether'; model: string; sets: string[][] | undefined; span: Span }
  | { name: 'AlterIndexTogether'; model: string; span: Span }
  | { name: 'AddIndex'; model: string; fields?: string[]; indexName?: string; concurrently: boolean; span: Span }
  | { name: 'RemoveIndex'; model: string; indexName?: string; concurrently: boolean; span: Span }
  | { name: 'AddConstraint'; model: string; constraint: ConstraintKind; constraintName?: string; fields?: string[]; rejectsNull: boolean; span: Span }
  | { name: 'RemoveConstraint'; model: string; constraintName?: string; span: Span }
  | { name: 'RunSQL'; ops: Op[]; undo: AutoUndo; span: Span }
  | { name: 'RunPython'; writes: PythonWrite[]; reverse: 'none' | 'noop' | 'function'; span: Span }
  | { name: 'Separate'; database: DjOp[]; state: DjOp[]; span: Span }
  | { name: 'Other'; what: string; span: Span };

interface ModelOptions {
  dbTable?: string;
  proxy?: boolean;
  managed?: boolean;
  uniqueTogether?: string[][];
}

/** A write a `RunPython` function makes through the ORM or a cursor. */
type PythonWrite =
  | { kind: 'update' | 'delete' | 'insert'; app?: string; model: string; where: boolean; columns: string[]; span: Span; via: string }
  | { kind: 'sql'; ops: Op[] };

export interface DjangoMigration {
  initial: boolean;
  replaces: [string, string][];
  dependencies: [string, string][];
  operations: DjOp[];
  /** Where the editor shows the migration's summary. */
  anchor: Span;
}

// ——— reading a file ———

function pairs(node: Node | undefined): [string, string][] {
  const out: [string, string][] = [];
  for (const item of node && (node.type === 'list' || node.type === 'tuple') ? kids(node) : []) {
    if (item.type !== 'tuple') continue;
    const [a, b] = kids(item).map((k) => str(k));
    if (a !== undefined && b !== undefined) out.push([a, b]);
  }
  return out;
}

/** `to='shop.Region'`, `'Region'`, `settings.AUTH_USER_MODEL` → `shop.region` (lower case; the app is left out when not given). */
function relationTarget(node: Node | undefined): string | undefined {
  const s = str(node);
  if (s !== undefined) return s.toLowerCase();
  return node?.text.includes('AUTH_USER_MODEL') ? 'auth.user' : undefined;
}

/** Fields that have no column on their model's table. */
function columnless(cls: string): boolean {
  return /ManyToMany|Generic(Relation|ForeignKey)|Manager$/.test(cls);
}

function fieldDef(name: string, node: Node | undefined): FieldDef | undefined {
  const call = node ? asCall(node) : undefined;
  if (!call) return undefined;
  const k = call.keywords;
  const cls = call.name;
  const relation = /^(ForeignKey|OneToOneField|ParentalKey|TreeForeignKey)$/.test(cls);
  const primaryKey = isConst(k.get('primary_key'), 'True');
  const dbColumn = str(k.get('db_column'));
  const num = (kw: string) => k.get(kw)?.text;
  return {
    cls,
    ...(columnless(cls) ? {} : { column: dbColumn ?? (relation ? `${name}_id` : name) }),
    // NullBooleanField is always nullable.
    nullable: isConst(k.get('null'), 'True') || cls === 'NullBooleanField',
    ...(num('max_length') !== undefined ? { maxLength: num('max_length') } : {}),
    ...(num('max_digits') !== undefined ? { maxDigits: num('max_digits') } : {}),
    ...(num('decimal_places') !== undefined ? { decimalPlaces: num('decimal_places') } : {}),
    unique: isConst(k.get('unique'), 'True') || primaryKey || cls === 'OneToOneField',
    // A ForeignKey is indexed unless db_index=False.
    dbIndex: isConst(k.get('db_index'), 'True') || (relation && cls !== 'OneToOneField' && !isConst(k.get('db_index'), 'False')),
    primaryKey,
    ...(relation ? { to: relationTarget(k.get('to') ?? call.positional[0]) } : {}),
    dbDefault: k.has('db_default'),
    dbConstraint: !isConst(k.get('db_constraint'), 'False'),
  };
}

/** `{('a', 'b'), ('c', 'd')}`, `[['a', 'b']]`, `('a', 'b')`, `set()` → the sets of field names. */
function fieldSets(node: Node | undefined): string[][] | undefined {
  if (!node) return undefined;
  if (asCall(node)?.name === 'set' || node.type === 'none') return [];
  const items = kids(node);
  if (items.length > 0 && items.every((i) => i.type === 'string')) return [items.map((i) => str(i) ?? '')];
  const out: string[][] = [];
  for (const item of items) {
    const names = strings(item);
    if (names) out.push(names);
  }
  return out;
}

function dictGet(dict: Node | undefined, key: string): Node | undefined {
  if (dict?.type !== 'dictionary') return undefined;
  for (const pair of kids(dict)) if (pair.type === 'pair' && str(pair.childForFieldName('key') ?? undefined) === key) return pair.childForFieldName('value') ?? undefined;
  return undefined;
}

function modelOptions(dict: Node | undefined): ModelOptions {
  const table = str(dictGet(dict, 'db_table'));
  const proxy = dictGet(dict, 'proxy');
  const managed = dictGet(dict, 'managed');
  const together = fieldSets(dictGet(dict, 'unique_together'));
  return {
    ...(table !== undefined ? { dbTable: table } : {}),
    ...(proxy ? { proxy: isConst(proxy, 'True') } : {}),
    ...(managed ? { managed: !isConst(managed, 'False') } : {}),
    ...(together ? { uniqueTogether: together } : {}),
  };
}

/** `RunPython.noop` / `RunSQL.noop` */
function isNoop(node: Node | undefined): boolean {
  return node?.type === 'attribute' && node.childForFieldName('attribute')?.text === 'noop';
}

/** Field names a `Q(…)` condition tests (`amount__gte`), and whether it demands a value (`x__isnull=False`). */
function conditionFields(node: Node | undefined): { fields: string[]; rejectsNull: boolean } {
  const fields = new Set<string>();
  let rejectsNull = false;
  for (const kw of node?.descendantsOfType('keyword_argument') ?? []) {
    const name = kw?.childForFieldName('name')?.text;
    if (!name) continue;
    fields.add(name.split('__')[0]!);
    if (name.endsWith('__isnull') && isConst(kw?.childForFieldName('value') ?? undefined, 'False')) rejectsNull = true;
  }
  return { fields: [...fields], rejectsNull };
}

interface ReadCtx {
  dialect: Dialect | 'auto';
  problems: EmbeddedProblem[];
  functions: Map<string, Node>;
  app: string;
}

function readOperation(item: Node, r: ReadCtx): DjOp | undefined {
  const call = asCall(item);
  if (!call) return undefined;
  const at = span(item);
  const k = call.keywords;
  const arg = (i: number, kw: string) => str(call.positional[i]) ?? str(k.get(kw));
  const model = (arg(0, 'model_name') ?? arg(0, 'name') ?? '').toLowerCase();
  switch (call.name) {
    case 'CreateModel': {
      const fields: [string, FieldDef][] = [];
      for (const tuple of kids(call.positional[1] ?? k.get('fields'))) {
        const [nameNode, defNode] = kids(tuple);
        const n = str(nameNode);
        const d = n === undefined ? undefined : fieldDef(n, defNode);
        if (n !== undefined && d) fields.push([n, d]);
      }
      return { name: 'CreateModel', model: (arg(0, 'name') ?? '').toLowerCase(), fields, options: modelOptions(call.positional[2] ?? k.get('options')), span: at };
    }
    case 'DeleteModel':
      return { name: 'DeleteModel', model: (arg(0, 'name') ?? '').toLowerCase(), span: at };
    case 'RenameModel':
      return { name: 'RenameModel', model: (arg(0, 'old_name') ?? '').toLowerCase(), to: (arg(1, 'new_name') ?? '').toLowerCase(), span: at };
    case 'AlterModelTable': {
      const table = arg(1, 'table');
      return { name: 'AlterModelTable', model: (arg(0, 'name') ?? '').toLowerCase(), ...(table !== undefined ? { table } : {}), span: at };
    }
    case 'AlterModelOptions':
      return { name: 'AlterModelOptions', model: (arg(0, 'name') ?? '').toLowerCase(), options: modelOptions(call.positional[1] ?? k.get('options')), span: at };
    case 'AddField':
    case 'AlterField': {
      const field = arg(1, 'name') ?? '';
      const def = fieldDef(field, call.positional[2] ?? k.get('field'));
      return { name: call.name, model, field, ...(def ? { def } : {}), span: at };
    }
    case 'RemoveField':
      return { name: 'RemoveField', model, field: arg(1, 'name') ?? '', span: at };
    case 'RenameField':
      return { name: 'RenameField', model, field: arg(1, 'old_name') ?? '', to: arg(2, 'new_name') ?? '', span: at };
    case 'AlterUniqueTogether':
      return { name: 'AlterUniqueTogether', model: (arg(0, 'name') ?? '').toLowerCase(), sets: fieldSets(call.positional[1] ?? k.get('unique_together')), span: at };
    case 'AlterIndexTogether':
      return { name: 'AlterIndexTogether', model: (arg(0, 'name') ?? '').toLowerCase(), span: at };
    case 'AddIndex':
    case 'AddIndexConcurrently': {
      const index = asCall(call.positional[1] ?? k.get('index') ?? item);
      const fields = strings(index?.keywords.get('fields'))?.map((f) => f.replace(/^-/, ''));
      return { name: 'AddIndex', model, ...(fields ? { fields } : {}), indexName: index ? str(index.keywords.get('name')) : undefined, concurrently: call.name === 'AddIndexConcurrently', span: at };
    }
    case 'RemoveIndex':
    case 'RemoveIndexConcurrently':
      return { name: 'RemoveIndex', model, indexName: arg(1, 'name'), concurrently: call.name === 'RemoveIndexConcurrently', span: at };
    case 'AddConstraint': {
      const c = asCall(call.positional[1] ?? k.get('constraint') ?? item);
      const kind: ConstraintKind = c?.name === 'UniqueConstraint' ? 'unique' : c?.name === 'ExclusionConstraint' ? 'exclusion' : c?.name === 'CheckConstraint' ? 'check' : 'check';
      const cond = kind === 'check' ? conditionFields(c?.keywords.get('check') ?? c?.keywords.get('condition')) : { fields: strings(c?.keywords.get('fields')) ?? [], rejectsNull: false };
      return { name: 'AddConstraint', model, constraint: kind, constraintName: c ? str(c.keywords.get('name')) : undefined, fields: cond.fields, rejectsNull: cond.rejectsNull, span: at };
    }
    case 'RemoveConstraint':
      return { name: 'RemoveConstraint', model, constraintName: arg(1, 'name'), span: at };
    case 'RunSQL': {
      const sqlNode = call.positional[0] ?? k.get('sql');
      const forward = sqlList(sqlNode, r) ?? [{ kind: 'opaque', what: 'RunSQL', span: at } as Op];
      const reverse = call.positional[1] ?? k.get('reverse_sql');
      let undo: AutoUndo;
      if (!reverse || isConst(reverse, 'None')) undo = { kind: 'none', why: '`RunSQL` has no `reverse_sql`' };
      else if (isNoop(reverse)) undo = { kind: 'ops', ops: [{ kind: 'noop', what: 'RunSQL.noop', span: span(reverse), via: 'RunSQL.noop' }] };
      else undo = { kind: 'ops', ops: sqlList(reverse, r) ?? [{ kind: 'other', what: 'reverse_sql', span: span(reverse) }] };
      return { name: 'RunSQL', ops: forward, undo, span: at };
    }
    case 'RunPython': {
      const forward = call.positional[0] ?? k.get('code');
      const reverse = call.positional[1] ?? k.get('reverse_code');
      const fn = forward?.type === 'identifier' ? r.functions.get(forward.text) : undefined;
      return {
        name: 'RunPython',
        writes: fn ? pythonWrites(fn, r) : [],
        reverse: !reverse || isConst(reverse, 'None') ? 'none' : isNoop(reverse) ? 'noop' : 'function',
        span: at,
      };
    }
    case 'SeparateDatabaseAndState': {
      const list = (node: Node | undefined) => kids(node?.type === 'list' ? node : undefined).map((i) => readOperation(i, r)).filter((o): o is DjOp => o !== undefined);
      return { name: 'Separate', database: list(k.get('database_operations') ?? call.positional[0]), state: list(k.get('state_operations') ?? call.positional[1]), span: at };
    }
    default:
      return { name: 'Other', what: call.name, span: at };
  }
}

/** RunSQL's `sql`: a string, adjacent literals, or a list of them (or of `(sql, params)` pairs). */
function sqlList(node: Node | undefined, r: ReadCtx): Op[] | undefined {
  if (!node) return undefined;
  if (node.type === 'list' || node.type === 'tuple') {
    const out: Op[] = [];
    for (const item of kids(node)) {
      const first = item.type === 'tuple' ? kids(item)[0] : item;
      const ops = sqlArg(first, r.dialect, r.problems);
      if (!ops) return undefined;
      out.push(...ops);
    }
    return out;
  }
  return sqlArg(node, r.dialect, r.problems);
}

const FILTER_CALLS = new Set(['filter', 'exclude', 'get', 'filter_by']);
const WRITE_CALLS = new Set(['update', 'delete', 'bulk_update', 'create', 'bulk_create', 'get_or_create', 'update_or_create']);

/**
 * What a `RunPython` function writes: `Model.objects.filter(…).update(x=…)`,
 * `.delete()`, `.bulk_update(objs, ['x'])`, `obj.x = …; obj.save()` in a
 * loop over a model, creates, and SQL through `schema_editor.execute` or a
 * cursor. Models come from `apps.get_model('app', 'Model')`.
 */
function pythonWrites(fn: Node, r: ReadCtx): PythonWrite[] {
  const body = fn.childForFieldName('body');
  if (!body) return [];
  const models = new Map<string, { app?: string; model: string }>();
  const instances = new Map<string, { app?: string; model: string; where: boolean }>();
  const getModel = (node: Node | undefined) => {
    const call = node ? asCall(node) : undefined;
    if (call?.name !== 'get_model') return undefined;
    const a = str(call.positional[0]);
    const b = str(call.positional[1]);
    if (b !== undefined) return { app: a, model: b.toLowerCase() };
    // `apps.get_model('shop.Order')`
    const dotted = a?.split('.');
    return dotted?.length === 2 ? { app: dotted[0], model: dotted[1]!.toLowerCase() } : undefined;
  };
  for (const assignment of body.descendantsOfType('assignment')) {
    const left = assignment?.childForFieldName('left');
    const m = getModel(assignment?.childForFieldName('right') ?? undefined);
    if (left?.type === 'identifier' && m) models.set(left.text, m);
  }
  /** The model a query chain starts from, and whether it is filtered. */
  const rootOf = (node: Node | undefined): { app?: string; model: string; where: boolean } | undefined => {
    let where = false;
    for (let n = node; n; ) {
      if (n.type === 'identifier') {
        const m = models.get(n.text);
        return m ? { ...m, where } : undefined;
      }
      const gm = getModel(n);
      if (gm) return { ...gm, where };
      const call = asCall(n);
      if (call && FILTER_CALLS.has(call.name)) where = true;
      const next: Node | undefined = n.type === 'call' ? n.childForFieldName('function') ?? undefined : n.type === 'attribute' ? n.childForFieldName('object') ?? undefined : undefined;
      n = next;
    }
    return undefined;
  };
  for (const loop of body.descendantsOfType('for_statement')) {
    const target = loop?.childForFieldName('left');
    const root = rootOf(loop?.childForFieldName('right') ?? undefined);
    if (target?.type === 'identifier' && root) instances.set(target.text, root);
  }
  const out: PythonWrite[] = [];
  for (const node of body.descendantsOfType('call')) {
    if (!node) continue;
    const call = asCall(node);
    if (!call) continue;
    // SQL run by the function itself.
    if (call.name === 'execute' && call.receiver !== undefined && /schema_editor|cursor/.test(call.receiver)) {
      const ops = sqlArg(call.positional[0], r.dialect, r.problems);
      if (ops) out.push({ kind: 'sql', ops });
      continue;
    }
    const fnNode = node.childForFieldName('function');
    const target = fnNode?.type === 'attribute' ? fnNode.childForFieldName('object') ?? undefined : undefined;
    if (call.name === 'save' && target?.type === 'identifier' && instances.has(target.text)) {
      const inst = instances.get(target.text)!;
      const columns: string[] = [];
      for (const assignment of body.descendantsOfType('assignment')) {
        const left = assignment?.childForFieldName('left');
        if (left?.type === 'attribute' && left.childForFieldName('object')?.text === target.text) columns.push(left.childForFieldName('attribute')?.text ?? '');
      }
      out.push({ kind: 'update', app: inst.app, model: inst.model, where: inst.where, columns: columns.filter(Boolean), span: span(node), via: `RunPython: ${target.text}.save()` });
      continue;
    }
    if (!WRITE_CALLS.has(call.name)) continue;
    const root = rootOf(target);
    if (!root) continue;
    const via = `RunPython: ${call.name}()`;
    if (call.name === 'update') out.push({ kind: 'update', app: root.app, model: root.model, where: root.where, columns: [...call.keywords.keys()], span: span(node), via });
    else if (call.name === 'bulk_update') out.push({ kind: 'update', app: root.app, model: root.model, where: true, columns: strings(call.positional[1] ?? call.keywords.get('fields')) ?? [], span: span(node), via });
    else if (call.name === 'delete') out.push({ kind: 'delete', app: root.app, model: root.model, where: root.where, columns: [], span: span(node), via });
    else out.push({ kind: 'insert', app: root.app, model: root.model, where: false, columns: [], span: span(node), via });
  }
  return out;
}

/** Reads the `class Migration` of a Django migration file; undefined when the file has none. */
export function readDjangoMigration(root: Node, app: string, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): DjangoMigration | undefined {
  const functions = new Map<string, Node>();
  for (const child of kids(root)) {
    const fn = child.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    const n = fn?.type === 'function_definition' ? fn.childForFieldName('name')?.text : undefined;
    if (n && fn) functions.set(n, fn);
  }
  for (const cls of kids(root)) {
    if (cls.type !== 'class_definition' || cls.childForFieldName('name')?.text !== 'Migration') continue;
    const migration: DjangoMigration = { initial: false, replaces: [], dependencies: [], operations: [], anchor: { start: cls.startIndex, end: cls.startIndex } };
    const r: ReadCtx = { dialect, problems, functions, app };
    for (const stmt of kids(cls.childForFieldName('body'))) {
      const assign = stmt.type === 'expression_statement' ? kids(stmt)[0] : undefined;
      if (assign?.type !== 'assignment') continue;
      const left = assign.childForFieldName('left')?.text;
      const right = assign.childForFieldName('right') ?? undefined;
      if (left === 'initial') migration.initial = isConst(right, 'True');
      else if (left === 'replaces') migration.replaces = pairs(right);
      else if (left === 'dependencies') migration.dependencies = pairs(right);
      else if (left === 'operations' && right?.type === 'list') {
        for (const item of kids(right)) {
          const op = readOperation(item, r);
          if (op) migration.operations.push(op);
        }
      }
    }
    return migration;
  }
  return undefined;
}

// ——— the model state ———

function tableOf(app: string, model: string, options: ModelOptions): string {
  return options.dbTable ?? `${app}_${model}`;
}

function withModel(state: State, model: string, change: (m: ModelState) => ModelState): Map<string, ModelState> {
  const next = new Map(state);
  const m = state.get(model);
  if (m) next.set(model, change(m));
  return next;
}

/** The state after one operation (state operations only; database effects are computed separately). */
function apply(state: State, op: DjOp, app: string): State {
  switch (op.name) {
    case 'CreateModel': {
      const next = new Map(state);
      next.set(op.model, {
        name: op.model,
        table: tableOf(app, op.model, op.options),
        fields: new Map(op.fields),
        tableless: op.options.proxy === true || op.options.managed === false,
        uniqueTogether: op.options.uniqueTogether ?? [],
        constraints: new Map(),
      });
      return next;
    }
    case 'DeleteModel': {
      const next = new Map(state);
      next.delete(op.model);
      return next;
    }
    case 'RenameModel': {
      const m = state.get(op.model);
      if (!m) return state;
      const next = new Map(state);
      next.delete(op.model);
      next.set(op.to, { ...m, name: op.to, table: m.table === `${app}_${op.model}` ? `${app}_${op.to}` : m.table });
      return next;
    }
    case 'AlterModelTable':
      return withModel(state, op.model, (m) => ({ ...m, table: op.table ?? `${app}_${op.model}` }));
    case 'AlterModelOptions':
      return withModel(state, op.model, (m) => ({ ...m, tableless: op.options.proxy === true || op.options.managed === false || m.tableless }));
    case 'AddField':
    case 'AlterField':
      return op.def ? withModel(state, op.model, (m) => ({ ...m, fields: new Map(m.fields).set(op.field, op.def!) })) : state;
    case 'RemoveField':
      return withModel(state, op.model, (m) => {
        const fields = new Map(m.fields);
        fields.delete(op.field);
        return { ...m, fields };
      });
    case 'RenameField':
      return withModel(state, op.model, (m) => {
        const fields = new Map(m.fields);
        const def = fields.get(op.field);
        fields.delete(op.field);
        if (def) {
          const relation = def.column === `${op.field}_id`;
          const renamed = def.column === op.field || relation;
          fields.set(op.to, renamed ? { ...def, column: relation ? `${op.to}_id` : op.to } : def);
        }
        return { ...m, fields };
      });
    case 'AlterUniqueTogether':
      return withModel(state, op.model, (m) => ({ ...m, uniqueTogether: op.sets ?? m.uniqueTogether }));
    case 'AddConstraint':
      return op.constraintName ? withModel(state, op.model, (m) => ({ ...m, constraints: new Map(m.constraints).set(op.constraintName!, { kind: op.constraint, fields: op.fields ?? [] }) })) : state;
    case 'RemoveConstraint':
      return op.constraintName
        ? withModel(state, op.model, (m) => {
            const constraints = new Map(m.constraints);
            constraints.delete(op.constraintName!);
            return { ...m, constraints };
          })
        : state;
    case 'Separate':
      return op.state.reduce((s, o) => apply(s, o, app), state);
    default:
      return state;
  }
}

/** A database type for comparing two definitions: `varchar(20)`, `numeric(12, 2)`, `integer`. */
function dbType(def: FieldDef): string {
  const c = def.cls;
  const len = (fallback?: string) => `varchar(${def.maxLength ?? fallback ?? ''})`;
  if (/^(CharField|SlugField|EmailField|URLField|FileField|ImageField|FilePathField|ColorField)$/.test(c)) {
    const fallback = c === 'SlugField' ? '50' : c === 'EmailField' ? '254' : c === 'URLField' ? '200' : /File|Image/.test(c) ? '100' : undefined;
    return len(fallback);
  }
  if (c === 'TextField') return 'text';
  if (/^(AutoField|IntegerField|PositiveIntegerField)$/.test(c)) return 'integer';
  if (/^(BigAutoField|BigIntegerField|PositiveBigIntegerField)$/.test(c)) return 'bigint';
  if (/^(SmallAutoField|SmallIntegerField|PositiveSmallIntegerField)$/.test(c)) return 'smallint';
  if (/^(BooleanField|NullBooleanField)$/.test(c)) return 'boolean';
  if (c === 'DecimalField') return `numeric(${def.maxDigits ?? ''}, ${def.decimalPlaces ?? ''})`;
  if (c === 'FloatField') return 'double precision';
  if (c === 'DateTimeField') return 'timestamp with time zone';
  if (c === 'DateField') return 'date';
  if (c === 'TimeField') return 'time';
  if (c === 'DurationField') return 'interval';
  if (c === 'UUIDField') return 'uuid';
  if (c === 'JSONField') return 'jsonb';
  if (c === 'BinaryField') return 'bytea';
  if (/IPAddressField/.test(c)) return 'inet';
  // A relation's column takes the type of the key it points to.
  if (def.to !== undefined) return 'relation';
  return `${c}(${def.maxLength ?? ''})`;
}

function describeType(def: FieldDef): string {
  const t = dbType(def);
  return t === 'relation' || t.startsWith(`${def.cls}(`) ? def.cls : t;
}

// ——— from operations to what the database does ———

interface Emit {
  ops: Op[];
  push(body: OpBody, at: Span, via: string, undo: AutoUndo): void;
}

const EXACT: AutoUndo = { kind: 'exact' };

function tableFor(state: State, app: string, target: string | undefined): string | undefined {
  if (!target) return undefined;
  const [a, m] = target.includes('.') ? target.split('.') : [app, target];
  return state.get(m!)?.table ?? (a === app ? `${app}_${m}` : `${a}_${m}`);
}

function fieldAdded(e: Emit, state: State, app: string, m: ModelState, field: string, def: FieldDef, at: Span): void {
  const via = 'AddField';
  if (def.column === undefined) {
    // A many-to-many field gets a join table of its own; other fields without a column add nothing.
    if (/ManyToMany/.test(def.cls)) e.push({ kind: 'create-table', table: `${m.table}_${field}` }, at, via, EXACT);
    return;
  }
  const column = def.column;
  e.push({ kind: 'add-column', table: m.table, column, notNull: !def.nullable && !def.primaryKey, hasDefault: def.dbDefault, generated: def.cls === 'GeneratedField', type: describeType(def) }, at, via, EXACT);
  if (def.to !== undefined && def.dbConstraint) {
    const references = tableFor(state, app, def.to);
    // Django indexes a ForeignKey (a OneToOneField gets a unique constraint) and adds its constraint, validated, in the same operation.
    if (def.unique) e.push({ kind: 'add-constraint', table: m.table, constraint: 'unique', notValid: false, usingIndex: false, columns: [column] }, at, via, EXACT);
    else if (def.dbIndex) e.push({ kind: 'create-index', table: m.table, unique: false, concurrently: false, columns: [column] }, at, via, EXACT);
    e.push({ kind: 'add-constraint', table: m.table, constraint: 'foreign-key', notValid: false, usingIndex: false, columns: [column], ...(references ? { references } : {}) }, at, via, EXACT);
    return;
  }
  if (def.unique && !def.primaryKey) e.push({ kind: 'add-constraint', table: m.table, constraint: 'unique', notValid: false, usingIndex: false, columns: [column] }, at, via, EXACT);
  else if (def.dbIndex) e.push({ kind: 'create-index', table: m.table, unique: false, concurrently: false, columns: [column] }, at, via, EXACT);
}

/** What an AlterField changes in the database: nothing for `choices` or `help_text`; NULL, type, length, column name, unique, index. */
function fieldAltered(e: Emit, state: State, app: string, m: ModelState, field: string, before: FieldDef | undefined, after: FieldDef, at: Span): void {
  const via = 'AlterField';
  if (after.column === undefined || before?.column === undefined) {
    if (!before && after.column !== undefined) e.push({ kind: 'alter-type', table: m.table, column: after.column, type: describeType(after), detail: 'unknown previous definition' }, at, via, EXACT);
    return;
  }
  let column = before.column;
  if (after.column !== before.column) {
    e.push({ kind: 'rename-column', table: m.table, column, to: after.column }, at, via, EXACT);
    column = after.column;
  }
  if (dbType(before) !== dbType(after)) e.push({ kind: 'alter-type', table: m.table, column, type: describeType(after) }, at, via, EXACT);
  if (before.nullable && !after.nullable) e.push({ kind: 'set-not-null', table: m.table, column }, at, via, EXACT);
  if (!before.nullable && after.nullable) e.push({ kind: 'drop-not-null', table: m.table, column }, at, via, EXACT);
  if (!before.dbDefault && after.dbDefault) e.push({ kind: 'set-default', table: m.table, column }, at, via, EXACT);
  if (before.dbDefault && !after.dbDefault) e.push({ kind: 'drop-default', table: m.table, column }, at, via, EXACT);
  if (!before.unique && after.unique) e.push({ kind: 'add-constraint', table: m.table, constraint: 'unique', notValid: false, usingIndex: false, columns: [column] }, at, via, EXACT);
  if (before.unique && !after.unique) e.push({ kind: 'drop-constraint', table: m.table, constraint: 'unique', columns: [column] }, at, via, EXACT);
  if (!before.dbIndex && after.dbIndex && !after.unique) e.push({ kind: 'create-index', table: m.table, unique: false, concurrently: false, columns: [column] }, at, via, EXACT);
  if (before.dbIndex && !after.dbIndex && !before.unique) e.push({ kind: 'drop-index', table: m.table, concurrently: false }, at, via, EXACT);
  if (after.to !== undefined && before.to !== after.to && after.dbConstraint) {
    const references = tableFor(state, app, after.to);
    e.push({ kind: 'add-constraint', table: m.table, constraint: 'foreign-key', notValid: false, usingIndex: false, columns: [column], ...(references ? { references } : {}) }, at, via, EXACT);
  }
}

function columnsOf(m: ModelState, fields: readonly string[]): string[] {
  return fields.map((f) => m.fields.get(f)?.column ?? f);
}

/** The database operations of one Django operation, against the state before it. */
function databaseOps(e: Emit, state: State, op: DjOp, app: string, knownHistory: boolean): void {
  const model = 'model' in op ? state.get(op.model) : undefined;
  // Proxy and unmanaged models have no table: Django runs nothing for them.
  if (model?.tableless) return;
  const unknown = (name: string): ModelState => ({ name, table: `${app}_${name}`, fields: new Map(), tableless: false, uniqueTogether: [], constraints: new Map() });
  const m = model ?? ('model' in op ? unknown(op.model) : undefined);
  switch (op.name) {
    case 'CreateModel':
      if (op.options.proxy || op.options.managed === false) return;
      e.push({ kind: 'create-table', table: tableOf(app, op.model, op.options) }, op.span, op.name, EXACT);
      return;
    case 'DeleteModel':
      e.push({ kind: 'drop-table', table: m!.table, object: 'table' }, op.span, op.name, { kind: 'recreates-empty' });
      return;
    case 'RenameModel': {
      const to = m!.table === `${app}_${op.model}` ? `${app}_${op.to}` : m!.table;
      if (to !== m!.table) e.push({ kind: 'rename-table', table: m!.table, to }, op.span, op.name, EXACT);
      return;
    }
    case 'AlterModelTable': {
      const to = op.table ?? `${app}_${op.model}`;
      if (to !== m!.table) e.push({ kind: 'rename-table', table: m!.table, to }, op.span, op.name, EXACT);
      return;
    }
    case 'AddField':
      if (op.def) fieldAdded(e, state, app, m!, op.field, op.def, op.span);
      return;
    case 'AlterField': {
      if (!op.def) return;
      const before = model?.fields.get(op.field);
      // Without the app's history the previous definition is unknown: say so rather than guess.
      if (!before && knownHistory && model) return;
      fieldAltered(e, state, app, m!, op.field, before, op.def, op.span);
      return;
    }
    case 'RemoveField': {
      const def = m!.fields.get(op.field);
      if (def && def.column === undefined) {
        if (/ManyToMany/.test(def.cls)) e.push({ kind: 'drop-table', table: `${m!.table}_${op.field}`, object: 'table' }, op.span, op.name, { kind: 'recreates-empty' });
        return;
      }
      e.push({ kind: 'drop-column', table: m!.table, column: def?.column ?? op.field }, op.span, op.name, { kind: 'recreates-empty' });
      return;
    }
    case 'RenameField': {
      const def = m!.fields.get(op.field);
      if (def && def.column === undefined) return;
      const relation = def?.column === `${op.field}_id`;
      const from = def?.column ?? op.field;
      // A field with db_column keeps its column.
      if (def && def.column !== op.field && !relation) return;
      e.push({ kind: 'rename-column', table: m!.table, column: from, to: relation ? `${op.to}_id` : op.to }, op.span, op.name, EXACT);
      return;
    }
    case 'AlterUniqueTogether': {
      const after = op.sets ?? [];
      const key = (set: string[]) => [...set].sort().join(',');
      const before = new Set(m!.uniqueTogether.map(key));
      const now = new Set(after.map(key));
      for (const set of m!.uniqueTogether) if (!now.has(key(set))) e.push({ kind: 'drop-constraint', table: m!.table, constraint: 'unique', columns: columnsOf(m!, set) }, op.span, op.name, EXACT);
      for (const set of after) if (!before.has(key(set))) e.push({ kind: 'add-constraint', table: m!.table, constraint: 'unique', notValid: false, usingIndex: false, columns: columnsOf(m!, set) }, op.span, op.name, EXACT);
      return;
    }
    case 'AddIndex':
      e.push({ kind: 'create-index', table: m!.table, name: op.indexName, unique: false, concurrently: op.concurrently, ...(op.fields ? { columns: columnsOf(m!, op.fields) } : {}) }, op.span, op.concurrently ? 'AddIndexConcurrently' : op.name, EXACT);
      return;
    case 'RemoveIndex':
      e.push({ kind: 'drop-index', table: m!.table, name: op.indexName, concurrently: op.concurrently }, op.span, op.concurrently ? 'RemoveIndexConcurrently' : op.name, EXACT);
      return;
    case 'AddConstraint':
      e.push(
        { kind: 'add-constraint', table: m!.table, constraint: op.constraint, notValid: false, usingIndex: false, name: op.constraintName, ...(op.fields && op.fields.length > 0 ? { columns: columnsOf(m!, op.fields) } : {}), rejectsNull: op.rejectsNull },
        op.span,
        op.name,
        EXACT,
      );
      return;
    case 'RemoveConstraint': {
      const known = op.constraintName ? m!.constraints.get(op.constraintName) : undefined;
      e.push({ kind: 'drop-constraint', table: m!.table, name: op.constraintName, ...(known ? { constraint: known.kind, columns: columnsOf(m!, known.fields) } : {}) }, op.span, op.name, EXACT);
      return;
    }
    case 'RunSQL':
      for (const o of op.ops) e.ops.push({ ...o, via: 'RunSQL', undo: op.undo });
      return;
    case 'RunPython':
      runPython(e, state, op, app);
      return;
    case 'Separate': {
      // The database operations run against the database; the state operations only move Django's state.
      let s = state;
      for (const inner of op.database) {
        databaseOps(e, s, inner, app, knownHistory);
        s = apply(s, inner, app);
      }
      return;
    }
    default:
      e.push({ kind: 'other', what: op.name === 'Other' ? op.what : op.name }, op.span, op.name === 'Other' ? op.what : op.name, EXACT);
  }
}

/**
 * A `RunPython` is judged by what its function writes. Without a reverse,
 * Django cannot roll it back (one RG209 at the operation). With a reverse
 * function, it is the compensation of an update; with `RunPython.noop`, the
 * writes are judged on their own, so a backfill of a field the previous
 * migration adds is no risk.
 */
function runPython(e: Emit, state: State, op: Extract<DjOp, { name: 'RunPython' }>, app: string): void {
  if (op.reverse === 'none') e.push({ kind: 'opaque', what: 'RunPython' }, op.span, 'RunPython', { kind: 'none', why: '`RunPython` has no `reverse_code`' });
  for (const w of op.writes) {
    if (w.kind === 'sql') {
      for (const o of w.ops) e.ops.push({ ...o, undo: EXACT });
      continue;
    }
    if (w.kind === 'update' && op.reverse === 'function') continue;
    const table = tableFor(state, app, w.app && w.app !== app ? `${w.app}.${w.model}` : w.model) ?? `${app}_${w.model}`;
    const m = state.get(w.model);
    const columns = m ? columnsOf(m, w.columns) : w.columns;
    const body: OpBody = w.kind === 'update' ? { kind: 'update', table, where: w.where, columns } : w.kind === 'delete' ? { kind: 'delete', table, where: w.where } : { kind: 'insert', table, select: false };
    e.push(body, w.span, w.via, EXACT);
  }
}

// ——— history ———

interface Parsed {
  text: string;
  migration?: DjangoMigration;
}

/** Parsed migration files by path (the text decides whether a cached reading is still valid). */
const parsedFiles = new Map<string, Parsed>();
/** Replayed history after each migration, by path and text. */
const histories = new Map<string, { text: string; history: History }>();

async function parseFile(path: string, text: string, app: string): Promise<DjangoMigration | undefined> {
  const hit = parsedFiles.get(path);
  if (hit && hit.text === text) return hit.migration;
  let migration: DjangoMigration | undefined;
  try {
    migration = await withTree('python', text, (root) => readDjangoMigration(root, app, 'auto', []));
  } catch {
    // A file the parser declines (nested too deep) leaves the history unknown from here.
    migration = undefined;
  }
  if (parsedFiles.size > 20_000) parsedFiles.clear();
  parsedFiles.set(path, { text, ...(migration ? { migration } : {}) });
  return migration;
}

const EMPTY: History = { state: new Map(), initialTables: new Set() };

export interface HistoryEnv {
  readFile(path: string): string | undefined;
  listDir?(dir: string): readonly string[] | undefined;
}

/**
 * The app's history before a migration: every same-app dependency replayed
 * (iteratively, each file parsed and replayed once per process). A
 * dependency whose file is gone is looked up among the squashes that
 * replace it. `known` is false when some dependency could not be found.
 */
async function historyBefore(dir: string, app: string, migration: DjangoMigration, env: HistoryEnv): Promise<{ history: History; known: boolean; previousAdds: string[] }> {
  let known = true;
  const previousAdds: string[] = [];
  const deps = migration.dependencies.filter(([a]) => a === app).map(([, name]) => name);
  if (deps.length === 0) return { history: EMPTY, known, previousAdds };
  let squashes: Map<string, string> | undefined;
  const resolve = async (name: string): Promise<string | undefined> => {
    const path = `${dir}/${name}.py`;
    if (env.readFile(path) !== undefined) return path;
    // Gone, replaced by a squash: find the squash that replaces it.
    if (!squashes) {
      squashes = new Map();
      for (const file of env.listDir?.(dir) ?? []) {
        if (!file.endsWith('.py')) continue;
        const p = `${dir}/${file}`;
        const text = env.readFile(p);
        const m = text === undefined ? undefined : await parseFile(p, text, app);
        for (const [a, replaced] of m?.replaces ?? []) if (a === app) squashes.set(replaced, p);
      }
    }
    return squashes.get(name);
  };
  // Iterative depth-first replay: a file is done once all its same-app dependencies are.
  const stack: { path: string; expanded: boolean }[] = [];
  const roots: string[] = [];
  for (const name of deps) {
    const path = await resolve(name);
    if (path) {
      roots.push(path);
      stack.push({ path, expanded: false });
    } else known = false;
  }
  const visiting = new Set<string>();
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const text = env.readFile(top.path);
    const cached = histories.get(top.path);
    if (text === undefined || (cached && cached.text === text)) {
      stack.pop();
      continue;
    }
    const m = await parseFile(top.path, text, app);
    if (!m) {
      histories.set(top.path, { text, history: EMPTY });
      stack.pop();
      continue;
    }
    const depPaths: string[] = [];
    for (const [a, name] of m.dependencies) {
      if (a !== app) continue;
      const p = await resolve(name);
      if (p) depPaths.push(p);
      else known = false;
    }
    if (!top.expanded) {
      top.expanded = true;
      visiting.add(top.path);
      for (const p of depPaths) {
        const c = histories.get(p);
        const t = env.readFile(p);
        if (!visiting.has(p) && !(c && t !== undefined && c.text === t)) stack.push({ path: p, expanded: false });
      }
      continue;
    }
    stack.pop();
    visiting.delete(top.path);
    const merged = merge(depPaths.map((p) => histories.get(p)?.history ?? EMPTY));
    histories.set(top.path, { text, history: replay(merged, m, app) });
  }
  const before = merge(roots.map((p) => histories.get(p)?.history ?? EMPTY));
  // Fields the directly preceding migrations add: a data migration right after fills them.
  for (const p of roots) {
    const text = env.readFile(p);
    const m = text === undefined ? undefined : await parseFile(p, text, app);
    for (const op of m?.operations ?? []) {
      if (op.name !== 'AddField' || !op.def?.column) continue;
      const model = before.state.get(op.model);
      if (model) previousAdds.push(`${model.table}.${op.def.column}`.toLowerCase());
    }
  }
  if (histories.size > 20_000) histories.clear();
  return { history: before, known, previousAdds };
}

function merge(histories: readonly History[]): History {
  if (histories.length === 0) return EMPTY;
  if (histories.length === 1) return histories[0]!;
  const state = new Map<string, ModelState>();
  const initialTables = new Set<string>();
  for (const h of histories) {
    for (const [k, v] of h.state) if (!state.has(k)) state.set(k, v);
    for (const t of h.initialTables) initialTables.add(t);
  }
  return { state, initialTables };
}

function replay(before: History, m: DjangoMigration, app: string): History {
  let state = before.state;
  const initialTables = m.initial ? new Set(before.initialTables) : before.initialTables;
  for (const op of m.operations) {
    state = apply(state, op, app);
    if (m.initial && op.name === 'CreateModel') (initialTables as Set<string>).add(tableOf(app, op.model, op.options));
  }
  return { state, initialTables };
}

/** `shop/migrations/0002_x.py` → shop: the app label Django gives an app by default. */
export function appOf(path: string): { dir: string; app: string } {
  const parts = path.replace(/\\/g, '/').split('/');
  parts.pop();
  const dir = parts.join('/');
  const app = parts.length >= 2 ? parts[parts.length - 2]! : '';
  return { dir, app };
}

/** The migration as units the rules judge, with the app's history replayed. */
export async function djangoUnits(path: string, migration: DjangoMigration, env: HistoryEnv): Promise<MigrationUnit[]> {
  const { dir, app } = appOf(path);
  const { history, known, previousAdds } = await historyBefore(dir, app, migration, env);
  const ops: Op[] = [];
  const e: Emit = {
    ops,
    push: (body, at, via, undo) => ops.push({ ...body, span: at, via, undo } as Op),
  };
  let state = history.state;
  for (const op of migration.operations) {
    databaseOps(e, state, op, app, known && migration.dependencies.some(([a]) => a === app));
    state = apply(state, op, app);
  }
  // A data migration right after the one that adds a field fills a column nobody has written yet.
  const dataOnly = migration.operations.every((op) => op.name === 'RunPython' || op.name === 'RunSQL');
  if (!dataOnly) previousAdds.length = 0;
  // A squash that replaces an initial migration, or a further initial migration, runs with the initial tables on an empty database.
  const newTables = migration.initial || migration.replaces.length > 0 ? [...history.initialTables] : [];
  return [
    {
      framework: 'django',
      anchor: migration.anchor,
      up: ops,
      upHere: true,
      down: { state: 'derived' },
      ...(newTables.length > 0 ? { newTables } : {}),
      ...(previousAdds.length > 0 ? { newColumns: previousAdds } : {}),
    },
  ];
}
