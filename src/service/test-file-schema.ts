/**
 * The JSON Schema of `.test.yaml` files (draft 2020-12). `scripts/test-file-validator.ts` compiles it
 * ahead of time into `src/service/generated/test-file-validator.ts` (no `new Function` in the studio)
 * and writes it to `docs/test-file.schema.json` for editors; `docs/testing.md` describes every key.
 *
 * Each node that can fail on its own carries a `description`, worded to follow its name: the message
 * a problem with it shows (see `test-file.ts`), so the words live next to the rule they explain.
 */

/** A tolerance bound: absolute, relative to the expected value, or both (within either passes). */
const bound = {
  description:
    "must be a number >= 0 (absolute) or { absolute: <number >= 0>, relative: <number >= 0> } (either or both)",
  anyOf: [
    { type: "number", minimum: 0 },
    {
      type: "object",
      properties: { absolute: { type: "number", minimum: 0 }, relative: { type: "number", minimum: 0 } },
      additionalProperties: false,
      minProperties: 1,
    },
  ],
} as const;

const tolerance = {
  description:
    "must be a number >= 0 (absolute, for every output), { absolute, relative }, or a map from output names (and `default`) to either",
  anyOf: [
    { $ref: "#/$defs/bound" },
    {
      type: "object",
      propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
      additionalProperties: { $ref: "#/$defs/bound" },
    },
  ],
} as const;

const errorCode = { type: "string", pattern: "^MB\\d{4}$" } as const;

const testCase = {
  type: "object",
  description: "must be a map with `name`, `input` and `expect` or `expect_error`",
  properties: {
    name: { type: "string", minLength: 1, description: "must be a text that is not empty" },
    input: { description: "the input of the evaluation: a map with the rulebook's inputs" },
    expect: {
      type: "object",
      description: "must map output names to values (numbers, true/false, texts, or lists of them)",
      additionalProperties: {
        description: "must be a number, true/false, a text, or a list of them (a list output)",
        anyOf: [
          { type: ["number", "boolean", "string"] },
          {
            type: "array",
            items: { anyOf: [{ type: ["number", "boolean", "string"] }, { type: "array" }] },
          },
        ],
      },
    },
    expect_error: {
      description:
        "must be an error code (MB6001) or { code: MB6001, path: /position/size, message: <part of the message> }",
      anyOf: [
        errorCode,
        {
          type: "object",
          properties: { code: errorCode, path: { type: "string" }, message: { type: "string" } },
          required: ["code"],
          additionalProperties: false,
        },
      ],
    },
    tolerance: { $ref: "#/$defs/tolerance" },
    decimal_tolerance: { $ref: "#/$defs/tolerance" },
  },
  required: ["name", "input"],
  additionalProperties: false,
  allOf: [
    {
      description: "needs exactly one of `expect` and `expect_error`",
      oneOf: [{ required: ["expect"] }, { required: ["expect_error"] }],
    },
  ],
} as const;

/** The schema of a `.test.yaml` file. */
export const testFileJsonSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://marginbook.dev/schemas/test-file-v1.json",
  title: "marginbook rulebook test file (<name>.test.yaml)",
  description: "must be a map with `rulebook`, `cases` and optionally `tolerance` and `decimal_tolerance`",
  type: "object",
  properties: {
    rulebook: {
      type: "string",
      minLength: 1,
      description: "must name the .margin file the cases are for, relative to the test file",
    },
    tolerance: { $ref: "#/$defs/tolerance" },
    decimal_tolerance: { $ref: "#/$defs/tolerance" },
    cases: { type: "array", description: "must be a list of test cases", items: { $ref: "#/$defs/case" } },
  },
  required: ["rulebook", "cases"],
  additionalProperties: false,
  $defs: { case: testCase, tolerance, bound },
} as const;

/** The options the schema is compiled with: every error, with the failing schema node (for its description). */
export const TEST_FILE_AJV_OPTIONS = {
  allErrors: true,
  verbose: true,
  strict: true,
  strictTypes: false,
  strictRequired: false,
  allowUnionTypes: true,
} as const;
