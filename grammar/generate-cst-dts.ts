/**
 * Regenerates `grammar/cst.d.ts`, the CST typings, from the grammar itself (`npm run grammar:dts`).
 * A test compares the checked-in file with a fresh generation, so grammar drift fails the build.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateCstDts } from "chevrotain";
import { parser } from "./parser.js";

export function cstTypings(): string {
  const body = generateCstDts(parser.getGAstProductions(), { visitorInterfaceName: "MarginbookCstVisitor" });
  return "// Generated from grammar/parser.ts by grammar/generate-cst-dts.ts. Do not edit.\n" + body;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL("./cst.d.ts", import.meta.url), cstTypings());
  console.log("wrote grammar/cst.d.ts");
}
