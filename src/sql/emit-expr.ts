/**
 * Compiles IR expressions to SQL: each node to a {@link SqlValue} (value, error, shape), following
 * the interpreter (`src/runtime/interpreter.ts`) node by node. Tier lookups become CASE chains over
 * the table's intervals; comprehensions become the dialect's list functions with lambdas; scenario
 * sets become list literals of records.
 *
 * A value used several times is shared: outside lambdas it is hoisted into a column of an earlier
 * layer of the query (see `emit-query.ts`); inside a lambda it is bound by a one-element list.
 */
import type { IrAggregate, IrArithmetic, IrExpr, IrRulebook, IrTierTable } from "../ir/ir.js";
import { decimalTables } from "../semantics/decimal-operations.js";
import { toDec, type Dec } from "../semantics/decimal.js";
import { irConvention } from "../semantics/liquidation.js";
import { builtinSql, type BuiltinContext } from "./emit-builtins.js";
import { decimalBuiltinSql } from "./emit-decimal-builtins.js";
import {
  DEC_NULL,
  SQL_SCALE,
  decAdd,
  decCount,
  decDivide,
  decLiteral,
  decMultiply,
  decSum,
  decTimestampSeconds,
} from "./decimal-sql.js";
import { liquidationSql } from "./emit-liquidation.js";
import type { SqlDialect } from "./dialect.js";
import {
  SCALAR,
  errorWhen,
  firstError,
  isSimple,
  raiseWhen,
  type Shape,
  type SqlValue,
} from "./sql-value.js";

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why an expression could not be compiled; the query emitter reports it with the site's line. */
export class Unsupported extends Error {
  constructor(
    readonly what: string,
    readonly site: number | undefined,
    readonly runtimeStep = false,
    readonly reason?: string,
    /** Refused because decimal arithmetic cannot be exact here (MB5110), not for lack of any SQL form. */
    readonly decimal = false,
  ) {
    super(what);
  }
}

/** The SQL literal of a decimal, or MB5110 when DECIMAL(38, 18) cannot hold it. */
export function decimalLiteralOrRefuse(value: Dec, site: number | undefined): string {
  const sql = decLiteral(value);
  if (sql === undefined)
    throw new Unsupported(
      `the number ${value.toFixed()}`,
      site,
      false,
      `DECIMAL(38, ${SQL_SCALE}) holds at most ${SQL_SCALE} decimal places and 19 integer digits`,
      true,
    );
  return sql;
}

/** What the expression emitter reads from the query being built. */
export interface EmitContext {
  ir: IrRulebook;
  dialect: SqlDialect;
  /** The validated input column for an input path (`position.size`), with its shape. */
  input(path: readonly string[]): SqlValue | undefined;
  /** The current column of a slot. */
  slot(slot: number): SqlValue;
  /** Computes `sql` in a column of an earlier layer; returns the column's reference. */
  hoist(sql: string): string;
  /** Called when a lambda body reads a column (an input or a computed value): `what` names it. */
  captured?(what: string, site: number | undefined): void;
}

interface Local {
  param: string;
  shape: Shape;
}

type Scope = ReadonlyMap<number, Local>;

const EMPTY: Scope = new Map();

/** Compiles one expression outside any comprehension. */
export function emitExpr(expr: IrExpr, ctx: EmitContext): SqlValue {
  return new ExprEmitter(ctx).emit(expr, EMPTY);
}

class ExprEmitter {
  private readonly d: SqlDialect;
  private binds = 0;
  /** The decimal arithmetic, when the rulebook declares it: numbers are then DECIMAL(38, 18). */
  private readonly arith?: IrArithmetic;

  constructor(private readonly ctx: EmitContext) {
    this.d = ctx.dialect;
    this.arith = ctx.ir.meta.arithmetic;
  }

  /** A number of the IR (a constant, a tier bound or cell) in the rulebook's arithmetic. */
  private num(value: number, text?: string, site?: number): string {
    if (!this.arith) return this.d.number(value);
    return decimalLiteralOrRefuse(toDec(text ?? value), site);
  }

  /** A decimal (derived exactly, like a deduction) as a literal. */
  private dec(value: Dec, site?: number): string {
    return decimalLiteralOrRefuse(value, site);
  }

  /** A NULL number of the rulebook's arithmetic. */
  private get nullNumber(): string {
    return this.arith ? DEC_NULL : this.d.nullNumber;
  }

  /** Whether a number is NaN (decimals never are). */
  private isNan(sql: string): string {
    return this.arith ? "FALSE" : this.d.isNan(sql);
  }

  /** A share function for the decimal helpers, in the current scope. */
  private sharer(scope: Scope): (sql: string, body: (ref: string) => string) => string {
    return (sql, body) => this.share(sql, scope, body);
  }

  /**
   * A text constant of the rulebook as an SQL literal. SQL text is UTF-8, which has no form for a
   * lone UTF-16 surrogate (a `"\ud800"` the interpreter keeps): such text is refused, not altered.
   */
  private text(value: string): string {
    if (LONE_SURROGATE.test(value))
      throw new Unsupported(
        `the text ${JSON.stringify(value)}`,
        undefined,
        false,
        "it holds a lone UTF-16 surrogate, which SQL text (UTF-8) cannot hold",
      );
    return this.d.text(value);
  }

  emit(expr: IrExpr, scope: Scope): SqlValue {
    const d = this.d;
    switch (expr.k) {
      case "const":
        return {
          v:
            typeof expr.v === "number"
              ? this.num(expr.v, expr.d)
              : typeof expr.v === "boolean"
                ? d.bool(expr.v)
                : this.text(expr.v),
          e: null,
          shape: SCALAR,
        };
      case "input": {
        const column = this.ctx.input(expr.path);
        if (!column) throw new Unsupported(`input \`${expr.path.join(".")}\` (a whole record)`, undefined);
        if (scope.size > 0) this.ctx.captured?.(`\`${expr.path.join(".")}\``, undefined);
        return column;
      }
      case "slot":
        if (scope.size > 0)
          this.ctx.captured?.(`\`${this.ctx.ir.slots[expr.slot]?.name ?? expr.slot}\``, undefined);
        return this.ctx.slot(expr.slot);
      case "local": {
        const local = scope.get(expr.local);
        if (!local) throw new Error(`local ${expr.local} is not bound`);
        return { v: local.param, e: null, shape: local.shape };
      }
      case "unary": {
        const x = this.emit(expr.x, scope);
        return { v: expr.op === "neg" ? `(-${x.v})` : `(NOT ${x.v})`, e: x.e, shape: SCALAR };
      }
      case "binary":
        return this.binary(expr, scope);
      case "if": {
        const c = this.emit(expr.c, scope);
        const t = this.emit(expr.t, scope);
        // A keyed lookup without a row ends its chain: its value is never read (the row fails with
        // MB6020), so it repeats the other branch's, which keeps the column's type (no NULL).
        const other = this.emit(expr.e, scope);
        const e = expr.e.k === "nokey" ? { ...other, v: t.v } : other;
        const branchError =
          t.e === null && e.e === null
            ? null
            : `(CASE WHEN ${c.v} THEN ${t.e ?? d.nullText} ELSE ${e.e ?? d.nullText} END)`;
        return {
          v: `(CASE WHEN ${c.v} THEN ${t.v} ELSE ${e.v} END)`,
          e: firstError(d, [c.e, branchError]),
          shape: t.shape,
        };
      }
      case "call":
        return this.call(expr, scope);
      case "tier": {
        const table = this.ctx.ir.tables[expr.table]!;
        const key = this.emit(expr.key, scope);
        return this.byTier(table, key, scope, (i) => d.number(i), expr.site, d.nullNumber);
      }
      case "cell":
        return this.cell(expr, scope);
      case "margin": {
        const table = this.ctx.ir.tables[expr.table]!;
        const key = this.emit(expr.key, scope);
        if (this.arith) return this.decimalMargin(expr, table, key, scope);
        return this.byTier(
          table,
          key,
          scope,
          (i, k) => {
            const row = table.rows[i]!;
            const deduction = d.number(row.deductions[expr.column] ?? 0);
            return expr.deduction
              ? deduction
              : `(${k} * ${d.number(row.cells[expr.column]!)} - ${deduction})`;
          },
          expr.site,
        );
      }
      case "liquidation": {
        if (this.arith)
          throw new Unsupported(
            "`liquidation_price`",
            expr.site,
            false,
            "its tier search is not translated to exact decimal SQL",
            true,
          );
        const args = [expr.side, expr.size, expr.entry, expr.balance].map((a) => this.emit(a, scope));
        const { value, error } = liquidationSql(
          d,
          this.ctx.ir.tables[expr.table]!,
          expr.column,
          irConvention(expr),
          { side: args[0]!.v, size: args[1]!.v, entry: args[2]!.v, balance: args[3]!.v },
          (sql, body) => this.share(sql, scope, body),
        );
        return { v: value, e: firstError(d, [...args.map((a) => a.e), error]), shape: SCALAR };
      }
      case "field":
        return this.field(expr, scope);
      case "index":
        return this.index(expr, scope);
      case "scenarios":
        return this.scenarios(expr.set);
      case "nokey": {
        // A keyed lookup that found no row: the value is NULL and the error MB6020.
        const keys = expr.keys.map((k) => this.emit(k, scope));
        return {
          v: this.nullNumber,
          e: firstError(d, [...keys.map((k) => k.e), d.text("MB6020")]),
          shape: SCALAR,
        };
      }
      case "agg":
        return this.aggregate(expr, scope);
      case "list": {
        const items = expr.items.map((item) => this.emit(item, scope));
        return {
          v: d.list(items.map((i) => i.v)),
          e: firstError(
            d,
            items.map((i) => i.e),
          ),
          shape: { kind: "list", element: items[0]?.shape ?? SCALAR },
        };
      }
      case "record":
        throw new Unsupported("a record value", undefined, false, "SQL values here are scalars and lists");
      case "let": {
        // By substitution: the value's SQL stands wherever the body reads the local.
        const value = this.emit(expr.value, scope);
        const inner = new Map(scope).set(expr.local, { param: `(${value.v})`, shape: value.shape });
        const body = this.emit(expr.body, inner);
        return { v: body.v, e: firstError(d, [value.e, body.e]), shape: body.shape };
      }
      case "apply": {
        const fn = this.ctx.ir.functions?.[expr.fn];
        if (!fn) throw new Error(`no function ${expr.fn}`);
        const args = expr.args.map((a) => this.emit(a, scope));
        const inner: Scope = new Map(
          fn.params.map((p, i) => [p, { param: `(${args[i]!.v})`, shape: args[i]!.shape }]),
        );
        const body = this.emit(fn.body, inner);
        return { v: body.v, e: firstError(d, [...args.map((a) => a.e), body.e]), shape: body.shape };
      }
    }
  }

  private binary(expr: Extract<IrExpr, { k: "binary" }>, scope: Scope): SqlValue {
    const d = this.d;
    const l = this.emit(expr.l, scope);
    const r = this.emit(expr.r, scope);
    switch (expr.op) {
      case "and":
        return { v: `(${l.v} AND ${r.v})`, e: firstError(d, [l.e, errorWhen(d, l.v, r.e)]), shape: SCALAR };
      case "or":
        return {
          v: `(${l.v} OR ${r.v})`,
          e: firstError(d, [l.e, errorWhen(d, `NOT ${l.v}`, r.e)]),
          shape: SCALAR,
        };
      case "/":
        if (this.arith) {
          const q = decDivide(d, l.v, r.v, this.arith.scale, this.arith.rounding, this.sharer(scope));
          return {
            v: q.v,
            e: firstError(d, [l.e, r.e, raiseWhen(d, `${r.v} = 0`, "MB6002"), q.e]),
            shape: SCALAR,
          };
        }
        return {
          v: `(${l.v} / ${r.v})`,
          e: firstError(d, [l.e, r.e, raiseWhen(d, `${r.v} = ${d.number(0)}`, "MB6002")]),
          shape: SCALAR,
        };
      case "+":
      case "-":
      case "*":
        if (!this.arith) break;
        {
          const share = this.sharer(scope);
          const x = expr.op === "*" ? decMultiply(d, l.v, r.v, share) : decAdd(d, expr.op, l.v, r.v, share);
          return { v: x.v, e: firstError(d, [l.e, r.e, x.e]), shape: SCALAR };
        }
      case "==":
        return { v: `(${l.v} = ${r.v})`, e: firstError(d, [l.e, r.e]), shape: SCALAR };
      case "!=":
        return { v: `(${l.v} <> ${r.v})`, e: firstError(d, [l.e, r.e]), shape: SCALAR };
      default:
        break;
    }
    return { v: `(${l.v} ${expr.op} ${r.v})`, e: firstError(d, [l.e, r.e]), shape: SCALAR };
  }

  private call(expr: Extract<IrExpr, { k: "call" }>, scope: Scope): SqlValue {
    const args = expr.args.map((a) => this.emit(a, scope));
    const ctx: BuiltinContext = {
      dialect: this.d,
      share: (sql, body) => this.share(sql, scope, body),
      constant: (i) => {
        const arg = expr.args[i];
        return arg?.k === "const" && typeof arg.v === "number" ? arg.v : undefined;
      },
      text: (i) => {
        const arg = expr.args[i];
        return arg?.k === "const" && typeof arg.v === "string" ? arg.v : undefined;
      },
    };
    const result = this.arith
      ? decimalBuiltinSql[expr.fn](args, ctx, this.arith)
      : builtinSql[expr.fn](args, ctx);
    if ("unsupported" in result)
      throw new Unsupported(
        result.unsupported,
        expr.site,
        "runtimeStep" in result && result.runtimeStep === true,
        "decimal" in result ? result.decimal : undefined,
        "decimal" in result,
      );
    return result;
  }

  /** Refers to `sql` computed once: a hoisted column outside lambdas, a bound parameter inside. */
  share(sql: string, scope: Scope, body: (ref: string) => string): string {
    if (isSimple(sql)) return body(sql);
    if (scope.size === 0) return body(this.ctx.hoist(sql));
    const param = `__mb_b${++this.binds}`;
    return this.d.bind(sql, param, body(param));
  }

  /**
   * A CASE chain over the rows of a tier table (ascending and contiguous, as the compiler checks):
   * `value(i, key)` for the row containing the key; NULL and MB6006 for a key in no row (or NaN).
   */
  private byTier(
    table: IrTierTable,
    key: SqlValue,
    scope: Scope,
    value: (row: number, key: string) => string,
    site: number,
    nullValue: string = this.nullNumber,
  ): SqlValue {
    const d = this.d;
    const rows = table.rows;
    const bound = (i: number, which: "lower" | "upper"): string => {
      const row = rows[i]!;
      if (!this.arith) return d.number(row[which]!);
      return this.dec(
        which === "lower" ? this.tableOf(table).lower[i]! : this.tableOf(table).upper[i]!,
        site,
      );
    };
    const inRange = (k: string): string => {
      const first = rows[0]!;
      const last = rows[rows.length - 1]!;
      const above = `${k} ${first.lowerInclusive ? ">=" : ">"} ${bound(0, "lower")}`;
      const below =
        last.upper === null
          ? ""
          : ` AND ${k} ${last.upperInclusive ? "<=" : "<"} ${bound(rows.length - 1, "upper")}`;
      return `(NOT ${this.isNan(k)} AND ${above}${below})`;
    };
    const v = this.share(key.v, scope, (k) => {
      const branches = rows.map((row, i) => {
        if (i === rows.length - 1) return `ELSE ${value(i, k)}`;
        return `WHEN ${k} ${row.upperInclusive ? "<=" : "<"} ${bound(i, "upper")} THEN ${value(i, k)}`;
      });
      return `(CASE WHEN NOT ${inRange(k)} THEN ${nullValue} ${branches.join(" ")} END)`;
    });
    const error = this.share(key.v, scope, (k) => raiseWhen(d, `NOT ${inRange(k)}`, "MB6006"));
    // Above the deliberate limit of a `, limit` table: MB6021 rather than MB6006.
    const last = rows[rows.length - 1]!;
    const limit =
      table.limit && last.upper !== null
        ? this.share(key.v, scope, (k) =>
            raiseWhen(
              d,
              `${k} ${last.upperInclusive ? ">" : ">="} ${bound(rows.length - 1, "upper")}`,
              "MB6021",
            ),
          )
        : null;
    void site;
    return { v, e: firstError(d, [key.e, limit, error]), shape: SCALAR };
  }

  /** A tier table's numbers as exact decimals (deductions derived exactly, as the runtime does). */
  private tableOf(table: IrTierTable): ReturnType<typeof decimalTables>[number] {
    return decimalTables(this.ctx.ir)[this.ctx.ir.tables.indexOf(table)]!;
  }

  /** A cell of a tier table in decimal arithmetic (`tier`, `lower`, `upper` or a column). */
  private decimalCell(
    table: IrTierTable,
    column: number | "tier" | "lower" | "upper",
    i: number,
    site: number,
  ): string {
    const t = this.tableOf(table);
    if (column === "tier") return this.dec(toDec(i + 1), site);
    if (column === "lower") return this.dec(t.lower[i]!, site);
    if (column === "upper") {
      const upper = t.upper[i];
      if (upper === null || upper === undefined)
        throw new Unsupported(
          "`upper` of an open-ended tier (inf)",
          site,
          false,
          "a decimal has no infinity",
          true,
        );
      return this.dec(upper, site);
    }
    return this.dec(t.cells[i]![column]!, site);
  }

  /** `table.margin(key, column)` / `table.deduction(key, column)` exactly: `key * rate - deduction`. */
  private decimalMargin(
    expr: Extract<IrExpr, { k: "margin" }>,
    table: IrTierTable,
    key: SqlValue,
    scope: Scope,
  ): SqlValue {
    const d = this.d;
    const t = this.tableOf(table);
    const deduction = this.byTier(
      table,
      key,
      scope,
      (i) => this.dec(t.deductions[i]![expr.column] ?? toDec(0), expr.site),
      expr.site,
    );
    if (expr.deduction) return deduction;
    const rate = this.byTier(
      table,
      key,
      scope,
      (i) => this.dec(t.cells[i]![expr.column]!, expr.site),
      expr.site,
    );
    const share = this.sharer(scope);
    const product = decMultiply(d, key.v, rate.v, share);
    const margin = decAdd(d, "-", product.v, deduction.v, share);
    return { v: margin.v, e: firstError(d, [rate.e, product.e, margin.e]), shape: SCALAR };
  }

  private cell(expr: Extract<IrExpr, { k: "cell" }>, scope: Scope): SqlValue {
    const d = this.d;
    const table = this.ctx.ir.tables[expr.table]!;
    const cellOf = (i: number): string => {
      const row = table.rows[i]!;
      if (this.arith) return this.decimalCell(table, expr.column, i, table.site);
      if (expr.column === "tier") return d.number(i + 1);
      if (expr.column === "lower") return d.number(row.lower);
      if (expr.column === "upper") return row.upper === null ? d.infinity : d.number(row.upper);
      return d.number(row.cells[expr.column]!);
    };
    if (expr.row.k === "tier" && expr.row.table === expr.table) {
      return this.byTier(table, this.emit(expr.row.key, scope), scope, (i) => cellOf(i), expr.row.site);
    }
    const row = this.emit(expr.row, scope);
    const v = this.share(
      row.v,
      scope,
      (r) =>
        `(CASE ${table.rows.map((_, i) => `WHEN ${r} = ${d.number(i)} THEN ${cellOf(i)}`).join(" ")} ELSE ${this.nullNumber} END)`,
    );
    return { v, e: row.e, shape: SCALAR };
  }

  private field(expr: Extract<IrExpr, { k: "field" }>, scope: Scope): SqlValue {
    const d = this.d;
    const x = this.emit(expr.x, scope);
    if (x.shape.kind !== "record")
      throw new Unsupported(`field \`${expr.name}\` of a value that is not a record`, undefined);
    const position = x.shape.fields.findIndex((f) => f.name === expr.name);
    if (position < 0)
      throw new Unsupported(`field \`${expr.name}\`, which the record does not have`, undefined);
    const shape = x.shape.fields[position]!.shape;
    let v = d.field(x.v, { name: expr.name, position: position + 1 });
    if (expr.timestamp) v = this.arith ? decTimestampSeconds(v) : d.timestampSeconds(v);
    if (expr.default !== undefined) {
      const fallback =
        typeof expr.default === "number"
          ? this.num(expr.default)
          : typeof expr.default === "boolean"
            ? d.bool(expr.default)
            : this.text(expr.default);
      v = `coalesce(${v}, ${fallback})`;
    }
    return { v, e: x.e, shape };
  }

  private index(expr: Extract<IrExpr, { k: "index" }>, scope: Scope): SqlValue {
    const d = this.d;
    const list = this.emit(expr.x, scope);
    const index = this.emit(expr.index, scope);
    const element = list.shape.kind === "list" ? list.shape.element : SCALAR;
    const zero = this.arith ? "0" : d.number(0);
    const length = this.arith ? decCount(d, list.v) : d.length(list.v);
    const ok = (i: string): string => `(${i} = floor(${i}) AND ${i} >= ${zero} AND ${i} < ${length})`;
    const v = this.share(index.v, scope, (i) =>
      d.element(list.v, `(CASE WHEN ${ok(i)} THEN ${i} ELSE ${zero} END)`),
    );
    const own = this.share(index.v, scope, (i) => raiseWhen(d, `NOT ${ok(i)}`, "MB6009"));
    return { v, e: firstError(d, [list.e, index.e, own]), shape: element };
  }

  private scenarios(set: number): SqlValue {
    const d = this.d;
    const s = this.ctx.ir.scenarioSets[set]!;
    const fields = [
      { name: "name", shape: SCALAR },
      { name: "index", shape: SCALAR },
      { name: "number", shape: SCALAR },
      { name: "weight", shape: SCALAR },
      ...s.axes.map((axis) => ({ name: axis, shape: SCALAR })),
    ];
    const rows = s.rows.map((row) =>
      d.record([
        { name: "name", value: this.text(row.name) },
        { name: "index", value: this.num(row.index) },
        { name: "number", value: this.num(row.index + 1) },
        { name: "weight", value: this.num(row.weight) },
        ...s.axes.map((axis, a) => ({ name: axis, value: this.num(row.values[a]!) })),
      ]),
    );
    return { v: d.list(rows), e: null, shape: { kind: "list", element: { kind: "record", fields } } };
  }

  private aggregate(expr: IrAggregate, scope: Scope): SqlValue {
    const d = this.d;
    if (expr.position !== undefined)
      throw new Unsupported(
        "an element's position (`for x, i in xs`)",
        expr.site,
        false,
        "SQL lists have no positions here",
      );
    if (expr.key && /"k":"record"/.test(JSON.stringify(expr.key)))
      throw new Unsupported(
        "a group key of several parts (`by (a, b)`)",
        expr.site,
        false,
        "SQL groups here are keyed by one value",
      );
    if (!["sum", "count", "min", "max", "avg", "any", "all", "group", "list"].includes(expr.op))
      throw new Unsupported(
        `\`${expr.op}\``,
        expr.site,
        false,
        "picking an element, sorting and folds have no SQL form here",
      );
    const source = this.emit(expr.source, scope);
    const element = source.shape.kind === "list" ? source.shape.element : SCALAR;
    const param = `__mb_l${expr.local}`;
    const inner = new Map(scope).set(expr.local, { param, shape: element });
    const filter = expr.filter ? this.emit(expr.filter, inner) : undefined;
    const elem = this.emit(expr.elem, inner);
    const key = expr.key ? this.emit(expr.key, inner) : undefined;
    // The error of one element: its filter's, then (when it passes) its element's and key's.
    const passedError = firstError(d, [elem.e, key?.e ?? null]);
    const elementError = firstError(d, [
      filter?.e ?? null,
      filter ? errorWhen(d, filter.v, passedError) : passedError,
    ]);
    const passed = filter ? d.filter(source.v, param, filter.v) : source.v;
    const values = d.map(passed, param, elem.v);
    const allErrors = elementError === null ? null : d.firstError(d.map(source.v, param, elementError));
    const fallback = expr.fallback ? this.emit(expr.fallback, scope) : undefined;
    const whenEmpty = (value: (list: string) => string): SqlValue => {
      const isEmpty = `${d.length(passed)} = ${d.number(0)}`;
      const emptyError = fallback ? errorWhen(d, isEmpty, fallback.e) : raiseWhen(d, isEmpty, "MB6005");
      return {
        v: `(CASE WHEN ${isEmpty} THEN ${fallback ? fallback.v : this.nullNumber} ELSE ${value(values)} END)`,
        e: firstError(d, [source.e, allErrors, emptyError]),
        shape: SCALAR,
      };
    };
    if (this.arith && ["sum", "count", "min", "max", "avg"].includes(expr.op))
      return this.decimalAggregate(expr, source, passed, values, allErrors, whenEmpty, scope);
    switch (expr.op) {
      case "sum":
        return { v: d.sum(values), e: firstError(d, [source.e, allErrors]), shape: SCALAR };
      case "count":
        return { v: d.length(passed), e: firstError(d, [source.e, allErrors]), shape: SCALAR };
      case "min":
        return whenEmpty((list) => this.extreme("min", list, scope));
      case "max":
        return whenEmpty((list) => this.extreme("max", list, scope));
      case "avg":
        return whenEmpty((list) => `(${d.sum(list)} / ${d.length(list)})`);
      case "any":
      case "all":
        return this.quantifier(expr.op, source, param, filter?.v, elem.v, elementError);
      case "group":
        return this.group(source, passed, param, elem, key!, allErrors);
      case "list":
        return {
          v: values,
          e: firstError(d, [source.e, allErrors]),
          shape: { kind: "list", element: elem.shape },
        };
      default:
        throw new Error(`unexpected aggregate ${expr.op}`);
    }
  }

  /** {@link aggregate}'s numeric folds in decimal arithmetic: exact sums, `avg` divided to the scale. */
  private decimalAggregate(
    expr: IrAggregate,
    source: SqlValue,
    passed: string,
    values: string,
    allErrors: string | null,
    whenEmpty: (value: (list: string) => string) => SqlValue,
    scope: Scope,
  ): SqlValue {
    const d = this.d;
    const share = this.sharer(scope);
    switch (expr.op) {
      case "sum": {
        const sum = decSum(d, values, share);
        return { v: sum.v, e: firstError(d, [source.e, allErrors, sum.e]), shape: SCALAR };
      }
      case "count":
        return { v: decCount(d, passed), e: firstError(d, [source.e, allErrors]), shape: SCALAR };
      case "min":
        return whenEmpty((list) => `list_min(${list})`);
      case "max":
        return whenEmpty((list) => `list_max(${list})`);
      case "avg": {
        const sum = decSum(d, values, share);
        const a = this.arith!;
        const q = decDivide(d, sum.v, decCount(d, values), a.scale, a.rounding, share);
        const result = whenEmpty(() => q.v);
        const isEmpty = `len(${passed}) = 0`;
        return {
          ...result,
          e: firstError(d, [result.e, errorWhen(d, `NOT (${isEmpty})`, firstError(d, [sum.e, q.e]))]),
        };
      }
      default:
        throw new Error(`unexpected decimal aggregate ${expr.op}`);
    }
  }

  /**
   * The runtime's `min` / `max` of a non-empty list (`Math.min` folded from the first element): NaN
   * when an element is NaN; a zero result is -0 when (min) some / (max) every zero element is -0.
   */
  private extreme(op: "min" | "max", values: string, scope: Scope): string {
    const d = this.d;
    const zero = d.number(0);
    return this.share(values, scope, (list) =>
      this.share(op === "min" ? d.min(list) : d.max(list), scope, (m) => {
        const signed = (cmp: string): string =>
          d.exists(list, "__mb_z", `__mb_z = ${zero} AND ${d.number(1)} / __mb_z ${cmp} ${zero}`);
        const zeroResult =
          op === "min"
            ? `(CASE WHEN ${signed("<")} THEN ${d.number(-0)} ELSE ${zero} END)`
            : `(CASE WHEN ${signed(">")} THEN ${zero} ELSE ${d.number(-0)} END)`;
        return `(CASE WHEN ${d.exists(list, "__mb_n", d.isNan("__mb_n"))} THEN ${d.nan} WHEN ${m} = ${zero} THEN ${zeroResult} ELSE ${m} END)`;
      }),
    );
  }

  /** `any` / `all`: stops at the first element that decides, so only errors up to it count. */
  private quantifier(
    op: "any" | "all",
    source: SqlValue,
    param: string,
    filter: string | undefined,
    elem: string,
    elementError: string | null,
  ): SqlValue {
    const d = this.d;
    const decides =
      op === "any"
        ? `${filter ? `${filter} AND ` : ""}${elem}`
        : `${filter ? `${filter} AND ` : ""}NOT ${elem}`;
    const count = d.length(d.filter(source.v, param, decides));
    const v = op === "any" ? `(${count} > ${d.number(0)})` : `(${count} = ${d.number(0)})`;
    if (elementError === null) return { v, e: source.e, shape: SCALAR };
    const flags = d.map(source.v, param, `coalesce(${decides}, ${d.bool(false)})`);
    const stop = `(CASE WHEN ${d.position(flags, d.bool(true))} = ${d.number(0)} THEN ${d.length(source.v)} ELSE ${d.position(flags, d.bool(true))} END)`;
    const errors = d.filterIndexed(
      d.map(source.v, param, elementError),
      "__mb_x",
      "__mb_i",
      `__mb_i <= ${stop}`,
    );
    return { v, e: firstError(d, [source.e, d.firstError(errors)]), shape: SCALAR };
  }

  /** `group(elem for x in list by key)`: `{ key, items }` records in first-appearance order. */
  private group(
    source: SqlValue,
    passed: string,
    param: string,
    elem: SqlValue,
    key: SqlValue,
    errors: string | null,
  ): SqlValue {
    const d = this.d;
    const k = (x: string): string => d.field(x, { name: "k", position: 1 });
    const val = (x: string): string => d.field(x, { name: "v", position: 2 });
    const pairs = d.map(
      passed,
      param,
      d.record([
        { name: "k", value: key.v },
        { name: "v", value: elem.v },
      ]),
    );
    const body = (e: string): string => {
      const firsts = d.filterIndexed(
        e,
        "__mb_g",
        "__mb_gi",
        `${d.position(d.map(e, "__mb_y", k("__mb_y")), k("__mb_g"))} = __mb_gi`,
      );
      const items = d.map(d.filter(e, "__mb_z", `${k("__mb_z")} = ${k("__mb_g")}`), "__mb_z", val("__mb_z"));
      return d.map(
        firsts,
        "__mb_g",
        d.record([
          { name: "key", value: k("__mb_g") },
          { name: "items", value: items },
        ]),
      );
    };
    const param2 = `__mb_b${++this.binds}`;
    const v = d.bind(pairs, param2, body(param2));
    const shape: Shape = {
      kind: "list",
      element: {
        kind: "record",
        fields: [
          { name: "key", shape: key.shape },
          { name: "items", shape: { kind: "list", element: elem.shape } },
        ],
      },
    };
    return { v, e: firstError(d, [source.e, errors]), shape };
  }
}
