/**
 * Rewriting the names of a syntax tree, scope-aware: what `import` needs to put another rulebook's
 * declarations under a namespace (`total_margin` becomes `options.total_margin`) and to read
 * `options.total_margin` in the importing rulebook as one name.
 *
 * The rewrite is persistent: a subtree in which nothing changes is returned as is (the same
 * object), so rewriting a declaration that names nothing of interest costs no copies.
 */
import type * as A from "./ast.js";

/** What a rewrite does at each reference; `bound` holds the local names in scope there. */
export interface NameRewriter {
  /** A free name read: its replacement, or undefined to keep it. */
  ref?(ref: A.NameRef, bound: ReadonlySet<string>): A.Expr | undefined;
  /** `object.member` where `object` is a free name: its replacement, or undefined to go on inside. */
  member?(expr: A.MemberExpr & { object: A.NameRef }, bound: ReadonlySet<string>): A.Expr | undefined;
  /** A declared or targeted name (a declaration's own name, a rule's target, `Scenario<set>`). */
  name?(name: A.Name, role: "declaration" | "target" | "type-argument"): A.Name | undefined;
  /**
   * Whether the last argument of a method call (`brackets.margin(x, mmr)`) names a column, which is
   * not a value and is never rewritten.
   */
  isColumn?(name: string): boolean;
}

type Node = object;

/** The declaration with its names rewritten (the same object when nothing changed). */
export function rewriteDeclaration<D extends A.Declaration>(decl: D, rewriter: NameRewriter): D {
  return rewrite(decl, rewriter, new Set()) as D;
}

/**
 * Calls `visit` with every free name a declaration reads, and every type name it writes (a tier
 * method's column, for which `isColumn` holds, is not a name read).
 */
export function forEachDependency(
  decl: A.Declaration,
  visit: (name: string) => void,
  isColumn?: (name: string) => boolean,
): void {
  rewrite(
    decl,
    {
      isColumn,
      ref: (ref) => {
        visit(ref.name);
        return undefined;
      },
      name: (name, role) => {
        if (role === "type-argument") visit(name.text);
        return undefined;
      },
    },
    new Set(),
    (factor) => visit(factor.name.text),
  );
}

function rewrite(
  value: unknown,
  rw: NameRewriter,
  bound: ReadonlySet<string>,
  onTypeFactor?: (factor: A.TypeFactor) => void,
): unknown {
  if (Array.isArray(value)) return mapArray(value, (v) => rewrite(v, rw, bound, onTypeFactor));
  if (value === null || typeof value !== "object") return value;
  const node = value as Node & { kind?: string };
  switch (node.kind) {
    case "NameRef": {
      const ref = node as A.NameRef;
      return bound.has(ref.name) ? ref : (rw.ref?.(ref, bound) ?? ref);
    }
    case "MemberExpr": {
      const expr = node as A.MemberExpr;
      if (expr.object.kind === "NameRef" && !bound.has(expr.object.name)) {
        const replaced = rw.member?.(expr as A.MemberExpr & { object: A.NameRef }, bound);
        if (replaced) return replaced;
      }
      break;
    }
    case "CallExpr":
      return rewriteCall(node as A.CallExpr, rw, bound, onTypeFactor);
    case "ListExpr":
      if ((node as A.ListExpr).comprehension) return rewriteScoped(node, rw, bound, onTypeFactor);
      break;
    case "LetExpr":
      return rewriteScoped(node, rw, bound, onTypeFactor);
    case "FnDecl": {
      const fn = node as A.FnDecl;
      const inner = extend(
        bound,
        fn.params.map((p) => p.name.text),
      );
      return renamed(rewriteFields(fn, rw, inner, onTypeFactor), rw);
    }
    case "RuleDecl": {
      const rule = node as A.RuleDecl;
      const inner = extend(
        bound,
        (rule.bindings ?? []).map((b) => b.name.text),
      );
      return renamed(rewriteFields(rule, rw, inner, onTypeFactor), rw);
    }
    case "TypeRef":
      for (const factor of (node as A.TypeRef).factors) onTypeFactor?.(factor);
      break;
    default:
      break; // any other node: its fields, below
  }
  return renamed(rewriteFields(node, rw, bound, onTypeFactor), rw);
}

/** A call: a method's column argument is kept; a comprehension binds its variables inside. */
function rewriteCall(
  call: A.CallExpr,
  rw: NameRewriter,
  bound: ReadonlySet<string>,
  onTypeFactor?: (factor: A.TypeFactor) => void,
): A.CallExpr {
  if (call.comprehension) return rewriteScoped(call, rw, bound, onTypeFactor) as A.CallExpr;
  const last = call.args[call.args.length - 1];
  const column =
    call.callee.kind === "MemberExpr" && last?.kind === "NameRef" && rw.isColumn?.(last.name) === true;
  const callee = rewrite(call.callee, rw, bound, onTypeFactor) as A.Expr;
  const args = mapArray(call.args, (arg) =>
    column && arg === last ? arg : (rewrite(arg, rw, bound, onTypeFactor) as A.Expr),
  );
  return callee === call.callee && args === call.args ? call : { ...call, callee, args };
}

/**
 * A node that binds local names (a comprehension, `let ... in`): its source, fallback and initial
 * value are read outside; everything else sees the locals (an approximation for `let` chains,
 * which is exact unless a later binding shadows a declaration an earlier one reads).
 */
function rewriteScoped(
  node: Node,
  rw: NameRewriter,
  bound: ReadonlySet<string>,
  onTypeFactor?: (factor: A.TypeFactor) => void,
): Node {
  const scoped = node as { comprehension?: A.Comprehension; bindings?: A.LocalBinding[] };
  const c = scoped.comprehension;
  const locals = c
    ? [
        c.variable.text,
        c.indexVariable?.text,
        c.accumulator?.text,
        ...(c.bindings ?? []).map((b) => b.name.text),
      ]
    : (scoped.bindings ?? []).map((b) => b.name.text);
  const inner = extend(
    bound,
    locals.filter((n): n is string => n !== undefined),
  );
  const out = rewriteFields(node, rw, inner, onTypeFactor) as typeof scoped;
  if (!c || !out.comprehension) return out;
  const outside = (e: A.Expr | undefined): A.Expr | undefined =>
    e === undefined ? undefined : (rewrite(e, rw, bound, onTypeFactor) as A.Expr);
  const source = outside(c.source)!;
  const fallback = outside(c.fallback);
  const init = outside(c.init);
  if (source === out.comprehension.source && fallback === c.fallback && init === c.init) return out;
  return {
    ...out,
    comprehension: {
      ...out.comprehension,
      source,
      ...(fallback ? { fallback } : {}),
      ...(init ? { init } : {}),
    },
  };
}

function rewriteFields(
  node: Node,
  rw: NameRewriter,
  bound: ReadonlySet<string>,
  onTypeFactor?: (factor: A.TypeFactor) => void,
): Node {
  let copy: Record<string, unknown> | undefined;
  for (const [key, child] of Object.entries(node)) {
    if (key === "span" || child === null || typeof child !== "object") continue;
    const next = rewrite(child, rw, bound, onTypeFactor);
    if (next === child) continue;
    copy ??= { ...node };
    copy[key] = next;
  }
  return copy ?? node;
}

/** Applies `rw.name` to the names a node declares or targets. */
function renamed(node: Node, rw: NameRewriter): Node {
  if (!rw.name) return node;
  const n = node as { kind?: string; name?: A.Name; target?: A.Name; targets?: A.Name[] };
  const changes: Record<string, unknown> = {};
  if (n.kind === "Step" && n.target) {
    const target = rw.name(n.target, "target");
    if (target) changes.target = target;
  } else if (n.kind === "VerifyDecl" && n.targets) {
    const targets = mapArray(n.targets, (t) => rw.name!(t, "target") ?? t);
    if (targets !== n.targets) changes.targets = targets;
  } else if (n.kind !== undefined && n.kind.endsWith("Decl") && n.name && isDeclarationName(n.kind)) {
    const name = rw.name(n.name, "declaration");
    if (name) changes.name = name;
  } else if ("valueArgument" in n && (n as A.TypeFactor).valueArgument) {
    const argument = rw.name((n as A.TypeFactor).valueArgument!, "type-argument");
    if (argument) changes.valueArgument = argument;
  }
  return Object.keys(changes).length === 0 ? node : { ...node, ...changes };
}

/** Declarations whose name is in the namespace of values (and rules'): not inputs, records, enums, fields. */
function isDeclarationName(kind: string): boolean {
  return kind !== "InputDecl" && kind !== "RecordDecl" && kind !== "EnumDecl" && kind !== "FieldDecl";
}

function mapArray<T>(items: readonly T[], f: (item: T) => T): T[] {
  let copy: T[] | undefined;
  items.forEach((item, i) => {
    const next = f(item);
    if (next === item) return;
    copy ??= [...items];
    copy[i] = next;
  });
  return copy ?? (items as T[]);
}

function extend(bound: ReadonlySet<string>, names: readonly string[]): ReadonlySet<string> {
  if (names.length === 0) return bound;
  const out = new Set(bound);
  for (const name of names) out.add(name);
  return out;
}
