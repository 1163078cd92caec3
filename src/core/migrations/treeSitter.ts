import type { Language, Parser, Node, Tree } from 'web-tree-sitter';
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

/** Parses `text`, hands the tree to `fn`, and frees the tree (WASM memory) afterwards. */
export async function withTree<T>(grammar: Grammar, text: string, fn: (root: Node, tree: Tree) => T): Promise<T> {
  const parser = await parserFor(grammar);
  const tree = parser.parse(text);
  if (!tree) throw new Error(`tree-sitter could not parse the file as ${grammar}`);
  try {
    return fn(tree.rootNode, tree);
  } finally {
    tree.delete();
  }
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
