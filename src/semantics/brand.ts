/**
 * `instanceof` that holds across the package's copies of a class.
 *
 * The runtime ships three times: `import "marginbook/runtime"` loads the ESM bundle,
 * `require("marginbook/runtime")` the CommonJS bundle, and the compiler API (`import "marginbook"`)
 * the unbundled modules under `dist/src`. A process that loads two of them (an ESM engine with a
 * CommonJS dependency, a test harness that compiles and then loads) has two `ArtifactError` classes,
 * and a plain `instanceof` answers false for the other copy's errors: the dual package hazard.
 *
 * A branded class answers `instanceof` by a mark on the prototype, registered under a global symbol
 * (`Symbol.for`), so every copy of the class recognises every copy's instances. Subclasses keep the
 * ordinary prototype-chain test.
 */

/** Brands `cls` as the class `marginbook.<name>`; call once, right after the class declaration. */
export function brandClass(cls: abstract new (...args: never[]) => object, name: string): void {
  const mark = Symbol.for(`marginbook.${name}`);
  Object.defineProperty(cls.prototype, mark, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (this !== cls) return Function.prototype[Symbol.hasInstance].call(this, value);
      return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[mark] === true;
    },
  });
}
