/**
 * The lexer's serialized analysis (see lexer-cache.ts). In the source tree there is none:
 * `npm run build` replaces the compiled form of this file (dist/grammar/serialized-lexer.js) with
 * the real one (scripts/serialize-grammar.mjs), so only the built CLI and library start from it.
 */
import type { SerializedLexer } from "./lexer-cache.js";

export const serializedLexer: SerializedLexer | undefined = undefined;
