/**
 * The parser's serialized self-analysis (see grammar-cache.ts). In the source tree there is none:
 * `npm run build` replaces the compiled form of this file (dist/grammar/serialized-grammar.js) with
 * the real one (scripts/serialize-grammar.mjs), so only the built CLI and library start from it.
 */
import type { SerializedGrammar } from "./grammar-cache.js";

export const serializedGrammar: SerializedGrammar | undefined = undefined;
