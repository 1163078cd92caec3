import { isAlias, isMap, isPair, isScalar, isSeq, YAMLParseError, type Document } from 'yaml';

/**
 * YAML aliases let a few hundred bytes stand for billions of nodes (`a1: &a1
 * [*a0, *a0, …]`, nine levels deep). Every walk that follows aliases (rules,
 * comparisons, `toJS`) would expand them. A document whose aliases expand to
 * more nodes than the bound is not read: its contents are dropped and it
 * carries an error saying why, so callers treat it like any document that
 * did not parse. The bound is the larger of a fixed number of nodes and the
 * document's own length in characters (a document without aliases never
 * reaches it).
 */
export const MAX_ALIAS_EXPANSION = 100_000;

/**
 * Number of nodes of `document` with every alias expanded, counted without
 * expanding anything; `Infinity` as soon as it exceeds `budget`, or when an
 * alias refers to a node that contains it (a cycle).
 */
export function expandedNodeCount(document: Document, budget: number): number {
  const anchors = new Map<string, unknown>();
  const sizes = new Map<unknown, number>();
  const childrenOf = (node: unknown): unknown[] => {
    if (isMap(node)) return node.items.flatMap((p) => (isPair(p) ? [p.key, p.value] : []));
    if (isSeq(node)) return node.items;
    return [];
  };
  const root = document.contents;
  if (root === null || root === undefined) return 0;
  if (!isMap(root) && !isSeq(root)) return 1;
  // Iterative depth-first walk in document order: an anchor is always defined before its aliases.
  const stack: { node: unknown; children: unknown[]; next: number; total: number }[] = [];
  const open = (node: unknown) => {
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node);
    stack.push({ node, children: childrenOf(node), next: 0, total: 1 });
  };
  open(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next < top.children.length) {
      const child = top.children[top.next++];
      if (child === null || child === undefined) continue;
      if (isAlias(child)) {
        const target = anchors.get(child.source);
        const size = target === undefined ? 1 : sizes.get(target);
        if (size === undefined) return Infinity;
        top.total += size;
      } else if (isMap(child) || isSeq(child)) {
        open(child);
        continue;
      } else {
        if (isScalar(child) && child.anchor) {
          anchors.set(child.anchor, child);
          sizes.set(child, 1);
        }
        top.total += 1;
      }
      if (top.total > budget) return Infinity;
      continue;
    }
    stack.pop();
    sizes.set(top.node, top.total);
    const parent = stack[stack.length - 1];
    if (!parent) return top.total;
    parent.total += top.total;
    if (parent.total > budget) return Infinity;
  }
  return 0;
}

/**
 * Checks the alias expansion of each document; a document over the bound gets
 * an error and loses its contents (nothing can expand it afterwards). Returns
 * the documents, for chaining after a parse.
 */
export function boundAliases<D extends Document>(documents: D[]): D[] {
  for (const document of documents) {
    const range = (document as { range?: [number, number, number] }).range ?? [0, 0, 0];
    const budget = Math.max(MAX_ALIAS_EXPANSION, range[2] - range[0]);
    if (expandedNodeCount(document, budget) <= budget) continue;
    document.contents = null;
    document.errors.push(new YAMLParseError([range[0], range[0] + 1], 'RESOURCE_EXHAUSTION', `YAML aliases expand this document to more than ${budget.toLocaleString('en-US')} values; it is not read`));
  }
  return documents;
}
