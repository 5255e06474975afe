/**
 * The properties a rulebook's IR asks to verify: its assertions (each an invariant) and its
 * `verify` declarations, as one list with the text to show for each.
 */
import { conventionOptions } from "../ir/ir.js";
import { forEachExpr, type IrExpr, type IrPropertyKind, type IrRulebook } from "../ir/ir.js";

/** One property to verify. */
export interface Property {
  kind: IrPropertyKind;
  /** `assert` statements are invariants too. */
  source: "assert" | "verify";
  /** The declaration as written: `verify nondecreasing initial_margin in position.size`. */
  text: string;
  message?: string;
  /** 1-based source line (0 when unknown). */
  line: number;
  file?: string;
  /** An invariant's condition, over final values (slots). */
  condition?: IrExpr;
  targets: number[];
  variable?: string[];
  /**
   * An assertion that reads inputs only (no let, quantity or output): it says which inputs the
   * rulebook accepts, like a domain. Verification assumes it instead of checking it.
   */
  precondition?: boolean;
}

/** The assertions, then the `verify` declarations, in source order within each. */
export function propertiesOf(ir: IrRulebook): Property[] {
  const where = (site: number): { line: number; file?: string } => {
    const s = ir.sites[site];
    return s?.file ? { line: s.line, file: s.file } : { line: s?.line ?? 0 };
  };
  const asserts: Property[] = ir.steps.flatMap((step) =>
    step.kind === "assert"
      ? [
          {
            kind: "invariant" as const,
            source: "assert" as const,
            text: `assert ${exprText(ir, step.condition)}`,
            ...(step.message !== undefined ? { message: step.message } : {}),
            ...where(step.site),
            condition: step.condition,
            targets: [],
            ...(readsSlots(step.condition) ? {} : { precondition: true }),
          },
        ]
      : [],
  );
  const declared: Property[] = (ir.properties ?? []).map((p) => ({
    kind: p.kind,
    source: "verify",
    text: p.text.startsWith("verify") ? p.text : `verify ${p.text}`,
    ...(p.message !== undefined ? { message: p.message } : {}),
    ...where(p.site),
    ...(p.condition ? { condition: p.condition } : {}),
    targets: p.targets,
    ...(p.variable ? { variable: p.variable } : {}),
  }));
  return [...asserts, ...declared];
}

/** Whether an expression reads a let, quantity or output. */
function readsSlots(e: IrExpr): boolean {
  let found = false;
  forEachExpr(e, (x) => {
    found ||= x.k === "slot";
  });
  return found;
}

const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "==": 4,
  "!=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
};

/** An IR expression written back in the language's syntax, with slot names (for reports). */
export function exprText(ir: IrRulebook, e: IrExpr, minPrecedence = 0): string {
  const text = (x: IrExpr, p = 0): string => exprText(ir, x, p);
  switch (e.k) {
    case "const":
      return typeof e.v === "string"
        ? ir.schema.enums && Object.values(ir.schema.enums).some((m) => m.includes(e.v as string))
          ? e.v
          : JSON.stringify(e.v)
        : String(e.v);
    case "input":
      return e.path.join(".");
    case "slot":
      return ir.slots[e.slot]?.name ?? `$${e.slot}`;
    case "local":
      return ir.locals[e.local] ?? "x";
    case "unary":
      return e.op === "neg" ? `-${text(e.x, 7)}` : `not ${text(e.x, 3)}`;
    case "binary": {
      const p = PRECEDENCE[e.op]!;
      const body = `${text(e.l, p === 4 ? 5 : p)} ${e.op} ${text(e.r, p + 1)}`;
      return p < minPrecedence ? `(${body})` : body;
    }
    case "if": {
      const body = `if ${text(e.c)} then ${text(e.t)} else ${text(e.e)}`;
      return minPrecedence > 0 ? `(${body})` : body;
    }
    case "call":
      return `${e.fn}(${e.args.map((a) => text(a)).join(", ")})`;
    case "tier":
      return `${ir.tables[e.table]?.name ?? "table"}(${text(e.key)})`;
    case "cell":
      return `${text(e.row, 8)}.${typeof e.column === "number" ? ir.tables[e.table]?.columns[e.column]?.name : e.column}`;
    case "margin":
      return `${ir.tables[e.table]?.name}.${e.deduction ? "deduction" : "margin"}(${text(e.key)}, ${ir.tables[e.table]?.columns[e.column]?.name})`;
    case "liquidation":
      return `${ir.tables[e.table]?.name}.liquidation_price(${[e.side, e.size, e.entry, e.balance].map((a) => text(a)).join(", ")}, ${[ir.tables[e.table]?.columns[e.column]?.name, ...conventionOptions(e)].join(", ")})`;
    case "field":
      return `${text(e.x, 8)}.${e.name}`;
    case "index":
      return `${text(e.x, 8)}[${text(e.index)}]`;
    case "scenarios":
      return ir.scenarioSets[e.set]?.name ?? "scenarios";
    case "nokey":
      return `${e.table}[${e.keys.map((k) => text(k)).join(", ")}] (no row)`;
    case "agg": {
      const variable = ir.locals[e.local] ?? "x";
      const parts = [text(e.elem), "for", variable, "in", text(e.source)];
      if (e.filter) parts.push("where", text(e.filter));
      if (e.key) parts.push("by", text(e.key));
      if (e.fallback) parts.push("default", text(e.fallback));
      if (e.init && e.acc !== undefined) parts.push("from", `${ir.locals[e.acc] ?? "acc"} =`, text(e.init));
      return e.op === "list" ? `[${parts.join(" ")}]` : `${e.op}(${parts.join(" ")})`;
    }
    case "list":
      return `[${e.items.map((a) => text(a)).join(", ")}]`;
    case "record":
      return `(${e.values.map((a) => text(a)).join(", ")})`;
    case "let": {
      const body = `let ${ir.locals[e.local] ?? "x"} = ${text(e.value)} in ${text(e.body)}`;
      return minPrecedence > 0 ? `(${body})` : body;
    }
    case "apply":
      return `${ir.functions?.[e.fn]?.name ?? "fn"}(${e.args.map((a) => text(a)).join(", ")})`;
  }
}
