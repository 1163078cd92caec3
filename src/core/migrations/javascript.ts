import type { Node } from 'web-tree-sitter';
import type { Op, OpBody, Span } from '../sql/ops';
import type { Dialect } from '../sql/sql';
import { embeddedSql, embeddedString, joinEmbedded, type Embedded, type EmbeddedProblem } from './embedded';
import type { MigrationUnit } from './model';
import { kids } from './treeSitter';

/**
 * Knex (`exports.up = (knex) => knex.schema…`) and TypeORM (`class … implements
 * MigrationInterface { up(queryRunner) … }`) migrations, from the
 * tree-sitter-javascript/typescript tree. SQL in `knex.raw` and
 * `queryRunner.query` is parsed as SQL.
 */

interface Step {
  name: string;
  args: Node[];
  node: Node;
}

/** `a.b(1).c(2)` → root `a`, steps b(1), c(2). `knex('t').where()` → root call `knex('t')`. */
function flatten(call: Node): { root: Node; steps: Step[] } {
  const steps: Step[] = [];
  let node: Node = call;
  for (;;) {
    if (node.type === 'await_expression' || node.type === 'parenthesized_expression') {
      node = kids(node)[0] ?? node;
      continue;
    }
    if (node.type !== 'call_expression') break;
    const fn = node.childForFieldName('function');
    if (fn?.type !== 'member_expression') break;
    steps.unshift({ name: fn.childForFieldName('property')?.text ?? '', args: kids(node.childForFieldName('arguments')).filter((a) => a.type !== 'comment'), node });
    node = fn.childForFieldName('object') ?? fn;
    // Property accesses in the middle of a chain (`knex.schema`): keep walking.
    while (node.type === 'member_expression' && kids(node)[0]?.type === 'call_expression') {
      node = node.childForFieldName('object') ?? node;
    }
  }
  return { root: node, steps };
}

/** A string or template literal without substitutions. */
function lit(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'string' || node.type === 'template_string') return embeddedString(node, ['string_fragment'])?.text;
  return undefined;
}

/** `{ name: 'x', isNullable: false }` → property value node. */
function prop(object: Node | undefined, name: string): Node | undefined {
  if (!object) return undefined;
  if (object.type === 'new_expression') return prop(kids(object.childForFieldName('arguments'))[0], name);
  if (object.type !== 'object') return undefined;
  for (const pair of kids(object)) {
    if (pair.type === 'pair' && pair.childForFieldName('key')?.text.replace(/['"]/g, '') === name) return pair.childForFieldName('value') ?? undefined;
  }
  return undefined;
}

function span(node: Node): Span {
  return { start: node.startIndex, end: node.endIndex };
}

const COLUMN_TYPES = new Set([
  'increments', 'bigIncrements', 'integer', 'bigInteger', 'tinyint', 'smallint', 'mediumint', 'bigint', 'text', 'string', 'float', 'double', 'decimal',
  'boolean', 'date', 'datetime', 'time', 'timestamp', 'binary', 'enu', 'enum', 'json', 'jsonb', 'uuid', 'specificType', 'geometry', 'point', 'geography',
]);
const FILTERS = new Set(['where', 'whereIn', 'whereNot', 'whereNull', 'whereNotNull', 'whereBetween', 'whereRaw', 'whereExists', 'andWhere', 'orWhere', 'limit']);

interface Ctx {
  ops: Op[];
  dialect: Dialect | 'auto';
  problems: EmbeddedProblem[];
  /** Name of the migration function's parameter: `knex` or `queryRunner`. */
  param?: string;
  typeorm: boolean;
}

/** A string, a template literal (its `${…}` stood in for) or literals joined with `+`. */
function sqlText(node: Node | undefined): Embedded | undefined {
  if (!node) return undefined;
  if (node.type === 'string' || node.type === 'template_string') return embeddedString(node, ['string_fragment'], 'escape_sequence', true);
  if (node.type === 'parenthesized_expression') return sqlText(kids(node)[0]);
  if (node.type === 'binary_expression' && node.childForFieldName('operator')?.text === '+') {
    const left = sqlText(node.childForFieldName('left') ?? undefined);
    const right = sqlText(node.childForFieldName('right') ?? undefined);
    return left && right ? joinEmbedded([left, right]) : undefined;
  }
  return undefined;
}

function sql(node: Node | undefined, ctx: Ctx, via: string, at: Span): void {
  const lit0 = sqlText(node);
  if (!lit0) {
    ctx.ops.push({ kind: 'opaque', what: `${via} with computed SQL`, span: at, via });
    return;
  }
  for (const op of embeddedSql(lit0, ctx.dialect, ctx.problems)) ctx.ops.push({ ...op, via });
}

function walk(node: Node, ctx: Ctx, table?: { name: string; param: string }): void {
  if (node.type === 'call_expression') {
    const { root, steps } = flatten(node);
    if (handleChain(node, root, steps, ctx, table)) return;
    if (steps.length > 0) {
      // No shorter part of the chain is understood either (what handleChain
      // recognises only grows with the chain): what is left to read is its
      // root and arguments, each once — not every call of a long chain again.
      walk(root, ctx, table);
      for (const step of steps) for (const arg of step.args) walk(arg, ctx, table);
      return;
    }
  }
  for (const child of kids(node)) walk(child, ctx, table);
}

/** Returns true when the chain was understood (its callbacks are walked here). */
function handleChain(node: Node, root: Node, steps: Step[], ctx: Ctx, table?: { name: string; param: string }): boolean {
  const at = span(node);
  const names = steps.map((s) => s.name);
  const push = (body: OpBody, via: string) => ctx.ops.push({ ...body, span: at, via } as Op);
  const first = steps[0];
  if (!first) return false;

  // Column builders inside `table('t', (t) => …)`.
  if (table && root.type === 'identifier' && root.text === table.param) {
    const t = table.name;
    const a0 = lit(first.args[0]);
    const strings = first.args.flatMap((a) => (a.type === 'array' ? kids(a) : [a])).map(lit).filter((s): s is string => s !== undefined);
    switch (first.name) {
      case 'dropColumn':
      case 'dropColumns':
        for (const c of strings) push({ kind: 'drop-column', table: t, column: c }, first.name);
        return true;
      case 'dropTimestamps':
        push({ kind: 'drop-column', table: t, column: 'created_at' }, first.name);
        return true;
      case 'renameColumn':
        push({ kind: 'rename-column', table: t, column: a0 ?? '?', to: lit(first.args[1]) ?? '?' }, first.name);
        return true;
      case 'dropNullable':
        push({ kind: 'set-not-null', table: t, column: a0 ?? '?' }, first.name);
        return true;
      case 'setNullable':
        push({ kind: 'drop-not-null', table: t, column: a0 ?? '?' }, first.name);
        return true;
      case 'dropForeign':
      case 'dropUnique':
      case 'dropPrimary':
      case 'dropChecks':
        push({ kind: 'drop-constraint', table: t, name: a0 }, first.name);
        return true;
      case 'dropIndex':
        push({ kind: 'drop-index', table: t, concurrently: false }, first.name);
        return true;
      case 'index':
        push({ kind: 'create-index', table: t, unique: false, concurrently: false }, first.name);
        return true;
      case 'unique':
        push({ kind: 'add-constraint', table: t, constraint: 'unique', notValid: false, usingIndex: false }, first.name);
        return true;
      case 'foreign':
        push({ kind: 'add-constraint', table: t, constraint: 'foreign-key', notValid: false, usingIndex: false }, 'foreign');
        return true;
      case 'check':
        push({ kind: 'add-constraint', table: t, constraint: 'check', notValid: false, usingIndex: false }, first.name);
        return true;
    }
    if (COLUMN_TYPES.has(first.name) || first.name === 'timestamps') {
      const column = first.name === 'timestamps' ? 'created_at' : a0 ?? '?';
      const notNull = names.includes('notNullable') || (first.name === 'timestamps' && lit(first.args[1]) === undefined && first.args[1]?.type === 'true');
      if (names.includes('alter')) {
        // `specificType('body', 'LONGTEXT')` names the database type itself.
        const type = first.name === 'specificType' ? (lit(first.args[1]) ?? first.name) : first.name;
        push({ kind: 'alter-type', table: t, column, type }, `${first.name}().alter`);
        if (notNull) push({ kind: 'set-not-null', table: t, column }, 'notNullable().alter');
      } else {
        const increments = first.name.endsWith('ncrements');
        push({ kind: 'add-column', table: t, column, notNull: notNull || increments, hasDefault: names.includes('defaultTo') || increments, generated: false }, first.name);
        if (names.includes('unique')) push({ kind: 'add-constraint', table: t, constraint: 'unique', notValid: false, usingIndex: false }, 'unique');
        if (names.includes('references') || names.includes('inTable')) push({ kind: 'add-constraint', table: t, constraint: 'foreign-key', notValid: false, usingIndex: false }, 'references');
        if (names.includes('index')) push({ kind: 'create-index', table: t, unique: false, concurrently: false }, 'index');
      }
      return true;
    }
    return false;
  }

  // `knex('t').where(…).update({…})`, `.del()`, `.insert()`.
  if (root.type === 'call_expression' && root.childForFieldName('function')?.type === 'identifier') {
    const t = lit(kids(root.childForFieldName('arguments'))[0]);
    if (t) {
      const where = names.some((n) => FILTERS.has(n));
      const last = names.find((n) => ['update', 'del', 'delete', 'insert', 'truncate'].includes(n));
      if (last === 'update') {
        const obj = steps.find((s) => s.name === 'update')?.args[0];
        const columns = obj?.type === 'object' ? kids(obj).filter((p) => p.type === 'pair').map((p) => p.childForFieldName('key')?.text.replace(/['"]/g, '') ?? '') : [];
        push({ kind: 'update', table: t, where, columns }, 'update');
        return true;
      }
      if (last === 'del' || last === 'delete') {
        push({ kind: 'delete', table: t, where }, last);
        return true;
      }
      if (last === 'truncate') {
        push({ kind: 'truncate', tables: [t] }, 'truncate');
        return true;
      }
      if (last === 'insert') {
        push({ kind: 'insert', table: t, select: false }, 'insert');
        return true;
      }
    }
  }

  // TypeORM: `queryRunner.X(…)`.
  if (ctx.typeorm && root.type === 'identifier' && root.text === ctx.param) {
    const tableArg = (n: Node | undefined) => lit(n) ?? lit(prop(n, 'name')) ?? n?.text ?? '?';
    const columnArg = (n: Node | undefined) => lit(n) ?? lit(prop(n, 'name')) ?? n?.text ?? '?';
    const a = first.args;
    switch (first.name) {
      case 'query':
        sql(a[0], ctx, 'queryRunner.query', at);
        return true;
      case 'createTable':
        push({ kind: 'create-table', table: tableArg(a[0]) }, first.name);
        return true;
      case 'dropTable':
        push({ kind: 'drop-table', table: tableArg(a[0]), object: 'table' }, first.name);
        return true;
      case 'renameTable':
        push({ kind: 'rename-table', table: tableArg(a[0]), to: lit(a[1]) ?? '?' }, first.name);
        return true;
      case 'addColumn': {
        const col = a[1];
        const nullable = prop(col, 'isNullable');
        push({ kind: 'add-column', table: tableArg(a[0]), column: columnArg(col), notNull: nullable?.type !== 'true', hasDefault: prop(col, 'default') !== undefined, generated: prop(col, 'generatedType') !== undefined || prop(col, 'isGenerated') !== undefined }, first.name);
        return true;
      }
      case 'dropColumn':
        push({ kind: 'drop-column', table: tableArg(a[0]), column: columnArg(a[1]) }, first.name);
        return true;
      case 'dropColumns':
        for (const c of a[1]?.type === 'array' ? kids(a[1]) : []) push({ kind: 'drop-column', table: tableArg(a[0]), column: columnArg(c) }, first.name);
        return true;
      case 'renameColumn':
        push({ kind: 'rename-column', table: tableArg(a[0]), column: columnArg(a[1]), to: columnArg(a[2]) }, first.name);
        return true;
      case 'changeColumn': {
        const from = columnArg(a[1]);
        const to = columnArg(a[2]);
        if (to !== '?' && from.toLowerCase() !== to.toLowerCase()) push({ kind: 'rename-column', table: tableArg(a[0]), column: from, to }, first.name);
        push({ kind: 'alter-type', table: tableArg(a[0]), column: to, type: lit(prop(a[2], 'type')) }, first.name);
        return true;
      }
      case 'createIndex':
        push({ kind: 'create-index', table: tableArg(a[0]), name: lit(prop(a[1], 'name')), unique: prop(a[1], 'isUnique')?.type === 'true', concurrently: prop(a[1], 'isConcurrent')?.type === 'true' }, first.name);
        return true;
      case 'dropIndex':
        push({ kind: 'drop-index', table: tableArg(a[0]), concurrently: false }, first.name);
        return true;
      case 'createForeignKey':
      case 'createForeignKeys':
        push({ kind: 'add-constraint', table: tableArg(a[0]), constraint: 'foreign-key', notValid: false, usingIndex: false }, first.name);
        return true;
      case 'createUniqueConstraint':
        push({ kind: 'add-constraint', table: tableArg(a[0]), constraint: 'unique', notValid: false, usingIndex: false }, first.name);
        return true;
      case 'createCheckConstraint':
        push({ kind: 'add-constraint', table: tableArg(a[0]), constraint: 'check', notValid: false, usingIndex: false }, first.name);
        return true;
      case 'dropForeignKey':
      case 'dropUniqueConstraint':
      case 'dropCheckConstraint':
      case 'dropPrimaryKey':
        push({ kind: 'drop-constraint', table: tableArg(a[0]) }, first.name);
        return true;
      case 'clearTable':
        push({ kind: 'truncate', tables: [tableArg(a[0])] }, first.name);
        return true;
    }
    return false;
  }

  // Knex schema builder: `knex.schema.alterTable('t', (t) => …)`, `knex.raw(…)`.
  let handled = false;
  for (const step of steps) {
    const a = step.args;
    const stepAt = span(step.node);
    const pushAt = (body: OpBody) => ctx.ops.push({ ...body, span: stepAt, via: step.name } as Op);
    switch (step.name) {
      case 'createTable':
      case 'createTableIfNotExists':
      case 'table':
      case 'alterTable': {
        const name = lit(a[0]);
        if (!name) break;
        if (step.name.startsWith('create')) pushAt({ kind: 'create-table', table: name });
        const cb = a[1];
        const param = cb ? kids(cb.childForFieldName('parameters'))[0] ?? (cb.childForFieldName('parameter') ?? undefined) : undefined;
        const paramName = param?.type === 'required_parameter' ? param.childForFieldName('pattern')?.text : param?.text;
        const body = cb?.childForFieldName('body');
        if (body && paramName) walk(body, ctx, { name, param: paramName });
        handled = true;
        break;
      }
      case 'dropTable':
      case 'dropTableIfExists':
        pushAt({ kind: 'drop-table', table: lit(a[0]) ?? '?', object: 'table' });
        handled = true;
        break;
      case 'renameTable':
        pushAt({ kind: 'rename-table', table: lit(a[0]) ?? '?', to: lit(a[1]) ?? '?' });
        handled = true;
        break;
      case 'raw':
        sql(a[0], ctx, 'raw', stepAt);
        handled = true;
        break;
    }
  }
  return handled;
}

interface Fn {
  name: 'up' | 'down';
  nameNode: Node;
  params: Node | null;
  body: Node | null;
}

/** `up`/`down` as class methods, exported functions, `exports.up = …` or `module.exports = { up, down }`. */
function migrationFunctions(root: Node): Map<'up' | 'down', Fn> {
  const out = new Map<'up' | 'down', Fn>();
  const add = (nameNode: Node | null, fn: Node | null | undefined) => {
    const name = nameNode?.text;
    if ((name !== 'up' && name !== 'down') || !fn || out.has(name)) return;
    out.set(name, { name, nameNode: nameNode!, params: fn.childForFieldName('parameters') ?? fn.childForFieldName('parameter'), body: fn.childForFieldName('body') });
  };
  const visit = (node: Node, depth: number) => {
    if (depth > 6) return;
    switch (node.type) {
      case 'method_definition':
      case 'function_declaration':
        add(node.childForFieldName('name'), node);
        return;
      case 'pair': {
        const value = node.childForFieldName('value');
        if (value && /function|arrow_function/.test(value.type)) add(node.childForFieldName('key'), value);
        return;
      }
      case 'assignment_expression': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (left?.type === 'member_expression' && right && /function|arrow_function/.test(right.type)) add(left.childForFieldName('property'), right);
        else if (right) visit(right, depth + 1);
        return;
      }
      case 'variable_declarator': {
        const value = node.childForFieldName('value');
        if (value && /function|arrow_function/.test(value.type)) add(node.childForFieldName('name'), value);
        return;
      }
    }
    for (const child of kids(node)) visit(child, depth + 1);
  };
  visit(root, 0);
  return out;
}

function paramName(fn: Fn): string | undefined {
  const params = fn.params;
  if (!params) return undefined;
  if (params.type === 'identifier') return params.text;
  const first = kids(params)[0];
  if (!first) return undefined;
  return first.type === 'required_parameter' || first.type === 'optional_parameter' ? first.childForFieldName('pattern')?.text : first.text;
}

/** True for a TypeORM migration: a class implementing MigrationInterface, or `up(queryRunner)`. */
function isTypeorm(root: Node, up: Fn): boolean {
  for (const clause of root.descendantsOfType('implements_clause')) if (clause?.text.includes('MigrationInterface')) return true;
  return up.nameNode.parent?.type === 'method_definition' && /queryRunner/i.test(paramName(up) ?? '');
}

function bodyOps(fn: Fn, ctx: Omit<Ctx, 'ops' | 'param'>): Op[] {
  const c: Ctx = { ...ctx, ops: [], param: paramName(fn) };
  if (fn.body) {
    if (fn.body.type === 'statement_block') for (const stmt of kids(fn.body)) walk(stmt, c);
    else walk(fn.body, c);
  }
  return c.ops;
}

export function readJavascript(root: Node, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): MigrationUnit[] | undefined {
  const fns = migrationFunctions(root);
  const up = fns.get('up');
  if (!up) return undefined;
  const typeorm = isTypeorm(root, up);
  const framework = typeorm ? 'typeorm' : 'knex';
  const base = { dialect, problems, typeorm };
  const upOps = bodyOps(up, base);
  const anchor = { start: 0, end: 0 };
  const down = fns.get('down');
  if (!down) return [{ framework, anchor, up: upOps, upHere: true, down: { state: 'absent', expected: 'a `down` function' } }];
  const downOps = bodyOps(down, base);
  return [{ framework, anchor, up: upOps, upHere: true, down: { state: 'present', ops: downOps, here: true, label: '`down`', anchor: span(down.nameNode) } }];
}
