/** The error of a rulebook the compiler cannot lower: it has errors, or uses what the runtime lacks. */
export class LoweringError extends Error {
  override readonly name = "LoweringError";
  /** MB5xxx: code generation. */
  readonly code = "MB5001";
}
