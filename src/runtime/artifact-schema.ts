/**
 * The JSON Schema (draft 2020-12) of a compiled rulebook artifact, IR included.
 *
 * The schema is strict on purpose: an engine loads artifacts from elsewhere, so every object is
 * closed (`additionalProperties: false`), every name that the code generator turns into code or
 * property access is an identifier, every index is a non-negative integer, and the expression and
 * step unions are discriminated by their tag. What JSON Schema cannot say (an index within range, a
 * referenced record that exists) is checked by `checkIrReferences` in `ir-references.ts`.
 */
import { IR_VERSION, type IrMeta, type IrRulebook } from "../ir/ir.js";
import { IR_LIMITS } from "../ir/limits.js";
import { BUILTIN_NAMES } from "../semantics/builtins.js";
import type { JsonSchema } from "./input-schema.js";

/** The `format` of every artifact. */
export const ARTIFACT_FORMAT = "marginbook-artifact";
/** The artifact format version this runtime reads and the compiler writes. */
export const ARTIFACT_FORMAT_VERSION = 1;

/** A name the generated code may use: starts with a letter or `_`, then letters, digits, `_`. */
export const IDENTIFIER_PATTERN = "^[A-Za-z_][A-Za-z0-9_]{0,127}$";
/**
 * A name the compiler may qualify with the namespaces of imports (`options.total_margin`): slots,
 * rules, tables, scenario sets and functions. The generated code reads them only as strings.
 */
export const QUALIFIED_PATTERN = "^[A-Za-z_][A-Za-z0-9_]{0,127}(\\.[A-Za-z_][A-Za-z0-9_]{0,127}){0,16}$";
/** An enum member: an identifier, or a backquoted name of letters, digits and `_ . : / + -`. */
export const MEMBER_PATTERN = "^[A-Za-z0-9_.:/+-]{1,128}$";

const ref = (name: string): JsonSchema => ({ $ref: `#/$defs/${name}` });
const identifier: JsonSchema = { type: "string", pattern: IDENTIFIER_PATTERN };
const qualified: JsonSchema = { type: "string", pattern: QUALIFIED_PATTERN, maxLength: 1_024 };
const index: JsonSchema = { type: "integer", minimum: 0, maximum: IR_LIMITS.index };
const text = (maxLength: number = IR_LIMITS.text): JsonSchema => ({ type: "string", maxLength });
const hash: JsonSchema = { type: "string", pattern: "^sha256:[0-9a-f]{64}$" };

/** A closed object: every listed property allowed, the `required` ones required. */
function closed(
  properties: Record<string, JsonSchema>,
  required: string[] = Object.keys(properties),
): JsonSchema {
  return { type: "object", properties, required, additionalProperties: false };
}

/** One branch of a tagged union: `tag` is the constant `value`. */
function branch(
  tag: string,
  value: string,
  properties: Record<string, JsonSchema>,
  optional: string[] = [],
): JsonSchema {
  const all = { [tag]: { const: value }, ...properties };
  return closed(
    all,
    Object.keys(all).filter((k) => !optional.includes(k)),
  );
}

function union(tag: string, branches: JsonSchema[]): JsonSchema {
  return {
    type: "object",
    discriminator: { propertyName: tag },
    properties: { [tag]: { type: "string" } },
    required: [tag],
    oneOf: branches,
  };
}

const constValue: JsonSchema = { type: ["number", "boolean", "string"], maxLength: IR_LIMITS.constantString };

const irType = union("kind", [
  branch(
    "kind",
    "number",
    { unit: { type: "string", pattern: "^[A-Za-z0-9_ /^*().-]{0,256}$" }, integer: { const: true } },
    ["integer"],
  ),
  branch("kind", "bool", {}),
  branch("kind", "text", {}),
  branch("kind", "timestamp", {}),
  branch("kind", "enum", { name: identifier }),
  branch("kind", "record", { name: identifier }),
  branch("kind", "list", { element: ref("type") }),
  branch("kind", "row", { table: qualified }),
  branch("kind", "opaque", { description: text(1_024) }),
]);

const binaryOps = ["+", "-", "*", "/", "<", "<=", ">", ">=", "==", "!=", "and", "or"];
const builtins = BUILTIN_NAMES;
const expr = ref("expr");

const irExpr = union("k", [
  branch(
    "k",
    "const",
    { v: constValue, d: { type: "string", pattern: "^-?\\d+(\\.\\d+)?$", maxLength: 200 } },
    ["d"],
  ),
  branch(
    "k",
    "input",
    {
      path: { type: "array", items: identifier, minItems: 1, maxItems: IR_LIMITS.inputPath },
      default: constValue,
      timestamp: { const: true },
    },
    ["default", "timestamp"],
  ),
  branch("k", "slot", { slot: index }),
  branch("k", "local", { local: index }),
  branch("k", "unary", { op: { enum: ["neg", "not"] }, x: expr }),
  branch("k", "binary", { op: { enum: binaryOps }, l: expr, r: expr, site: index }, ["site"]),
  branch("k", "if", { c: expr, t: expr, e: expr }),
  branch(
    "k",
    "call",
    {
      fn: { enum: builtins },
      args: { type: "array", items: expr, maxItems: IR_LIMITS.callArguments },
      site: index,
    },
    ["site"],
  ),
  branch("k", "tier", { table: index, key: expr, site: index }),
  branch("k", "cell", {
    table: index,
    row: expr,
    column: { anyOf: [index, { enum: ["tier", "lower", "upper"] }] },
  }),
  branch("k", "margin", {
    table: index,
    key: expr,
    column: index,
    deduction: { type: "boolean" },
    site: index,
  }),
  branch(
    "k",
    "liquidation",
    {
      table: index,
      column: index,
      side: expr,
      size: expr,
      entry: expr,
      balance: expr,
      site: index,
      marginAt: { const: "entry" },
      contract: { const: "inverse" },
      closingFee: { type: "number", minimum: 0, exclusiveMaximum: 1 },
    },
    ["marginAt", "contract", "closingFee"],
  ),
  branch("k", "field", { x: expr, name: identifier, default: constValue, timestamp: { const: true } }, [
    "default",
    "timestamp",
  ]),
  branch("k", "index", { x: expr, index: expr, site: index }),
  branch("k", "record", {
    names: { type: "array", items: identifier, minItems: 1, maxItems: IR_LIMITS.callArguments },
    values: { type: "array", items: expr, minItems: 1, maxItems: IR_LIMITS.callArguments },
  }),
  branch("k", "scenarios", { set: index }),
  branch("k", "nokey", {
    table: text(IR_LIMITS.shortText),
    keys: { type: "array", items: expr, minItems: 1, maxItems: IR_LIMITS.callArguments },
    site: index,
  }),
  branch(
    "k",
    "agg",
    {
      op: {
        enum: [
          "sum",
          "min",
          "max",
          "avg",
          "count",
          "any",
          "all",
          "group",
          "list",
          "argmax",
          "argmin",
          "sort",
          "reduce",
          "scan",
        ],
      },
      local: index,
      source: expr,
      elem: expr,
      filter: expr,
      key: expr,
      fallback: expr,
      acc: index,
      init: expr,
      position: index,
      site: index,
      unit: { type: "string", pattern: "^[A-Za-z0-9_ /^*().-]{0,256}$" },
    },
    ["filter", "key", "fallback", "acc", "init", "position", "unit"],
  ),
  branch("k", "apply", {
    fn: index,
    args: { type: "array", items: expr, maxItems: IR_LIMITS.callArguments },
    site: index,
  }),
  branch("k", "let", { local: index, value: expr, body: expr }),
  branch("k", "list", { items: { type: "array", items: expr, maxItems: IR_LIMITS.entries } }),
]);

const domain = closed(
  {
    min: { type: "number" },
    minInclusive: { type: "boolean" },
    max: { type: "number" },
    maxInclusive: { type: "boolean" },
  },
  [],
);

const field = closed(
  {
    name: identifier,
    type: ref("type"),
    optional: { type: "boolean" },
    default: constValue,
    domain,
    doc: text(),
  },
  ["name", "type", "optional"],
);

const schemaSection = closed({
  inputs: {
    type: "array",
    maxItems: IR_LIMITS.inputs,
    items: closed({ name: identifier, type: ref("type"), doc: text() }, ["name", "type"]),
  },
  records: {
    type: "object",
    propertyNames: identifier,
    additionalProperties: closed(
      {
        name: identifier,
        fields: { type: "array", maxItems: IR_LIMITS.recordFields, items: field },
        doc: text(),
      },
      ["name", "fields"],
    ),
  },
  enums: {
    type: "object",
    propertyNames: identifier,
    // Members are spelt as exchanges spell them (`BTCUSDT`, `` `2026-03` ``, `BTC-PERP`).
    additionalProperties: {
      type: "array",
      items: { type: "string", pattern: MEMBER_PATTERN },
      minItems: 1,
      maxItems: IR_LIMITS.enumMembers,
    },
  },
});

const site = closed(
  {
    line: index,
    file: text(),
    rule: qualified,
    what: text(),
    inputs: {
      type: "array",
      items: {
        type: "string",
        pattern: "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$",
        maxLength: 1_024,
      },
    },
  },
  ["line", "what", "inputs"],
);

const tierRow = closed({
  lower: { type: "number" },
  upper: { type: ["number", "null"] },
  lowerInclusive: { type: "boolean" },
  upperInclusive: { type: "boolean" },
  cells: { type: "array", items: { type: "number" } },
  deductions: { type: "array", items: { type: ["number", "null"] } },
});

/** A tier table's name: an identifier, or one table of a family, `brackets[BTCUSDT]`. */
const tableName: JsonSchema = {
  anyOf: [
    qualified,
    {
      type: "string",
      pattern:
        "^[A-Za-z_][A-Za-z0-9_]{0,127}(\\.[A-Za-z_][A-Za-z0-9_]{0,127}){0,16}\\[#?[A-Za-z0-9_.:/+-]{1,128}\\]$",
      maxLength: 1_200,
    },
  ],
};

const tierTable = closed(
  {
    name: tableName,
    key: identifier,
    keyUnit: text(256),
    mode: { enum: ["flat", "marginal"] },
    columns: {
      type: "array",
      minItems: 1,
      maxItems: IR_LIMITS.tableColumns,
      items: closed({ name: identifier, unit: text(IR_LIMITS.shortText), rate: { type: "boolean" } }),
    },
    rows: { type: "array", minItems: 1, maxItems: IR_LIMITS.tableRows, items: tierRow },
    site: index,
    limit: { const: true },
  },
  ["name", "key", "keyUnit", "mode", "columns", "rows", "site"],
);

const scenarioSet = closed({
  name: qualified,
  axes: { type: "array", items: identifier, maxItems: IR_LIMITS.scenarioAxes },
  rows: {
    type: "array",
    maxItems: IR_LIMITS.scenariosPerSet,
    items: closed({
      name: text(),
      index,
      weight: { type: "number" },
      values: { type: "array", items: { type: "number" } },
    }),
  },
  site: index,
});

const slot = closed({ name: qualified, kind: { enum: ["let", "quantity", "output"] }, type: ref("type") });

const rounding = closed({
  direction: { enum: ["up", "down", "half_even"] },
  step: { type: "number", exclusiveMinimum: 0 },
  units: { type: "number", minimum: 0 },
  scale: { type: "number", exclusiveMinimum: 0 },
});

const action = closed(
  {
    verb: { enum: ["set", "scale", "add", "floor", "cap"] },
    slot: index,
    value: expr,
    condition: expr,
    site: index,
  },
  ["verb", "slot", "value", "site"],
);

const step = union("kind", [
  branch("kind", "let", { slot: index, value: expr, site: index }),
  branch(
    "kind",
    "rule",
    { name: qualified, condition: expr, actions: { type: "array", items: action }, site: index },
    ["condition"],
  ),
  branch("kind", "output", { slot: index, value: expr, rounding, site: index }, ["rounding"]),
  branch("kind", "assert", { condition: expr, message: text(), site: index }, ["message"]),
]);

const irMeta = closed(
  {
    name: text(),
    version: text(IR_LIMITS.shortText),
    effective: text(IR_LIMITS.shortText),
    currency: text(IR_LIMITS.currency),
    owner: text(),
    description: text(),
    file: text(),
    extends: text(),
    imports: {
      type: "array",
      maxItems: IR_LIMITS.imports,
      items: closed(
        {
          path: text(),
          as: identifier,
          names: { type: "array", maxItems: IR_LIMITS.imports, items: identifier },
          version: text(IR_LIMITS.shortText),
          irHash: hash,
        },
        ["path", "irHash"],
      ),
    },
    arithmetic: closed({
      mode: { const: "decimal" },
      scale: { type: "integer", minimum: 0, maximum: 60 },
      rounding: { enum: ["half_even", "half_up", "half_down", "up", "down", "ceiling", "floor"] },
    }),
  },
  ["name", "version", "effective", "currency", "file"],
);

/** A `verify` declaration's property (checked by `marginbook verify`; evaluators ignore it). */
const property = closed(
  {
    kind: { enum: ["invariant", "nonnegative", "nondecreasing", "nonincreasing", "continuous"] },
    condition: expr,
    targets: { type: "array", maxItems: IR_LIMITS.propertyTargets, items: index },
    variable: { type: "array", items: identifier, minItems: 1, maxItems: IR_LIMITS.inputPath },
    message: text(),
    text: text(),
    site: index,
  },
  ["kind", "targets", "text", "site"],
);

const ir = closed(
  {
    irVersion: { const: IR_VERSION },
    meta: irMeta,
    schema: schemaSection,
    tables: { type: "array", maxItems: IR_LIMITS.tables, items: tierTable },
    scenarioSets: { type: "array", maxItems: IR_LIMITS.scenarioSets, items: scenarioSet },
    slots: { type: "array", maxItems: IR_LIMITS.entries, items: slot },
    locals: { type: "array", maxItems: IR_LIMITS.entries, items: identifier },
    sites: { type: "array", maxItems: IR_LIMITS.entries, items: site },
    steps: { type: "array", maxItems: IR_LIMITS.entries, items: step },
    properties: { type: "array", maxItems: IR_LIMITS.properties, items: property },
    functions: {
      type: "array",
      maxItems: IR_LIMITS.entries,
      items: closed({
        name: qualified,
        params: { type: "array", maxItems: IR_LIMITS.callArguments, items: index },
        body: expr,
        site: index,
      }),
    },
  },
  ["irVersion", "meta", "schema", "tables", "scenarioSets", "slots", "locals", "sites", "steps"],
);

const artifactMeta = closed(
  {
    name: text(),
    version: text(IR_LIMITS.shortText),
    effective: text(IR_LIMITS.shortText),
    currency: text(IR_LIMITS.currency),
    owner: text(),
    description: text(),
  },
  ["name", "version", "effective", "currency"],
);

const base64 = (maxLength: number): JsonSchema => ({
  type: "string",
  pattern: "^[A-Za-z0-9+/]+={0,2}$",
  maxLength,
});

/** The optional Ed25519 signature block (see `signature.ts` for what it covers). */
const signature = closed(
  {
    algorithm: { const: "ed25519" },
    keyId: hash,
    publicKey: base64(1_024),
    value: base64(256),
    signedAt: text(64),
  },
  ["algorithm", "keyId", "publicKey", "value"],
);

/** Where the artifact was compiled from (see {@link ArtifactProvenance}). */
const provenance = closed(
  { path: text(1_024), commit: { type: "string", pattern: "^[0-9a-f]{40,64}$" }, dirty: { type: "boolean" } },
  ["path"],
);

/**
 * The JSON Schema of a compiled artifact:
 * `{ format, formatVersion, compiler: { name, version }, meta, sourceHash, irHash, ir, provenance?, signature? }`.
 */
export const artifactJsonSchema: JsonSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://marginbook.dev/schemas/artifact-v1.json",
  title: "marginbook compiled rulebook artifact, format version 1",
  ...closed(
    {
      format: { const: ARTIFACT_FORMAT },
      formatVersion: { const: ARTIFACT_FORMAT_VERSION },
      compiler: closed({ name: text(IR_LIMITS.shortText), version: text(IR_LIMITS.shortText) }),
      meta: artifactMeta,
      sourceHash: hash,
      irHash: hash,
      ir: ref("ir"),
      provenance,
      signature,
    },
    ["format", "formatVersion", "compiler", "meta", "sourceHash", "irHash", "ir"],
  ),
  $defs: { ir, type: irType, expr: irExpr, step },
};

/** The rulebook header an artifact carries next to its IR (the same values as the IR's `meta`). */
export interface ArtifactMeta {
  name: string;
  version: string;
  effective: string;
  currency: string;
  owner?: string;
  description?: string;
}

/** A compiled rulebook artifact, as JSON. */
export interface CompiledArtifact {
  format: typeof ARTIFACT_FORMAT;
  formatVersion: typeof ARTIFACT_FORMAT_VERSION;
  compiler: { name: string; version: string };
  meta: ArtifactMeta;
  /** `sha256:<hex>` of the rulebook's source text (UTF-8). */
  sourceHash: string;
  /** `sha256:<hex>` of the canonical JSON of `ir` (see `canonicalJson` in `hash.ts`). */
  irHash: string;
  ir: IrRulebook;
  /** Where it was compiled from (written by `marginbook compile`). */
  provenance?: ArtifactProvenance;
  /** Present when the artifact is signed (`marginbook compile --sign`). */
  signature?: ArtifactSignature;
}

/** The Ed25519 signature of an artifact: over the canonical JSON of the artifact without this field. */
export interface ArtifactSignature {
  algorithm: "ed25519";
  /** `sha256:<hex>` of the signer's public key (SPKI DER). */
  keyId: string;
  /** The signer's public key, SPKI DER, base64 (for integrity checks; trust comes from `keyId`). */
  publicKey: string;
  /** The 64-byte signature, base64. */
  value: string;
  /** When it was signed (ISO 8601, UTC); covered by the signature (see `signedBytes`). */
  signedAt?: string;
}

/**
 * Where an artifact was compiled from: the source's path relative to the repository root (the file
 * name alone outside git), the commit it was read at, and `dirty` when the file differs from that
 * commit (such an artifact is signed only with `--allow-dirty`).
 */
export interface ArtifactProvenance {
  path: string;
  commit?: string;
  dirty?: boolean;
}

/** The artifact's header fields taken from an IR's `meta`. */
export function artifactMetaOf(meta: IrMeta): ArtifactMeta {
  return {
    name: meta.name,
    version: meta.version,
    effective: meta.effective,
    currency: meta.currency,
    ...(meta.owner !== undefined ? { owner: meta.owner } : {}),
    ...(meta.description !== undefined ? { description: meta.description } : {}),
  };
}
