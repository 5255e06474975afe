/**
 * Run by bench/natural-speed.ts under `node --trace-turbo-inlining`: evaluates the natural bracket
 * book enough times for V8 to optimize the generated `evaluate`, so that the parent can read from
 * the trace which helpers (the cent rounding above all) were inlined into it.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { lowerRulebook } from "../../src/compile/lower.js";
import { rulebookFromIr } from "../../src/runtime/rulebook.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { binancePositions } from "./binance-positions.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const file = "bench/rules/natural-brackets.margin";
const source = readFileSync(path.join(root, file), "utf8");
const book = rulebookFromIr(lowerRulebook(checkRulebook(source, file).checked, { source: () => source }));
const inputs = binancePositions(1000, 1);
let total = 0;
for (let r = 0; r < 1000; r++)
  for (const input of inputs)
    total += book.evaluate(input, { validate: false }).outputs["initial_margin"] as number;
console.log(`probe total ${total}`);
