import type { Language, Parser, Node, Tree } from 'web-tree-sitter';
import { InputLimit, NESTING_LIMITS, tooDeep } from '../limits';
import { wasmFile } from '../sql/wasm';

/**
 * Tree-sitter with the prebuilt grammars (Python, Ruby, JavaScript,
 * TypeScript). The runtime and each grammar load on the first file that
 * needs them, once per process.
 */

export type Grammar = 'python' | 'ruby' | 'javascript' | 'typescript';

const GRAMMAR_FILES: Record<Grammar, string> = {
  python: 'tree-sitter-python/tree-sitter-python.wasm',
  ruby: 'tree-sitter-ruby/tree-sitter-ruby.wasm',
  javascript: 'tree-sitter-javascript/tree-sitter-javascript.wasm',
  typescript: 'tree-sitter-typescript/tree-sitter-typescript.wasm',
};

type TreeSitter = typeof import('web-tree-sitter');

let runtime: Promise<TreeSitter> | undefined;
const languages = new Map<Grammar, Promise<Language>>();
const parsers = new Map<Grammar, Parser>();

function loadRuntime(): Promise<TreeSitter> {
  runtime ??= (async () => {
    // Its CommonJS build: the ESM build finds `require` through import('module'),
    // which a bundle compiled through the code cache cannot run (see esbuild.js).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require('web-tree-sitter') as TreeSitter;
    const file = wasmFile('web-tree-sitter/web-tree-sitter.wasm');
    await ts.Parser.init({ locateFile: () => file });
    return ts;
  })();
  return runtime;
}

async function parserFor(grammar: Grammar): Promise<Parser> {
  const existing = parsers.get(grammar);
  if (existing) return existing;
  const ts = await loadRuntime();
  let language = languages.get(grammar);
  if (!language) languages.set(grammar, (language = ts.Language.load(wasmFile(GRAMMAR_FILES[grammar]))));
  const parser = new ts.Parser();
  parser.setLanguage(await language);
  parsers.set(grammar, parser);
  return parser;
}

const LONG_HEREDOC_WORD = /<<[~-]?["'`]?[A-Za-z_]\w{255}/;

/** Parses `text`, hands the tree to `fn`, and frees the tree (WASM memory) afterwards. */
export async function withTree<T>(grammar: Grammar, text: string, fn: (root: Node, tree: Tree) => T): Promise<T> {
  const parser = await parserFor(grammar);
  if (grammar === 'ruby') {
    // tree-sitter-ruby's scanner keeps a heredoc's word in a one-byte length and fails an assertion past 255.
    const long = LONG_HEREDOC_WORD.exec(text);
    if (long) throw new InputLimit(long.index, 'a heredoc word longer than 255 characters, which the Ruby grammar cannot read');
  }
  let tree: Tree | null;
  try {
    tree = parser.parse(text);
  } catch (error) {
    // A grammar's scanner that fails (an assertion in its C code) leaves the
    // parser mid-parse, and every later parse would resume that state and
    // fail too: the next parse starts from a new parser.
    parsers.delete(grammar);
    try {
      parser.delete();
    } catch {
      // Its memory is lost either way.
    }
    throw new Error(`the ${grammar} parser failed (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!tree) throw new Error(`tree-sitter could not parse the file as ${grammar}`);
  try {
    const deep = deeperThan(tree.rootNode, NESTING_LIMITS.syntaxTree);
    if (deep) throw tooDeep('syntaxTree', deep.startIndex);
    return fn(tree.rootNode, tree);
  } finally {
    tree.delete();
  }
}

/**
 * A node deeper than `limit` levels, or undefined. The readers walk trees
 * recursively; this walk keeps its own stack, and descends only into nodes
 * whose subtree is large enough to reach past the limit (a subtree of n
 * nodes is at most n deep), so it touches a small part of an ordinary tree.
 */
export function deeperThan(root: Node, limit: number): Node | undefined {
  const stack: { node: Node; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (depth > limit) return node;
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child && depth + child.descendantCount > limit) stack.push({ node: child, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Every comment node (any grammar names them `comment`). */
export function commentNodes(root: Node): Node[] {
  return root.descendantsOfType('comment').filter((n): n is Node => n !== null);
}

/** Named children, without nulls. */
export function kids(node: Node | null | undefined): Node[] {
  return node ? node.namedChildren.filter((n): n is Node => n !== null) : [];
}

/** The first node where the grammar saw an error, for a not-analysed note. */
export function firstError(root: Node): Node | undefined {
  if (!root.hasError) return undefined;
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.shift()!;
    if (node.isError || node.isMissing) return node;
    for (const child of node.children) if (child && (child.hasError || child.isMissing)) stack.push(child);
  }
  return undefined;
}
