/**
 * The OpenAPI 3.1 description of the evaluation service, served at `GET /v1/openapi.json`.
 *
 * It describes the same shapes as `api-types.ts`. `test/serve/openapi.test.ts` validates this
 * document against the OpenAPI 3.1 schema and checks every answer the server gives in the tests
 * against the response schema of its route and status, so the two cannot drift apart.
 */

type Json = { [key: string]: unknown };

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string): Json => ({
  description,
  content: { "application/json": { schema } },
});
const error = (description: string): Json => json(ref("ErrorBody"), description);

/** A scalar output, or a list output (its elements scalars or lists again: a list of lists). */
const outputValue: Json = {
  anyOf: [
    { type: ["number", "string", "boolean"] },
    { type: "array", items: { $ref: "#/components/schemas/OutputValue" } },
  ],
};
const outputs: Json = {
  type: "object",
  additionalProperties: ref("OutputValue"),
  description: "The rulebook's outputs by name (money in the rulebook's currency, rates as fractions).",
};
const nameParameter: Json = {
  name: "name",
  in: "path",
  required: true,
  description: "The rulebook's name, percent-encoded (`BTCUSDT%20perpetual`).",
  schema: { type: "string" },
};
const security: Json[] = [{}, { bearer: [] }];

const schemas: Record<string, Json> = {
  OutputValue: outputValue,
  RulebookRef: {
    type: "object",
    description: "The rulebook version that computed a result.",
    additionalProperties: false,
    required: ["name", "version", "irHash", "effective"],
    properties: {
      name: { type: "string" },
      version: { type: "string" },
      irHash: { type: "string", pattern: "^sha256:[0-9a-f]{64}$" },
      effective: { type: "string" },
    },
  },
  InputError: {
    type: "object",
    additionalProperties: false,
    required: ["path", "message", "code", "kind"],
    properties: {
      path: { type: "string", description: "JSON pointer of the value concerned (`/position/size`)." },
      message: { type: "string", examples: ["/position/size must be > 0, not -1"] },
      code: { const: "MB6001" },
      kind: {
        enum: [
          "missing",
          "unknown",
          "type",
          "not-finite",
          "enum",
          "range",
          "timestamp",
          "too-large",
          "unreadable",
          "too-many",
        ],
      },
    },
  },
  ApiError: {
    type: "object",
    additionalProperties: false,
    required: ["code", "message"],
    properties: {
      code: {
        type: "string",
        pattern: "^(MB\\d{4}|internal)$",
        description:
          "MB6001 invalid input, MB60xx runtime errors, MB6162 no such rulebook or version, MB62xx refused requests.",
      },
      message: { type: "string" },
      errors: {
        type: "array",
        items: ref("InputError"),
        description: "For an invalid input (MB6001): every problem.",
      },
      line: {
        type: "integer",
        description: "For a runtime error: the source line where the evaluation stopped.",
      },
      rule: { type: "string" },
    },
  },
  ErrorBody: {
    type: "object",
    additionalProperties: false,
    required: ["error"],
    properties: { error: ref("ApiError") },
  },
  Signer: {
    type: ["object", "null"],
    additionalProperties: false,
    required: ["keyId", "trustedAs"],
    description: "The trusted key that signed the version (null when unsigned).",
    properties: { keyId: { type: "string" }, trustedAs: { type: "string" }, signedAt: { type: "string" } },
  },
  Approval: {
    type: "object",
    additionalProperties: false,
    required: ["keyId", "trustedAs", "approvedAt"],
    properties: {
      keyId: { type: "string" },
      trustedAs: { type: "string" },
      approvedAt: { type: "string" },
      approver: { type: "string" },
      review: { type: "string" },
    },
  },
  VersionSummary: {
    type: "object",
    additionalProperties: false,
    required: ["version", "effective", "irHash", "sourceHash", "inForce", "signer", "approvals"],
    properties: {
      version: { type: "string" },
      effective: { type: "string" },
      irHash: { type: "string" },
      sourceHash: { type: "string" },
      inForce: { type: "boolean", description: "Whether this is the version in force now." },
      signer: ref("Signer"),
      approvals: {
        type: "array",
        items: ref("Approval"),
        description: "The approvals that counted: distinct approver keys other than the signer's.",
      },
    },
  },
  RulebookList: {
    type: "object",
    additionalProperties: false,
    required: ["rulebooks"],
    properties: {
      rulebooks: {
        type: "array",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["name", "versions"],
          properties: { name: { type: "string" }, versions: { type: "array", items: ref("VersionSummary") } },
        },
      },
    },
  },
  RulebookDetail: {
    type: "object",
    additionalProperties: false,
    required: ["rulebook", "meta", "sourceHash", "signer", "approvals", "inputSchema", "outputs", "columns"],
    properties: {
      rulebook: ref("RulebookRef"),
      meta: {
        type: "object",
        additionalProperties: false,
        required: ["name", "version", "effective", "currency"],
        properties: {
          name: { type: "string" },
          version: { type: "string" },
          effective: { type: "string" },
          currency: { type: "string" },
          owner: { type: "string" },
          description: { type: "string" },
        },
      },
      sourceHash: { type: "string" },
      signer: ref("Signer"),
      approvals: { type: "array", items: ref("Approval") },
      inputSchema: {
        type: "object",
        description: "The JSON Schema (draft 2020-12) every input is validated against.",
      },
      outputs: {
        type: "array",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["name", "type"],
          properties: { name: { type: "string" }, type: { type: "string" }, unit: { type: "string" } },
        },
      },
      columns: {
        type: "array",
        items: { type: "string" },
        description:
          "The columns the columnar form takes: field paths (`position.size`), list offsets (`account.positions`), list items' fields (`account.positions.quantity`) and list values (`account.positions.risk[]`).",
      },
    },
  },
  EvaluateRequest: {
    type: "object",
    additionalProperties: false,
    description: "Exactly one of `input` (one input), `inputs` (a batch) and `columns` (a columnar batch).",
    oneOf: [{ required: ["input"] }, { required: ["inputs"] }, { required: ["columns"] }],
    properties: {
      input: {
        type: "object",
        description: "One input: an object with the rulebook's inputs (`position`, `market`, ...).",
      },
      inputs: {
        type: "array",
        items: { type: "object" },
        description: "A batch of inputs, all evaluated with the same version.",
      },
      columns: {
        type: "object",
        additionalProperties: { type: "array", items: { type: ["number", "string", "boolean"] } },
        description:
          "A columnar batch: one array per field path (`position.size`), one value per row; a list as offsets (`account.positions`: row r's items are offsets[r] to offsets[r+1]-1, so rows+1 values) and one array per item field (`account.positions.quantity`; a list of numbers in `<path>[]`).",
      },
      at: {
        type: "string",
        description: "The moment whose rules apply (ISO 8601); default now. Not with `version`.",
      },
      version: { type: "string", description: "Evaluate with this version instead of the one in force." },
      explain: { type: "boolean", description: "Add the step-by-step explanation (not with `columns`)." },
    },
    examples: [
      {
        input: {
          position: { size: 109.488, mark: 31967.27, side: "long" },
          market: { vol_30d: 0.5, adv: 2000000000 },
        },
      },
    ],
  },
  EvaluateResult: {
    type: "object",
    additionalProperties: false,
    required: ["rulebook", "outputs"],
    properties: {
      rulebook: ref("RulebookRef"),
      outputs,
      explanation: { type: "object", description: "The step-by-step explanation, when asked for." },
    },
  },
  BatchResult: {
    type: "object",
    additionalProperties: false,
    required: ["rulebook", "results", "failed"],
    properties: {
      rulebook: ref("RulebookRef"),
      results: {
        type: "array",
        items: {
          oneOf: [
            {
              type: "object",
              additionalProperties: false,
              required: ["ok", "outputs"],
              properties: { ok: { const: true }, outputs, explanation: { type: "object" } },
            },
            {
              type: "object",
              additionalProperties: false,
              required: ["ok", "error"],
              properties: { ok: { const: false }, error: ref("ApiError") },
            },
          ],
        },
      },
      failed: { type: "integer", minimum: 0 },
    },
  },
  ColumnsResult: {
    type: "object",
    additionalProperties: false,
    required: ["rulebook", "rows", "outputs", "errors"],
    properties: {
      rulebook: ref("RulebookRef"),
      rows: { type: "integer", minimum: 0 },
      outputs: {
        type: "object",
        additionalProperties: { type: "array", items: { anyOf: [ref("OutputValue"), { type: "null" }] } },
        description: "One column per output (a list output: one list per row); null in failed rows.",
      },
      errors: {
        type: "array",
        description: "The rows that failed.",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["index", "code", "message"],
          properties: {
            index: { type: "integer", minimum: 0 },
            code: { type: "string" },
            message: { type: "string" },
            errors: { type: "array", items: ref("InputError") },
          },
        },
      },
    },
  },
  Health: {
    type: "object",
    additionalProperties: false,
    required: ["status", "uptimeSeconds"],
    properties: { status: { const: "ok" }, uptimeSeconds: { type: "number" } },
  },
  Readiness: {
    type: "object",
    additionalProperties: false,
    required: ["ready", "rulebooks", "versions"],
    properties: {
      ready: { type: "boolean" },
      rulebooks: { type: "integer" },
      versions: { type: "integer" },
      reason: { type: "string" },
    },
  },
};

/** The OpenAPI 3.1 document of the service (a fresh copy). */
export function openApiDocument(): Json {
  return {
    openapi: "3.1.0",
    info: {
      title: "marginbook evaluation service",
      version: "1.0.0",
      description:
        "Evaluates compiled, signed margin rulebooks. Errors are `{ error: { code, message, errors? } }`: 400 malformed request, 401 missing or wrong bearer token, 404 no such route, rulebook or version, 405 wrong method, 408 request not received in time, 413 body too large, 415 not JSON, 422 invalid input (per-field errors) or batch too large, 503 not ready or over the time limit.",
    },
    servers: [{ url: "http://127.0.0.1:8080" }],
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "Needed when the server was started with --token.",
        },
      },
    },
    paths: {
      "/health": {
        get: {
          operationId: "health",
          summary: "The process is alive.",
          responses: { "200": json(ref("Health"), "Alive.") },
        },
      },
      "/ready": {
        get: {
          operationId: "ready",
          summary: "Ready once trusted versions are loaded.",
          responses: {
            "200": json(ref("Readiness"), "Ready."),
            "503": json(ref("Readiness"), "Not ready yet."),
          },
        },
      },
      "/metrics": {
        get: {
          operationId: "metrics",
          summary: "Prometheus text metrics.",
          security,
          responses: {
            "200": {
              description: "Metrics in the Prometheus text format 0.0.4.",
              content: { "text/plain": { schema: { type: "string" } } },
            },
            "401": error("No valid bearer token."),
          },
        },
      },
      "/v1/openapi.json": {
        get: {
          operationId: "openapi",
          summary: "This document.",
          responses: { "200": json({ type: "object" }, "The OpenAPI document.") },
        },
      },
      "/v1/rulebooks": {
        get: {
          operationId: "listRulebooks",
          summary: "The rulebooks loaded, with every version.",
          security,
          responses: {
            "200": json(ref("RulebookList"), "The rulebooks."),
            "401": error("No valid bearer token."),
          },
        },
      },
      "/v1/rulebooks/{name}": {
        get: {
          operationId: "getRulebook",
          summary: "The version in force (or at `at`, or `version`), its input schema and outputs.",
          security,
          parameters: [
            nameParameter,
            {
              name: "at",
              in: "query",
              required: false,
              schema: { type: "string" },
              description: "The moment whose version applies (ISO 8601).",
            },
            {
              name: "version",
              in: "query",
              required: false,
              schema: { type: "string" },
              description: "A version number.",
            },
          ],
          responses: {
            "200": json(ref("RulebookDetail"), "The rulebook."),
            "400": error("A bad `at`."),
            "401": error("No valid bearer token."),
            "404": error("No such rulebook or version (MB6162)."),
          },
        },
      },
      "/v1/rulebooks/{name}/evaluate": {
        post: {
          operationId: "evaluate",
          summary: "Evaluates one input, a batch, or a columnar batch.",
          security,
          parameters: [nameParameter],
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref("EvaluateRequest") } },
          },
          responses: {
            "200": json(
              { oneOf: [ref("EvaluateResult"), ref("BatchResult"), ref("ColumnsResult")] },
              "Evaluated: `EvaluateResult` for `input`, `BatchResult` for `inputs`, `ColumnsResult` for `columns`.",
            ),
            "400": error(
              "Malformed request (MB6201): not JSON, an unknown field, a field of the wrong type.",
            ),
            "401": error("No valid bearer token (MB6205)."),
            "404": error("No such rulebook or version (MB6162)."),
            "405": error("Wrong method (MB6206)."),
            "413": error("Body too large (MB6202)."),
            "415": error("Not JSON (MB6201)."),
            "422": error(
              "Invalid input (MB6001, with every problem), a runtime error (MB60xx), or a batch over the limit (MB6203).",
            ),
            "503": error(
              "Over the time limit (MB6204) or not ready (MB6207); retry later or split the batch.",
            ),
          },
        },
      },
    },
  };
}
