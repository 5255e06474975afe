/**
 * Random valid inputs for differential tests: the generator lives in src/review/random-inputs.ts
 * (impact analysis uses it too); this module keeps the tests' import path.
 */
export { InputGenerator, interestingNumbers, prng } from "../../src/review/random-inputs.js";
