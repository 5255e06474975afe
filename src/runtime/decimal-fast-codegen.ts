/**
 * Generates the fast path of a decimal rulebook's evaluator: the same steps as the exact generated
 * code (`codegen-decimal.ts`), computed on the double-held scaled integers and intervals of
 * `decimal-fast.ts`, giving up (throwing) for an input whenever a decision cannot be taken exactly.
 * The evaluator then runs the exact path for that input, so outputs are always the exact path's.
 *
 * Each numeric IR expression is compiled to statements that leave its value in a register (a
 * small integer: the code holds no numbers from the IR, only register indices); booleans, text,
 * enum members and tier rows are JavaScript values. Constants, tier bounds and cells are loaded
 * into registers once, when the evaluator is built. Inputs are read once per evaluation.
 *
 * Covered: constants, inputs (numbers and decimal text; text, enum and boolean fields), lets,
 * rules and their verbs, outputs of numbers (rounded or not), booleans, text and enums,
 * assertions, `+ - * /`, comparisons, `and or not`, `if`, `min max clamp abs sqrt`, `round_*`,
 * tier lookups, cells and `margin`/`deduction`, and `let ... in`. Anything else (comprehensions,
 * lists, records, user functions, timestamps, keyed tables, the other functions) makes
 * {@link generateFastPath} return undefined: the rulebook then runs the exact path alone.
 */
import { forEachExpr, type IrExpr, type IrRulebook, type IrStep, type IrType } from "../ir/ir.js";
import { decimalConst, decimalTables } from "../semantics/decimal-operations.js";
import { decText, isDec, type Dec } from "../semantics/decimal.js";
import { jsIndex, jsString } from "./codegen-expr.js";
import { omittableInputs, withOmittedInputs, type Value } from "../semantics/operations.js";
import { fastKernel, readText, ROUND_CODES, type FastTable } from "./decimal-fast.js";

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

/** The helpers the generated code calls, bound to factory-level constants. */
const HELPERS = [
  "input",
  "other",
  "clear",
  "copy",
  "add",
  "sub",
  "mul",
  "div",
  "sqrt",
  "neg",
  "abs",
  "min",
  "max",
  "lt",
  "le",
  "gt",
  "ge",
  "eq",
  "round",
  "text",
  "row",
  "cell",
  "margin",
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
    };
    const source = [
      // One declaration per helper (no destructuring: every name the code uses is declared plainly).
      ...HELPERS.map((h) => `const F${h} = FK.${h};`),
      "const FD = FK.defaults;",
      "const OP = FK.prototype;",
      "const Fproto = FK.prototypeOf;",
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

class FastGenerator {
  registers = 0;
  /** Registers loaded once, with their decimal. */
  readonly loads: [number, Dec][] = [];
  private readonly constants = new Map<string, number>();
  private readonly inputs = new Map<string, { code: string[]; variable: string; register: number }>();
  private readonly slotRegisters = new Map<number, number>();
  private readonly localRegisters = new Map<number, number>();
  private readonly localKinds = new Map<number, Kind>();
  private readonly tables = new Map<number, FastTable>();
  private lines: string[] = [];
  private temps = 0;

  constructor(private readonly ir: IrRulebook) {}

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
    this.lines.push(line);
  }

  /** Statements emitted by `body`, as a block (indented), not into the current list. */
  private block(body: () => void): string[] {
    const outer = this.lines;
    this.lines = [];
    body();
    const inner = this.lines;
    this.lines = outer;
    return inner.map((l) => `  ${l}`);
  }

  private constantOf(key: string, value: Dec): number {
    let r = this.constants.get(key);
    if (r === undefined) {
      r = this.register();
      this.constants.set(key, r);
      this.loads.push([r, value]);
    }
    return r;
  }

  private decimal(v: number, d: string | undefined): number {
    const value = decimalConst(v, d) as unknown;
    if (!isDec(value)) throw new Uncovered("a constant that is not a decimal");
    return this.constantOf(`n:${decText(value)}`, value);
  }

  /** The fast path's statements (the body of `fast(raw)`), inputs read first. */
  steps(returned: ReadonlySet<string> | undefined): string[] {
    const outputs: string[] = [];
    this.ir.steps.forEach((step, i) => {
      this.emit(`// step ${i + 1}`);
      this.step(step, outputs, returned);
    });
    const body = this.lines;
    const unset = slotsReadBeforeSet(this.ir);
    const slotRegs = [...this.slotRegisters].filter(([slot]) => unset.has(slot)).map(([, r]) => r);
    const variables = [
      ...this.ir.slots.flatMap((slot, i) => (slot.type.kind === "number" ? [] : [`v${i}`])),
      ...[...this.localDeclared].map((l) => `w${l}`),
    ];
    return [
      omittableInputs(this.ir.schema).size === 0 ? "const input = raw;" : "const input = Fomit(raw);",
      `const input_ordinary = Fproto(input) === OP;`,
      ...this.recordReads,
      ...[...this.inputs.values()].flatMap((i) => i.code),
      ...(variables.length ? [`let ${variables.join(", ")};`] : []),
      ...slotRegs.map((r) => `Fclear(${r}, ${r + 1});`),
      ...body,
      `return { ${outputs.join(", ")} };`,
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

  private step(step: IrStep, outputs: string[], returned: ReadonlySet<string> | undefined): void {
    switch (step.kind) {
      case "let":
        return this.assign(step.slot, step.value);
      case "rule": {
        const actions = (): void => {
          for (const action of step.actions) {
            const apply = (): void => this.action(action.verb, action.slot, action.value);
            if (!action.condition) apply();
            else {
              const c = this.val(action.condition);
              this.emit(`if (${c} === true) {`);
              this.lines.push(...this.block(apply));
              this.emit("}");
            }
          }
        };
        if (!step.condition) return actions();
        const c = this.val(step.condition);
        this.emit(`if (${c} === true) {`);
        this.lines.push(...this.block(actions));
        this.emit("}");
        return;
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

  private slotKind(slot: number): Kind {
    const type = this.ir.slots[slot]?.type;
    if (!type) throw new Uncovered("an unknown slot");
    return typeKind(type);
  }

  private slotRegister(slot: number): number {
    let r = this.slotRegisters.get(slot);
    if (r === undefined) this.slotRegisters.set(slot, (r = this.register()));
    return r;
  }

  private assign(slot: number, value: IrExpr): void {
    if (this.slotKind(slot) === "num") this.numInto(value, this.slotRegister(slot));
    else this.emit(`v${jsIndex(slot)} = ${this.val(value)};`);
  }

  private action(verb: string, slot: number, value: IrExpr): void {
    if (verb === "set") return this.assign(slot, value);
    if (this.slotKind(slot) !== "num") throw new Uncovered("a verb on a value that is not a number");
    const q = this.slotRegister(slot);
    const o = this.num(value);
    const helper = { scale: "Fmul", add: "Fadd", floor: "Fmax", cap: "Fmin" }[verb];
    if (!helper) throw new Uncovered("an unknown verb");
    this.emit(operation(helper, q, q, o));
  }

  private output(
    step: Extract<IrStep, { kind: "output" }>,
    outputs: string[],
    returned: ReadonlySet<string> | undefined,
  ): void {
    const slot = this.ir.slots[step.slot];
    if (!slot) throw new Uncovered("an unknown slot");
    const variable = `o${jsIndex(step.slot)}`;
    if (slot.type.kind === "number") {
      const q = this.slotRegister(step.slot);
      this.numInto(step.value, q);
      if (step.rounding) {
        const { direction, step: size } = step.rounding;
        const code = ROUND_CODES[direction];
        if (code === undefined) throw new Uncovered("an unknown rounding");
        const unit = this.constantOf(`step:${String(size)}`, decimalConst(size) as unknown as Dec);
        this.emit(`Fround(${q}, ${q}, ${unit}, ${code});`);
      }
      this.emit(`const ${variable} = Ftext(${q});`);
    } else if (slot.type.kind === "bool" || slot.type.kind === "text" || slot.type.kind === "enum") {
      if (step.rounding) throw new Uncovered("a rounded output that is not a number");
      this.emit(`v${jsIndex(step.slot)} = ${this.val(step.value)};`);
      this.emit(`const ${variable} = v${jsIndex(step.slot)};`);
    } else throw new Uncovered(`an output of type ${slot.type.kind}`);
    // A literal key (fast object creation), computed only for `__proto__`, which a literal key would
    // take as the prototype.
    const key = slot.name === "__proto__" ? `[${jsString(slot.name)}]` : jsString(slot.name);
    if (!returned || returned.has(slot.name)) outputs.push(`${key}: ${variable}`);
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
   * A numeric expression: statements, then the register holding its value. An operation writes its
   * result into `dest` when given (operands are read before the one statement that writes it).
   */
  num(e: IrExpr, dest?: number): number {
    switch (e.k) {
      case "const":
        if (typeof e.v !== "number") throw new Uncovered("a constant that is not a number");
        return this.decimal(e.v, e.d);
      case "input": {
        if (e.timestamp || this.inputType(e.path).kind !== "number") throw new Uncovered("a timestamp input");
        if (e.default !== undefined && typeof e.default !== "number") throw new Uncovered("a default");
        return this.readInput(e, true) as number;
      }
      case "slot":
        if (this.slotKind(e.slot) !== "num") throw new Uncovered("a slot that is not a number");
        return this.slotRegister(e.slot);
      case "local": {
        const r = this.localRegisters.get(e.local);
        if (r === undefined) throw new Uncovered("a local that is not a number");
        return r;
      }
      case "unary": {
        if (e.op !== "neg") throw new Uncovered("`not` of a number");
        const x = this.num(e.x);
        return this.into((d) => `Fneg(${d}, ${x});`, dest);
      }
      case "binary": {
        const helper = { "+": "Fadd", "-": "Fsub", "*": "Fmul", "/": "Fdiv" }[e.op as string];
        if (!helper) throw new Uncovered(`a number from ${e.op}`);
        const l = this.num(e.l);
        const r = this.num(e.r);
        return this.into((d) => operation(helper, d, l, r), dest);
      }
      case "if": {
        const c = this.val(e.c);
        const d = dest ?? this.register();
        this.emit(`if (${c} === true) {`);
        this.lines.push(...this.block(() => this.numInto(e.t, d)));
        this.emit("} else {");
        this.lines.push(...this.block(() => this.numInto(e.e, d)));
        this.emit("}");
        return d;
      }
      case "call":
        return this.call(e, dest);
      case "cell": {
        this.table(e.table);
        const row = this.val(e.row);
        const column = typeof e.column === "number" ? jsIndex(e.column) : jsString(e.column);
        return this.into((d) => `Fcell(${d}, ${jsIndex(e.table)}, ${row}, ${column});`, dest);
      }
      case "margin": {
        this.table(e.table);
        const key = this.num(e.key);
        const column = jsIndex(e.column);
        return this.into(
          (d) => `Fmargin(${d}, ${jsIndex(e.table)}, ${column}, ${e.deduction === true}, ${key});`,
          dest,
        );
      }
      case "let":
        this.bindLocal(e.local, e.value);
        return this.num(e.body, dest);
      default:
        throw new Uncovered(`a number from an expression of kind ${e.k}`);
    }
  }

  private bindLocal(local: number, value: IrExpr): void {
    const kind = this.kind(value);
    this.localKinds.set(local, kind);
    if (kind === "num") {
      let r = this.localRegisters.get(local);
      if (r === undefined) this.localRegisters.set(local, (r = this.register()));
      this.numInto(value, r);
    } else {
      const v = this.val(value);
      this.emit(`w${jsIndex(local)} = ${v};`);
      this.localDeclared.add(local);
    }
  }

  readonly localDeclared = new Set<number>();

  /** `dest` (or a fresh register), written by the statement `code(register)`. */
  private into(code: (d: number) => string, dest?: number): number {
    const d = dest ?? this.register();
    this.emit(code(d));
    return d;
  }

  /** Statements that leave the value of `e` in register `d`. */
  private numInto(e: IrExpr, d: number): void {
    const r = this.num(e, d);
    if (r !== d) this.emit(operation("Fcopy", d, r, r));
  }

  private table(index: number): void {
    if (!this.ir.tables[index]) throw new Uncovered("an unknown table");
    this.tables.set(index, {} as FastTable);
  }

  private call(e: Extract<IrExpr, { k: "call" }>, dest: number | undefined): number {
    const args = e.args.map((a) => this.num(a));
    switch (e.fn) {
      case "min":
      case "max": {
        if (args.length === 0) throw new Uncovered("an empty min / max");
        const helper = e.fn === "min" ? "Fmin" : "Fmax";
        if (args.length === 1) return args[0]!;
        // Folded pairwise into fresh registers, the last pair into `dest`.
        let acc = args[0]!;
        args.slice(1).forEach((a, i) => {
          acc = this.into((d) => operation(helper, d, acc, a), i === args.length - 2 ? dest : undefined);
        });
        return acc;
      }
      case "clamp": {
        if (args.length !== 3) throw new Uncovered("clamp");
        const low = this.into((d) => operation("Fmax", d, args[0]!, args[1]!));
        return this.into((d) => operation("Fmin", d, low, args[2]!), dest);
      }
      case "abs":
        return this.into((d) => `Fabs(${d}, ${args[0]!});`, dest);
      case "sqrt":
        return this.into((d) => `Fsqrt(${d}, ${args[0]!});`, dest);
      case "round_up":
      case "round_down":
      case "round_half_even": {
        const code = ROUND_CODES[e.fn.slice("round_".length) as keyof typeof ROUND_CODES];
        return this.into((d) => `Fround(${d}, ${args[0]!}, ${args[1]!}, ${code});`, dest);
      }
      default:
        throw new Uncovered(`the function ${e.fn}`);
    }
  }

  /** Reads an input path once per evaluation: a register (numbers) or a variable name. */
  private readInput(e: Extract<IrExpr, { k: "input" }>, numeric: boolean): string | number {
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
        const r = this.register();
        code.push(`Finput(${r}, ${defaulted});`);
        entry = { code, variable: "", register: r };
      } else {
        const variable = this.temp("i");
        code.push(`const ${variable} = Fother(${defaulted});`);
        entry = { code, variable, register: -1 };
      }
      this.inputs.set(key, entry);
    }
    return numeric ? entry.register : entry.variable;
  }

  /** The variable holding the input record at `path` (read once per evaluation). */
  private record(path: readonly string[]): string {
    const key = JSON.stringify(path);
    let variable = this.records.get(key);
    if (variable === undefined) {
      const parent = path.length === 1 ? "input" : this.record(path.slice(0, -1));
      variable = this.temp("r");
      this.records.set(key, variable);
      this.recordReads.push(`const ${variable} = ${this.read(parent, path[path.length - 1]!)};`);
      this.recordReads.push(`const ${variable}_ordinary = Fproto(${variable}) === OP;`);
    }
    return variable;
  }

  /**
   * `readField(record, name)` (own properties only): a plain property read, which inline caches
   * make fast, when the record's prototype is Object.prototype and that does not hold the name
   * (so an own property is the only one the read can find); else `readField`. A null or
   * undefined record throws here as in `readField`, and the exact path then throws the same.
   */
  private read(record: string, name: string): string {
    const n = jsString(name);
    return `(${record}_ordinary && OP[${n}] === void 0 ? ${record}[${n}] : readField(${record}, ${n}))`;
  }

  private readonly records = new Map<string, string>();
  private readonly recordReads: string[] = [];

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
        const key = this.num(e.key);
        return this.named(`Frow(${jsIndex(e.table)}, ${key})`);
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
    const compare = { "<": "Flt", "<=": "Fle", ">": "Fgt", ">=": "Fge" }[e.op as string];
    if (compare) {
      const l = this.num(e.l);
      const r = this.num(e.r);
      return this.named(`${compare}(${l}, ${r})`);
    }
    if (e.op !== "==" && e.op !== "!=") throw new Uncovered(`a value from ${e.op}`);
    const lk = this.kind(e.l);
    const rk = this.kind(e.r);
    const not = e.op === "!=" ? "!" : "";
    if (lk === "num" && rk === "num") return this.named(`${not}Feq(${this.num(e.l)}, ${this.num(e.r)})`);
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

/**
 * The slots an evaluation may read before it writes them (a quantity that only a conditional rule
 * sets, then adjusts): their registers are marked unwritten first, so that a value left by the
 * previous evaluation is never read (the fast path then gives up, as it cannot tell what the exact
 * path does with an unset value).
 */
function slotsReadBeforeSet(ir: IrRulebook): Set<number> {
  const set = new Set<number>();
  const unset = new Set<number>();
  const reads = (e: IrExpr | undefined): void => {
    if (e)
      forEachExpr(e, (x) => {
        if (x.k === "slot" && !set.has(x.slot)) unset.add(x.slot);
      });
  };
  for (const step of ir.steps) {
    if (step.kind === "assert") reads(step.condition);
    else if (step.kind === "let" || step.kind === "output") {
      reads(step.value);
      set.add(step.slot);
    } else if (step.kind === "rule") {
      reads(step.condition);
      for (const action of step.actions) {
        reads(action.condition);
        reads(action.value);
        if (action.verb !== "set" && !set.has(action.slot)) unset.add(action.slot);
        if (action.verb === "set" && !step.condition && !action.condition) set.add(action.slot);
      }
    }
  }
  return unset;
}

/** The statement of a kernel operation on registers `d`, `x`, `y`. */
function operation(helper: string, d: number, x: number, y: number): string {
  return helper === "Fcopy" ? `Fcopy(${d}, ${x});` : `${helper}(${d}, ${x}, ${y});`;
}
