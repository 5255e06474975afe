/**
 * `import`: other rulebooks' declarations brought into the one being checked.
 *
 * - `import "./book.margin" as ns`: every declaration of the book, its values, tables, functions,
 *   scenario sets and rules renamed `ns.name`, so that the importing rulebook reads `ns.total` and
 *   the explanation shows `ns.total`. Inputs, records and enums are not renamed: they are shared by
 *   name, so the importing rulebook's inputs feed the imported book (the same account is the same
 *   input), and a second declaration of one must be identical.
 * - `import a, b from "./book.margin"`: the named declarations (parameters, tables, functions,
 *   scenario sets, records, enums) under their own names, and nothing else; whatever they use must
 *   be named too, so that everything a rulebook holds is written in it.
 *
 * Imported declarations are checked again in the importing rulebook, muted (as a base rulebook's
 * are): the imported book checked without errors on its own, and the conflicts that could change
 * its meaning here (a shared input declared differently, another currency) are reported first.
 */
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import { forEachDependency, rewriteDeclaration, type NameRewriter } from "../syntax/rename.js";
import type { CheckContext, SourcedDeclaration } from "./context.js";
import { headerArithmetic } from "./check-header.js";
import type { IrArithmetic } from "../ir/ir.js";

/** What an imported rulebook contributes: its declarations in force, its header's version and currency. */
export interface ImportedRulebook {
  decl: A.ImportDecl;
  /** The imported file's path, resolved. */
  file: string;
  declarations: SourcedDeclaration[];
  version?: string;
  currency?: string;
  /** The imported header's arithmetic (undefined: binary64). */
  arithmetic?: IrArithmetic;
  errorCount: number;
}

/** A whole-book import: its namespace and the names it holds (unqualified -> qualified). */
interface Namespace {
  decl: A.ImportDecl;
  members: Map<string, string>;
  /** False until the book is merged (unreadable, broken): its names are then read silently as errors. */
  merged: boolean;
}

const IMPORTABLE_BY_NAME: ReadonlySet<A.Declaration["kind"]> = new Set([
  "ParamDecl",
  "TiersDecl",
  "TableDecl",
  "FnDecl",
  "ScenariosDecl",
  "EnumDecl",
  "RecordDecl",
]);

const KIND_WORDS: Partial<Record<A.Declaration["kind"], string>> = {
  InputDecl: "an input",
  LetDecl: "a `let`, computed from the inputs",
  OutputDecl: "an output, computed from the inputs",
  RuleDecl: "a rule",
};

/**
 * The declarations of every import placed before `declarations` (the rulebook's own and its
 * base's), and each `ns.name` the rulebook's own declarations read rewritten (in place) to the
 * imported name.
 */
export function mergeImports(
  context: CheckContext,
  ast: A.Rulebook,
  declarations: SourcedDeclaration[],
  imports: readonly ImportedRulebook[],
  header: ReadonlyMap<A.HeaderKey, A.HeaderField>,
): SourcedDeclaration[] {
  if (!ast.imports || ast.imports.length === 0) return declarations;
  const arithmetic = describeArithmetic(headerArithmetic(header));
  const namespaces = declareNamespaces(context, ast.imports, declarations);
  const shared = new SharedDeclarations(context, declarations);
  const byName = new Map<string, A.Name>();
  const imported: SourcedDeclaration[] = [];
  const merged = new Set<A.ImportDecl>();
  for (const book of imports) {
    if (!mergeable(context, book, arithmetic)) continue;
    merged.add(book.decl);
    const namespace = book.decl.alias ? namespaces.get(book.decl.alias.text) : undefined;
    if (namespace?.decl === book.decl) imported.push(...namespaced(book, namespace, shared));
    else if (!book.decl.alias) imported.push(...selected(context, book, shared, byName));
  }
  // The names of an import that failed (already reported) are read silently as errors.
  const failed = new Set(
    ast.imports.filter((d) => !d.alias && !merged.has(d)).flatMap((d) => d.names.map((n) => n.text)),
  );
  if (namespaces.size > 0 || failed.size > 0) readNamespaces(context, declarations, namespaces, failed);
  return [...imported, ...declarations];
}

function declareNamespaces(
  context: CheckContext,
  decls: readonly A.ImportDecl[],
  declarations: readonly SourcedDeclaration[],
): Map<string, Namespace> {
  const values = new Set(declarations.map((d) => ("name" in d.decl ? d.decl.name.text : "")));
  const namespaces = new Map<string, Namespace>();
  for (const decl of decls) {
    const alias = decl.alias;
    if (!alias || alias.text === "") continue;
    const earlier = namespaces.get(alias.text);
    if (earlier || values.has(alias.text)) {
      context.report(
        messages.importAliasClash,
        alias.span,
        { name: alias.text, what: earlier ? "the namespace of another import" : "declared in this rulebook" },
        earlier ? { related: [{ message: "first used here", span: earlier.decl.alias!.span }] } : {},
      );
      continue;
    }
    namespaces.set(alias.text, { decl, members: new Map(), merged: false });
  }
  return namespaces;
}

/** Reports what stops an import or should be reviewed (version, currency); whether to merge it. */
function mergeable(context: CheckContext, book: ImportedRulebook, arithmetic: string): boolean {
  const { decl } = book;
  if (book.errorCount > 0) {
    context.report(messages.importHasErrors, decl.pathSpan, { path: decl.path, count: book.errorCount });
    return false;
  }
  // The imported declarations are lowered in this rulebook's arithmetic: it must be theirs.
  const theirs = describeArithmetic(book.arithmetic);
  if (theirs !== arithmetic) {
    context.report(messages.importArithmeticMismatch, decl.pathSpan, {
      path: decl.path,
      theirs,
      ours: arithmetic,
    });
    return false;
  }
  if (book.currency && context.currency && book.currency !== context.currency) {
    context.report(messages.importCurrencyMismatch, decl.pathSpan, {
      path: decl.path,
      theirs: book.currency,
      ours: context.currency,
    });
    return false;
  }
  const actual = book.version ?? "(none)";
  if (decl.version && decl.version.text !== actual)
    context.report(messages.importVersionMismatch, decl.version.span, {
      path: decl.path,
      actual,
      expected: decl.version.text,
    });
  else if (!decl.version && book.version)
    context.report(
      messages.importNotPinned,
      decl.pathSpan,
      { path: decl.path, actual },
      {
        fix: {
          title: `pin version ${actual}`,
          edits: [{ span: { start: decl.span.end, end: decl.span.end }, newText: ` version ${actual}` }],
        },
      },
    );
  return true;
}

function describeArithmetic(arithmetic: IrArithmetic | undefined): string {
  return arithmetic
    ? `decimal arithmetic (${arithmetic.scale} places, rounding ${arithmetic.rounding})`
    : "binary64 arithmetic";
}

/** Every declaration of a whole-book import, renamed into its namespace (shared ones once). */
function namespaced(
  book: ImportedRulebook,
  namespace: Namespace,
  shared: SharedDeclarations,
): SourcedDeclaration[] {
  const alias = namespace.decl.alias!.text;
  const { members } = namespace;
  const columns = new Set<string>();
  for (const { decl } of book.declarations) {
    if (decl.kind === "TiersDecl") for (const c of decl.columns) columns.add(c.name.text);
    if (decl.kind === "RuleDecl")
      for (const step of decl.steps) if (step.verb === "set") members.set(step.target.text, "");
    if ("name" in decl && !isShared(decl) && decl.kind !== "RuleDecl") members.set(decl.name.text, "");
  }
  for (const name of members.keys()) members.set(name, `${alias}.${name}`);
  const qualify = (name: A.Name): A.Name => ({ ...name, text: `${alias}.${name.text}` });
  const rewriter: NameRewriter = {
    ref: (ref) => {
      const name = members.get(ref.name);
      return name === undefined ? undefined : { ...ref, name };
    },
    name: (name, role) => (role === "declaration" || members.has(name.text) ? qualify(name) : undefined),
    isColumn: (name) => columns.has(name),
  };
  namespace.merged = true;
  const out: SourcedDeclaration[] = [];
  for (const { decl, origin } of book.declarations) {
    const imported = { decl, origin: { file: origin.file, own: false } };
    if (isShared(decl)) {
      if (shared.admit(imported, book)) out.push(imported);
    } else out.push({ ...imported, decl: rewriteDeclaration(decl, rewriter) });
  }
  return out;
}

/** The declarations a selective import names, each checked importable and complete. */
function selected(
  context: CheckContext,
  book: ImportedRulebook,
  shared: SharedDeclarations,
  importedBy: Map<string, A.Name>,
): SourcedDeclaration[] {
  const { decl } = book;
  const available = new Map<string, SourcedDeclaration>();
  for (const d of book.declarations) if ("name" in d.decl) available.set(d.decl.name.text, d);
  const wanted = new Set(
    decl.names
      .filter((n) => IMPORTABLE_BY_NAME.has(available.get(n.text)?.decl.kind ?? "AssertDecl"))
      .map((n) => n.text),
  );
  const columns = new Set<string>();
  for (const d of book.declarations)
    if (d.decl.kind === "TiersDecl") for (const c of d.decl.columns) columns.add(c.name.text);
  const out: SourcedDeclaration[] = [];
  for (const name of decl.names) {
    const found = available.get(name.text);
    if (!found) {
      const candidates = [...available.values()]
        .filter((d) => IMPORTABLE_BY_NAME.has(d.decl.kind))
        .map((d) => (d.decl as { name: A.Name }).name.text);
      context.report(
        messages.unknownImportedName,
        name.span,
        { path: decl.path, name: name.text },
        context.didYouMean(name.text, name.span, candidates),
      );
      continue;
    }
    if (!IMPORTABLE_BY_NAME.has(found.decl.kind)) {
      context.report(messages.notImportableByName, name.span, {
        name: name.text,
        what: KIND_WORDS[found.decl.kind] ?? "not importable",
        path: decl.path,
        alias: aliasFor(decl.path),
      });
      continue;
    }
    const first = importedBy.get(name.text);
    if (first) {
      context.report(
        messages.duplicateImportedName,
        name.span,
        { name: name.text },
        { related: [{ message: "first imported here", span: first.span }] },
      );
      continue;
    }
    importedBy.set(name.text, name);
    reportMissingDependencies(context, book, found.decl, name, { available, wanted, columns, shared });
    const imported = { decl: found.decl, origin: { file: found.origin.file, own: false } };
    if (!isShared(found.decl) || shared.admit(imported, book)) out.push(imported);
  }
  return out;
}

function reportMissingDependencies(
  context: CheckContext,
  book: ImportedRulebook,
  decl: A.Declaration,
  name: A.Name,
  scope: {
    available: Map<string, SourcedDeclaration>;
    wanted: Set<string>;
    columns: Set<string>;
    shared: SharedDeclarations;
  },
): void {
  const missing = new Set<string>();
  forEachDependency(
    decl,
    (dependency) => {
      if (dependency === name.text || scope.wanted.has(dependency) || !scope.available.has(dependency))
        return;
      const kind = scope.available.get(dependency)!.decl.kind;
      // A record or enum the importing rulebook declares itself (identically, else reported) will do.
      if ((kind === "EnumDecl" || kind === "RecordDecl") && scope.shared.hasType(dependency)) return;
      missing.add(dependency);
    },
    (candidate) => scope.columns.has(candidate),
  );
  for (const dependency of missing)
    context.report(messages.importMissingDependency, name.span, {
      name: name.text,
      dependency,
      path: book.decl.path,
      names: [...scope.wanted, dependency].join(", "),
    });
}

/** `./books/options-pm.margin` -> `options_pm`: a namespace to suggest. */
function aliasFor(path: string): string {
  const stem = (path.split(/[\\/]/).pop() ?? path).replace(/\.margin$/, "");
  const word = stem.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^[^a-z_]+/, "");
  return word === "" ? "book" : word.toLowerCase();
}

function isShared(decl: A.Declaration): decl is A.InputDecl | A.EnumDecl | A.RecordDecl {
  return decl.kind === "InputDecl" || decl.kind === "EnumDecl" || decl.kind === "RecordDecl";
}

/**
 * Inputs (values) and records and enums (types) declared once across a rulebook and its imports:
 * the first declaration stands, an identical one is dropped, a different one is an error.
 */
class SharedDeclarations {
  private readonly values = new Map<string, SourcedDeclaration & { book?: ImportedRulebook }>();
  private readonly types = new Map<string, SourcedDeclaration & { book?: ImportedRulebook }>();
  /** Each conflict once (a file imported twice conflicts twice). */
  private readonly reported = new Set<string>();

  constructor(
    private readonly context: CheckContext,
    declarations: readonly SourcedDeclaration[],
  ) {
    for (const d of declarations) if (isShared(d.decl)) this.table(d.decl).set(d.decl.name.text, d);
  }

  hasType(name: string): boolean {
    return this.types.has(name);
  }

  /** Whether `imported` is new (to be added); reports it when it differs from the one in force. */
  admit(imported: SourcedDeclaration, book: ImportedRulebook): boolean {
    const decl = imported.decl as A.InputDecl | A.EnumDecl | A.RecordDecl;
    const table = this.table(decl);
    const existing = table.get(decl.name.text);
    if (!existing) {
      table.set(decl.name.text, { ...imported, book });
      return true;
    }
    if (shape(existing.decl) === shape(decl)) return false;
    const key = `${decl.kind} ${decl.name.text} ${book.file}`;
    if (this.reported.has(key)) return false;
    this.reported.add(key);
    const what = decl.kind === "InputDecl" ? "input" : decl.kind === "EnumDecl" ? "enum" : "record";
    const own = existing.origin.own;
    const at = own ? (existing.decl as { name: A.Name }).name.span : book.decl.pathSpan;
    this.context.report(
      messages.importConflict,
      at,
      { what, name: decl.name.text, path: book.decl.path },
      { related: [{ message: `declared so in ${book.decl.path}`, span: decl.name.span, file: book.file }] },
    );
    return false;
  }

  private table(decl: A.Declaration): Map<string, SourcedDeclaration & { book?: ImportedRulebook }> {
    return decl.kind === "InputDecl" ? this.values : this.types;
  }
}

/** A declaration's structure without positions or comments, to compare two declarations. */
function shape(decl: A.Declaration): string {
  return JSON.stringify(decl, (key, value: unknown) =>
    key === "doc" || key === "span" || key.endsWith("Span") ? undefined : value,
  );
}

/**
 * Rewrites `ns.name` in the rulebook's own declarations to the imported name, in place (the
 * editor's services find declarations by identity). An unknown name of a namespace is reported
 * here with the names it has; the namespace alone is not a value.
 */
function readNamespaces(
  context: CheckContext,
  declarations: readonly SourcedDeclaration[],
  namespaces: ReadonlyMap<string, Namespace>,
  failed: ReadonlySet<string>,
): void {
  const missing = (span: A.Span): A.MissingExpr => ({ kind: "MissingExpr", span });
  const rewriter: NameRewriter = {
    member: (expr) => {
      const namespace = namespaces.get(expr.object.name);
      if (!namespace) return undefined;
      if (!namespace.merged) return missing(expr.span);
      const name = namespace.members.get(expr.member.text);
      if (name !== undefined) return { kind: "NameRef", span: expr.span, name };
      context.report(
        messages.unknownNamespaceMember,
        expr.member.span,
        { alias: expr.object.name, path: namespace.decl.path, name: expr.member.text },
        context.didYouMean(expr.member.text, expr.member.span, namespace.members.keys()),
      );
      return missing(expr.span);
    },
    ref: (ref) => {
      if (failed.has(ref.name)) return missing(ref.span);
      const namespace = namespaces.get(ref.name);
      if (!namespace) return undefined;
      if (namespace.merged)
        context.report(messages.namespaceAsValue, ref.span, {
          name: ref.name,
          example: [...namespace.members.keys()].sort()[0] ?? "name",
        });
      return missing(ref.span);
    },
  };
  for (const { decl, origin } of declarations) {
    if (!origin.own) continue;
    const next = rewriteDeclaration(decl, rewriter);
    if (next !== decl) Object.assign(decl, next);
  }
}
