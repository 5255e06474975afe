/**
 * Generates the fast path of a decimal rulebook's evaluator: the same steps as the exact generated
 * code (`codegen-decimal.ts`), computed on the double-held scaled integers and intervals of
 * `decimal-fast.ts`, giving up (throwing) for an input whenever a decision cannot be taken exactly.
 * The evaluator then runs the exact path for that input, so outputs are always the exact path's.
 *
 * Straight-line code: each numeric IR expression is compiled to statements that leave its value in
 * three local variables (`decimal-fast-ops.ts`: exact operations inline, the rest through the
 * kernel's scratch registers); booleans, text, enum members and tier rows are JavaScript values.
 * Constants, tier bounds and cells are loaded into the kernel's registers once, when the evaluator
 * is built, and read from factory-level constants; the places of exact constants are known when
 * the code is generated (small integers, the only numbers printed into the code besides indices;
 * every other number from the IR stays out of the code). Inputs are read once per evaluation. A
 * tier row, and a margin, is computed once per key value (the fast path gives up on every error,
 * so computing a fallible lookup once is safe there).
 *
 * Covered: constants, inputs (numbers and decimal text; text, enum and boolean fields), lets,
 * rules and their verbs, outputs of numbers (rounded or not), booleans, text and enums,
 * assertions, `+ - * /`, comparisons, `and or not`, `if`, `min max clamp abs sqrt`, `round_*`,
 * tier lookups, cells and `margin`/`deduction`, and `let ... in`. Anything else (comprehensions,
 * lists, records, user functions, timestamps, keyed tables, the other functions) makes
 * {@link generateFastPath} return undefined: the rulebook then runs the exact path alone.
 */
import { type IrExpr, type IrRulebook, type IrStep, type IrType } from "../ir/ir.js";
import { decimalConst, decimalTables } from "../semantics/decimal-operations.js";
import { decText, isDec, type Dec } from "../semantics/decimal.js";
import { jsIndex, jsString } from "./codegen-expr.js";
import { resultConstruction, type GeneratedOutput } from "./result-construction.js";
import { omittableInputs, withOmittedInputs, type Value } from "../semantics/operations.js";
import { fastKernel, readText, ROUND_CODES, type FastTable } from "./decimal-fast.js";
import { digitsOf, scaledText, textTables } from "./decimal-text.js";
import * as ops from "./decimal-fast-ops.js";
import { SCRATCH, type Num } from "./decimal-fast-ops.js";

/** The fast path's function source (`function fast(raw) { ... }`) and its factory parameter. */
export interface FastPath {
  /** Statements for the factory: the kernel's helpers as constants, then `function fast(raw)`. */
  source: string[];
  /** The factory parameter the source reads (`FK`: the kernel and its loaded registers). */
  parameter: [string, unknown];
}

/** Why a rulebook has no fast path (a construct the fast path does not cover). */
class Uncovered extends Error {}

type Kind = "num" | "val" | "row";

/** The kernel helpers the generated code calls, bound to factory-level constants. */
const HELPERS = [
  "input",
  "number",
  "other",
  "add",
  "sub",
  "mul",
  "div",
  "neg",
  "abs",
  "cmp",
  "eq",
  "round",
  "row",
  "cell",
  "bail",
  "omit",
] as const;

/**
 * The fast path of a decimal rulebook, or undefined when the rulebook uses a construct the fast
 * path does not cover. With `selected`, only those outputs are returned.
 */
export function generateFastPath(ir: IrRulebook, selected?: readonly string[]): FastPath | undefined {
  const context = ir.meta.arithmetic;
  if (!context) return undefined;
  try {
    const gen = new FastGenerator(ir);
    const body = gen.steps(selected === undefined ? undefined : new Set(selected));
    const tables = gen.tableRegisters();
    const kernel = fastKernel(gen.registers, context.scale, tables);
    for (const [register, value] of gen.loads) load(kernel.R, register, value);
    const helpers = {
      ...kernel,
      omit: (raw: unknown) => gen.omit(raw),
      defaults: gen.defaults,
      prototype: Object.prototype,
      prototypeOf: Object.getPrototypeOf,
      powers: POWERS,
      nan: NaN,
      math: { floor: Math.floor, sqrt: Math.sqrt, min: Math.min, max: Math.max, abs: Math.abs },
      scaledText,
      // The text of the mantissa stored in scratch register 0: a double stored there, not passed
      // (V8 boxes a double argument beyond 2^31, an allocation per output).
      text0: (s: number) => scaledText(kernel.R[0]!, s),
      digitsOf,
      textTables,
      // Each table's bounds as double intervals (lower lo, hi by row, then the last upper's lo, hi),
      // for the boundary count of contiguous tables (decimal-fast-ops.ts `tierRow`).
      tierBounds: tables.map((t) =>
        Float64Array.from(
          [...t.lower, t.upper[t.upper.length - 1] ?? -1].flatMap((r) =>
            r >= 0 ? [kernel.lower(r), kernel.upper(r)] : [Infinity, Infinity],
          ),
        ),
      ),
      columns: tables.map((t) => ({
        cells:
          t.cells[0]?.map((_, c) =>
            triples(
              kernel.R,
              t.cells.map((row) => row[c]!),
            ),
          ) ?? [],
        deductions:
          t.deductions[0]?.map((_, c) =>
            triples(
              kernel.R,
              t.deductions.map((row) => row[c]!),
              0,
            ),
          ) ?? [],
        texts: t.cells[0]?.map((_, c) => t.cells.map((row) => registerText(kernel.R, row[c]!))) ?? [],
      })),
    };
    const source = [
      // One declaration per helper (no destructuring: every name the code uses is declared plainly).
      ...HELPERS.map((h) => `const F${h} = FK.${h};`),
      "const FR = FK.R;",
      "const FP = FK.powers;",
      "const FE = FK.eps, FT = FK.tiny, FU = FK.unit, FNaN = FK.nan;",
      "const Mfloor = FK.math.floor, Msqrt = FK.math.sqrt, Mmin = FK.math.min, Mmax = FK.math.max, Mabs = FK.math.abs;",
      "const Ftext = FK.scaledText, Fdigits = FK.digitsOf, Ftext0 = FK.text0;",
      "const FD3 = FK.textTables(0).digits, FP3 = FK.textTables(0).three, FC2 = FK.textTables(0).cents;",
      "const FDT3 = FK.textTables(0).dotThree, FT3 = FK.textTables(0).trimmed3;",
      "const FD = FK.defaults;",
      "const OP = FK.prototype;",
      "const Fproto = FK.prototypeOf;",
      ...gen.prelude,
      "function fast(raw) {",
      ...body.map((l) => `  ${l}`),
      "}",
    ];
    return { source, parameter: ["FK", helpers] };
  } catch (error) {
    if (error instanceof Uncovered) return undefined;
    throw error;
  }
}

/** `10^k` (exact doubles) for `k <= 22`, NaN up to 63: generated code indexes it with `k & 63`. */
export const POWERS = Float64Array.from({ length: 64 }, (_, k) => (k <= 22 ? Number(`1e${k}`) : NaN));

/**
 * The registers of one column of a table as an array of triples (`a`, `b`, `s` by row), for
 * generated code to read a cell without a call; a missing register (`inf`, or no deduction) is the
 * exact 0 for deductions, and a NaN tag (the code gives up on it) for cells.
 */
function triples(R: Float64Array, registers: readonly number[], missing = NaN): Float64Array {
  const out = new Float64Array(3 * registers.length);
  registers.forEach((r, i) => {
    if (r < 0) {
      out[3 * i + 2] = missing;
      return;
    }
    out[3 * i] = R[3 * r]!;
    out[3 * i + 1] = R[3 * r + 1]!;
    out[3 * i + 2] = R[3 * r + 2]!;
  });
  return out;
}

/** The decimal text of an exact register (`scaledText`), or null for an interval. */
function registerText(R: Float64Array, r: number): string | null {
  return R[3 * r + 2]! >= 0 ? scaledText(R[3 * r]!, R[3 * r + 2]!) : null;
}

/** Loads a constant decimal into a register (exact when it fits, else as an interval around it). */
function load(R: Float64Array, register: number, value: Dec): void {
  if (!value.isFinite()) {
    R[3 * register] = NaN;
    R[3 * register + 1] = NaN;
    R[3 * register + 2] = -1;
    return;
  }
  // decimal text: the same reading as an input's text (readText never fails on finite decimals).
  readText(R, register, decText(value));
}

/** A numeric cell read by generated code: its table, column and the variable holding its row. */
interface CellRead {
  table: number;
  column: number;
  row: string;
}

class FastGenerator {
  registers: number = SCRATCH.count;
  /** Registers loaded once, with their decimal. */
  readonly loads: [number, Dec][] = [];
  /** Factory-level declarations: the constants' doubles, the tables' columns. */
  readonly prelude: string[] = [];
  private readonly constants = new Map<string, Num>();
  private readonly inputs = new Map<string, { code: string[]; variable: string; num?: Num }>();
  private readonly slotNums = new Map<number, Num>();
  private readonly localNums = new Map<number, Num>();
  private readonly localKinds = new Map<number, Kind>();
  private readonly tables = new Map<number, FastTable>();
  private readonly columns = new Set<string>();
  /** The last numeric cell read (its table, column and row variable), for an output of a cell. */
  private lastCell: CellRead | undefined;
  /** Every numeric variable of `fast`, declared at its top. */
  private readonly variables: string[] = [];
  /** Values computed once and reused while their operands are unchanged, by block depth. */
  private memo: Map<string, { deps: string[]; value: Num | string }>[] = [new Map()];
  private lines: string[] = [];
  private temps = 0;

  /** The scale of `/` and `sqrt` (a small integer, printed into the code). */
  private readonly scale: number;

  constructor(private readonly ir: IrRulebook) {
    this.scale = Number(jsIndex(ir.meta.arithmetic?.scale ?? 0));
  }

  omit(raw: unknown): unknown {
    return withOmittedInputs(this.ir.schema, raw as Value);
  }

  private register(): number {
    return this.registers++;
  }

  private temp(prefix: string): string {
    return `${prefix}${this.temps++}`;
  }

  private emit(line: string): void {
    if (line !== "") this.lines.push(line);
  }

  /** A numeric value in three fresh variables (`s` starts as NaN: not written). */
  private fresh(prefix = "n"): Num {
    const name = this.temp(prefix);
    const num = { a: `${name}a`, b: `${name}b`, s: `${name}s` };
    this.variables.push(`${num.a} = 0`, `${num.b} = 0`, `${num.s} = FNaN`);
    return num;
  }

  /** Emits `code`, which writes `d`: forgets what was remembered of `d`'s old value. */
  private write(d: Num, code: string): void {
    for (const level of this.memo)
      for (const [key, entry] of level) if (entry.deps.includes(d.a)) level.delete(key);
    this.emit(code);
  }

  private remembered<T extends Num | string>(key: string): T | undefined {
    for (const level of this.memo) {
      const entry = level.get(key);
      if (entry) return entry.value as T;
    }
    return undefined;
  }

  private remember(key: string, deps: string[], value: Num | string): void {
    this.memo[this.memo.length - 1]!.set(key, { deps, value });
  }

  /** Statements emitted by `body`, as a block (indented), not into the current list. */
  private block(body: () => void): string[] {
    const outer = this.lines;
    this.lines = [];
    this.memo.push(new Map());
    body();
    this.memo.pop();
    const inner = this.lines;
    this.lines = outer;
    return inner.map((l) => `  ${l}`);
  }

  private constantOf(key: string, value: Dec): Num {
    let num = this.constants.get(key);
    if (num === undefined) {
      const r = this.register();
      this.loads.push([r, value]);
      const R = new Float64Array(3);
      load(R, 0, value);
      const name = `K${r}`;
      this.prelude.push(
        `const ${name}a = FR[${3 * r}], ${name}b = FR[${3 * r + 1}], ${name}s = FR[${3 * r + 2}];`,
        `const ${name}l = FK.lower(${r}), ${name}h = FK.upper(${r});`,
      );
      num = { a: `${name}a`, b: `${name}b`, s: `${name}s`, register: r, lo: `${name}l`, hi: `${name}h` };
      // Exact constants: their places are known now (a small integer, safe to print).
      if (R[2]! >= 0) num = { ...num, s: jsIndex(R[2]!), places: R[2]! };
      this.constants.set(key, num);
    }
    return num;
  }

  private decimal(v: number, d: string | undefined): Num {
    const value = decimalConst(v, d) as unknown;
    if (!isDec(value)) throw new Uncovered("a constant that is not a decimal");
    return this.constantOf(`n:${decText(value)}`, value);
  }

  /** The fast path's statements (the body of `fast(raw)`), inputs read first. */
  steps(returned: ReadonlySet<string> | undefined): string[] {
    const outputs: GeneratedOutput[] = [];
    this.ir.steps.forEach((step, i) => {
      this.emit(`// step ${i + 1}`);
      this.step(step, outputs, returned);
    });
    const body = this.lines;
    // The result by a constructor, not a literal (result-construction.ts: no allocation site to pretenure).
    const result = resultConstruction(outputs, { constructor: "FOutputs", prototype: "OP" });
    this.prelude.push(...result.declaration);
    const variables = [
      ...this.ir.slots.flatMap((slot, i) => (slot.type.kind === "number" ? [] : [`v${i}`])),
      ...[...this.localDeclared].map((l) => `w${l}`),
      ...this.variables,
    ];
    return [
      omittableInputs(this.ir.schema).size === 0 ? "const input = raw;" : "const input = Fomit(raw);",
      ...(variables.length ? [`let ${variables.join(", ")};`] : []),
      ...this.inputReads(),
      ...[...this.inputs.values()].flatMap((i) => i.code),
      ...body,
      `return ${result.value};`,
    ];
  }

  /** The registers of every table the code reads, loaded with its bounds, cells and deductions. */
  tableRegisters(): FastTable[] {
    const decimal = decimalTables(this.ir);
    return this.ir.tables.map((table, t) => {
      if (!this.tables.has(t))
        return { lower: [], upper: [], lowerInclusive: [], upperInclusive: [], cells: [], deductions: [] };
      const d = decimal[t]!;
      const reg = (value: Dec): number => {
        const r = this.register();
        this.loads.push([r, value]);
        return r;
      };
      return {
        lower: d.lower.map(reg),
        upper: d.upper.map((u) => (u === null ? -1 : reg(u))),
        lowerInclusive: table.rows.map((r) => r.lowerInclusive),
        upperInclusive: table.rows.map((r) => r.upperInclusive),
        cells: d.cells.map((row) => row.map(reg)),
        deductions: d.deductions.map((row) => row.map((c) => (c === null ? -1 : reg(c)))),
      };
    });
  }

  private step(step: IrStep, outputs: GeneratedOutput[], returned: ReadonlySet<string> | undefined): void {
    switch (step.kind) {
      case "let":
        return this.assign(step.slot, step.value);
      case "rule": {
        const actions = (): void => {
          for (const action of step.actions) {
            const apply = (): void => this.action(action.verb, action.slot, action.value);
            if (!action.condition) apply();
            else this.when(this.val(action.condition), apply);
          }
        };
        if (!step.condition) return actions();
        return this.when(this.val(step.condition), actions);
      }
      case "output":
        return this.output(step, outputs, returned);
      case "assert": {
        const c = this.val(step.condition);
        this.emit(`if (${c} !== true) Fbail();`);
        return;
      }
      default:
        throw new Uncovered("an unknown step");
    }
  }

  /** `if (c === true) { body }`. */
  private when(c: string, body: () => void): void {
    this.emit(`if (${c} === true) {`);
    this.lines.push(...this.block(body));
    this.emit("}");
  }

  private slotKind(slot: number): Kind {
    const type = this.ir.slots[slot]?.type;
    if (!type) throw new Uncovered("an unknown slot");
    return typeKind(type);
  }

  private slotNum(slot: number): Num {
    let num = this.slotNums.get(slot);
    if (num === undefined) this.slotNums.set(slot, (num = this.fresh(`q${jsIndex(slot)}_`)));
    return num;
  }

  private assign(slot: number, value: IrExpr): void {
    if (this.slotKind(slot) === "num") this.numInto(value, this.slotNum(slot));
    else this.emit(`v${jsIndex(slot)} = ${this.val(value)};`);
  }

  private action(verb: string, slot: number, value: IrExpr): void {
    if (verb === "set") return this.assign(slot, value);
    if (this.slotKind(slot) !== "num") throw new Uncovered("a verb on a value that is not a number");
    const q = this.slotNum(slot);
    const o = this.num(value);
    if (verb === "scale") this.write(q, ops.mul(q, q, o));
    else if (verb === "add") this.write(q, ops.add(q, q, o, 1));
    else if (verb === "floor") this.minMax(q, q, o, "max");
    else if (verb === "cap") this.minMax(q, q, o, "min");
    else throw new Uncovered("an unknown verb");
  }

  private output(
    step: Extract<IrStep, { kind: "output" }>,
    outputs: GeneratedOutput[],
    returned: ReadonlySet<string> | undefined,
  ): void {
    const slot = this.ir.slots[step.slot];
    if (!slot) throw new Uncovered("an unknown slot");
    const variable = `o${jsIndex(step.slot)}`;
    if (slot.type.kind === "number") {
      const q = this.slotNum(step.slot);
      let text = false;
      this.lastCell = undefined;
      this.numInto(step.value, q);
      // (numInto sets lastCell: read through a cast, as TypeScript keeps its narrowing to undefined)
      const read = this.lastCell as CellRead | undefined;
      const cell = step.value.k === "cell" && !step.rounding ? read : undefined;
      if (cell) {
        // A cell's text is known when the table is loaded: looked up, not written (null: not exact).
        const texts = this.column(cell.table, cell.column, "texts");
        this.emit(`const ${variable} = ${texts}[${cell.row}] ?? Fbail();`);
      } else if (step.rounding) {
        const { direction, step: size } = step.rounding;
        const code = ROUND_CODES[direction];
        if (code === undefined) throw new Uncovered("an unknown rounding");
        const unit = this.constantOf(`n:${String(size)}`, decimalConst(size) as unknown as Dec);
        this.roundInto(q, q, unit, code);
        if (unit.places !== undefined && unit.places <= 3) {
          this.emit(ops.text(variable, q, unit.places, this.fractionTable(unit.places)));
          text = true;
        }
      }
      if (!cell && !text) this.emit(ops.textAny(variable, q, this.fractionTable(3)));
    } else if (slot.type.kind === "bool" || slot.type.kind === "text" || slot.type.kind === "enum") {
      if (step.rounding) throw new Uncovered("a rounded output that is not a number");
      this.emit(`v${jsIndex(step.slot)} = ${this.val(step.value)};`);
      this.emit(`const ${variable} = v${jsIndex(step.slot)};`);
    } else throw new Uncovered(`an output of type ${slot.type.kind}`);
    // A literal key (fast object creation), computed only for `__proto__`, which a literal key would
    // take as the prototype.
    const key = slot.name === "__proto__" ? `[${jsString(slot.name)}]` : jsString(slot.name);
    if (!returned || returned.has(slot.name)) outputs.push({ name: slot.name, key, value: variable });
  }

  /** The name of the factory-level table of fractions of `places` places (`places <= 3`). */
  private fractionTable(places: number): string {
    const name = `FF${places}`;
    if (!this.prelude.includes(`const ${name} = FK.textTables(${places}).fraction;`))
      this.prelude.push(`const ${name} = FK.textTables(${places}).fraction;`);
    return name;
  }

  /** Rounds `x` into `d` to a multiple of a constant step (the kernel refuses a step that is not exact and positive). */
  private roundInto(d: Num, x: Num, unit: Num, code: number): void {
    const positive = unit.places !== undefined && unit.register !== undefined && this.positive(unit.register);
    this.write(d, positive ? ops.round(d, x, unit, code) : "Fbail();");
  }

  private positive(register: number): boolean {
    const value = this.loads.find(([r]) => r === register)?.[1];
    return value !== undefined && value.isFinite() && value.gt(0);
  }

  /** `d := min(x, y)` or `max(x, y)` (the kernel's: the first when they are equal). */
  private minMax(d: Num, x: Num, y: Num, which: "min" | "max"): void {
    const c = this.temp("c");
    this.emit(`let ${c};`);
    this.emit(ops.compare(c, x, y));
    const pick = which === "min" ? `${c} <= 0` : `${c} >= 0`;
    const takeX = ops.copy(d, x);
    const takeY = ops.copy(d, y);
    this.write(d, `if (${pick}) { ${takeX} } else { ${takeY} }`);
  }

  /** The kind of value an expression computes. */
  private kind(e: IrExpr): Kind {
    switch (e.k) {
      case "const":
        return typeof e.v === "number" ? "num" : "val";
      case "input":
        return typeKind(this.inputType(e.path));
      case "slot":
        return this.slotKind(e.slot);
      case "local": {
        const kind = this.localKinds.get(e.local);
        if (!kind) throw new Uncovered("a local outside its let");
        return kind;
      }
      case "unary":
        return e.op === "neg" ? "num" : "val";
      case "binary":
        return e.op === "+" || e.op === "-" || e.op === "*" || e.op === "/" ? "num" : "val";
      case "if":
        return this.kind(e.t);
      case "call":
        return "num";
      case "tier":
        return "row";
      case "cell":
      case "margin":
        return "num";
      case "let":
        this.localKinds.set(e.local, this.kind(e.value));
        return this.kind(e.body);
      default:
        throw new Uncovered(`an expression of kind ${e.k}`);
    }
  }

  private inputType(path: readonly string[]): IrType {
    const [top, ...rest] = path;
    let type = this.ir.schema.inputs.find((i) => i.name === top)?.type;
    for (const name of rest) {
      if (type?.kind !== "record") throw new Uncovered("an input path through a value that is not a record");
      type = this.ir.schema.records[type.name]?.fields.find((f) => f.name === name)?.type;
    }
    if (!type) throw new Uncovered("an unknown input");
    return type;
  }

  /**
   * A numeric expression: statements, then the value. An operation writes its result into `dest`
   * when given (its operands are read before it is written).
   */
  num(e: IrExpr, dest?: Num): Num {
    switch (e.k) {
      case "const":
        if (typeof e.v !== "number") throw new Uncovered("a constant that is not a number");
        return this.decimal(e.v, e.d);
      case "input": {
        if (e.timestamp || this.inputType(e.path).kind !== "number") throw new Uncovered("a timestamp input");
        if (e.default !== undefined && typeof e.default !== "number") throw new Uncovered("a default");
        return this.readInput(e, true) as Num;
      }
      case "slot":
        if (this.slotKind(e.slot) !== "num") throw new Uncovered("a slot that is not a number");
        return this.slotNum(e.slot);
      case "local": {
        const num = this.localNums.get(e.local);
        if (num === undefined) throw new Uncovered("a local that is not a number");
        return num;
      }
      case "unary": {
        if (e.op !== "neg") throw new Uncovered("`not` of a number");
        const x = this.num(e.x);
        return this.into((d) => ops.unary(d, x, "neg"), dest);
      }
      case "binary": {
        const l = this.num(e.l);
        const r = this.num(e.r);
        switch (e.op) {
          case "+":
            return this.into((d) => ops.add(d, l, r, 1), dest);
          case "-":
            return this.into((d) => ops.add(d, l, r, -1), dest);
          case "*":
            return this.into((d) => ops.mul(d, l, r), dest);
          case "/":
            return this.into((d) => ops.slow("Fdiv", d, l, r), dest);
          default:
            throw new Uncovered(`a number from ${e.op}`);
        }
      }
      case "if": {
        const c = this.val(e.c);
        const d = dest ?? this.fresh();
        this.emit(`if (${c} === true) {`);
        this.lines.push(...this.block(() => this.numInto(e.t, d)));
        this.emit("} else {");
        this.lines.push(...this.block(() => this.numInto(e.e, d)));
        this.emit("}");
        this.write(d, "");
        return d;
      }
      case "call":
        return this.call(e, dest);
      case "cell": {
        this.table(e.table);
        const row = this.val(e.row);
        if (typeof e.column !== "number") {
          const column = jsString(e.column);
          return this.into(
            (d) => `Fcell(${SCRATCH.d}, ${jsIndex(e.table)}, ${row}, ${column}); ${readScratch(d)}`,
            dest,
          );
        }
        const column = this.column(e.table, e.column, "cells");
        this.lastCell = { table: e.table, column: e.column, row };
        return this.into((d) => cellRead(d, column, row, true), dest);
      }
      case "margin":
        return this.margin(e, dest);
      case "let":
        this.bindLocal(e.local, e.value);
        return this.num(e.body, dest);
      default:
        throw new Uncovered(`a number from an expression of kind ${e.k}`);
    }
  }

  /** `table.margin(key, column)` (`key * rate - deduction`) or `.deduction`: computed once per key. */
  private margin(e: Extract<IrExpr, { k: "margin" }>, dest: Num | undefined): Num {
    this.table(e.table);
    const key = this.num(e.key);
    const memo = `margin:${e.table}:${e.column}:${e.deduction === true}:${key.a}`;
    const known = this.remembered<Num>(memo);
    if (known) return dest ? this.into((d) => ops.copy(d, known), dest) : known;
    const row = this.row(e.table, key);
    const cut = this.fresh();
    this.write(cut, cellRead(cut, this.column(e.table, e.column, "deductions"), row, false));
    let result = cut;
    if (e.deduction !== true) {
      const rate = this.fresh();
      this.write(rate, cellRead(rate, this.column(e.table, e.column, "cells"), row, true));
      // Into variables of its own (remembered), then copied: `dest` may be changed later.
      result = this.into((d) => `${ops.mul(d, key, rate)} ${ops.add(d, d, cut, -1)}`);
    }
    this.remember(memo, [key.a, result.a], result);
    return dest ? this.into((d) => ops.copy(d, result), dest) : result;
  }

  /** The factory-level array of one column's cells or deductions (`a`, `b`, `s` by row). */
  private column(table: number, column: number, kind: "cells" | "deductions" | "texts"): string {
    const name = `FT${jsIndex(table)}${kind[0]!}${jsIndex(column)}`;
    if (!this.columns.has(name)) {
      this.columns.add(name);
      this.prelude.push(`const ${name} = FK.columns[${jsIndex(table)}].${kind}[${jsIndex(column)}];`);
    }
    return name;
  }

  /** The row of `key` in a table (the kernel's scan), once per key value. */
  private row(table: number, key: Num): string {
    this.table(table);
    const memo = `row:${table}:${key.a}`;
    const known = this.remembered<string>(memo);
    if (known) return known;
    const b = this.temp("b");
    const r = key.register ?? SCRATCH.x;
    const put = key.register === undefined ? `FR[0] = ${key.a}; FR[1] = ${key.b}; FR[2] = ${key.s}; ` : "";
    const scan = `${put}${b} = Frow(${jsIndex(table)}, ${r});`;
    const shape = this.contiguous(table);
    if (shape === undefined) this.emit(`let ${b}; ${scan}`);
    else {
      const bounds = `FTB${jsIndex(table)}`;
      if (!this.columns.has(bounds)) {
        this.columns.add(bounds);
        this.prelude.push(`const ${bounds} = FK.tierBounds[${jsIndex(table)}];`);
      }
      this.emit(`let ${b};`);
      this.emit(ops.tierRow(b, key, bounds, shape.rows, shape.finiteTop, scan));
    }
    this.remember(memo, [key.a], b);
    return b;
  }

  /**
   * The shape of a table whose rows are contiguous and ascending (each upper bound is the next
   * row's lower bound, every bound finite but the last upper), with at most 16 rows: its rows are
   * then found by counting boundaries ({@link ops.tierRow}). Undefined for any other table.
   */
  private contiguous(table: number): { rows: number; finiteTop: boolean } | undefined {
    const d = decimalTables(this.ir)[table];
    if (!d || d.lower.length === 0 || d.lower.length > 16) return undefined;
    const n = d.lower.length;
    if (!d.lower.every((l) => l.isFinite())) return undefined;
    for (let i = 0; i + 1 < n; i++) {
      const upper = d.upper[i];
      if (upper === null || upper === undefined || !upper.eq(d.lower[i + 1]!) || !d.lower[i]!.lt(upper))
        return undefined;
    }
    const top = d.upper[n - 1];
    if (top !== null && (top === undefined || !top.isFinite() || !d.lower[n - 1]!.lt(top))) return undefined;
    return { rows: n, finiteTop: top !== null };
  }

  private bindLocal(local: number, value: IrExpr): void {
    const kind = this.kind(value);
    this.localKinds.set(local, kind);
    if (kind === "num") {
      let num = this.localNums.get(local);
      if (num === undefined) this.localNums.set(local, (num = this.fresh(`w${jsIndex(local)}_`)));
      this.numInto(value, num);
    } else {
      const v = this.val(value);
      this.emit(`w${jsIndex(local)} = ${v};`);
      this.localDeclared.add(local);
    }
  }

  readonly localDeclared = new Set<number>();

  /** `dest` (or fresh variables), written by the statements `code(d)`. */
  private into(code: (d: Num) => string, dest?: Num): Num {
    const d = dest ?? this.fresh();
    this.write(d, code(d));
    return d;
  }

  /** Statements that leave the value of `e` in `d`. */
  private numInto(e: IrExpr, d: Num): void {
    const r = this.num(e, d);
    if (r.a !== d.a) this.write(d, ops.copy(d, r));
  }

  private table(index: number): void {
    if (!this.ir.tables[index]) throw new Uncovered("an unknown table");
    this.tables.set(index, {} as FastTable);
  }

  private call(e: Extract<IrExpr, { k: "call" }>, dest: Num | undefined): Num {
    const args = e.args.map((a) => this.num(a));
    switch (e.fn) {
      case "min":
      case "max": {
        if (args.length === 0) throw new Uncovered("an empty min / max");
        if (args.length === 1) return args[0]!;
        // Folded pairwise into fresh variables, the last pair into `dest`.
        let acc = args[0]!;
        args.slice(1).forEach((a, i) => {
          const d = (i === args.length - 2 ? dest : undefined) ?? this.fresh();
          this.minMax(d, acc, a, e.fn as "min" | "max");
          acc = d;
        });
        return acc;
      }
      case "clamp": {
        if (args.length !== 3) throw new Uncovered("clamp");
        const low = this.fresh();
        this.minMax(low, args[0]!, args[1]!, "max");
        const d = dest ?? this.fresh();
        this.minMax(d, low, args[2]!, "min");
        return d;
      }
      case "abs":
        return this.into((d) => ops.unary(d, args[0]!, "abs"), dest);
      case "sqrt":
        return this.into((d) => ops.sqrt(d, args[0]!, this.scale), dest);
      case "round_up":
      case "round_down":
      case "round_half_even": {
        const code = ROUND_CODES[e.fn.slice("round_".length) as keyof typeof ROUND_CODES];
        const d = dest ?? this.fresh();
        const step = args[1]!;
        if (step.register !== undefined) this.roundInto(d, args[0]!, step, code);
        else this.write(d, ops.slow("Fround", d, args[0]!, step, `, ${code}`));
        return d;
      }
      default:
        throw new Uncovered(`the function ${e.fn}`);
    }
  }

  /** Reads an input path once per evaluation: its numeric value, or a variable name. */
  private readInput(e: Extract<IrExpr, { k: "input" }>, numeric: boolean): string | Num {
    const key = JSON.stringify([e.path, e.default ?? null, numeric]);
    let entry = this.inputs.get(key);
    if (!entry) {
      let record = "input";
      e.path.slice(0, -1).forEach((_, i) => (record = this.record(e.path.slice(0, i + 1))));
      const read = this.read(record, e.path[e.path.length - 1]!);
      // `withDefault(value, fallback, false)`: a missing (undefined or null) value takes the default.
      const value = this.temp("i");
      const fallback = e.default === undefined ? "void 0" : this.defaultCode(e.default);
      const code = [`const ${value} = ${read};`];
      const defaulted = `(${value} === void 0 || ${value} === null ? ${fallback} : ${value})`;
      if (numeric) {
        const num = this.fresh();
        // A number goes to the kernel through its register, not as an argument (which V8 boxes).
        const given = this.temp("v");
        const x = 3 * SCRATCH.x;
        code.push(
          `const ${given} = ${defaulted};`,
          `if (typeof ${given} === "number") { FR[${x}] = ${given}; Fnumber(${SCRATCH.x}); } else Finput(${SCRATCH.x}, ${given}); ${readScratch(num, SCRATCH.x)}`,
        );
        entry = { code, variable: "", num };
      } else {
        const variable = this.temp("i");
        code.push(`const ${variable} = Fother(${defaulted});`);
        entry = { code, variable };
      }
      this.inputs.set(key, entry);
    }
    return numeric ? entry.num! : entry.variable;
  }

  /** The variable holding the input record at `path` (read once per evaluation). */
  private record(path: readonly string[]): string {
    const key = JSON.stringify(path);
    let variable = this.records.get(key);
    if (variable === undefined) {
      const parent = path.length === 1 ? "input" : this.record(path.slice(0, -1));
      variable = this.temp("r");
      this.records.set(key, variable);
      this.recordReads.push({
        variable,
        code: `const ${variable} = ${this.read(parent, path[path.length - 1]!)};`,
      });
    }
    return variable;
  }

  /**
   * `readField(record, name)` (own properties only): a plain property read, which inline caches
   * make fast, when the record's prototype is Object.prototype and that does not hold the name
   * (so an own property is the only one the read can find); else `readField`. The plain reads of a
   * record come first, then its prototype test (after the reads, V8 knows the record's map and
   * answers `Object.getPrototypeOf` without a call). A null or undefined record throws there, as
   * `readField` does, and the exact path then throws the same.
   */
  private read(record: string, name: string): string {
    let fields = this.fieldReads.get(record);
    if (fields === undefined) this.fieldReads.set(record, (fields = new Map()));
    let raw = fields.get(name);
    if (raw === undefined) fields.set(name, (raw = this.temp("x")));
    const n = jsString(name);
    return `(${record}_ordinary && OP[${n}] === void 0 ? ${raw} : readField(${record}, ${n}))`;
  }

  /** Statements reading a record: its fields' plain reads, then whether its prototype is ordinary. */
  private recordCode(record: string): string[] {
    const fields = [...(this.fieldReads.get(record) ?? new Map<string, string>())];
    return [
      ...(fields.length
        ? [`const ${fields.map(([name, raw]) => `${raw} = ${record}[${jsString(name)}]`).join(", ")};`]
        : []),
      `const ${record}_ordinary = Fproto(${record}) === OP;`,
    ];
  }

  /** Every record read, each followed by its fields' reads: parents before their children. */
  private inputReads(): string[] {
    return [
      ...this.recordCode("input"),
      ...this.recordReads.flatMap(({ variable, code }) => [code, ...this.recordCode(variable)]),
    ];
  }

  private readonly fieldReads = new Map<string, Map<string, string>>();
  private readonly records = new Map<string, string>();
  private readonly recordReads: { variable: string; code: string }[] = [];

  private defaultCode(v: unknown): string {
    if (typeof v === "boolean") return String(v);
    if (typeof v === "string") return jsString(v);
    if (typeof v === "number") {
      // A number enters the code only as an index into the factory's values (never printed).
      const at = this.defaults.push(v) - 1;
      return `FD[${at}]`;
    }
    throw new Uncovered("a default that is not a number, text or boolean");
  }

  readonly defaults: number[] = [];

  /** A value that is not a number: statements, then a JavaScript expression (a name or a literal). */
  val(e: IrExpr): string {
    switch (e.k) {
      case "const":
        if (typeof e.v === "boolean") return String(e.v);
        if (typeof e.v === "string") return jsString(e.v);
        throw new Uncovered("a number where a value is expected");
      case "input": {
        const kind = this.inputType(e.path).kind;
        if (e.timestamp || (kind !== "bool" && kind !== "text" && kind !== "enum"))
          throw new Uncovered(`an input of type ${kind}`);
        return String(this.readInput(e, false));
      }
      case "slot": {
        const kind = this.slotKind(e.slot);
        if (kind === "num") throw new Uncovered("a number where a value is expected");
        return `v${jsIndex(e.slot)}`;
      }
      case "local":
        if (this.localKinds.get(e.local) === "num" || !this.localDeclared.has(e.local))
          throw new Uncovered("a local");
        return `w${jsIndex(e.local)}`;
      case "unary":
        if (e.op !== "not") throw new Uncovered("a negated value");
        return this.named(`!(${this.val(e.x)})`);
      case "binary":
        return this.binaryValue(e);
      case "if": {
        const c = this.val(e.c);
        const t = this.temp("b");
        this.emit(`let ${t};`);
        this.emit(`if (${c} === true) {`);
        this.lines.push(...this.block(() => this.emit(`${t} = ${this.val(e.t)};`)));
        this.emit("} else {");
        this.lines.push(...this.block(() => this.emit(`${t} = ${this.val(e.e)};`)));
        this.emit("}");
        return t;
      }
      case "tier": {
        this.table(e.table);
        return this.row(e.table, this.num(e.key));
      }
      case "let":
        this.bindLocal(e.local, e.value);
        return this.val(e.body);
      default:
        throw new Uncovered(`a value from an expression of kind ${e.k}`);
    }
  }

  /** `code` computed now into a fresh constant. */
  private named(code: string): string {
    const t = this.temp("b");
    this.emit(`const ${t} = ${code};`);
    return t;
  }

  private binaryValue(e: Extract<IrExpr, { k: "binary" }>): string {
    if (e.op === "and" || e.op === "or") {
      const l = this.val(e.l);
      const t = this.temp("b");
      this.emit(`let ${t} = ${e.op === "and" ? "false" : "true"};`);
      this.emit(`if (${l} ${e.op === "and" ? "===" : "!=="} true) {`);
      this.lines.push(...this.block(() => this.emit(`${t} = ${this.val(e.r)} === true;`)));
      this.emit("}");
      return t;
    }
    const compare = { "<": "< 0", "<=": "<= 0", ">": "> 0", ">=": ">= 0" }[e.op as string];
    if (compare) {
      const l = this.num(e.l);
      const r = this.num(e.r);
      const c = this.temp("c");
      this.emit(`let ${c};`);
      this.emit(ops.compare(c, l, r));
      return this.named(`${c} ${compare}`);
    }
    if (e.op !== "==" && e.op !== "!=") throw new Uncovered(`a value from ${e.op}`);
    const lk = this.kind(e.l);
    const rk = this.kind(e.r);
    const not = e.op === "!=" ? "!" : "";
    if (lk === "num" && rk === "num") {
      const l = this.num(e.l);
      const r = this.num(e.r);
      const c = this.temp("c");
      this.emit(`let ${c};`);
      this.emit(ops.equal(c, l, r));
      return this.named(`${not}${c}`);
    }
    if (lk === "num" || rk === "num") throw new Uncovered("a number compared with a value");
    const l = this.val(e.l);
    const r = this.val(e.r);
    return this.named(`${not}(${l} === ${r})`);
  }
}

function typeKind(type: IrType): Kind {
  switch (type.kind) {
    case "number":
      return "num";
    case "bool":
    case "text":
    case "enum":
      return "val";
    case "row":
      return "row";
    default:
      throw new Uncovered(`a value of type ${type.kind}`);
  }
}

/** `d` := scratch register `r` of the kernel. */
function readScratch(d: Num, r: number = SCRATCH.d): string {
  return `${d.a} = FR[${3 * r}]; ${d.b} = FR[${3 * r + 1}]; ${d.s} = FR[${3 * r + 2}];`;
}

/**
 * `d` := the cell of row `row` in a column array (`a`, `b`, `s` by row); a cell with a NaN tag
 * (`inf`) gives up, as the kernel's `cell` does, when `finite` is asked.
 */
function cellRead(d: Num, column: string, row: string, finite: boolean): string {
  const read = `${d.a} = ${column}[3 * ${row}]; ${d.b} = ${column}[3 * ${row} + 1]; ${d.s} = ${column}[3 * ${row} + 2];`;
  return finite ? `${read} if (${d.s} !== ${d.s}) Fbail();` : read;
}
