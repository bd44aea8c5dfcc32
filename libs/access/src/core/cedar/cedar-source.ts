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

/**
 * Finds 1-based line and column (column in code points) of UTF-16 offsets into one text. Built in one
 * pass; each lookup is a binary search, so reporting thousands of issues in a large file stays linear.
 */
export class LineIndex {
  /** Offset where each line starts. */
  private readonly starts: number[] = [0];
  /** Offsets of the second half of each surrogate pair: a code point that is not a column of its own. */
  private readonly lowSurrogates: number[] = [];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 10) this.starts.push(i + 1);
      else if (code >= 0xdc00 && code <= 0xdfff && i > 0) {
        const before = text.charCodeAt(i - 1);
        if (before >= 0xd800 && before <= 0xdbff) this.lowSurrogates.push(i);
      }
    }
  }

  at(offset: number): { line: number; column: number } {
    const end = Math.min(Math.max(offset, 0), this.text.length);
    // The last line start at or before `end` (`end` itself starts a line after a newline).
    const line = countAtMost(this.starts, end);
    const lineStart = this.starts[line - 1]!;
    const paired = countBelow(this.lowSurrogates, end) - countBelow(this.lowSurrogates, lineStart + 1);
    return { line, column: end - lineStart - paired + 1 };
  }
}

/** How many of the ascending `values` are <= `limit`. */
export function countAtMost(values: readonly number[], limit: number): number {
  return countBelow(values, limit + 1);
}

/** How many of the ascending `values` are < `limit`. */
function countBelow(values: readonly number[], limit: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[mid]! < limit) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** 1-based line and column (column in code points) of a UTF-16 offset into `text` (one lookup). */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  return new LineIndex(text).at(offset);
}

/**
 * Cedar's source locations count UTF-8 bytes; converts one to a UTF-16 offset into `text`, as a
 * `LineIndex` takes it. ASCII text (the usual case) maps one to one.
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
