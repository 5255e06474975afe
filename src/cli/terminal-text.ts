/**
 * Text that cannot lie on a terminal. Everything the CLI prints passes through {@link safeText}
 * (`runCli` wraps its `CliIo`): control characters (ESC, BEL, backspace, carriage return, the C1
 * range including the single-byte CSI), bidirectional controls and invisible characters that come
 * from rulebooks, artifacts, inputs or file names are shown as visible `\uXXXX` escapes, so no
 * owner, description, name or message can move the cursor, retitle the window (OSC), hide text or
 * reorder a line. The escape is also a valid JSON escape of the same character, so `--format json`
 * output stays the same data. The only sequences let through are marginbook's own: the colours it
 * paints with (when colour is on) and the progress bar's carriage return and line erase.
 */

/** Characters that never reach the terminal raw (tab and newline are fine). */
const UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");
/** marginbook's own colours: reset, bold, dim, red, green, yellow, blue, cyan, grey. */
const OWN_COLOUR = /^\u001b\[(?:0|1|2|22|31|32|33|34|36|39|90)m/;
const ERASE_LINE = "\r\u001b[2K";

/** Escapes one character as `\uXXXX`. */
function escape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * The text with every unsafe character escaped visibly. `colour` lets marginbook's own colour codes
 * through; a carriage return that starts the text, and the line erase, are the progress bar's.
 */
export function safeText(text: string, colour = false): string {
  if (!UNSAFE.test(text)) return text;
  if (!text.includes("\u001b") && !text.startsWith("\r")) return text.replace(UNSAFE_ALL, escape);
  let out = "";
  let i = 0;
  if (text.startsWith(ERASE_LINE)) {
    out = ERASE_LINE;
    i = ERASE_LINE.length;
  } else if (text.startsWith("\r")) {
    out = "\r";
    i = 1;
  }
  while (i < text.length) {
    const char = text[i]!;
    if (char === "\u001b" && colour) {
      const own = OWN_COLOUR.exec(text.slice(i, i + 5));
      if (own) {
        out += own[0];
        i += own[0].length;
        continue;
      }
    }
    out += UNSAFE.test(char) ? escape(char) : char;
    i++;
  }
  return out;
}
