import { isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import type { Injection } from '../yaml/helm';
import { injectionsInto } from '../yaml/injections';
import { isTemplatedRange, sourceSpan, type ManifestDoc, type ManifestFile } from '../yaml/manifest';
import { YamlNav } from '../yaml/nodes';

/** A step from a node to its child: a mapping key or a sequence index. */
type Step = string | number;

/**
 * Maps a node of Helm's output back to the template line that produced it.
 * The masked parse of the template knows where its literal keys are: the
 * rendered node's path (`spec.template.spec.containers[name=web].image`)
 * is followed there as far as it goes. What a template prints with an
 * action (`{{- include "app.labels" . | nindent 4 }}`, `{{ toYaml .Values.x }}`)
 * maps to that action; a value printed inside a literal key's line maps to
 * that line.
 */
export class TemplateLocator {
  private readonly nav: Map<Document.Parsed, YamlNav> = new Map();
  private readonly assigned = new Map<ManifestDoc, Document.Parsed | undefined>();
  private readonly paths = new WeakMap<ManifestDoc, Map<unknown, Step[]>>();
  /** Key nodes of the rendered documents (a finding on a key is placed on the template's key). */
  private readonly keys = new WeakSet<object>();

  constructor(
    private readonly template: ManifestFile,
    rendered: readonly ManifestDoc[],
  ) {
    this.align(rendered);
  }

  /** `[start, end)` in the template's text of what produced `node` of the rendered document. */
  locate(doc: ManifestDoc, node: unknown): [number, number] {
    return this.find(doc, node).span;
  }

  /**
   * Whether an action printed `node` rather than the template holding it
   * literally: its text holds an action, or its key is not in the template
   * at all (an action printed the key, or the whole entry).
   */
  printed(doc: ManifestDoc, node: unknown): boolean {
    const { span: [start, end], exact } = this.find(doc, node);
    return !exact || isTemplatedRange(this.template, start, Math.max(end, start + 1));
  }

  private find(doc: ManifestDoc, node: unknown): { span: [number, number]; exact: boolean } {
    const document = this.assigned.get(doc);
    if (!document) return { span: this.fallback(), exact: false };
    const path = this.pathOf(doc, node);
    const nav = this.navOf(document);
    this.exact = true;
    const [start, end] = this.descend(nav, document.contents, path ?? [], doc, isPair(node) ? 'pair' : this.keys.has(node as object) ? 'key' : 'value');
    return { span: sourceSpan(this.template, start, end), exact: path !== undefined && this.exact };
  }

  /** Set by descend: whether the whole path was found literally in the template. */
  private exact = true;

  /**
   * The template's own node for `node` of the rendered document, when the
   * template holds it literally at the same path (a quick fix edits it there);
   * undefined when an action printed it or its path is not in the template.
   */
  templateNode(doc: ManifestDoc, node: unknown): { node: unknown; nav: YamlNav } | undefined {
    const document = this.assigned.get(doc);
    const path = document ? this.pathOf(doc, node) : undefined;
    if (!document || !path) return undefined;
    const nav = this.navOf(document);
    let current: unknown = document.contents;
    let renderedNode: unknown = doc.root;
    let pair: Pair<unknown, unknown> | undefined;
    for (const step of path) {
      if (typeof step === 'string') {
        pair = nav.pair(current, step);
        if (!pair) return undefined;
        current = nav.resolve(pair.value);
        renderedNode = doc.nav.get(renderedNode, step);
      } else {
        pair = undefined;
        const items = nav.items(current);
        const renderedItems = doc.nav.items(renderedNode);
        const item = this.matchItem(nav, items, renderedItems, step, doc);
        if (item === undefined) return undefined;
        current = item;
        renderedNode = renderedItems[step];
      }
    }
    return { node: isPair(node) ? pair : current, nav };
  }

  /**
   * Pairs each rendered document with the template document that printed
   * it, in order: the next one of the same kind, else the same one again
   * (a `range` prints several), a templated kind matching any.
   */
  private align(rendered: readonly ManifestDoc[]): void {
    const documents = this.template.documents.filter((d) => isMap(d.contents));
    const kinds = documents.map((d) => {
      const nav = this.navOf(d);
      const kind = nav.get(d.contents, 'kind');
      const range = (kind as Node | undefined)?.range;
      return range && this.template.templated && this.template.templateSpans.some(([s, e]) => s < range[1] && range[0] < e) ? undefined : nav.str(kind);
    });
    const fits = (k: number, kind: string) => kinds[k] === undefined || kinds[k] === kind;
    let last = -1;
    for (const doc of rendered) {
      let found = -1;
      for (let k = last + 1; k < documents.length; k++) {
        if (fits(k, doc.kind)) {
          found = k;
          break;
        }
      }
      if (found === -1 && last >= 0 && fits(last, doc.kind)) found = last;
      // A template of one document whose kind an `if … else` chooses (the masked text keeps the first branch's).
      if (found === -1 && documents.length === 1) found = 0;
      if (found !== -1) last = found;
      this.assigned.set(doc, found === -1 ? undefined : documents[found]);
    }
  }

  private navOf(document: Document.Parsed): YamlNav {
    let nav = this.nav.get(document);
    if (!nav) this.nav.set(document, (nav = new YamlNav(document)));
    return nav;
  }

  /** The path from the document root to `node` (a pair: to its key's value). */
  private pathOf(doc: ManifestDoc, node: unknown): Step[] | undefined {
    let paths = this.paths.get(doc);
    if (!paths) {
      paths = new Map();
      const walk = (n: unknown, path: Step[]) => {
        if (paths!.has(n)) return;
        paths!.set(n, path);
        if (isMap(n)) {
          for (const item of n.items) {
            const key = isScalar(item.key) ? String(item.key.value) : undefined;
            if (key === undefined) continue;
            paths!.set(item, [...path, key]);
            paths!.set(item.key, [...path, key]);
            this.keys.add(item.key as object);
            walk(item.value, [...path, key]);
          }
        } else if (isSeq(n)) n.items.forEach((item, i) => walk(item, [...path, i]));
      };
      walk(doc.root, []);
      this.paths.set(doc, paths);
    }
    return paths.get(node);
  }

  /**
   * Follows `path` in the template document from `node`; returns where the
   * deepest literal match is, or the action that printed the rest.
   */
  private descend(nav: YamlNav, root: unknown, path: readonly Step[], doc: ManifestDoc, part: 'pair' | 'key' | 'value'): [number, number] {
    let node: unknown = root;
    let best: [number, number] = spanOf(root) ?? [0, 0];
    let renderedNode: unknown = doc.root;
    for (let i = 0; i < path.length; i++) {
      const step = path[i]!;
      const last = i === path.length - 1;
      if (typeof step === 'string') {
        const pair = nav.pair(node, step);
        if (!pair) {
          this.exact = false;
          return this.printedInto(node) ?? best;
        }
        const key = spanOf(pair.key);
        const value = nav.resolve(pair.value);
        renderedNode = doc.nav.get(renderedNode, step);
        if (last) {
          if (part === 'pair') return spanOf(pair) ?? key ?? best;
          if (part === 'key') return key ?? best;
          // A value printed into an empty key (`labels:` + include) is where the action is.
          if (isMap(renderedNode) || isSeq(renderedNode)) {
            if (!isMap(value) && !isSeq(value)) {
              this.exact = false;
              return this.printedUnder(pair) ?? key ?? best;
            }
          }
          return spanOf(value) ?? key ?? best;
        }
        best = key ?? best;
        if (!isMap(value) && !isSeq(value)) {
          this.exact = false;
          return this.printedUnder(pair) ?? best;
        }
        node = value;
      } else {
        const items = nav.items(node);
        const renderedItems = doc.nav.items(renderedNode);
        const wanted = renderedItems[step];
        const item = this.matchItem(nav, items, renderedItems, step, doc, true);
        if (item === undefined) {
          this.exact = false;
          return this.printedInto(node) ?? best;
        }
        renderedNode = wanted;
        best = spanOf(item) ?? best;
        if (last) return best;
        node = item;
      }
    }
    return best;
  }

  /**
   * The template's list item that printed rendered item `step`: the one with
   * its literal `name`, else the one at the same index when both lists have
   * the same length; failing those (`loose`), the only item, or the only
   * item whose `name` is printed by an action (`- name: {{ .Values.name }}`).
   */
  private matchItem(nav: YamlNav, items: readonly unknown[], renderedItems: readonly unknown[], step: number, doc: ManifestDoc, loose = false): unknown {
    const name = doc.nav.str(doc.nav.get(renderedItems[step], 'name'));
    let item: unknown;
    if (name !== undefined) item = items.find((t) => nav.str(nav.get(t, 'name')) === name && !this.isPrinted(nav.get(t, 'name')));
    if (item === undefined && items.length === renderedItems.length) item = items[step];
    if (item === undefined && loose) {
      if (items.length === 1) item = items[0];
      else {
        const printed = items.filter((t) => this.isPrinted(nav.get(t, 'name')));
        if (printed.length === 1) item = printed[0];
      }
    }
    return item;
  }

  /** Whether a template node's text holds a template action. */
  private isPrinted(node: unknown): boolean {
    const s = spanOf(node);
    return s !== undefined && isTemplatedRange(this.template, ...sourceSpan(this.template, s[0], s[1]));
  }

  /** The action that printed entries into this template mapping, if any. */
  private printedInto(node: unknown): [number, number] | undefined {
    return first(injectionsInto(this.template, node));
  }

  /** The action that printed the value of this key, if the template leaves it empty. */
  private printedUnder(pair: Pair<unknown, unknown>): [number, number] | undefined {
    return first(injectionsInto(this.template, pair));
  }

  /** Where a document no template document matches comes from: the first action that prints lines, else the file's start. */
  private fallback(): [number, number] {
    const injection = this.template.injections[0];
    return injection ? [injection.offset, injection.end] : [0, 0];
  }
}

function first(injections: readonly Injection[]): [number, number] | undefined {
  const injection = injections[0];
  return injection ? [injection.offset, injection.end] : undefined;
}

function spanOf(node: unknown): [number, number] | undefined {
  if (isPair(node)) {
    const k = spanOf(node.key);
    const v = spanOf(node.value);
    return k && v ? [k[0], v[1]] : (k ?? v);
  }
  const range = (node as Node | null | undefined)?.range;
  return range ? [range[0], range[1]] : undefined;
}
