/**
 * Text helpers of the two JSON Schema checks (`artifact-check.ts`, `input-check.ts`), which report
 * as ajv does: lengths in code points, paths as JSON Pointers.
 */

/** The length of `text` in code points, as JSON Schema's `minLength` / `maxLength` count it. */
export function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** `name` as one JSON Pointer segment (RFC 6901: `~` as `~0`, `/` as `~1`). */
export function escapePointer(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}
