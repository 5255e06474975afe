/**
 * The IR with its file names replaced: the rulebook's own (`meta.file`) and those of declarations
 * from its bases (`sites[].file`). `compile` records every file name as it would be from any
 * folder (from the repository root), so that the IR hash does not depend on where it ran.
 */
import type { IrRulebook } from "../ir/ir.js";

export function relocate(ir: IrRulebook, rename: (file: string) => string): IrRulebook {
  return {
    ...ir,
    meta: { ...ir.meta, file: rename(ir.meta.file) },
    sites: ir.sites.map((site) => (site.file === undefined ? site : { ...site, file: rename(site.file) })),
  };
}
