// Empties the folders `npm run build` writes (dist/src and dist/grammar from `tsc`, dist/cjs,
// dist/esm, dist/cli from the bundlers) before it writes them again. Neither `tsc` nor esbuild
// removes what an earlier build wrote: a module moved or deleted in src/ stayed behind in
// dist/src, and every build added another set of hashed chunks to dist/cli (hundreds of stale
// files, 16 MB, after a day of builds), all of which `npm pack` shipped. dist/editor is left
// alone: Vite empties it itself, and `npm start` reuses it while it is newer than its sources.
import { rmSync } from "node:fs";

for (const folder of ["dist/src", "dist/grammar", "dist/cjs", "dist/esm", "dist/cli"]) {
  rmSync(folder, { recursive: true, force: true });
}
