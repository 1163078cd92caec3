/**
 * Splits a MySQL/MariaDB script into statements the way the `mysql` client
 * does: `;` (or the current `DELIMITER`) ends a statement unless it is inside
 * a quoted string, a quoted identifier or a comment. Comments (`-- `, `#`,
 * `/* … *\/`) are returned with exact offsets for suppressions.
 */

export interface SqlChunk {
  start: number;
  end: number;
  text: string;
}

export interface SplitScript {
  statements: SqlChunk[];
  comments: SqlChunk[];
  /** An unterminated quote or comment: the offset where it starts. */
  unterminated?: { offset: number; what: string };
}

export function splitMysql(text: string): SplitScript {
  const statements: SqlChunk[] = [];
  const comments: SqlChunk[] = [];
  let delimiter = ';';
  let start = -1;
  let i = 0;
  const n = text.length;
  const flush = (end: number) => {
    if (start === -1) return;
    let e = end;
    while (e > start && /\s/.test(text[e - 1]!)) e--;
    if (e > start) statements.push({ start, end: e, text: text.slice(start, e) });
    start = -1;
  };
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    // Comments.
    if ((c === '-' && next === '-' && (i + 2 >= n || /\s/.test(text[i + 2]!))) || c === '#') {
      let e = text.indexOf('\n', i);
      if (e === -1) e = n;
      const body = text.slice(i, e).replace(/\r$/, '');
      comments.push({ start: i, end: i + body.length, text: body.slice(c === '#' ? 1 : 2) });
      i = e;
      continue;
    }
    if (c === '/' && next === '*') {
      const e = text.indexOf('*/', i + 2);
      if (e === -1) return { statements: flushAll(), comments, unterminated: { offset: i, what: 'comment' } };
      comments.push({ start: i, end: e + 2, text: text.slice(i + 2, e) });
      i = e + 2;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    // The client's DELIMITER command, at the start of a statement.
    if (start === -1 && (c === 'D' || c === 'd') && /^delimiter[ \t]/i.test(text.slice(i, i + 10))) {
      let e = text.indexOf('\n', i);
      if (e === -1) e = n;
      const value = text.slice(i + 10, e).trim();
      if (value) delimiter = value;
      i = e;
      continue;
    }
    if (start === -1) start = i;
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      for (;;) {
        if (j >= n) return { statements: flushAll(), comments, unterminated: { offset: i, what: c === '`' ? 'quoted identifier' : 'string' } };
        const d = text[j]!;
        if (d === '\\' && c !== '`') {
          j += 2;
          continue;
        }
        if (d === c) {
          if (text[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      i = j + 1;
      continue;
    }
    if (text.startsWith(delimiter, i)) {
      flush(i);
      i += delimiter.length;
      continue;
    }
    i++;
  }
  flush(n);
  return { statements, comments };

  function flushAll(): SqlChunk[] {
    flush(i);
    return statements;
  }
}
