/**
 * Source spans: where in a file something is. Defined here, below the syntax, because diagnostics
 * (which every stage reports) point at spans and must not depend on the stages that report them.
 */

/** A half-open range of character offsets `[start, end)` in one source file. */
export interface Span {
  start: number;
  end: number;
}
