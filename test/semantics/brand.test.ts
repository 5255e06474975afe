/**
 * `brandClass`: `instanceof` answers by the brand, so two copies of a class (the ESM and CommonJS
 * bundles of the runtime) recognise each other's instances, while unrelated classes, subclasses and
 * non-objects keep the ordinary answers. The installed package is tested in test/package.test.ts.
 */
import { describe, expect, it } from "vitest";
import { brandClass } from "../../src/semantics/brand.js";
import { RuntimeError } from "../../src/semantics/errors.js";

/** A fresh copy of a class branded `name`, as each bundle declares its own. */
function copyOf(name: string) {
  class Copy extends Error {}
  brandClass(Copy, name);
  return Copy;
}

describe("brandClass", () => {
  it("makes instances of one copy instances of every copy with the same brand", () => {
    const A = copyOf("TestError");
    const B = copyOf("TestError");
    expect(new A() instanceof B).toBe(true);
    expect(new B() instanceof A).toBe(true);
    expect(new A() instanceof Error).toBe(true);
  });

  it("keeps other brands, plain errors and non-objects out", () => {
    const A = copyOf("TestError");
    const Other = copyOf("OtherError");
    expect(new Other() instanceof A).toBe(false);
    expect(new Error("x") instanceof A).toBe(false);
    for (const value of [null, undefined, 0, "TestError", Symbol.for("marginbook.TestError")])
      expect(value instanceof A).toBe(false);
  });

  it("leaves subclasses to the prototype chain", () => {
    const A = copyOf("TestError");
    class Sub extends A {}
    expect(new Sub() instanceof A).toBe(true);
    expect(new A() instanceof Sub).toBe(false);
  });

  it("brands the runtime's errors", () => {
    const Copy = copyOf("RuntimeError");
    const error = new RuntimeError("MB6001", "m", "d", 1, []);
    expect(error instanceof Copy).toBe(true);
    expect(new Copy() instanceof RuntimeError).toBe(true);
  });
});
