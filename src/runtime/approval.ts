/**
 * Approvals: detached, signed statements that a reviewer approves one compiled artifact (named by
 * its IR hash) and, optionally, the review record they read (named by its hash). A registry can
 * require N approvals from distinct trusted keys before a version may serve (four-eyes); the
 * artifact's own signature never counts as one.
 *
 * An approval is JSON (`marginbook approve` writes it; signing is in `src/compile/sign.ts`):
 *
 * ```json
 * { "format": "marginbook-approval", "formatVersion": 1,
 *   "rulebook": "BTCUSDT perpetual", "version": "1.1.0", "irHash": "sha256:...",
 *   "review": "sha256:...", "approvedAt": "2026-05-20T09:00:00.000Z", "approver": "alice",
 *   "signature": { "algorithm": "ed25519", "keyId": "sha256:...", "publicKey": "...", "value": "..." } }
 * ```
 *
 * The signature covers the canonical JSON of the approval without its `signature` member, exactly
 * as for artifacts (`signedBytes` in `signature.ts`).
 */
import {
  checkArtifactSignature,
  webCryptoVerifier,
  type Ed25519Verifier,
  type TrustedKey,
} from "./signature.js";

/** The `format` of every approval. */
export const APPROVAL_FORMAT = "marginbook-approval";

/** An approval, as JSON (see the module comment). */
export interface Approval {
  format: typeof APPROVAL_FORMAT;
  formatVersion: 1;
  rulebook: string;
  version: string;
  /** The approved artifact's IR hash. */
  irHash: string;
  /** `sha256:<hex>` of the review record's file, when the approver names one. */
  review?: string;
  approvedAt: string;
  /** Who approved, as they name themselves (the key id is what counts). */
  approver?: string;
  signature?: { algorithm: "ed25519"; keyId: string; publicKey: string; value: string };
}

/** An approval that holds: by a trusted key, over the given IR hash. */
export interface CheckedApproval {
  keyId: string;
  trustedAs: string;
  approvedAt: string;
  approver?: string;
  review?: string;
}

/** The outcome of checking a set of approvals against one artifact. */
export interface ApprovalCount {
  /** The approvals that count: valid, by distinct trusted keys other than the artifact's signer. */
  counted: CheckedApproval[];
  /** Why each other approval does not count, one line each. */
  ignored: string[];
}

/** Whether a JSON value looks like an approval (its `format`), before any check. */
export function isApproval(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    (value as Record<string, unknown>)["format"] === APPROVAL_FORMAT
  );
}

/**
 * Checks approvals (parsed JSON values) for an artifact: each must be an approval of `irHash`,
 * signed by one of `approvers`, and hold; one per key counts; the artifact's signer
 * (`authorKeyId`) does not count. Never throws.
 */
export async function countApprovals(
  approvals: readonly unknown[],
  /**
   * The artifact approved, and its signer. `named`: the approvals were given for this artifact
   * (`inspect --approval`), so one of another artifact is listed as ignored; in a registry folder it
   * is about another artifact, and left out without a word.
   */
  target: { irHash: string; authorKeyId?: string; named?: boolean },
  approvers: readonly TrustedKey[],
  verifier: Ed25519Verifier = webCryptoVerifier,
): Promise<ApprovalCount> {
  const counted: CheckedApproval[] = [];
  const ignored: string[] = [];
  for (const [i, raw] of approvals.entries()) {
    const label = `approval ${i + 1}`;
    const problem = shapeProblem(raw);
    if (problem) {
      ignored.push(`${label}: ${problem}`);
      continue;
    }
    const approval = raw as Approval;
    if (approval.irHash !== target.irHash) {
      if (target.named)
        ignored.push(
          `${label}: it approves another artifact (IR ${approval.irHash.slice(0, 19)}..., this one is ${target.irHash.slice(0, 19)}...)`,
        );
      continue;
    }
    const check = await checkArtifactSignature(approval, approvers, verifier);
    if (check.status === "unsigned") ignored.push(`${label}: not signed`);
    else if (check.status === "invalid")
      ignored.push(`${label}: the signature does not hold: ${check.reason}`);
    else if (check.status === "untrusted")
      ignored.push(`${label}: signed by key ${check.keyId}, which is not a trusted approver`);
    else if (check.keyId === target.authorKeyId)
      ignored.push(
        `${label}: by the artifact's own signer (${check.trustedAs ?? check.keyId}): the author cannot approve their own artifact`,
      );
    else if (counted.some((c) => c.keyId === check.keyId))
      ignored.push(`${label}: a second approval by key ${check.trustedAs ?? check.keyId}`);
    else {
      counted.push({
        keyId: check.keyId,
        trustedAs: check.trustedAs ?? check.keyId,
        approvedAt: approval.approvedAt,
        ...(approval.approver !== undefined ? { approver: approval.approver } : {}),
        ...(approval.review !== undefined ? { review: approval.review } : {}),
      });
    }
  }
  return { counted, ignored };
}

function shapeProblem(raw: unknown): string | undefined {
  if (!isApproval(raw)) return "not a marginbook approval";
  const a = raw as Record<string, unknown>;
  if (a["formatVersion"] !== 1)
    return `unsupported approval format version ${JSON.stringify(a["formatVersion"])?.slice(0, 20)}`;
  const hash = /^sha256:[0-9a-f]{64}$/;
  if (typeof a["irHash"] !== "string" || !hash.test(a["irHash"]))
    return "its irHash is not sha256:<64 hex digits>";
  if (a["review"] !== undefined && (typeof a["review"] !== "string" || !hash.test(a["review"])))
    return "its review hash is not sha256:<64 hex digits>";
  for (const field of ["rulebook", "version", "approvedAt"])
    if (typeof a[field] !== "string" || (a[field] as string).length > 4_096)
      return `its ${field} is not a text`;
  if (a["approver"] !== undefined && (typeof a["approver"] !== "string" || a["approver"].length > 256))
    return "its approver is not a short text";
  return undefined;
}
