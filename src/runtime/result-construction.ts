/**
 * How generated evaluators build their result object (the binary64 evaluator, codegen.ts, and the
 * decimal fast path, decimal-fast-codegen.ts): the same plain object as a literal, without the
 * literal's allocation site.
 */
import { jsString } from "./codegen-expr.js";

/** One output of a generated evaluation: its name, its object key (code) and its value (code). */
export interface GeneratedOutput {
  name: string;
  key: string;
  value: string;
}

/**
 * How an evaluation builds its result. An object literal, as the result must be (own data
 * properties in output order, whatever `Object.prototype` holds), costs a per-process gamble: V8
 * tracks an allocation site per literal and pretenures it when most of its objects survive a
 * young-generation collection, as when an engine keeps its results; from then on every result
 * is allocated in the old generation with a write barrier per field, and the evaluator ran at 0.6x
 * instead of 0.9x hand-written per position, in about half of the processes. A constructor has no
 * allocation site: `new Outputs(...)`, whose prototype is `Object.prototype`, builds the same
 * object as long as no output's name is a property of `Object.prototype` (its assignments would
 * meet a setter or a read-only property there). The generated code tests that (`in`: no getter
 * runs; V8 folds it while `Object.prototype` does not change) and takes the literal otherwise.
 */
export function resultConstruction(
  outputs: readonly GeneratedOutput[],
  names: { constructor: string; prototype: string } = {
    constructor: "Outputs",
    prototype: "ObjectPrototype",
  },
): { declaration: string[]; value: string } {
  const literal = `{ ${outputs.map((o) => `${o.key}: ${o.value}`).join(", ")} }`;
  if (outputs.length === 0) return { declaration: [], value: literal };
  const parameters = outputs.map((_, i) => `o${i}`);
  const fields = outputs.map((o, i) => ` this[${jsString(o.name)}] = o${i};`).join("");
  const shadowed = outputs.map((o) => `${jsString(o.name)} in ${names.prototype}`).join(" || ");
  return {
    declaration: [
      `function ${names.constructor}(${parameters.join(", ")}) {${fields} }`,
      `${names.constructor}.prototype = ${names.prototype};`,
    ],
    value: `${shadowed} ? ${literal} : new ${names.constructor}(${outputs.map((o) => o.value).join(", ")})`,
  };
}
