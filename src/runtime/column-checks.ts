/**
 * The input checks of the columnar loop (`codegen-columns.ts`), in two forms:
 *
 * - fused into the loop (`runChecked`): at the top of each row the loop reads the row's values
 *   once and tests them with a few comparisons (`(V0 - V0) + (V1 - V1) === 0 && V0 > 0` for
 *   finite numbers and `size > 0` in `Float64Array`s), and walks the row's list items the same
 *   way, before the row is evaluated: well-predicted branches on values the evaluation reads next;
 * - per chunk of rows (`check`): one pass over the chunk's rows and the flat range of their items
 *   that folds every test into two accumulators with no branch per value, after which the chunk
 *   runs with no checks at all. Used where the input has lists.
 *
 * Nothing is allocated. The tests are conservative: they accept only values the input validator
 * accepts. A row they refuse stops the loop, and the caller validates that row as an input object
 * (`rowInput`) with the rulebook's validator, so its problems carry exactly the per-record
 * messages, codes and paths (`row 3: /position/size must be > 0, not -1`); a row the validator
 * finds valid after all is evaluated per record.
 *
 * The test of a number depends on the array it comes from ({@link columnKind}): an integer typed
 * array holds only finite integers, a float one only numbers, anything else may hold anything.
 */
import type { IrRulebook } from "../ir/ir.js";
import { jsNumber, jsString } from "./codegen-expr.js";
import type { ColumnField, ColumnLayout, ColumnList } from "./column-layout.js";
import { defaultInputLimits } from "./input-schema.js";

/** What a column's array can hold: `f` numbers (a float typed array), `i` finite integers, `a` anything. */
export type ColumnKind = "f" | "i" | "a";

/** The kind of array a column is. */
export function columnKind(column: unknown): ColumnKind {
  if (column instanceof Float64Array || column instanceof Float32Array) return "f";
  if (
    column instanceof Int32Array ||
    column instanceof Uint32Array ||
    column instanceof Int16Array ||
    column instanceof Uint16Array ||
    column instanceof Int8Array ||
    column instanceof Uint8Array ||
    column instanceof Uint8ClampedArray
  )
    return "i";
  return "a";
}

/** Enums with more members than this are tested through a `Set` rather than `===` with each. */
const CHAINED_MEMBERS = 8;

/** Generates the checks of one loop: per chunk of rows ({@link ColumnChecks.chunkCheck}) and per row. */
export class ColumnChecks {
  /** Factory-level constants (`const QS0 = new SetCtor([...])`), by name. */
  readonly constants = new Map<string, string>();
  private names = 0;

  constructor(
    private readonly ir: IrRulebook,
    private readonly layout: ColumnLayout,
    private readonly present: ReadonlySet<string>,
    private readonly kinds: ReadonlyMap<string, ColumnKind>,
    /** The column parameter (`C3`) of a path. */
    private readonly param: (path: string) => string,
  ) {}

  /**
   * A JavaScript condition that holds when each value (an atom: a variable) is certainly a valid
   * value of its field in a column of its kind. The finiteness of all the numbers is one test,
   * `(V0 - V0) + (V1 - V1) === 0` (NaN unless every one is finite), after their type tests.
   */
  valuesTest(values: readonly (readonly [ColumnField, string])[]): string {
    const { types, finite, rest } = this.parts(values);
    const tests = [...types, ...(finite.length > 0 ? [`${finite.join(" + ")} === 0`] : []), ...rest];
    return tests.length > 0 ? tests.join(" && ") : "true";
  }

  /**
   * The body of `check(columns, start, end)` (after the columns' locals): whether rows `start` to
   * `end - 1`, their list items included, are certainly valid. Reductions with no branch per
   * value: `finite += (V0 - V0) + ...` (NaN once any number is not finite), `ok &= (V1 > 0) &
   * (...)` for domains, types and enum members, the longest list of each level. The items of
   * consecutive rows are one flat range of their columns (`offsets[start]` to `offsets[end]`).
   */
  chunkCheck(scalars: readonly ColumnField[], lists: readonly ColumnList[]): string[] {
    return [
      "let ok = 1, finite = 0;",
      ...this.reduction(scalars, "start", "end"),
      ...lists.flatMap((list) => this.listReduction(list, "start", "end")),
      "return ok === 1 && finite === 0;",
    ];
  }

  /** Statements folding the values of `fields` at indexes `begin` to `end - 1` into `ok` and `finite`. */
  private reduction(fields: readonly ColumnField[], begin: string, end: string): string[] {
    if (fields.length === 0) return [];
    const j = `Qj${this.names++}`;
    const values = fields.map((field) => [field, `Qv${this.names++}`] as const);
    const { types, finite, rest } = this.parts(values, true);
    const body = values.map(([field, v]) => `const ${v} = ${this.param(field.path)}[${j}];`);
    if (finite.length > 0) body.push(`finite += ${finite.join(" + ")};`);
    const tests = [...types, ...rest];
    if (tests.length > 0) body.push(`ok &= ${tests.map((t) => `(${t})`).join(" & ")};`);
    return [`for (let ${j} = ${begin}; ${j} < ${end}; ${j}++) {`, ...body.map((l) => `  ${l}`), "}"];
  }

  /** The reductions of a list whose parents (rows, or items of the enclosing list) are `begin` to `end - 1`. */
  private listReduction(list: ColumnList, begin: string, end: string): string[] {
    const offsets = this.param(list.path);
    const n = this.names++;
    const [longest, k, b, e] = [`Ql${n}`, `Qk${n}`, `Qb${n}`, `Qe${n}`];
    return [
      `let ${longest} = 0;`,
      `for (let ${k} = ${begin}; ${k} < ${end}; ${k}++) {`,
      `  const length = ${offsets}[${k} + 1] - ${offsets}[${k}];`,
      `  ${longest} = ${longest} > length ? ${longest} : length;`,
      "}",
      `if (${longest} > ${defaultInputLimits.maxListLength}) return false;`,
      `const ${b} = ${offsets}[${begin}], ${e} = ${offsets}[${end}];`,
      ...this.reduction(
        this.layout.fields.filter((f) => f.list === list.path && this.present.has(f.path)),
        b,
        e,
      ),
      ...this.layout.lists
        .filter((l) => l.list === list.path && this.present.has(l.path))
        .flatMap((nested) => this.listReduction(nested, b, e)),
    ];
  }

  /**
   * The tests of some values: type tests, finiteness terms (`(V0 - V0)`), and the others. In a
   * reduction (no short circuit), a number from an array of anything counts as finite only once
   * its type is checked (`10n - 10n` is a BigInt, which `+` refuses to add to a number).
   */
  private parts(
    values: readonly (readonly [ColumnField, string])[],
    reduction = false,
  ): { types: string[]; finite: string[]; rest: string[] } {
    const types: string[] = [];
    const finite: string[] = [];
    const rest: string[] = [];
    for (const [field, v] of values) {
      const type = field.type;
      if (type.kind !== "number") {
        rest.push(this.otherTest(field, v));
        continue;
      }
      const kind = this.kinds.get(field.path) ?? "a";
      if (kind === "a") types.push(`typeof ${v} === "number"`);
      if (kind === "a" && reduction) finite.push(`(typeof ${v} === "number" ? ${v} - ${v} : NaN)`);
      else if (kind !== "i") finite.push(`(${v} - ${v})`);
      if (type.integer && kind !== "i") rest.push(`isInteger(${v})`);
      const d = field.domain;
      if (d?.min !== undefined) rest.push(`${v} ${d.minInclusive ? ">=" : ">"} ${jsNumber(d.min)}`);
      if (d?.max !== undefined) rest.push(`${v} ${d.maxInclusive ? "<=" : "<"} ${jsNumber(d.max)}`);
    }
    return { types, finite, rest };
  }

  private otherTest(field: ColumnField, v: string): string {
    const type = field.type;
    switch (type.kind) {
      case "bool":
        return `(${v} === true || ${v} === false)`;
      case "enum": {
        const members = this.ir.schema.enums[type.name] ?? [];
        if (members.length === 0) return "false";
        // `|`, not `||`: no branch per member, so random members cost no mispredicted jumps.
        if (members.length <= CHAINED_MEMBERS)
          return `(${members.map((m) => `(${v} === ${jsString(m)})`).join(" | ")}) !== 0`;
        const set = `QS${this.names++}`;
        this.constants.set(set, `new SetCtor([${members.map(jsString).join(", ")}])`);
        return `${set}.has(${v})`;
      }
      case "text":
        return `(typeof ${v} === "string" && ${v}.length <= ${defaultInputLimits.maxTextLength})`;
      case "timestamp":
        return `(typeof ${v} === "string" && isTimestampText(${v}))`;
      default:
        return "false";
    }
  }

  /**
   * Statements that leave the loop (`return row`) when the items of `list` from flat index `begin`
   * to `end` (code) are not certainly valid: their fields, and their own lists in turn.
   */
  listChecks(list: ColumnList, begin: string, end: string): string[] {
    const lines = [`if (${end} - ${begin} > ${defaultInputLimits.maxListLength}) return row;`];
    const fields = this.layout.fields.filter((f) => f.list === list.path && this.present.has(f.path));
    const inner = this.layout.lists.filter((l) => l.list === list.path && this.present.has(l.path));
    if (fields.length === 0 && inner.length === 0) return lines;
    const j = `Qj${this.names++}`;
    const values = fields.map((field) => [field, `Qv${this.names++}`] as const);
    const body = values.map(([field, v]) => `const ${v} = ${this.param(field.path)}[${j}];`);
    if (values.length > 0) body.push(`if (!(${this.valuesTest(values)})) return row;`);
    for (const nested of inner) {
      const [b, e] = [`Qb${this.names}`, `Qe${this.names++}`];
      const offsets = this.param(nested.path);
      body.push(
        `const ${b} = ${offsets}[${j}], ${e} = ${offsets}[${j} + 1];`,
        ...this.listChecks(nested, b, e),
      );
    }
    lines.push(`for (let ${j} = ${begin}; ${j} < ${end}; ${j}++) {`, ...body.map((l) => `  ${l}`), "}");
    return lines;
  }
}
