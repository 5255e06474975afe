/**
 * The artifact schema's precompiled validator (`src/runtime/generated/artifact-validator.ts`) is the
 * schema's: regenerating it from `src/runtime/artifact-schema.ts` gives the committed file.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { artifactValidatorSource } from "../../scripts/artifact-validator.js";
import { ROOT } from "../support/rulebooks.js";

describe("the precompiled artifact validator", () => {
  it("is up to date with the artifact schema (npm run generate:validator rewrites it)", () => {
    const committed = readFileSync(path.join(ROOT, "src/runtime/generated/artifact-validator.ts"), "utf8");
    expect(
      committed === artifactValidatorSource(),
      "src/runtime/generated/artifact-validator.ts is stale: run npm run generate:validator",
    ).toBe(true);
  });
});
