/**
 * Proving properties statically, before any search:
 *
 * - an invariant or `nonnegative` is shown with the interval / linear-form prover, first over the
 *   whole input domain, then, if that is not enough, case by case over the rows of a tier table
 *   (every region a row's interval, plus the keys outside every row, where evaluation stops): in
 *   one row a lookup is a constant and `margin` is linear in the key;
 * - `nondecreasing`, `nonincreasing` and `continuous` are shown with the shape analysis.
 *
 * A proof is over the reals; see docs/verification.md for what that leaves to the search.
 */
import { childExprs, type IrExpr, type IrRulebook, type IrTierTable } from "../ir/ir.js";
import { Analyzer, GiveUp, Infeasible, type Context } from "./analysis.js";
import { nextDown, nextUp, type Interval } from "./interval.js";
import type { Property } from "./properties.js";
import { Prover } from "./prover.js";
import { ShapeAnalyzer } from "./shape.js";
import { symbolicModel, type SymbolicModel } from "./terms.js";

/** The outcome of trying to prove one property for one target (or an invariant). */
export interface ProofOutcome {
  proved: boolean;
  /** How, when proved: "interval bounds", "case split on the 10 tiers of `brackets` (by notional)", ... */
  method?: string;
}

/** A way to cut the input space: the regions of one tier table's key. */
interface Split {
  key: IrExpr;
  table: IrTierTable;
  regions: Interval[];
}

const ZERO: IrExpr = { k: "const", v: 0 };

/** Proves the properties of one rulebook. */
export class ProofEngine {
  readonly model: SymbolicModel;
  readonly analyzer: Analyzer;
  readonly prover: Prover;

  /** The input preconditions (assertions on inputs only), assumed by every proof. */
  private readonly assumptions: IrExpr[];

  constructor(
    readonly ir: IrRulebook,
    preconditions: readonly Property[] = [],
  ) {
    this.model = symbolicModel(ir);
    this.analyzer = new Analyzer(ir);
    this.prover = new Prover(this.analyzer);
    this.assumptions = preconditions.flatMap((p) =>
      p.condition ? [this.model.substitute(p.condition)] : [],
    );
  }

  /** A context for one region (or the whole domain) with the preconditions assumed. */
  private root(key?: IrExpr, range?: Interval): Context {
    let ctx = this.analyzer.root(key, range);
    for (const assumption of this.assumptions)
      if (!ctx.infeasible) ctx = this.analyzer.refine(ctx, assumption, true);
    return ctx;
  }

  /** The term a property's condition stands for, over inputs only. */
  conditionTerm(property: Property): IrExpr | undefined {
    return property.condition ? this.model.substitute(property.condition) : undefined;
  }

  /**
   * Tries to prove an invariant, or one target of another property, within `limit` (on the
   * clock `now`): a proof that takes longer is given up, and the property is searched instead.
   */
  prove(property: Property, target?: number, limit?: { deadline: number; now: () => number }): ProofOutcome {
    this.analyzer.limit = limit;
    try {
      switch (property.kind) {
        case "invariant": {
          const condition = this.conditionTerm(property)!;
          return this.bySplits([condition], (ctx) => this.analyzer.truth(condition, ctx) === true);
        }
        case "nonnegative": {
          const value = this.model.value[target!];
          if (!value) return { proved: false };
          return this.bySplits([value], (ctx) => this.prover.ge(value, ZERO, ctx));
        }
        default:
          return this.shape(property, target!);
      }
    } catch (error) {
      // A proof that takes too long, or runs too deep, is simply not a proof.
      if (error instanceof GiveUp || error instanceof RangeError) return { proved: false };
      throw error;
    } finally {
      this.analyzer.limit = undefined;
    }
  }

  private shape(property: Property, target: number): ProofOutcome {
    const shapes = new ShapeAnalyzer(this.analyzer, this.prover, property.variable ?? []);
    const ctx = this.root();
    this.prover.reset();
    if (property.kind === "continuous") {
      const raw = this.model.raw[target];
      return raw && shapes.shape(raw, ctx).continuous
        ? { proved: true, method: "continuity analysis" }
        : { proved: false };
    }
    const value = this.model.value[target];
    if (!value) return { proved: false };
    const mono = shapes.shape(value, ctx).mono;
    const wanted = property.kind === "nondecreasing" ? "inc" : "dec";
    return mono === "const" || mono === wanted
      ? {
          proved: true,
          method:
            mono === "const" ? "monotonicity analysis (does not depend on it)" : "monotonicity analysis",
        }
      : { proved: false };
  }

  /** Tries the whole domain, then each tier table's rows, until `holds` is shown everywhere. */
  private bySplits(terms: readonly IrExpr[], holds: (ctx: Context) => boolean): ProofOutcome {
    if (this.everywhere([undefined], undefined, holds))
      return { proved: true, method: "interval and linear bounds" };
    for (const split of this.splits(terms)) {
      if (this.everywhere(split.regions, split.key, holds)) {
        const rows = split.table.rows.length;
        return {
          proved: true,
          method: `interval and linear bounds, case split on the ${rows} tier${rows === 1 ? "" : "s"} of \`${split.table.name}\` (by ${split.table.key})`,
        };
      }
    }
    return { proved: false };
  }

  private everywhere(
    regions: readonly (Interval | undefined)[],
    key: IrExpr | undefined,
    holds: (ctx: Context) => boolean,
  ): boolean {
    return regions.every((range) => {
      this.prover.reset();
      const ctx = this.root(key, range);
      if (ctx.infeasible) return true;
      try {
        return holds(ctx) && !this.prover.exhausted;
      } catch (error) {
        if (error instanceof Infeasible) return true;
        throw error;
      }
    });
  }

  /** The tier lookups the terms make, each a candidate split: its key and its table's regions. */
  private splits(terms: readonly IrExpr[]): Split[] {
    const found = new Map<string, Split>();
    const seen = new Set<number>();
    const visit = (e: IrExpr): void => {
      const id = this.analyzer.id(e);
      if (seen.has(id)) return;
      seen.add(id);
      if ((e.k === "tier" || e.k === "margin") && !this.analyzer.usesLocals(e.key)) {
        const name = `${e.table}:${this.analyzer.id(e.key)}`;
        const table = this.ir.tables[e.table]!;
        if (!found.has(name)) found.set(name, { key: e.key, table, regions: tableRegions(table) });
      }
      for (const child of childExprs(e)) visit(child);
    };
    terms.forEach(visit);
    return [...found.values()];
  }
}

/** The rows of a table as closed intervals of doubles, plus the keys below and above every row. */
export function tableRegions(table: IrTierTable): Interval[] {
  const regions: Interval[] = [];
  const first = table.rows[0];
  const last = table.rows[table.rows.length - 1];
  if (!first || !last) return [{ lo: -Infinity, hi: Infinity }];
  regions.push({ lo: -Infinity, hi: first.lowerInclusive ? nextDown(first.lower) : first.lower });
  for (const row of table.rows) {
    regions.push({
      lo: row.lowerInclusive ? row.lower : nextUp(row.lower),
      hi: row.upper === null ? Infinity : row.upperInclusive ? row.upper : nextDown(row.upper),
    });
  }
  if (last.upper !== null)
    regions.push({ lo: last.upperInclusive ? nextUp(last.upper) : last.upper, hi: Infinity });
  return regions;
}
