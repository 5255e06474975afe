/**
 * Compiles IR expressions to SQL: each node to a {@link SqlValue} (value, error, shape), following
 * the interpreter (`src/runtime/interpreter.ts`) node by node. Tier lookups become CASE chains over
 * the table's intervals; comprehensions become the dialect's list functions with lambdas; scenario
 * sets become list literals of records.
 *
 * A value used several times is shared: outside lambdas it is hoisted into a column of an earlier
 * layer of the query (see `emit-query.ts`); inside a lambda it is bound by a one-element list.
 */
import { irConvention } from "../semantics/liquidation.js";
import type { IrAggregate, IrExpr, IrRulebook, IrTierTable } from "../ir/ir.js";
import { builtinSql, type BuiltinContext } from "./emit-builtins.js";
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

/** Why an expression could not be compiled; the query emitter reports it with the site's line. */
export class Unsupported extends Error {
  constructor(
    readonly what: string,
    readonly site: number | undefined,
    readonly runtimeStep = false,
    readonly reason?: string,
  ) {
    super(what);
  }
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

  constructor(private readonly ctx: EmitContext) {
    this.d = ctx.dialect;
  }

  emit(expr: IrExpr, scope: Scope): SqlValue {
    const d = this.d;
    switch (expr.k) {
      case "const":
        return {
          v:
            typeof expr.v === "number"
              ? d.number(expr.v)
              : typeof expr.v === "boolean"
                ? d.bool(expr.v)
                : d.text(expr.v),
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
        return this.byTier(table, key, scope, (i) => d.number(i), expr.site);
      }
      case "cell":
        return this.cell(expr, scope);
      case "margin": {
        const table = this.ctx.ir.tables[expr.table]!;
        const key = this.emit(expr.key, scope);
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
          v: d.nullNumber,
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
        return {
          v: `(${l.v} / ${r.v})`,
          e: firstError(d, [l.e, r.e, raiseWhen(d, `${r.v} = ${d.number(0)}`, "MB6002")]),
          shape: SCALAR,
        };
      case "==":
        return { v: `(${l.v} = ${r.v})`, e: firstError(d, [l.e, r.e]), shape: SCALAR };
      case "!=":
        return { v: `(${l.v} <> ${r.v})`, e: firstError(d, [l.e, r.e]), shape: SCALAR };
      default:
        return { v: `(${l.v} ${expr.op} ${r.v})`, e: firstError(d, [l.e, r.e]), shape: SCALAR };
    }
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
    const result = builtinSql[expr.fn](args, ctx);
    if ("unsupported" in result)
      throw new Unsupported(
        result.unsupported,
        expr.site,
        "runtimeStep" in result && result.runtimeStep === true,
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
  ): SqlValue {
    const d = this.d;
    const rows = table.rows;
    const inRange = (k: string): string => {
      const first = rows[0]!;
      const last = rows[rows.length - 1]!;
      const above = `${k} ${first.lowerInclusive ? ">=" : ">"} ${d.number(first.lower)}`;
      const below =
        last.upper === null ? "" : ` AND ${k} ${last.upperInclusive ? "<=" : "<"} ${d.number(last.upper)}`;
      return `(NOT ${d.isNan(k)} AND ${above}${below})`;
    };
    const v = this.share(key.v, scope, (k) => {
      const branches = rows.map((row, i) => {
        if (i === rows.length - 1) return `ELSE ${value(i, k)}`;
        return `WHEN ${k} ${row.upperInclusive ? "<=" : "<"} ${d.number(row.upper!)} THEN ${value(i, k)}`;
      });
      return `(CASE WHEN NOT ${inRange(k)} THEN ${d.nullNumber} ${branches.join(" ")} END)`;
    });
    const error = this.share(key.v, scope, (k) => raiseWhen(d, `NOT ${inRange(k)}`, "MB6006"));
    // Above the deliberate limit of a `, limit` table: MB6021 rather than MB6006.
    const last = rows[rows.length - 1]!;
    const limit =
      table.limit && last.upper !== null
        ? this.share(key.v, scope, (k) =>
            raiseWhen(d, `${k} ${last.upperInclusive ? ">" : ">="} ${d.number(last.upper!)}`, "MB6021"),
          )
        : null;
    void site;
    return { v, e: firstError(d, [key.e, limit, error]), shape: SCALAR };
  }

  private cell(expr: Extract<IrExpr, { k: "cell" }>, scope: Scope): SqlValue {
    const d = this.d;
    const table = this.ctx.ir.tables[expr.table]!;
    const cellOf = (i: number): string => {
      const row = table.rows[i]!;
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
        `(CASE ${table.rows.map((_, i) => `WHEN ${r} = ${d.number(i)} THEN ${cellOf(i)}`).join(" ")} ELSE ${d.nullNumber} END)`,
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
    if (expr.timestamp) v = d.timestampSeconds(v);
    if (expr.default !== undefined) {
      const fallback =
        typeof expr.default === "number"
          ? d.number(expr.default)
          : typeof expr.default === "boolean"
            ? d.bool(expr.default)
            : d.text(expr.default);
      v = `coalesce(${v}, ${fallback})`;
    }
    return { v, e: x.e, shape };
  }

  private index(expr: Extract<IrExpr, { k: "index" }>, scope: Scope): SqlValue {
    const d = this.d;
    const list = this.emit(expr.x, scope);
    const index = this.emit(expr.index, scope);
    const element = list.shape.kind === "list" ? list.shape.element : SCALAR;
    const ok = (i: string): string =>
      `(${i} = floor(${i}) AND ${i} >= ${d.number(0)} AND ${i} < ${d.length(list.v)})`;
    const v = this.share(index.v, scope, (i) =>
      d.element(list.v, `(CASE WHEN ${ok(i)} THEN ${i} ELSE ${d.number(0)} END)`),
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
        { name: "name", value: d.text(row.name) },
        { name: "index", value: d.number(row.index) },
        { name: "number", value: d.number(row.index + 1) },
        { name: "weight", value: d.number(row.weight) },
        ...s.axes.map((axis, a) => ({ name: axis, value: d.number(row.values[a]!) })),
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
        v: `(CASE WHEN ${isEmpty} THEN ${fallback ? fallback.v : d.nullNumber} ELSE ${value(values)} END)`,
        e: firstError(d, [source.e, allErrors, emptyError]),
        shape: SCALAR,
      };
    };
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
