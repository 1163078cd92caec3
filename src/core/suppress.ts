import type { Finding, Range } from './model';
import type { LineIndex } from './text';
import { ruleById } from './rules';
import { IGNORE_WITHOUT_REASON, UNUSED_IGNORE } from './rules/meta';
import { toFinding, type RuleMeta } from './rule';

/** A source comment: text without its delimiters, exact range. */
export interface Comment {
  text: string;
  range: Range;
  /** True when nothing but whitespace precedes the comment on its line. */
  ownLine: boolean;
}

/** How a language writes a line comment, for inserted ignore comments. */
export interface CommentSyntax {
  prefix: string;
  suffix?: string;
}

export const HASH_COMMENT: CommentSyntax = { prefix: '# ' };
export const SQL_COMMENT: CommentSyntax = { prefix: '-- ' };
export const SLASH_COMMENT: CommentSyntax = { prefix: '// ' };
export const XML_COMMENT: CommentSyntax = { prefix: '<!-- ', suffix: ' -->' };

/** A reason that still reads like the placeholder the quick fix inserts counts as missing. */
export const REASON_PLACEHOLDER = '<why this is safe>';

interface Directive {
  ids: string[];
  reason: string;
  fileWide: boolean;
  comment: Comment;
  /** 0-based line the directive covers (the next code line, or its own line for a trailing comment). */
  target: number;
  used: Set<string>;
}

const DIRECTIVE = /^\s*rollback-guard-ignore(-file)?(?=[\s:,]|$)([\s\S]*)$/;
const RULE_ID = /^RG\d{3}$/i;

/** A rule's id from its id or name, as in `.rollbackguard.yaml`. */
function ruleIdOf(idOrName: string): string | undefined {
  return ruleById(idOrName.toUpperCase())?.id ?? ruleById(idOrName.toLowerCase())?.id;
}

/**
 * Splits what follows `rollback-guard-ignore` into rule ids and the reason:
 * ids (or rule names) come first, separated by commas or spaces; a colon, or
 * the first word that is not a rule, starts the reason.
 */
export function parseDirective(rest: string, ruleId: (idOrName: string) => string | undefined): { ids: string[]; reason: string } {
  // The end of an HTML/XML comment, and the spaces around it (without an expression that rescans a long run of spaces).
  const trimmed = rest.trimEnd();
  const text = trimmed.endsWith('-->') ? trimmed.slice(0, -3).trimEnd() : rest;
  const ids: string[] = [];
  let at = 0;
  const token = /[\s,]*([^\s,:]+)/y;
  for (;;) {
    token.lastIndex = at;
    const match = token.exec(text);
    if (!match) break;
    const word = match[1]!;
    const id = ruleId(word) ?? (RULE_ID.test(word) ? word.toUpperCase() : undefined);
    if (!id) break;
    ids.push(id);
    at = token.lastIndex;
  }
  const reason = text.slice(at).replace(/^[\s,]*:?/, '').trim();
  return { ids, reason };
}

/** Builds a comment record from its offsets. */
export function toComment(lines: LineIndex, text: string, start: number, end: number): Comment {
  const range = lines.range(start, end);
  const before = lines.text.slice(lines.lineStart(range.start.line), start);
  return { text, range, ownLine: before.trim() === '' };
}

/**
 * Applies `rollback-guard-ignore` comments: a directive covers the next line
 * that is not itself a comment (or its own line when it trails code); the
 * `-file` form covers the file. Directives without a reason, and directives
 * that suppress nothing, become findings themselves.
 */
export class Suppressions {
  private readonly directives: Directive[] = [];

  constructor(
    comments: readonly Comment[],
    /** Whether the configuration runs the rule; ignores of disabled rules are not "unused". */
    private readonly enabled: (id: string) => boolean = () => true,
  ) {
    const ownLineComments = new Set(comments.filter((c) => c.ownLine).map((c) => c.range.start.line));
    for (const comment of comments) {
      const match = DIRECTIVE.exec(comment.text);
      if (!match) continue;
      let target = comment.range.end.line;
      if (comment.ownLine) {
        target = comment.range.end.line + 1;
        while (ownLineComments.has(target)) target++;
      }
      const { ids, reason } = parseDirective(match[2] ?? '', ruleIdOf);
      this.directives.push({
        ids,
        reason,
        fileWide: match[1] !== undefined,
        comment,
        target,
        used: new Set(),
      });
    }
  }

  get isEmpty(): boolean {
    return this.directives.length === 0;
  }

  /** True (and the directive marked used) when a directive covers the finding. */
  suppresses(finding: Finding): boolean {
    let hit = false;
    for (const d of this.directives) {
      if (!d.ids.includes(finding.ruleId)) continue;
      if (d.fileWide || d.target === finding.range.start.line) {
        d.used.add(finding.ruleId);
        hit = true;
      }
    }
    return hit;
  }

  /** RG001 and RG002 findings for the directives of `file`. */
  problems(file: string): Finding[] {
    const out: Finding[] = [];
    const report = (meta: RuleMeta, d: Directive, message: string) => out.push(toFinding(meta, file, { range: d.comment.range, message }));
    for (const d of this.directives) {
      const form = d.fileWide ? 'rollback-guard-ignore-file' : 'rollback-guard-ignore';
      if (d.ids.length === 0) {
        report(UNUSED_IGNORE, d, `\`${form}\` names no rule id, so it suppresses nothing; write \`${form} RG101: <reason>\`.`);
        continue;
      }
      if (d.reason === REASON_PLACEHOLDER) {
        report(IGNORE_WITHOUT_REASON, d, `Replace \`${REASON_PLACEHOLDER}\` in \`${form} ${d.ids.join(', ')}\` with why this rollback risk is accepted here.`);
      } else if (d.reason === '') {
        report(IGNORE_WITHOUT_REASON, d, `\`${form} ${d.ids.join(', ')}\` gives no reason: say why this rollback risk is accepted, after a colon.`);
      }
      for (const id of d.ids) {
        if (d.used.has(id) || (ruleIdOf(id) !== undefined && !this.enabled(id))) continue;
        const why = ruleIdOf(id) !== undefined
          ? d.fileWide
            ? `there is no ${id} finding in this file`
            : `there is no ${id} finding on line ${d.target + 1}`
          : `${id} is not a Rollback Guard rule id`;
        report(UNUSED_IGNORE, d, `This ignore suppresses nothing: ${why}.`);
      }
    }
    return out;
  }
}

/** The quick fix that adds an ignore comment above the finding's first line. */
export function ignoreFix(lines: LineIndex, finding: Finding, syntax: CommentSyntax) {
  const line = finding.range.start.line;
  const indent = /^[ \t]*/.exec(lines.lineText(line))?.[0] ?? '';
  const at = lines.lineStart(line);
  const before = `${indent}${syntax.prefix}rollback-guard-ignore ${finding.ruleId}: `;
  const text = `${before}${REASON_PLACEHOLDER}${syntax.suffix ?? ''}${lines.eol}`;
  return {
    title: `Ignore ${finding.ruleId} here (with a reason)`,
    // The editor leaves the cursor on the reason, selected, to be typed over.
    edits: [{ range: { start: lines.position(at), end: lines.position(at) }, newText: text, placeholder: { offset: before.length, length: REASON_PLACEHOLDER.length } }],
  };
}
