/**
 * The size limits of a compiled rulebook: one table read by the checker (which reports a rulebook
 * beyond them with a coded diagnostic, MB4042 or MB4047) and by the artifact schema (which refuses
 * an artifact beyond them, MB6104), so that whatever `check` accepts, `compile` writes and every
 * engine loads. Far above any real rulebook.
 */
export const IR_LIMITS = {
  /** Names of rulebooks, owners, descriptions, doc comments, assertion and `verify` messages. */
  text: 4_096,
  /** Versions, effective timestamps, units, compiler names. */
  shortText: 256,
  /** The settlement currency's code. */
  currency: 64,
  /** A string constant (a `Text` parameter, a default). */
  constantString: 65_536,
  /** A name that becomes code: `^[A-Za-z_][A-Za-z0-9_]{0,127}$`. */
  identifier: 128,
  /**
   * Inputs of a rulebook, and fields of one record (or of one input's inline record): 256, far above
   * real rulebooks and small enough that an object's validator is quick to build.
   */
  inputs: 256,
  recordFields: 256,
  /** Members of one enum. */
  enumMembers: 4_096,
  tables: 10_000,
  tableRows: 100_000,
  tableColumns: 256,
  scenarioSets: 10_000,
  scenariosPerSet: 1_000_000,
  scenarioAxes: 64,
  /** Rulebooks one rulebook imports, and names one `import` lists. */
  imports: 256,
  /** Arguments of one call (`min(a, b, ...)`). */
  callArguments: 64,
  /** Segments of an input path (`account.position.size` has 3). */
  inputPath: 64,
  /** Slots, locals, sites and steps, each. */
  entries: 1_000_000,
  properties: 100_000,
  /** Targets of one `verify` property. */
  propertyTargets: 1_024,
  /** Any index in the IR. */
  index: 1_000_000_000,
} as const;
