/**
 * `GET /v1/rulebooks` and `GET /v1/rulebooks/{name}`: what the service has loaded, and what a
 * caller needs to build inputs for one rulebook (its input JSON Schema, outputs and columns).
 */
import { columnLayout } from "../runtime/columns.js";
import type { RulebookVersion } from "../runtime/registry.js";
import type { ApprovalSummary, RulebookDetail, RulebookList, Signer } from "./api-types.js";
import { pickVersion, type ServeRegistry } from "./evaluate.js";
import type { LoadedVersionInfo } from "./metrics.js";

/** The trusted key that signed a version, or null. */
export function signerOf(v: RulebookVersion): Signer | null {
  if (v.keyId === undefined || v.signedBy === undefined) return null;
  return {
    keyId: v.keyId,
    trustedAs: v.signedBy,
    ...(v.signedAt !== undefined ? { signedAt: v.signedAt } : {}),
  };
}

/** The approvals that counted for a version. */
export function approvalsOf(v: RulebookVersion): ApprovalSummary[] {
  return v.approvals.map((a) => ({
    keyId: a.keyId,
    trustedAs: a.trustedAs,
    approvedAt: a.approvedAt,
    ...(a.approver !== undefined ? { approver: a.approver } : {}),
    ...(a.review !== undefined ? { review: a.review } : {}),
  }));
}

/** The version of `name` in force now, or undefined. */
function inForce(registry: ServeRegistry, name: string): RulebookVersion | undefined {
  try {
    return registry.select(name);
  } catch {
    return undefined;
  }
}

/** `GET /v1/rulebooks`. */
export function listRulebooks(registry: ServeRegistry): RulebookList {
  return {
    rulebooks: registry.names().map((name) => {
      const current = inForce(registry, name);
      return {
        name,
        versions: registry.versions(name).map((v) => ({
          version: v.version,
          effective: v.effective,
          irHash: v.irHash,
          sourceHash: v.sourceHash,
          inForce: v === current,
          signer: signerOf(v),
          approvals: approvalsOf(v),
        })),
      };
    }),
  };
}

/** Every loaded version, for the metrics. */
export function loadedVersions(registry: ServeRegistry): LoadedVersionInfo[] {
  return registry.names().flatMap((name) => {
    const current = inForce(registry, name);
    return registry
      .versions(name)
      .map((v) => ({ name, version: v.version, irHash: v.irHash, inForce: v === current }));
  });
}

/** `GET /v1/rulebooks/{name}?at=...&version=...`: throws 404 when there is no such version. */
export function describeRulebook(
  registry: ServeRegistry,
  name: string,
  options: { at?: string; version?: string },
): RulebookDetail {
  const v = pickVersion(registry, name, options);
  const book = v.book;
  const layout = columnLayout(book.ir);
  return {
    rulebook: { name: v.name, version: v.version, irHash: v.irHash, effective: v.effective },
    meta: v.meta,
    sourceHash: v.sourceHash,
    signer: signerOf(v),
    approvals: approvalsOf(v),
    inputSchema: book.schema,
    outputs: book.outputs.map((o) => ({
      name: o.name,
      type: o.type.kind,
      ...(o.unit !== undefined ? { unit: o.unit } : {}),
    })),
    columns: [...layout.fields, ...layout.lists].map((c) => c.path),
  };
}
