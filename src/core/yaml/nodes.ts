import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';

export type YNode = Node | null | undefined;

/**
 * Read-only navigation over one parsed YAML document that resolves aliases
 * and `<<` merge keys, so rules see what Kubernetes sees while every node
 * keeps its source range.
 */
export class YamlNav {
  constructor(private readonly doc: Document.Parsed) {}

  resolve(node: unknown): YNode {
    let current = node;
    for (let depth = 0; isAlias(current) && depth < 32; depth++) current = current.resolve(this.doc);
    return isAlias(current) ? undefined : (current as YNode);
  }

  /** The pair for `key` in a mapping, own keys first, then merged ones. */
  pair(node: unknown, key: string): Pair<unknown, unknown> | undefined {
    const map = this.resolve(node);
    if (!isMap(map)) return undefined;
    let merged: Pair<unknown, unknown> | undefined;
    // Every rule looks fields up here: plain string keys are compared without a String() per key.
    const items = map.items as Pair<unknown, unknown>[];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const k = isAlias(item.key) ? this.resolve(item.key) : item.key;
      if (!isScalar(k)) continue;
      const value = k.value;
      if (value === key && key !== '<<') return item;
      if (isMergeKey(k)) {
        if (merged !== undefined) continue;
        const source = this.resolve(item.value);
        const sources = isSeq(source) ? source.items : [source];
        for (const s of sources) {
          merged = this.pair(s, key);
          if (merged) break;
        }
      } else if (typeof value !== 'string' && String(value) === key) return item;
    }
    return merged;
  }

  get(node: unknown, key: string): YNode {
    const p = this.pair(node, key);
    return p ? this.resolve(p.value) : undefined;
  }

  at(node: unknown, path: readonly (string | number)[]): YNode {
    let current: YNode = this.resolve(node);
    for (const segment of path) {
      if (current == null) return undefined;
      current = typeof segment === 'number' ? this.items(current)[segment] : this.get(current, segment);
    }
    return current;
  }

  items(node: unknown): Node[] {
    const seq = this.resolve(node);
    if (!isSeq(seq)) return [];
    return seq.items.map((item) => this.resolve(item)).filter((item): item is Node => item != null);
  }

  /** Key/value pairs of a mapping with resolved values (own keys only, then merged). */
  entries(node: unknown): { key: string; pair: Pair<unknown, unknown>; value: YNode }[] {
    const map = this.resolve(node);
    if (!isMap(map)) return [];
    const seen = new Set<string>();
    const out: { key: string; pair: Pair<unknown, unknown>; value: YNode }[] = [];
    const merges: unknown[] = [];
    for (const item of map.items) {
      const k = this.resolve(item.key);
      if (!isScalar(k)) continue;
      if (isMergeKey(k)) {
        merges.push(item.value);
        continue;
      }
      const key = String(k.value);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ key, pair: item, value: this.resolve(item.value) });
    }
    for (const m of merges) {
      const source = this.resolve(m);
      for (const s of isSeq(source) ? source.items : [source]) {
        for (const e of this.entries(s)) {
          if (!seen.has(e.key)) {
            seen.add(e.key);
            out.push(e);
          }
        }
      }
    }
    return out;
  }

  /** Scalar value as a string (numbers and booleans included), else undefined. */
  str(node: unknown): string | undefined {
    const n = this.resolve(node);
    if (!isScalar(n) || n.value === null || n.value === undefined) return undefined;
    return typeof n.value === 'object' ? undefined : String(n.value);
  }

  isMap(node: unknown): node is YAMLMap {
    return isMap(this.resolve(node));
  }

  isSeq(node: unknown): node is YAMLSeq {
    return isSeq(this.resolve(node));
  }
}

/** A `<<` merge key (the parser gives it a symbol value when merge keys are on). */
function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  return key.value === '<<' || (typeof key.value === 'symbol' && key.value.description === '<<');
}

/** `[start, end)` of a node's value in the source (without trailing comments). */
export function span(node: unknown): [number, number] | undefined {
  if (isPair(node)) {
    const k = span(node.key);
    const v = span(node.value);
    if (k && v) return [k[0], v[1]];
    return k ?? v;
  }
  const range = (node as Node | null | undefined)?.range;
  return range ? [range[0], range[1]] : undefined;
}

export function isFlowCollection(node: unknown): boolean {
  return (isMap(node) || isSeq(node)) && node.flow === true;
}
