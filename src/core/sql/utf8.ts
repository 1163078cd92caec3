/**
 * Maps UTF-8 byte offsets (what libpg_query reports) to UTF-16 code-unit
 * offsets (what JavaScript strings and the editor use). Pure ASCII text maps
 * to itself; otherwise a cursor walks forward, so the usual in-order queries
 * cost one pass over the text.
 */
export class Utf8Offsets {
  private readonly ascii: boolean;
  private byte = 0;
  private unit = 0;

  constructor(private readonly text: string) {
    // eslint-disable-next-line no-control-regex
    this.ascii = !/[^\x00-\x7f]/.test(text);
  }

  toUtf16(byteOffset: number): number {
    if (this.ascii) return Math.min(byteOffset, this.text.length);
    if (byteOffset < this.byte) {
      this.byte = 0;
      this.unit = 0;
    }
    const text = this.text;
    while (this.byte < byteOffset && this.unit < text.length) {
      const code = text.charCodeAt(this.unit);
      if (code < 0x80) {
        this.byte += 1;
        this.unit += 1;
      } else if (code < 0x800) {
        this.byte += 2;
        this.unit += 1;
      } else if (code >= 0xd800 && code <= 0xdbff && this.unit + 1 < text.length) {
        // A surrogate pair is one 4-byte code point.
        this.byte += 4;
        this.unit += 2;
      } else {
        this.byte += 3;
        this.unit += 1;
      }
    }
    return this.unit;
  }
}

/**
 * PostgreSQL reports an error cursor in characters (code points), not bytes:
 * map it to UTF-16, where a character outside the BMP takes two units.
 */
export function codePointsToUtf16(text: string, codePoints: number): number {
  let unit = 0;
  for (let cp = 0; cp < codePoints && unit < text.length; cp++) {
    const code = text.charCodeAt(unit);
    unit += code >= 0xd800 && code <= 0xdbff && unit + 1 < text.length ? 2 : 1;
  }
  return unit;
}
