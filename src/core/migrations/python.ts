import type { Node } from 'web-tree-sitter';
import type { AutoUndo, Op, OpBody, Span } from '../sql/ops';
import type { Dialect } from '../sql/sql';
import { embeddedSql, embeddedString, joinEmbedded, type Embedded, type EmbeddedProblem } from './embedded';
import type { MigrationUnit } from './model';
import { kids, withTree } from './treeSitter';

/**
 * Alembic (`versions/*.py`: `op.*` in `upgrade()`/`downgrade()`), read from
 * the tree-sitter-python tree, and the Python helpers Django's reader shares.
 */

export interface Call {
  node: Node;
  /** `op.drop_column` → receiver `op`, name `drop_column` */
  receiver?: string;
  name: string;
  positional: Node[];
  keywords: Map<string, Node>;
}

export function asCall(node: Node): Call | undefined {
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
export function str(node: Node | undefined): string | undefined {
  if (!node || node.type !== 'string') return undefined;
  const e = embeddedString(node, ['string_content']);
  return e?.text;
}

/** `['a', 'b']` → a, b (undefined unless every item is a literal). */
export function strings(node: Node | undefined): string[] | undefined {
  if (!node || (node.type !== 'list' && node.type !== 'tuple')) return undefined;
  const out = kids(node).map((k) => str(k));
  return out.every((c): c is string => c !== undefined) ? out : undefined;
}

/** A constraint or index name: a string, or `op.f("name")` (a name Alembic must not convert). */
function nameArg(node: Node | undefined): string | undefined {
  const call = node ? asCall(node) : undefined;
  return call?.name === 'f' && call.receiver === 'op' ? str(call.positional[0]) : str(node);
}

export function isConst(node: Node | undefined, value: 'True' | 'False' | 'None'): boolean {
  return node?.type === value.toLowerCase() || node?.text === value;
}

export function span(node: Node): Span {
  return { start: node.startIndex, end: node.endIndex };
}

/**
 * The SQL text of an argument: a string (f-strings too, their
 * interpolations stood in for), adjacent literals Python joins, and the
 * wrappers around them (`sa.text(…)`, `text(…)`, `dedent(…)`, parentheses).
 */
function sqlText(node: Node | undefined, depth = 0): Embedded | undefined {
  if (!node || depth > 4) return undefined;
  // `update_query = """UPDATE …"""` … `conn.execute(update_query)`: the SQL the name holds.
  if (node.type === 'identifier') return sqlText(valueOf(node), depth + 1);
  if (node.type === 'string') return embeddedString(node, ['string_content'], 'escape_sequence', true);
  if (node.type === 'concatenated_string') {
    const parts = kids(node).filter((k) => k.type === 'string').map((k) => embeddedString(k, ['string_content'], 'escape_sequence', true));
    return parts.every((p): p is Embedded => p !== undefined) ? joinEmbedded(parts) : undefined;
  }
  const call = asCall(node);
  if (call && (call.name === 'text' || call.name === 'dedent' || call.name === 'literal_column')) return sqlText(call.positional[0], depth + 1);
  if (node.type === 'parenthesized_expression') return sqlText(kids(node)[0], depth + 1);
  return undefined;
}

/**
 * What a name was last assigned before it is used, in the function that
 * uses it (else at module level): `sql = "…"`, `stmt = jobs.update()…`.
 * Undefined for a name assigned elsewhere (an import, a parameter, a loop).
 */
export function valueOf(use: Node): Node | undefined {
  let scope: Node | null = use.parent;
  while (scope && scope.type !== 'function_definition' && scope.type !== 'module') scope = scope.parent;
  for (; scope; scope = scope.parent) {
    if (scope.type !== 'function_definition' && scope.type !== 'module') continue;
    let found: Node | undefined;
    for (const assignment of scope.descendantsOfType('assignment')) {
      if (!assignment || assignment.endIndex > use.startIndex) continue;
      const left = assignment.childForFieldName('left');
      if (left?.type !== 'identifier' || left.text !== use.text) continue;
      // Only the scope's own assignments (not those of a function nested in it).
      let owner: Node | null = assignment.parent;
      while (owner && owner.type !== 'function_definition' && owner.type !== 'module') owner = owner.parent;
      if (owner?.id !== scope.id) continue;
      found = assignment.childForFieldName('right') ?? undefined;
    }
    if (found) return found;
  }
  return undefined;
}

/** `"SQL"`, `sa.text("SQL")`, `text("SQL")`, `dedent("""SQL""")` → the SQL ops. */
export function sqlArg(node: Node | undefined, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): Op[] | undefined {
  const e = sqlText(node);
  return e ? embeddedSql(e, dialect, problems) : undefined;
}

// ——— Alembic ———

/** Column facts from `sa.Column("name", sa.Integer(), nullable=False, server_default=…)`. */
function columnInfo(node: Node | undefined): { name: string; notNull: boolean; hasDefault: boolean; generated: boolean; type?: string } {
  const call = node ? asCall(node) : undefined;
  if (!call) return { name: node ? `\`${node.text.slice(0, 40)}\`` : 'a column', notNull: false, hasDefault: false, generated: false };
  const nullable = call.keywords.get('nullable');
  const primary = isConst(call.keywords.get('primary_key'), 'True');
  const computed = call.positional.some((p) => asCall(p)?.name === 'Computed') || call.keywords.has('Computed');
  const identity = call.positional.some((p) => asCall(p)?.name === 'Identity');
  const typeNode = call.positional[1];
  const type = typeNode ? (asCall(typeNode)?.name ?? typeNode.text.replace(/^(sa|sqlalchemy|postgresql|mysql)\./, '')) : undefined;
  return {
    name: str(call.positional[0]) ?? `\`${call.positional[0]?.text.slice(0, 40) ?? 'a column'}\``,
    ...(type ? { type } : {}),
    notNull: isConst(nullable, 'False') || (primary && !nullable),
    hasDefault: (call.keywords.has('server_default') && !isConst(call.keywords.get('server_default'), 'None')) || identity,
    generated: computed,
  };
}

/** SQLAlchemy names a migration binds: connections (`conn = op.get_bind()`) and tables (`jobs = sa.table('jobs', …)`). */
interface Bindings {
  connections: Set<string>;
  tables: Map<string, string>;
  /** Module-level helper functions the migration may call with its connection (`change_hash(conn, queries)`), and how deep such calls go. */
  helpers?: Map<string, Node>;
  depth?: number;
}

const CONNECTION_NAMES = ['conn', 'connection', 'bind', 'session', 'db'];

function bindings(root: Node): Bindings {
  const connections = new Set<string>(CONNECTION_NAMES);
  const tables = new Map<string, string>();
  for (const assignment of root.descendantsOfType('assignment')) {
    const left = assignment?.childForFieldName('left');
    const right = assignment?.childForFieldName('right');
    if (left?.type !== 'identifier' || !right) continue;
    const call = asCall(right);
    if (call && (call.name === 'get_bind' || /get_bind\(\)|\.bind$|\.connection$/.test(right.text))) connections.add(left.text);
    else if (call && (call.name === 'table' || call.name === 'Table')) {
      const t = str(call.positional[0]);
      if (t) tables.set(left.text, t);
    }
  }
  return { connections, tables };
}

/** A SQLAlchemy Core write: `jobs.update().where(…).values(state='x')`, `jobs.delete()`, `sa.delete(jobs)`. */
function coreWrite(node: Node | undefined, b: Bindings): OpBody | undefined {
  // `stmt = jobs.update()…` … `conn.execute(stmt)`
  if (node?.type === 'identifier' && !b.tables.has(node.text)) node = valueOf(node);
  let where = false;
  let columns: string[] = [];
  let reads: string[] = [];
  let kind: 'update' | 'delete' | 'insert' | undefined;
  let table: string | undefined;
  for (let n: Node | undefined = node; n; ) {
    const call = asCall(n);
    if (!call) {
      if (n.type === 'identifier' && b.tables.has(n.text)) table ??= b.tables.get(n.text);
      break;
    }
    if (call.name === 'where' || call.name === 'filter') where = true;
    if (call.name === 'values') {
      // `.values({"old": jobs.c.state})`: the columns the new values are read from.
      reads = [...call.node.text.matchAll(/\.c\.(\w+)/g)].map((m) => m[1]!);
      columns = [...call.keywords.keys()];
      const dict = call.positional[0];
      if (dict?.type === 'dictionary') columns.push(...kids(dict).map((p) => str(p.childForFieldName('key') ?? undefined) ?? '').filter(Boolean));
    }
    if (call.name === 'update' || call.name === 'delete' || call.name === 'insert') {
      kind = call.name;
      // `sa.update(jobs)`: the table is the argument.
      const arg = call.positional[0];
      if (arg?.type === 'identifier' && b.tables.has(arg.text)) table = b.tables.get(arg.text);
    }
    const fn = call.node.childForFieldName('function');
    n = fn?.type === 'attribute' ? fn.childForFieldName('object') ?? undefined : undefined;
  }
  if (!kind || !table) return undefined;
  if (kind === 'update') return { kind, table, where, columns, ...(reads.length > 0 ? { reads } : {}) };
  if (kind === 'delete') return { kind, table, where };
  return { kind: 'insert', table, select: false };
}

/** `sa.Text()` and `TEXT`, `postgresql.JSONB()` and `JSONB`: the same type written two ways. */
function sameType(type: Node, existing: Node | undefined): boolean {
  if (!existing) return false;
  const norm = (n: Node) => n.text.replace(/\s+/g, '').replace(/\b(sqlalchemy\.dialects\.\w+|sqlalchemy|sa|postgresql|mysql|sqlite|types)\./g, '').replace(/\(\)$/, '').toLowerCase();
  return norm(type) === norm(existing);
}

/**
 * `alter_column(…, nullable=True)` without `existing_nullable`: Alembic
 * emits DROP NOT NULL whether or not the column was NOT NULL, so the call
 * alone does not say that anything is relaxed (see `readAlembic`).
 */
const unknownNullability = new WeakSet<Op>();

function alembicOps(body: Node | null, dialect: Dialect | 'auto', problems: EmbeddedProblem[], b: Bindings = { connections: new Set(CONNECTION_NAMES), tables: new Map() }): Op[] {
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
    // `conn.execute(…)`, `op.get_bind().execute(…)`: SQL, or a SQLAlchemy Core write, through the migration's connection.
    if (call.name === 'execute' && call.receiver !== undefined && (b.connections.has(call.receiver) || /get_bind\(\)$|\.bind$|\.connection$/.test(call.receiver))) {
      const via = `${call.receiver}.execute`;
      const sql = sqlArg(call.positional[0], dialect, problems);
      const core = sql ? undefined : coreWrite(call.positional[0], b);
      if (sql) for (const op of sql) ops.push({ ...op, via });
      else if (core) ops.push({ ...core, span: span(node), via } as Op);
      else ops.push({ kind: 'opaque', what: `${via} with computed SQL`, span: span(node), via });
      return;
    }
    // `change_query_hash(conn, queries, …)`: a helper of this file, read with its parameters bound to the arguments.
    const helper = call.receiver === undefined ? b.helpers?.get(call.name) : undefined;
    if (helper && (b.depth ?? 0) < 3) {
      const params = kids(helper.childForFieldName('parameters')).filter((n) => n.type === 'identifier');
      const inner: Bindings = { connections: new Set(b.connections), tables: new Map(b.tables), helpers: b.helpers, depth: (b.depth ?? 0) + 1 };
      call.positional.forEach((arg, i) => {
        const param = params[i]?.text;
        if (!param || arg.type !== 'identifier') return;
        if (b.tables.has(arg.text)) inner.tables.set(param, b.tables.get(arg.text)!);
        else inner.tables.delete(param);
        if (b.connections.has(arg.text)) inner.connections.add(param);
      });
      ops.push(...alembicOps(helper.childForFieldName('body'), dialect, problems, inner));
      return;
    }
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
        push({ kind: 'add-column', table, column: info.name, notNull: info.notNull, hasDefault: info.hasDefault, generated: info.generated, ...(info.type ? { type: info.type } : {}) });
        break;
      }
      case 'drop_column':
        push({ kind: 'drop-column', table, column: str(p[1] ?? undefined) ?? str(k.get('column_name')) ?? '?' });
        break;
      case 'alter_column': {
        const column = str(p[1] ?? undefined) ?? str(k.get('column_name')) ?? '?';
        if (k.has('new_column_name')) push({ kind: 'rename-column', table, column, to: str(k.get('new_column_name')) ?? '?' });
        // `existing_type` equal to `type_` restates the type: no change.
        if (k.has('type_') && !sameType(k.get('type_')!, k.get('existing_type'))) push({ kind: 'alter-type', table, column, type: k.get('type_')!.text });
        if (isConst(k.get('nullable'), 'False')) push({ kind: 'set-not-null', table, column });
        if (isConst(k.get('nullable'), 'True') && !isConst(k.get('existing_nullable'), 'True')) {
          push({ kind: 'drop-not-null', table, column });
          if (!k.has('existing_nullable')) unknownNullability.add(ops[ops.length - 1]!);
        }
        if (k.has('server_default') && isConst(k.get('server_default'), 'None')) push({ kind: 'drop-default', table, column });
        break;
      }
      case 'create_index': {
        const t = inBatch ? table : str(call.positional[1]) ?? str(k.get('table_name')) ?? '?';
        const columns = strings(inBatch ? call.positional[1] : call.positional[2] ?? k.get('columns'));
        push({ kind: 'create-index', table: t, name: nameArg(call.positional[0]), unique: isConst(k.get('unique'), 'True'), concurrently: isConst(k.get('postgresql_concurrently'), 'True'), ...(columns ? { columns } : {}) });
        break;
      }
      case 'drop_index':
        push({ kind: 'drop-index', name: nameArg(call.positional[0]), table: str(k.get('table_name')), concurrently: isConst(k.get('postgresql_concurrently'), 'True') });
        break;
      case 'create_foreign_key': {
        // op.create_foreign_key(name, source, referent, local_cols, remote_cols); in a batch the source is implied.
        const q = inBatch ? [call.positional[0], undefined, ...call.positional.slice(1)] : call.positional;
        const t = inBatch ? table : str(q[1]) ?? str(k.get('source_table')) ?? '?';
        const columns = strings(q[3] ?? k.get('local_cols'));
        const references = str(q[2]) ?? str(k.get('referent_table'));
        push({ kind: 'add-constraint', table: t, constraint: 'foreign-key', notValid: isConst(k.get('postgresql_not_valid'), 'True'), usingIndex: false, name: nameArg(call.positional[0]), ...(columns ? { columns } : {}), ...(references ? { references } : {}) });
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
        const columns = strings(inBatch ? call.positional[1] : call.positional[2] ?? k.get('columns'));
        push({ kind: 'add-constraint', table: t, constraint: call.name === 'create_unique_constraint' ? 'unique' : 'primary-key', notValid: false, usingIndex: false, name: nameArg(call.positional[0]), ...(columns ? { columns } : {}) });
        break;
      }
      case 'drop_constraint': {
        const t = inBatch ? table : str(call.positional[1]) ?? str(k.get('table_name')) ?? '?';
        const type = str(k.get('type_'));
        const constraint = type === 'foreignkey' ? 'foreign-key' : type === 'unique' ? 'unique' : type === 'check' ? 'check' : type === 'primary' ? 'primary-key' : undefined;
        push({ kind: 'drop-constraint', table: t, name: nameArg(call.positional[0]), ...(constraint ? { constraint } : {}) });
        break;
      }
      case 'execute': {
        const sql = sqlArg(call.positional[0], dialect, problems);
        // `op.execute(jobs.update().values(…))`: a SQLAlchemy Core write.
        const core = sql ? undefined : coreWrite(call.positional[0], b);
        if (sql) for (const op of sql) ops.push({ ...op, via: 'op.execute' });
        else if (core) push(core);
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
  const b: Bindings = { ...bindings(root), helpers: new Map([...fns].filter(([n]) => n !== 'upgrade' && n !== 'downgrade')) };
  const up = alembicOps(upgrade.childForFieldName('body'), dialect, problems, b);
  const downgrade = fns.get('downgrade');
  if (!downgrade) return [{ framework: 'alembic', anchor, up, upHere: true, down: { state: 'absent', expected: 'a `downgrade()` function' } }];
  const down = alembicOps(downgrade.childForFieldName('body'), dialect, problems, b);
  const name = downgrade.childForFieldName('name')!;
  // A NOT NULL the downgrade restores was there before.
  for (const op of down) if (op.kind === 'set-not-null') for (const u of up) if (u.kind === 'drop-not-null' && u.table === op.table && u.column === op.column) unknownNullability.delete(u);
  return [{ framework: 'alembic', anchor, up, upHere: true, down: { state: 'present', ops: down, here: true, label: '`downgrade()`', anchor: span(name) } }];
}

// ——— Alembic history: was a column NOT NULL before this revision? ———

const REVISION = /^revision\s*(?::\s*str\s*)?=\s*['"]([\w-]+)['"]/m;
const DOWN_REVISION = /^down_revision\s*(?::[^=\n]*)?=\s*\(?\s*['"]([\w-]+)['"]/m;

/** Revision id → file, for the `.py` files of a versions folder (by text, cached per folder listing). */
const revisionIndex = new Map<string, { key: string; byId: Map<string, string> }>();

/** `True`/`False` when the revision sets the column's nullability (`nullable=` of a column it creates or alters), else undefined. */
async function nullabilityIn(text: string, table: string, column: string): Promise<boolean | undefined> {
  if (!text.includes(column) || !/nullable\s*=/.test(text)) return undefined;
  return withTree('python', text, (root) => {
    const upgrade = functions(root).get('upgrade');
    let found: boolean | undefined;
    for (const node of upgrade?.descendantsOfType('call') ?? []) {
      const call = node ? asCall(node) : undefined;
      if (!call || call.receiver !== 'op') continue;
      const k = call.keywords;
      const setting = (n: Node | undefined) => (isConst(n, 'False') ? false : isConst(n, 'True') ? true : undefined);
      if (call.name === 'alter_column' && str(call.positional[0]) === table && str(call.positional[1]) === column) {
        found = setting(k.get('nullable')) ?? setting(k.get('existing_nullable')) ?? found;
      } else if ((call.name === 'add_column' || call.name === 'create_table') && str(call.positional[0]) === table) {
        for (const arg of call.positional.slice(1)) {
          const col = asCall(arg);
          if (col?.name !== 'Column' || str(col.positional[0]) !== column) continue;
          const primary = isConst(col.keywords.get('primary_key'), 'True');
          found = setting(col.keywords.get('nullable')) ?? (primary ? false : true);
        }
      }
    }
    return found;
  });
}

/**
 * Drops the "allows NULL" of `alter_column(…, nullable=True)` without
 * `existing_nullable` unless the column was NOT NULL before: the downgrade
 * restores NOT NULL, or the nearest earlier revision (following
 * `down_revision`) that sets the column's nullability made it NOT NULL.
 * Otherwise the call may only restate a nullable column.
 */
export async function settleAlembicNullability(path: string, units: MigrationUnit[], env: { readFile(path: string): string | undefined; listDir?(dir: string): readonly string[] | undefined }): Promise<void> {
  const pending = units.flatMap((u) => u.up.filter((op) => op.kind === 'drop-not-null' && unknownNullability.has(op)));
  if (pending.length === 0) return;
  const dir = path.replace(/\\/g, '/').replace(/\/[^/]*$/, '');
  const names = (env.listDir?.(dir) ?? []).filter((n) => n.endsWith('.py'));
  const key = names.join('\n');
  let index = revisionIndex.get(dir);
  if (!index || index.key !== key) {
    const byId = new Map<string, string>();
    for (const n of names) {
      const id = REVISION.exec(env.readFile(`${dir}/${n}`) ?? '')?.[1];
      if (id) byId.set(id, `${dir}/${n}`);
    }
    if (revisionIndex.size > 64) revisionIndex.clear();
    revisionIndex.set(dir, (index = { key, byId }));
  }
  const notNullBefore = new Set<string>();
  for (const op of pending) {
    if (op.kind !== 'drop-not-null') continue;
    let text = env.readFile(path);
    const seen = new Set<string>();
    for (let steps = 0; text !== undefined && steps < 2000; steps++) {
      const parent = DOWN_REVISION.exec(text)?.[1];
      const file = parent ? index.byId.get(parent) : undefined;
      if (!file || seen.has(file)) break;
      seen.add(file);
      text = env.readFile(file);
      const setting = text === undefined ? undefined : await nullabilityIn(text, op.table, op.column);
      if (setting !== undefined) {
        if (!setting) notNullBefore.add(`${op.table}.${op.column}`);
        break;
      }
    }
  }
  for (const u of units) u.up = u.up.filter((op) => !(op.kind === 'drop-not-null' && unknownNullability.has(op) && !notNullBefore.has(`${op.table}.${op.column}`)));
}
