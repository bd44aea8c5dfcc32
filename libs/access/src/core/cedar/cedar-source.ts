/** One policy statement found in Cedar text: where it starts and its text up to and with its `;`. */
export interface PolicyStatement {
  readonly offset: number;
  readonly text: string;
}

/**
 * Splits Cedar policy text into statements at each top-level `;`, outside strings and `//` comments,
 * keeping offsets so errors from a single policy map back to the file. Cedar itself parses each
 * statement (and the whole text first); this only finds the boundaries.
 */
export function splitStatements(text: string): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  let start = -1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (start < 0 && /\s/.test(c)) {
      i++;
      continue;
    }
    if (start < 0) start = i;
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === ';') {
      out.push({ offset: start, text: text.slice(start, i + 1) });
      start = -1;
    }
    i++;
  }
  if (start >= 0) out.push({ offset: start, text: text.slice(start) });
  return out;
}

/** 1-based line and column (column in code points) of a UTF-16 offset into `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: Array.from(text.slice(lineStart, end)).length + 1 };
}

/**
 * Cedar's source locations count UTF-8 bytes; converts one to a UTF-16 offset into `text` so
 * `lineColumn` can use it. ASCII text (the usual case) maps one to one.
 */
export function byteToCharOffset(text: string, bytes: number): number {
  let count = 0;
  let i = 0;
  while (i < text.length && count < bytes) {
    const code = text.codePointAt(i)!;
    count += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    i += code >= 0x10000 ? 2 : 1;
  }
  return i;
}
