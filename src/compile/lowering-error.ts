/**
 * A broken compiler invariant: the lowerer met a rulebook that the checker should have refused.
 *
 * Every user error is a checker diagnostic (anything `check` accepts, `compile` lowers), so this is
 * a bug in marginbook, reported by the CLI as an internal error; it has no catalog code on purpose.
 */
export class LoweringError extends Error {
  override readonly name = "LoweringError";
}
