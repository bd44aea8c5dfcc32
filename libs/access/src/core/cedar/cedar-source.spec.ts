import { LineIndex, lineColumn } from './cedar-source.js';

/** The plain definition: count newlines and code points up to the offset. */
function reference(text: string, offset: number): { line: number; column: number } {
  const end = Math.min(Math.max(offset, 0), text.length);
  const before = text.slice(0, end);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: Array.from(text.slice(lineStart, end)).length + 1 };
}

describe('LineIndex', () => {
  it('agrees with the plain definition at every offset of a large mixed text', () => {
    // Newlines, astral characters (two UTF-16 units, one column), lone surrogates, CRs, a long line.
    const pieces = ['a', 'permit', '\n', '\r\n', '😀', '\ud800', '\udc00x', 'é', '"', ';', ' '.repeat(50)];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let text = '';
    while (text.length < 200_000) text += pieces[Math.floor(random() * pieces.length)];
    const index = new LineIndex(text);
    for (let offset = -2; offset <= text.length + 2; offset += offset < 5000 ? 1 : 97) {
      expect(index.at(offset)).toEqual(reference(text, offset));
    }
  });

  it('finds the last line of a long file and the end of one very long line', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `line ${i}`);
    const text = lines.join('\n');
    const index = new LineIndex(text);
    expect(index.at(text.length)).toEqual({ line: 100_000, column: 'line 99999'.length + 1 });
    expect(index.at(text.indexOf('line 54321'))).toEqual({ line: 54_322, column: 1 });
    const long = '😀'.repeat(100_000) + 'x';
    expect(new LineIndex(long).at(long.length - 1)).toEqual({ line: 1, column: 100_001 });
    expect(lineColumn('a\nbc', 3)).toEqual({ line: 2, column: 2 });
  });
});
