/**
 * Lowering: a checked rulebook (without errors) to the IR that every evaluator runs.
 *
 * The passes, in order:
 * 1. the header and the input schema (records, enums, domains, defaults);
 * 2. tier tables (with derived deductions) and scenario sets (expanded), which expressions refer to
 *    by index;
 * 3. slots for lets, quantities and outputs, numbered in declaration order;
 * 4. the evaluation order: lets that the rules may read (they depend on no quantity and no output)
 *    first, in dependency order; then the rules in file order; then the other lets and the outputs
 *    in dependency order; then the assertions (those on inputs only, preconditions, first of all);
 * 5. the properties of `verify` declarations (they refer to slots, so they come after them);
 * 6. once every expression is lowered, the input paths each error site involves (through lets).
 */
import type * as A from "../syntax/ast.js";
import type { CheckedRulebook, SourcedDeclaration } from "../check/checker.js";
import type { FnSymbol, Origin } from "../check/context.js";
import { formatType, type Type } from "../check/types.js";
import { LineMap } from "../diagnostics/line-map.js";
import {
  type IrArithmetic,
  IR_VERSION,
  forEachExpr,
  type IrDomain,
  type IrExpr,
  type IrField,
  type IrRecord,
  type IrRulebook,
  type IrScenarioSet,
  type IrProperty,
  type IrSchema,
  type IrSite,
  type IrSlot,
  type IrStep,
  type IrTierTable,
  type IrType,
} from "../ir/ir.js";
import { printVerify } from "../syntax/format.js";
import { decimalStep } from "../semantics/numeric.js";
import { headerArithmetic } from "../check/check-header.js";
import { formatIrType } from "./print-ir.js";
import { ExpressionLowerer, wrapLets, type LoweringScope } from "./lower-expr.js";
import { familyTableName } from "./lower-keyed.js";
import { cellNumber } from "../check/check-tiers.js";
import { LoweringError } from "./lowering-error.js";
import {
  addDeductions,
  expandGrid,
  expandRange,
  lowerTierRows,
  tierRowsContiguous,
  type ConstantGridAxis,
} from "./lower-tables.js";

/** How the compiler reads source text, for the line numbers of explanations and errors. */
export interface LowerOptions {
  /** The text of a file (the rulebook's own, or a base it extends); lines are 0 without it. */
  source?: (file: string) => string | undefined;
  /**
   * Compile in this arithmetic whatever the header says (`marginbook test --arithmetic both`):
   * `binary64`, or a decimal arithmetic.
   */
  arithmetic?: IrArithmetic | "binary64";
}

export { LoweringError } from "./lowering-error.js";

/** Lowers a checked rulebook without errors to its IR. Throws {@link LoweringError} otherwise. */
export function lowerRulebook(checked: CheckedRulebook, options: LowerOptions = {}): IrRulebook {
  const errors = checked.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) throw new LoweringError(`cannot compile ${checked.file}: it has ${errors} error(s)`);
  return new Lowerer(checked, options).run();
}

type Decl<K extends A.Declaration["kind"]> = { decl: Extract<A.Declaration, { kind: K }>; origin: Origin };

class Lowerer implements LoweringScope {
  readonly sites: IrSite[] = [];
  readonly slots: IrSlot[] = [];
  readonly slotIndex = new Map<string, number>();
  readonly tableIndex = new Map<string, number>();
  readonly scenarioIndex = new Map<string, number>();
  private readonly tables: IrTierTable[] = [];
  private readonly tierDecls: A.TiersDecl[] = [];
  private readonly scenarioSets: IrScenarioSet[] = [];
  private readonly lineMaps = new Map<string, LineMap | undefined>();
  private readonly pendingInputs: { site: number; exprs: IrExpr[] }[] = [];
  private readonly slotExprs = new Map<number, IrExpr[]>();
  private readonly expressions: ExpressionLowerer;
  private readonly arithmetic: IrArithmetic | undefined;
  private place: { origin: Origin; what: string; rule?: string } = {
    origin: { file: "", own: true },
    what: "",
  };

  constructor(
    readonly checked: CheckedRulebook,
    private readonly options: LowerOptions,
  ) {
    const declared = headerArithmetic(checked.header);
    this.arithmetic =
      options.arithmetic === undefined
        ? declared
        : options.arithmetic === "binary64"
          ? undefined
          : options.arithmetic;
    this.expressions = new ExpressionLowerer(checked.context, this, this.arithmetic);
  }

  run(): IrRulebook {
    const meta = this.meta();
    const schema = this.schema();
    for (const entry of this.all("TiersDecl")) this.table(entry);
    for (const entry of this.all("ScenariosDecl")) this.scenarioSet(entry);
    this.numberSlots();
    const steps = this.order();
    const properties = this.properties();
    this.fillSiteInputs();
    this.addUsedDeductions(steps, properties);
    return {
      irVersion: IR_VERSION,
      meta,
      schema,
      tables: this.tables,
      scenarioSets: this.scenarioSets,
      slots: this.slots,
      locals: this.expressions.locals,
      sites: this.sites,
      steps,
      ...(properties.length > 0 ? { properties } : {}),
      ...(this.expressions.functions.length > 0 ? { functions: this.expressions.functions } : {}),
    };
  }

  private all<K extends A.Declaration["kind"]>(kind: K): Decl<K>[] {
    return this.checked.declarations.filter((d): d is SourcedDeclaration & Decl<K> => d.decl.kind === kind);
  }

  // ---- sites ----

  /** A new site at `span` in the current declaration; `inputs` are filled in at the end. */
  site(span: A.Span, inputsOf: IrExpr[] = []): number {
    const { origin, what, rule } = this.place;
    const file = origin.file === this.checked.file ? undefined : origin.file;
    const site: IrSite = {
      line: this.lineOf(origin.file, span.start),
      ...(file ? { file } : {}),
      ...(rule !== undefined ? { rule } : {}),
      what,
      inputs: [],
    };
    this.sites.push(site);
    if (inputsOf.length > 0) this.pendingInputs.push({ site: this.sites.length - 1, exprs: inputsOf });
    return this.sites.length - 1;
  }

  private lineOf(file: string, offset: number): number {
    if (!this.lineMaps.has(file)) {
      const text = this.options.source?.(file);
      this.lineMaps.set(file, text === undefined ? undefined : new LineMap(text));
    }
    return this.lineMaps.get(file)?.position(offset).line ?? 0;
  }

  inFunction<T>(fn: FnSymbol, body: () => T): T {
    return this.at(fn.origin, `fn ${fn.name}`, undefined, body);
  }

  private at<T>(origin: Origin, what: string, rule: string | undefined, body: () => T): T {
    const saved = this.place;
    this.place = { origin, what, rule };
    try {
      return body();
    } finally {
      this.place = saved;
    }
  }

  // ---- header and schema ----

  private meta(): IrRulebook["meta"] {
    const h = (key: A.HeaderKey): string | undefined => this.checked.header.get(key)?.value;
    const optional = (key: "owner" | "description" | "extends") =>
      h(key) !== undefined ? { [key]: h(key)! } : {};
    return {
      name: this.checked.ast.header?.name.text ?? "",
      version: h("version") ?? "",
      effective: h("effective") ?? "",
      currency: this.checked.currency ?? "",
      ...optional("owner"),
      ...optional("description"),
      file: this.checked.file,
      ...optional("extends"),
      ...(this.arithmetic ? { arithmetic: this.arithmetic } : {}),
    };
  }

  private schema(): IrSchema {
    const context = this.checked.context;
    const enums: Record<string, string[]> = {};
    const records: Record<string, IrRecord> = {};
    for (const [name, decl] of context.typeDecls) {
      const type = context.types.get(name);
      if (decl.kind === "EnumDecl" && type?.kind === "enum") enums[name] = [...type.members];
      if (decl.kind === "RecordDecl" && type?.kind === "record")
        records[name] = this.record(name, decl.fields, type, decl.doc);
    }
    const inputs = this.all("InputDecl").map(({ decl, origin }) => {
      const symbol = context.values.get(decl.name.text);
      const type = symbol?.kind === "input" ? symbol.type : ({ kind: "error" } as Type);
      if (decl.fields && type.kind === "record") {
        const record = this.at(origin, `input ${decl.name.text}`, undefined, () =>
          this.record(decl.name.text, decl.fields!, type),
        );
        // An input may be named `__proto__`: an assignment would set the prototype instead of a property.
        Object.defineProperty(records, decl.name.text, {
          value: record,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return { name: decl.name.text, type: this.irType(type), ...(decl.doc ? { doc: decl.doc } : {}) };
    });
    return { inputs, records, enums };
  }

  private record(
    name: string,
    fields: readonly A.FieldDecl[],
    type: Extract<Type, { kind: "record" }>,
    doc?: string,
  ): IrRecord {
    const irFields = fields.map((field): IrField => {
      const fieldType = type.fields.get(field.name.text)?.type ?? ({ kind: "error" } as Type);
      const result: IrField = {
        name: field.name.text,
        type: this.irType(fieldType),
        optional: field.default !== undefined,
      };
      if (field.default) result.default = this.expressions.constant(field.default);
      const domain = this.domain(field.domain);
      if (domain) result.domain = domain;
      if (field.doc) result.doc = field.doc;
      return result;
    });
    return { name, fields: irFields, ...(doc ? { doc } : {}) };
  }

  private domain(bounds: readonly A.DomainBound[]): IrDomain | undefined {
    if (bounds.length === 0) return undefined;
    const domain: IrDomain = {};
    for (const bound of bounds) {
      const value = this.checked.context.constant(bound.bound);
      if (typeof value !== "number") continue;
      const inclusive = bound.op === ">=" || bound.op === "<=";
      if (bound.op === ">" || bound.op === ">=") {
        if (domain.min === undefined || value > domain.min || (value === domain.min && !inclusive))
          Object.assign(domain, { min: value, minInclusive: inclusive });
      } else if (domain.max === undefined || value < domain.max || (value === domain.max && !inclusive)) {
        Object.assign(domain, { max: value, maxInclusive: inclusive });
      }
    }
    return domain;
  }

  /** The runtime type of a checked type. */
  irType(type: Type): IrType {
    switch (type.kind) {
      case "number":
        return type.integer
          ? { kind: "number", unit: "Number", integer: true }
          : { kind: "number", unit: formatType(type) };
      case "bool":
      case "text":
      case "timestamp":
        return { kind: type.kind };
      case "enum":
        return { kind: "enum", name: type.name };
      case "record":
        if (type.name.startsWith("row of ")) return { kind: "row", table: type.name.slice(7) };
        // Scenario records ("scenario of span") and the records of `group(...)` ("Group") are declared
        // nowhere, so the IR's schema has no such record: describe them instead.
        return this.declaresRecord(type.name)
          ? { kind: "record", name: type.name }
          : { kind: "opaque", description: type.name };
      case "list":
        return { kind: "list", element: this.irType(type.element) };
      default:
        return { kind: "opaque", description: formatType(type) };
    }
  }

  /** Whether `name` is a record of the input schema: a `record` declaration or an input's inline record. */
  private declaresRecord(name: string): boolean {
    if (this.checked.context.typeDecls.get(name)?.kind === "RecordDecl") return true;
    const input = this.checked.context.values.get(name);
    return input?.kind === "input" && input.decl.fields !== undefined;
  }

  // ---- tables and scenarios ----

  /** A tier table; a family becomes one IR table per key (`brackets[BTCUSDT]`). */
  private table({ decl, origin }: Decl<"TiersDecl">): void {
    if (!decl.family) return this.oneTable(decl, origin, decl.name.span);
    (decl.groups ?? []).forEach((group, i) =>
      this.oneTable(
        {
          ...decl,
          name: { ...decl.name, text: familyTableName(decl.name.text, group.key, i) },
          rows: group.rows,
        },
        origin,
        group.span,
      ),
    );
  }

  /** The `start` of each column: the first derived deduction (0 when not given). */
  private starts(decl: A.TiersDecl): number[] {
    return decl.columns.map((c) => {
      const value = c.start ? this.checked.context.cellValues.get(c.start) : undefined;
      return typeof value === "number" ? value : 0;
    });
  }

  private oneTable(decl: A.TiersDecl, origin: Origin, span: A.Span): void {
    this.at(origin, `tiers ${decl.name.text}`, undefined, () => {
      const context = this.checked.context;
      const columns = decl.columns.map((c) => {
        const type = context.resolveType(c.type);
        return { name: c.name.text, unit: formatType(type), rate: type.kind === "number" && type.rate };
      });
      const rows = lowerTierRows(decl, columns, (cell) => cellNumber(context, cell), this.starts(decl));
      if (!tierRowsContiguous(rows))
        throw new LoweringError(`tier table \`${decl.name.text}\` is not contiguous`);
      this.tableIndex.set(decl.name.text, this.tables.length);
      this.tierDecls.push(decl);
      this.tables.push({
        name: decl.name.text,
        key: decl.keyName.text,
        keyUnit: formatType(context.resolveType(decl.keyType)),
        mode: decl.mode ?? "flat",
        columns,
        rows,
        site: this.site(span),
        ...(decl.limitSpan && rows[rows.length - 1]?.upper !== null ? { limit: true as const } : {}),
      });
    });
  }

  private scenarioSet({ decl, origin }: Decl<"ScenariosDecl">): void {
    this.at(origin, `scenarios ${decl.name.text}`, undefined, () => {
      const axes = decl.axes.map((a) => a.name.text);
      const rows: IrScenarioSet["rows"] = [];
      for (const statement of decl.statements) {
        const weight = statement.weight ? this.number(statement.weight) : 1;
        if (statement.kind === "GridStatement") {
          const grid: ConstantGridAxis[] = statement.axes.map(({ axis, values }) => ({
            axis: axis.text,
            values: values.flatMap((v) =>
              v.to && v.step
                ? expandRange(this.number(v.from), this.number(v.to), this.number(v.step))
                : [this.number(v.from)],
            ),
          }));
          rows.push(...expandGrid(axes, grid, weight, rows.length));
        } else {
          const values = axes.map((axis) => {
            const given = statement.values.find((v) => v.axis.text === axis);
            return given ? this.number(given.value) : 0;
          });
          rows.push({ name: statement.name.text, index: rows.length, weight, values });
        }
      }
      this.scenarioIndex.set(decl.name.text, this.scenarioSets.length);
      this.scenarioSets.push({ name: decl.name.text, axes, rows, site: this.site(decl.name.span) });
    });
  }

  private number(expr: A.Expr): number {
    const value = this.expressions.constant(expr);
    if (typeof value !== "number")
      throw new LoweringError(`expected a constant number at offset ${expr.span.start}`);
    return value;
  }

  // ---- slots and evaluation order ----

  private numberSlots(): void {
    const context = this.checked.context;
    const add = (name: string, kind: IrSlot["kind"]): void => {
      if (this.slotIndex.has(name)) return;
      this.slotIndex.set(name, this.slots.length);
      this.slots.push({ name, kind, type: this.irType(context.valueTypes.get(name) ?? { kind: "error" }) });
    };
    for (const { decl } of this.checked.declarations) {
      if (decl.kind === "LetDecl") add(decl.name.text, "let");
      if (decl.kind === "OutputDecl") add(decl.name.text, "output");
      if (decl.kind === "RuleDecl")
        for (const step of decl.steps) if (step.verb === "set") add(step.target.text, "quantity");
    }
  }

  private order(): IrStep[] {
    const values = new Map<string, Decl<"LetDecl"> | Decl<"OutputDecl">>();
    for (const entry of this.checked.declarations) {
      if (entry.decl.kind === "LetDecl" || entry.decl.kind === "OutputDecl")
        values.set(entry.decl.name.text, entry as Decl<"LetDecl"> | Decl<"OutputDecl">);
    }
    const deps = new Map<string, string[]>();
    for (const [name, { decl }] of values)
      deps.set(
        name,
        this.expressions
          .references(decl.value)
          .filter((n) => values.has(n) || this.slots[this.slotIndex.get(n) ?? -1]?.kind === "quantity"),
      );
    const late = new Map<string, boolean>();
    const isLate = (name: string): boolean => {
      if (!late.has(name)) {
        late.set(name, false);
        const entry = values.get(name);
        late.set(name, !entry || entry.decl.kind === "OutputDecl" || deps.get(name)!.some(isLate));
      }
      return late.get(name)!;
    };
    const early = [...values.keys()].filter((n) => !isLate(n));
    const steps: IrStep[] = [];
    const done = new Set<string>();
    const visit = (name: string): void => {
      if (done.has(name) || !values.has(name)) return;
      done.add(name);
      for (const dep of deps.get(name)!) visit(dep);
      steps.push(this.valueStep(values.get(name)!));
    };
    early.forEach(visit);
    for (const entry of this.all("RuleDecl"))
      steps.push(this.rule(entry, (name) => values.has(name) && isLate(name)));
    [...values.keys()].forEach(visit);
    // An assertion that reads only inputs (no let, quantity or output) is a precondition: it runs
    // before anything else, so that an input it refuses is reported as such (MB6008 with its
    // message), not as the division by zero or missing tier it would lead to.
    const preconditions: IrStep[] = [];
    for (const { decl, origin } of this.all("AssertDecl")) {
      this.at(origin, "assert", undefined, () => {
        const condition = this.expressions.lower(decl.condition);
        let readsSlots = false;
        forEachExpr(condition, (x) => {
          readsSlots ||= x.k === "slot";
        });
        (readsSlots ? steps : preconditions).push({
          kind: "assert",
          condition,
          ...(decl.message !== undefined ? { message: decl.message } : {}),
          site: this.site(decl.span, [condition]),
        });
      });
    }
    return [...preconditions, ...steps];
  }

  /** The `verify` declarations, in file order (base ones first). */
  private properties(): IrProperty[] {
    return this.all("VerifyDecl").map(({ decl, origin }) =>
      this.at(origin, "verify", undefined, () => {
        const condition = decl.condition ? this.expressions.lower(decl.condition) : undefined;
        const targets = decl.targets.map((t) => {
          const slot = this.slotIndex.get(t.text);
          if (slot === undefined)
            throw new LoweringError(`\`verify\` names \`${t.text}\`, which is not a let, quantity or output`);
          return slot;
        });
        const variable = decl.variable ? inputPath(decl.variable) : undefined;
        return {
          kind: decl.property,
          ...(condition ? { condition } : {}),
          targets,
          ...(variable ? { variable } : {}),
          ...(decl.message !== undefined ? { message: decl.message } : {}),
          text: printVerify({ ...decl, message: undefined }),
          site: this.site(decl.span, condition ? [condition] : []),
        };
      }),
    );
  }

  private valueStep({ decl, origin }: Decl<"LetDecl"> | Decl<"OutputDecl">): IrStep {
    const kind = decl.kind === "LetDecl" ? "let" : "output";
    return this.at(origin, `${kind} ${decl.name.text}`, undefined, () => {
      const slot = this.slotIndex.get(decl.name.text)!;
      const value = this.expressions.lower(decl.value);
      this.slotExprs.set(slot, [value]);
      const site = this.site(decl.name.span, [value]);
      if (decl.kind === "LetDecl") return { kind: "let", slot, value, site };
      if (!isIrOutputType(this.slots[slot]!.type))
        throw new LoweringError(
          `output \`${decl.name.text}\` is ${formatIrType(this.slots[slot]!.type)}: outputs are numbers, Bools, Text, enum members or timestamps`,
        );
      const rounding = decl.rounding
        ? {
            direction: decl.rounding.direction,
            step: this.number(decl.rounding.step),
            ...decimalStep(this.number(decl.rounding.step)),
          }
        : undefined;
      return { kind: "output", slot, value, ...(rounding ? { rounding } : {}), site };
    });
  }

  private rule({ decl, origin }: Decl<"RuleDecl">, late: (name: string) => boolean): IrStep {
    const name = decl.name.text;
    const reads = [
      decl.condition,
      ...decl.steps.flatMap((s) => [s.value, s.condition]),
      ...(decl.bindings ?? []).map((b) => b.value),
    ];
    for (const read of reads) {
      const wrong = read ? this.expressions.references(read).find(late) : undefined;
      if (wrong)
        throw new LoweringError(
          `rule \`${name}\` reads \`${wrong}\`, which is computed from the rules' results`,
        );
    }
    return this.at(origin, `rule ${name}`, name, () => {
      const condition = decl.condition ? this.expressions.lower(decl.condition) : undefined;
      const site = this.site(decl.name.span, condition ? [condition] : []);
      // A rule's `let`s wrap the steps after them that read them (they cannot read a quantity).
      let lets: { local: number; value: IrExpr }[] = [];
      let locals: ReadonlyMap<string, number> = new Map();
      const pending = [...(decl.bindings ?? [])];
      const actions = decl.steps.map((step, i) =>
        this.at(origin, `rule ${name}: ${step.verb} ${step.target.text}`, name, () => {
          while (pending.length > 0 && pending[0]!.after <= i) {
            const bound = this.expressions.bindAll([pending.shift()!], locals);
            lets = [...lets, ...bound.lets];
            locals = bound.locals;
          }
          const slot = this.slotIndex.get(step.target.text)!;
          const stepCondition = step.condition
            ? wrapLets(lets, this.expressions.lower(step.condition, locals))
            : undefined;
          const value = wrapLets(lets, this.expressions.lower(step.value, locals));
          this.slotExprs.set(slot, [...(this.slotExprs.get(slot) ?? []), value]);
          return {
            verb: step.verb,
            slot,
            value,
            ...(stepCondition ? { condition: stepCondition } : {}),
            site: this.site(step.span, [value]),
          };
        }),
      );
      return { kind: "rule", name, ...(condition ? { condition } : {}), actions, site };
    });
  }

  /** Derives the deductions of non-`Rate` columns that a `margin` or `deduction` call uses. */
  private addUsedDeductions(steps: IrStep[], properties: readonly IrProperty[]): void {
    const visit = (e: IrExpr): void => {
      const rows = e.k === "margin" || e.k === "liquidation" ? this.tables[e.table]!.rows : undefined;
      if ((e.k === "margin" || e.k === "liquidation") && rows![0]?.deductions[e.column] === null)
        addDeductions(
          this.tierDecls[e.table]!,
          rows!,
          e.column,
          (cell) => cellNumber(this.checked.context, cell),
          this.starts(this.tierDecls[e.table]!)[e.column] ?? 0,
        );
    };
    for (const step of steps) {
      const exprs =
        step.kind === "rule"
          ? [step.condition, ...step.actions.flatMap((a) => [a.condition, a.value])]
          : [step.kind === "assert" ? step.condition : step.value];
      for (const expr of exprs) if (expr) forEachExpr(expr, visit);
    }
    for (const property of properties) if (property.condition) forEachExpr(property.condition, visit);
    for (const fn of this.expressions.functions) forEachExpr(fn.body, visit);
  }

  /** Fills each site's input paths: those its expressions read, directly or through slots. */
  private fillSiteInputs(): void {
    const direct = (exprs: IrExpr[]): { paths: Set<string>; slots: Set<number> } => {
      const paths = new Set<string>();
      const slots = new Set<number>();
      for (const expr of exprs) {
        forEachExpr(expr, (e) => {
          if (e.k === "input") paths.add(e.path.join("."));
          if (e.k === "slot") slots.add(e.slot);
        });
      }
      return { paths, slots };
    };
    const reads = new Map<number, { paths: Set<string>; slots: Set<number> }>();
    for (const [slot, exprs] of this.slotExprs) reads.set(slot, direct(exprs));
    // The closure over slots (quantities may read each other, so a plain walk, not a memoised one).
    const closure = new Map<number, Set<string>>();
    const ofSlot = (slot: number): Set<string> => {
      const known = closure.get(slot);
      if (known) return known;
      const paths = new Set<string>();
      const seen = new Set<number>([slot]);
      const stack = [slot];
      while (stack.length > 0) {
        const r = reads.get(stack.pop()!);
        r?.paths.forEach((p) => paths.add(p));
        r?.slots.forEach((s) => !seen.has(s) && (seen.add(s), stack.push(s)));
      }
      closure.set(slot, paths);
      return paths;
    };
    for (const { site, exprs } of this.pendingInputs) {
      const { paths, slots } = direct(exprs);
      slots.forEach((s) => ofSlot(s).forEach((p) => paths.add(p)));
      this.sites[site]!.inputs = [...new Set([...this.sites[site]!.inputs, ...paths])].sort();
    }
  }
}

/** The path of an input field written `position.size` (the checker made sure it is one). */
function inputPath(expr: A.Expr): string[] {
  if (expr.kind === "NameRef") return [expr.name];
  if (expr.kind === "MemberExpr") return [...inputPath(expr.object), expr.member.text];
  throw new LoweringError("the variable of a `verify` declaration is not an input field");
}

/** Whether an output can have this type: a scalar, or a list or declared record of outputs. */
function isIrOutputType(type: IrType): boolean {
  if (type.kind === "list") return isIrOutputType(type.element);
  return ["number", "bool", "text", "enum", "timestamp", "record"].includes(type.kind);
}
