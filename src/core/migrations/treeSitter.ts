import type { Language, Parser, Node, Point, Range, Tree } from 'web-tree-sitter';
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

/** A full-line comment the parser was not shown (see `commentRuns`). */
export interface SkippedComment {
  text: string;
  start: number;
  end: number;
}

/**
 * Parses `text`, hands the tree to `fn`, and frees the tree (WASM memory)
 * afterwards. Long runs of comment lines in Python are left out of the parse
 * (see `commentRuns`); `fn` receives them as `skipped`, outside strings only.
 */
export async function withTree<T>(grammar: Grammar, text: string, fn: (root: Node, tree: Tree, skipped: SkippedComment[]) => T): Promise<T> {
  const parser = await parserFor(grammar);
  if (grammar === 'ruby') {
    // tree-sitter-ruby's scanner keeps a heredoc's word in a one-byte length and fails an assertion past 255.
    const long = LONG_HEREDOC_WORD.exec(text);
    if (long) throw new InputLimit(long.index, 'a heredoc word longer than 255 characters, which the Ruby grammar cannot read');
  }
  const gaps = grammar === 'python' ? commentRuns(text) : [];
  let tree: Tree | null;
  try {
    tree = parser.parse(text, null, gaps.length > 0 ? { includedRanges: includedAround(gaps) } : undefined);
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
    return fn(tree.rootNode, tree, gaps.length > 0 ? skippedComments(text, tree.rootNode, gaps) : []);
  } finally {
    tree.delete();
  }
}

/** Consecutive comment lines from which the Python parser is kept out. */
export const COMMENT_RUN_LINES = 32;

interface Gap {
  start: number;
  end: number;
  startRow: number;
  endRow: number;
}

/**
 * Runs of more than `COMMENT_RUN_LINES` consecutive lines that hold only a
 * `#` comment, each from its first line's start to just after its last
 * newline. tree-sitter-python's scanner, at every line end inside an
 * indented block, reads ahead over all the comment lines that follow to find
 * the next line's indentation — so n comment lines in a row cost n²/2 line
 * reads (1,800 lines: 2 s). Left out of the parse (tree-sitter's included
 * ranges), such a run reads as the blank lines it is to Python, and every
 * offset in the tree stays that of the text.
 */
export function commentRuns(text: string): Gap[] {
  const gaps: Gap[] = [];
  let row = 0;
  let runStart = -1;
  let runRow = 0;
  let lines = 0;
  let pos = 0;
  while (pos < text.length) {
    const newline = text.indexOf('\n', pos);
    // A last line without a line feed stays in the parse.
    if (newline < 0) break;
    let i = pos;
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] === '#') {
      if (lines === 0) {
        runStart = pos;
        runRow = row;
      }
      lines++;
    } else {
      if (lines > COMMENT_RUN_LINES) gaps.push({ start: runStart, end: pos, startRow: runRow, endRow: row });
      lines = 0;
    }
    pos = newline + 1;
    row++;
  }
  if (lines > COMMENT_RUN_LINES) gaps.push({ start: runStart, end: pos, startRow: runRow, endRow: row });
  return gaps;
}

/** The ranges between `gaps`, to the end of the input. */
function includedAround(gaps: Gap[]): Range[] {
  const ranges: Range[] = [];
  let start = 0;
  let startPosition: Point = { row: 0, column: 0 };
  for (const gap of gaps) {
    if (gap.start > start) ranges.push({ startIndex: start, endIndex: gap.start, startPosition, endPosition: { row: gap.startRow, column: 0 } });
    start = gap.end;
    startPosition = { row: gap.endRow, column: 0 };
  }
  ranges.push({ startIndex: start, endIndex: 0x7fffffff, startPosition, endPosition: { row: 0x7fffffff, column: 0x7fffffff } });
  return ranges;
}

/** The comments of the left-out runs, except runs inside a string (lines of a docstring that start with `#`). */
function skippedComments(text: string, root: Node, gaps: Gap[]): SkippedComment[] {
  const comments: SkippedComment[] = [];
  for (const gap of gaps) {
    let inString = false;
    for (let node: Node | null = root.descendantForIndex(gap.start, gap.end); node && !inString; node = node.parent) {
      inString = node.type === 'string' || node.type === 'string_content';
    }
    if (inString) continue;
    for (let pos = gap.start; pos < gap.end; ) {
      const newline = text.indexOf('\n', pos);
      const lineEnd = newline < 0 || newline > gap.end ? gap.end : newline;
      const hash = text.indexOf('#', pos);
      let end = lineEnd;
      if (end > hash && text[end - 1] === '\r') end--;
      comments.push({ text: text.slice(hash, end), start: hash, end });
      pos = lineEnd + 1;
    }
  }
  return comments;
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
