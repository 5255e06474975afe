/** The values every evaluator computes with (the interpreter, the generated code, constant folding). */

/** A runtime value. */
export type Value =
  number | boolean | string | readonly Value[] | { readonly [field: string]: Value } | null | undefined;
