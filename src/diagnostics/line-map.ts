/**
 * Offsets to lines and columns, and back, for one source text.
 *
 * Spans are character offsets (UTF-16 code units, as JavaScript strings count them). Humans, SARIF
 * and Monaco want 1-based lines and columns; this is the one place that converts between the two,
 * so every renderer and the editor agree. Columns count UTF-16 code units too, which is what SARIF
 * calls `utf16CodeUnits` and what Monaco's columns are.
 *
 * A line ends at `\n`; a `\r` before it belongs to the line break, not to the line's text, so files
 * with Windows line endings get the same columns as their Unix twins.
 */

/** A 1-based line and column; `offset` is the character offset it came from (or maps to). */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

/**
 * An index of where each line starts in one source text.
 *
 * Building it is O(n) once; each lookup is a binary search, so renderers can convert thousands of
 * spans without rescanning the text.
 */
export class LineMap {
  /** Offset of the first character of each line; `lineStarts[0]` is always 0. */
  private readonly lineStarts: number[];

  constructor(readonly source: string) {
    const starts = [0];
    for (let i = 0; i < source.length; i++) {
      if (source.charCodeAt(i) === 10 /* \n */) starts.push(i + 1);
    }
    this.lineStarts = starts;
  }

  /** The number of lines (a text ending in `\n` has an empty last line). */
  get lineCount(): number {
    return this.lineStarts.length;
  }

  /**
   * The 1-based line and column of a character offset. Offsets outside the text are clamped to it,
   * so an end-of-file diagnostic still has a position.
   */
  position(offset: number): Position {
    const clamped = this.clamp(offset);
    const index = this.lineIndexOf(clamped);
    return { line: index + 1, column: clamped - this.lineStarts[index]! + 1, offset: clamped };
  }

  /**
   * The character offset of a 1-based line and column. Lines are clamped to the text and columns to
   * the line (a column past the end of a line means the end of that line, before its line break).
   */
  offset(line: number, column: number): number {
    const index = Math.min(Math.max(Math.trunc(line), 1), this.lineCount) - 1;
    const start = this.lineStarts[index]!;
    const end = this.lineContentEnd(index);
    return Math.min(Math.max(start + Math.trunc(column) - 1, start), end);
  }

  /** The offset where a 1-based line starts. */
  lineStart(line: number): number {
    return this.lineStarts[this.lineIndex(line)]!;
  }

  /** The offset where a 1-based line's text ends: before its `\r\n` or `\n`, or at the end of the text. */
  lineEnd(line: number): number {
    return this.lineContentEnd(this.lineIndex(line));
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const index = this.lineIndex(line);
    return this.source.slice(this.lineStarts[index]!, this.lineContentEnd(index));
  }

  private lineIndex(line: number): number {
    return Math.min(Math.max(Math.trunc(line), 1), this.lineCount) - 1;
  }

  private lineContentEnd(index: number): number {
    const next = this.lineStarts[index + 1];
    if (next === undefined) return this.source.length;
    const beforeBreak = next - 1; // the `\n`
    return beforeBreak > this.lineStarts[index]! && this.source.charCodeAt(beforeBreak - 1) === 13 /* \r */
      ? beforeBreak - 1
      : beforeBreak;
  }

  private clamp(offset: number): number {
    if (!Number.isFinite(offset)) return this.source.length;
    return Math.min(Math.max(Math.trunc(offset), 0), this.source.length);
  }

  /** Binary search for the last line starting at or before `offset`. */
  private lineIndexOf(offset: number): number {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}
