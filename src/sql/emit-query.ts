/**
 * Compiles a rulebook's IR to one SQL query over an input relation: one row out per row in, with the
 * kept input columns, every output, and an `error` column holding the MB6xxx code of the runtime
 * error the row raises (NULL when it evaluates), so that one bad row never fails the whole job.
 *
 * The query is a stack of layers, `SELECT *, <new columns> FROM (<previous layer>)`, one per step of
 * the IR's evaluation order (and one per shared value): each let, rule condition, rule action and
 * output gets a column, a quantity a new column each time a rule changes it, and the error column a
 * new version whenever a step can fail. Internal columns are named `__mb_...`; the final SELECT
 * keeps only the named columns.
 */
import type { IrAction, IrRulebook, IrRuleStep } from "../ir/ir.js";
import { fillTemplate, messages, type MessageSpec, type TemplateArgs } from "../semantics/catalog.js";
import { jsMinMax, roundSql } from "./emit-builtins.js";
import { emitExpr, Unsupported, type EmitContext } from "./emit-expr.js";
import { dialects, type DialectName, type SqlDialect } from "./dialect.js";
import { inputColumns, validatedInput } from "./input-columns.js";
import { errorWhen, firstError, isSimple, raiseWhen, type Shape, type SqlValue } from "./sql-value.js";

/** Options of {@link compileToSql}. */
export interface SqlOptions {
  dialect: DialectName;
  /** SQL text of the input relation (a table name, `read_parquet('x.parquet')`); default `input`. */
  from?: string;
  /** Columns of the input relation to copy to the result (default: the rulebook's input columns). */
  keep?: readonly string[];
  /** The name of the error column (default `error`). */
  errorColumn?: string;
}

/** A reason the rulebook cannot be compiled to SQL: a catalog code, at a source line. */
export interface SqlDiagnostic {
  code: string;
  severity: "error";
  message: string;
  help?: string;
  file: string;
  line: number;
}

/** The result of {@link compileToSql}: the query, or the diagnostics that stopped it. */
export type SqlResult =
  | { ok: true; sql: string; outputs: string[]; errorColumn: string }
  | { ok: false; diagnostics: SqlDiagnostic[] };

interface Layer {
  columns: { name: string; sql: string }[];
}

/** Compiles a rulebook's IR to a SQL query in the given dialect. Reads the IR only. */
export function compileToSql(ir: IrRulebook, options: SqlOptions): SqlResult {
  return new QueryEmitter(ir, dialects[options.dialect], options).run();
}

class QueryEmitter implements EmitContext {
  readonly dialect: SqlDialect;
  private readonly layers: Layer[] = [];
  private readonly hoisted = new Map<string, string>();
  private readonly inputs = new Map<string, SqlValue>();
  private readonly slots = new Map<number, SqlValue>();
  private readonly diagnostics: SqlDiagnostic[] = [];
  /** Slots whose step could not be compiled: read as NULL, so that one problem is reported once. */
  private readonly failed = new Set<number>();
  private counter = 0;
  private error = "";

  constructor(
    readonly ir: IrRulebook,
    dialect: SqlDialect,
    private readonly options: SqlOptions,
  ) {
    this.dialect = dialect;
  }

  run(): SqlResult {
    const d = this.dialect;
    if (this.ir.meta.arithmetic) {
      // The query computes in DOUBLE: it would not give the decimal rulebook's exact results.
      this.report(messages.sqlUnsupported, 0, {
        what: "a rulebook in decimal arithmetic",
        dialect: d.name,
        reason:
          "the SQL target computes in binary64 (DOUBLE), and a DECIMAL translation is not implemented yet",
      });
      return { ok: false, diagnostics: this.diagnostics };
    }
    const { columns, unsupported } = inputColumns(this.ir);
    for (const u of unsupported)
      this.report(messages.sqlUnknownInput, 0, { path: u.path, type: u.type, dialect: d.name });
    const first: Layer = { columns: [] };
    const invalid: string[] = [];
    columns.forEach((column, i) => {
      const { value, invalid: bad } = validatedInput(this.ir, d, column);
      const name = `__mb_i${i}`;
      first.columns.push({ name, sql: value });
      this.inputs.set(column.path, { v: name, e: null, shape: column.shape });
      invalid.push(bad);
    });
    this.error = "__mb_e0";
    first.columns.push({
      name: this.error,
      sql: invalid.length > 0 ? raiseWhen(d, invalid.join(" OR "), "MB6001") : d.nullText,
    });
    this.layers.push(first);

    const outputs: { name: string; column: string }[] = [];
    for (const step of this.ir.steps) {
      try {
        switch (step.kind) {
          case "let": {
            const value = emitExpr(step.value, this);
            if (this.ir.slots[step.slot]!.type.kind === "number") {
              const sql = isSimple(value.v) ? value.v : this.hoist(value.v);
              this.setSlot(step.slot, sql, value.shape, firstError(d, [value.e, this.overflowed(sql)]));
            } else {
              this.setSlot(step.slot, value.v, value.shape, value.e);
            }
            break;
          }
          case "rule":
            this.rule(step);
            break;
          case "output":
            outputs.push(this.output(step));
            break;
          case "assert": {
            const c = emitExpr(step.condition, this);
            this.addError(firstError(d, [c.e, raiseWhen(d, `NOT ${c.v}`, "MB6008")]));
            break;
          }
        }
      } catch (error) {
        if (!(error instanceof Unsupported)) throw error;
        if (step.kind === "let" || step.kind === "output") this.failed.add(step.slot);
        if (step.kind === "rule") for (const action of step.actions) this.failed.add(action.slot);
        const line = this.ir.sites[error.site ?? step.site]?.line ?? 0;
        if (error.runtimeStep)
          this.report(messages.sqlRuntimeStep, line, { fn: error.what, dialect: d.name });
        else
          this.report(messages.sqlUnsupported, line, {
            what: error.what,
            dialect: d.name,
            reason: error.reason ?? "it has no SQL form in this version",
          });
      }
    }
    if (this.diagnostics.length > 0) return { ok: false, diagnostics: this.diagnostics };
    return this.finish(
      columns.map((c) => c.path),
      outputs,
    );
  }

  private finish(inputPaths: string[], outputs: { name: string; column: string }[]): SqlResult {
    const d = this.dialect;
    const names = new Set(outputs.map((o) => o.name));
    const keep = (this.options.keep ?? inputPaths).filter((k) => !names.has(k));
    let errorColumn = this.options.errorColumn ?? "error";
    while (names.has(errorColumn) || keep.includes(errorColumn)) errorColumn = `mb_${errorColumn}`;
    let sql = `SELECT * FROM ${this.options.from ?? d.ident("input")}`;
    this.layers.forEach((layer, i) => {
      sql = `SELECT *, ${layer.columns.map((c) => `${c.sql} AS ${c.name}`).join(", ")}\nFROM (${sql}) AS __mb_q${i}`;
    });
    const select = [
      ...keep.map((k) => d.ident(k)),
      ...outputs.map(
        (o) => `CASE WHEN ${this.error} IS NULL THEN ${o.column} ELSE NULL END AS ${d.ident(o.name)}`,
      ),
      `${this.error} AS ${d.ident(errorColumn)}`,
    ];
    const header = `-- ${this.ir.meta.name} ${this.ir.meta.version}: generated by marginbook (${d.name}), do not edit\n`;
    return {
      ok: true,
      sql: `${header}SELECT ${select.join(", ")}\nFROM (${sql}) AS __mb_result`,
      outputs: outputs.map((o) => o.name),
      errorColumn,
    };
  }

  private shareContext(): {
    dialect: SqlDialect;
    share: (sql: string, body: (ref: string) => string) => string;
  } {
    return { dialect: this.dialect, share: (sql, body) => body(isSimple(sql) ? sql : this.hoist(sql)) };
  }

  // ---- EmitContext ----

  /**
   * ClickHouse 18.16 drops a subquery's column that the query above reads only inside a lambda (and
   * inlining instead exceeds its AST limit): a comprehension that reads a column is refused there.
   */
  captured(what: string): void {
    if (this.dialect.name === "clickhouse")
      throw new Unsupported(
        `a comprehension that reads ${what}`,
        undefined,
        false,
        "ClickHouse 18.16 does not pass columns into lambdas over nested queries; use --dialect duckdb",
      );
  }

  input(path: readonly string[]): SqlValue | undefined {
    return this.inputs.get(path.join("."));
  }

  slot(slot: number): SqlValue {
    const value = this.slots.get(slot);
    if (this.failed.has(slot)) return { v: this.dialect.nullNumber, e: null, shape: { kind: "scalar" } };
    if (!value)
      throw new Unsupported(`\`${this.ir.slots[slot]?.name ?? slot}\` before it has a value`, undefined);
    return value;
  }

  hoist(sql: string): string {
    const known = this.hoisted.get(sql);
    if (known) return known;
    const name = `__mb_t${++this.counter}`;
    this.layers.push({ columns: [{ name, sql }] });
    this.hoisted.set(sql, name);
    return name;
  }

  // ---- steps ----

  private setSlot(slot: number, sql: string, shape: Shape, error: string | null): void {
    const name = `__mb_s${slot}_${++this.counter}`;
    const layer: Layer = { columns: [{ name, sql }] };
    this.withError(layer, error);
    this.layers.push(layer);
    this.slots.set(slot, { v: name, e: null, shape });
  }

  /** Adds a new version of the error column to `layer` when `error` can be raised. */
  private withError(layer: Layer, error: string | null): void {
    if (error === null) return;
    const name = `__mb_e${++this.counter}`;
    layer.columns.push({ name, sql: `coalesce(${this.error}, ${error})` });
    this.error = name;
  }

  private addError(error: string | null): void {
    const layer: Layer = { columns: [] };
    this.withError(layer, error);
    if (layer.columns.length > 0) this.layers.push(layer);
  }

  private rule(step: IrRuleStep): void {
    const d = this.dialect;
    let when: string | undefined;
    if (step.condition) {
      const c = emitExpr(step.condition, this);
      const name = `__mb_c${++this.counter}`;
      const layer: Layer = { columns: [{ name, sql: c.v }] };
      this.withError(layer, c.e);
      this.layers.push(layer);
      when = name;
    }
    for (const action of step.actions) this.action(action, when, d);
  }

  private action(action: IrAction, when: string | undefined, d: SqlDialect): void {
    const current = this.slots.get(action.slot);
    const operand = emitExpr(action.value, this);
    const condition = action.condition ? emitExpr(action.condition, this) : undefined;
    const cur = current?.v ?? d.nullNumber;
    const applied = {
      set: operand.v,
      scale: `(${cur} * ${operand.v})`,
      add: `(${cur} + ${operand.v})`,
      floor: jsMinMax("max", cur, operand.v, this.shareContext()),
      cap: jsMinMax("min", cur, operand.v, this.shareContext()),
    } satisfies Record<IrAction["verb"], string>;
    const guards = [when, condition?.v].filter((g): g is string => g !== undefined);
    const value =
      guards.length === 0
        ? applied[action.verb]
        : `(CASE WHEN ${guards.join(" AND ")} THEN ${applied[action.verb]} ELSE ${cur} END)`;
    // The action's own errors: its condition's, then (when it applies) its operand's; all under the rule's condition.
    const own = firstError(d, [
      condition?.e ?? null,
      condition ? errorWhen(d, condition.v, operand.e) : operand.e,
    ]);
    const errors = when ? errorWhen(d, when, own) : own;
    if (this.ir.slots[action.slot]!.type.kind !== "number")
      return this.setSlot(action.slot, value, operand.shape, errors);
    // A step that does not apply keeps the quantity's (finite) value, so checking the result is the runtime's check.
    const sql = isSimple(value) ? value : this.hoist(value);
    this.setSlot(action.slot, sql, operand.shape, firstError(d, [errors, this.overflowed(sql)]));
  }

  /** MB6011 when a let or a quantity is an infinity or NaN (an overflow of binary64), as the runtime raises it. */
  private overflowed(sql: string): string | null {
    return raiseWhen(this.dialect, `NOT ${this.dialect.isFinite(sql)}`, "MB6011");
  }

  private output(step: Extract<IrRulebook["steps"][number], { kind: "output" }>): {
    name: string;
    column: string;
  } {
    const d = this.dialect;
    const slot = this.ir.slots[step.slot]!;
    if (slot.type.kind === "timestamp") throw new Unsupported(`timestamp output \`${slot.name}\``, step.site);
    const value = emitExpr(step.value, this);
    let sql = value.v;
    if (step.rounding) {
      const raw = isSimple(sql) ? sql : this.hoist(sql);
      sql = roundSql(raw, step.rounding, this.shareContext());
    }
    let own: string | null = null;
    if (slot.type.kind === "number") {
      sql = isSimple(sql) ? sql : this.hoist(sql);
      own = raiseWhen(d, `NOT ${d.isFinite(sql)}`, "MB6007");
    }
    this.setSlot(step.slot, sql, value.shape, firstError(d, [value.e, own]));
    return { name: slot.name, column: this.slots.get(step.slot)!.v };
  }

  private report<S extends MessageSpec>(spec: S, line: number, args: TemplateArgs<S>): void {
    this.diagnostics.push({
      code: spec.code,
      severity: "error",
      message: fillTemplate(spec.template, args),
      ...(spec.help ? { help: fillTemplate(spec.help, args) } : {}),
      file: this.ir.meta.file,
      line,
    });
  }
}
