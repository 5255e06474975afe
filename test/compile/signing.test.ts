/**
 * Signed artifacts from the command line: `keygen` writes a key pair, `compile --sign` signs,
 * `inspect` shows what an artifact is and whether its signature holds (with and without trusted
 * keys), and one changed byte makes `inspect` refuse the artifact while a registry keeps serving
 * the previous version.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCaptured } from "../support/cli.js";
import {
  checkArtifactSignature,
  keyIdOf,
  RulebookRegistry,
  signedBytes,
  trustedKey,
} from "../../src/runtime/index.js";
import { binanceVersion, sampleInput } from "../support/signed-artifacts.js";

const dir = mkdtempSync(path.join(tmpdir(), "marginbook-sign-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const read = (name: string): string => readFileSync(path.join(dir, name), "utf8");

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCaptured(argv, dir);
}

beforeAll(() => {
  writeFileSync(path.join(dir, "btc-1.0.0.margin"), binanceVersion("1.0.0", "2026-01-01T00:00:00Z", "80%"));
  writeFileSync(path.join(dir, "btc-1.1.0.margin"), binanceVersion("1.1.0", "2026-06-01T00:00:00Z", "70%"));
});

describe("keygen, compile --sign, inspect", { timeout: 30_000 }, () => {
  it("keygen writes a private key only its owner can read, and a public key, and prints the key id", async () => {
    const { code, stdout } = await run("keygen", "--out", "release");
    expect(code).toBe(0);
    expect(read("release.key")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(read("release.pub")).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(statSync(path.join(dir, "release.key")).mode & 0o777).toBe(0o600);
    const keyId = trustedKey(read("release.pub")).keyId;
    expect(stdout).toBe(
      `wrote release.key (private key: keep it secret) and release.pub (public key)\nkey id ${keyId}\n`,
    );
    expect((await run("keygen", "--out", "release")).stderr).toContain("release.key exists");
    expect((await run("keygen", "--out", "other")).code).toBe(0);
    expect((await run("keygen")).code).toBe(2);
  });

  it("compile --sign signs the canonical JSON of the artifact without its signature", async () => {
    const { code, stdout } = await run(
      "compile",
      "btc-1.0.0.margin",
      "--sign",
      "release.key",
      "-o",
      "btc-1.0.0.json",
    );
    expect(code).toBe(0);
    const keyId = trustedKey(read("release.pub")).keyId;
    expect(stdout).toContain(`signed by key ${keyId.slice(0, 19)}...`);
    const artifact = JSON.parse(read("btc-1.0.0.json"));
    expect(Object.keys(artifact).at(-1)).toBe("signature");
    expect(artifact.signature).toMatchObject({ algorithm: "ed25519", keyId });
    expect(Buffer.from(artifact.signature.value, "base64")).toHaveLength(64);
    // What is signed: the artifact without `signature`, keys sorted, no whitespace.
    const { signature: _, ...rest } = artifact;
    // The signing time is bound too: it is in the signature block, and added to what is signed.
    expect(artifact.signature.signedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new TextDecoder().decode(signedBytes(artifact))).toBe(
      new TextDecoder().decode(
        signedBytes(JSON.parse(JSON.stringify(rest, null, 7)), artifact.signature.signedAt),
      ),
    );
    expect(
      new TextDecoder()
        .decode(signedBytes(artifact))
        .startsWith('{"compiler":{"name":"marginbook","version":'),
    ).toBe(true);
    // Re-indenting keeps the signature; it covers content, not layout.
    expect(
      await checkArtifactSignature(JSON.parse(JSON.stringify(artifact)), [trustedKey(read("release.pub"))]),
    ).toMatchObject({ status: "valid", keyId });
  });

  it("inspect prints what the artifact is and whether its signature holds", async () => {
    const trusted = await run("inspect", "btc-1.0.0.json", "--trust", "other.pub", "--trust", "release.pub");
    expect(trusted.code).toBe(0);
    const keyId = trustedKey(read("release.pub")).keyId;
    for (const line of [
      "btc-1.0.0.json: BTCUSDT perpetual 1.0.0",
      "  version      1.0.0",
      "  effective    2026-01-01T00:00:00Z",
      "  currency     USDT",
      "  owner        Derivatives risk <risk@example.com>",
      "  compiled by  marginbook ",
      "  source hash  sha256:",
      "(matches the IR)",
      "  outputs      initial_margin: USDT, maintenance_margin: USDT, maintenance_margin_exact: USDT, max_leverage: Number",
      `  signature    valid, by trusted key ${keyId} (release.pub)`,
      "ok: an engine loads this artifact and its signature holds",
    ])
      expect(trusted.stdout).toContain(line);

    // Without --trust, an intact signature proves nothing about its origin: a gate must not pass it.
    const untrusted = await run("inspect", "btc-1.0.0.json");
    expect(untrusted.code).toBe(1);
    expect(untrusted.stdout).toContain(`signature    signed by an untrusted key ${keyId}`);
    expect(untrusted.stdout).toContain("refused: MB6152 signed by an untrusted key");
    const stranger = await run("inspect", "btc-1.0.0.json", "--trust", "other.pub");
    expect(stranger.code).toBe(1);
    expect(stranger.stdout).toContain("refused: MB6152 signed by an untrusted key");

    expect((await run("compile", "btc-1.0.0.margin", "-o", "unsigned.json")).code).toBe(0);
    expect((await run("inspect", "unsigned.json")).stdout).toContain(
      "  signature    not signed\nok: an engine loads this artifact (unsigned: only a registry with allowUnsigned accepts it)\n",
    );
    const required = await run("inspect", "unsigned.json", "--trust", "release.pub");
    expect(required.code).toBe(1);
    expect(required.stdout).toContain("refused: MB6151 the artifact is not signed");

    const json = JSON.parse(
      (await run("inspect", "btc-1.0.0.json", "--trust", "release.pub", "--format", "json")).stdout,
    );
    expect(json).toMatchObject({
      ok: true,
      problems: [],
      name: "BTCUSDT perpetual",
      version: "1.0.0",
      signature: { status: "valid", keyId, trustedAs: "release.pub" },
    });
  });

  it("one changed byte makes inspect and the registry refuse it; the previous version keeps serving", async () => {
    expect(
      (await run("compile", "btc-1.1.0.margin", "--sign", "release.key", "-o", "btc-1.1.0.json")).code,
    ).toBe(0);
    const good = read("btc-1.1.0.json");
    const registry = new RulebookRegistry({ trustedKeys: [read("release.pub")] });
    await registry.add(read("btc-1.0.0.json"));
    const before = registry.evaluate("BTCUSDT perpetual", sampleInput);
    const flip = (text: string, at: number): string =>
      text.slice(0, at) + (text[at] === "1" ? "2" : "1") + text.slice(at + 1);
    const cases: [string, number, string][] = [
      ["the compiler version", good.indexOf('"version"', good.indexOf('"compiler"')) + 12, "MB6153"],
      ["the source hash", good.indexOf('"sourceHash"') + 30, "MB6153"],
      ["the signature", good.indexOf('"value"', good.indexOf('"signature"')) + 12, "MB6153"],
      // The signature is checked before the structure: a signed artifact changed anywhere is MB6153 for the registry.
      ["a tier rate", good.indexOf("0.0", good.indexOf('"cells"')) + 3, "MB6153"],
      ["the header's version", good.indexOf('"1.1.0"') + 5, "MB6153"],
    ];
    for (const [what, at, code] of cases) {
      const tampered = flip(good, at);
      expect(tampered, what).not.toBe(good);
      writeFileSync(path.join(dir, "tampered.json"), tampered);
      const inspected = await run("inspect", "tampered.json", "--trust", "release.pub");
      expect(inspected.code, what).toBe(1);
      expect(inspected.stdout, what).toMatch(
        code === "MB6153" ? /refused: MB61(53|05|06)/ : new RegExp(`refused: ${code}`),
      );
      const outcome = await registry.tryAdd(tampered, "tampered.json");
      expect(outcome.ok, what).toBe(false);
      expect(!outcome.ok && outcome.error.code, what).toBe(code);
      expect(registry.evaluate("BTCUSDT perpetual", sampleInput), what).toEqual(before);
    }
    expect((await registry.add(good)).version).toBe("1.1.0");
    expect(registry.evaluate("BTCUSDT perpetual", sampleInput).rulebook.version).toBe("1.1.0");
  });

  it("refuses keys that cannot sign, with a usage error", async () => {
    expect(
      (await run("compile", "btc-1.0.0.margin", "--sign", "missing.key", "-o", "x.json")).stderr,
    ).toContain("cannot read the signing key missing.key");
    writeFileSync(
      path.join(dir, "rsa.key"),
      generateKeyPairSync("rsa", { modulusLength: 1024 })
        .privateKey.export({ type: "pkcs8", format: "pem" })
        .toString(),
    );
    const rsa = await run("compile", "btc-1.0.0.margin", "--sign", "rsa.key", "-o", "x.json");
    expect(rsa.code).toBe(2);
    expect(rsa.stderr).toContain("a rsa key: artifacts are signed with Ed25519 keys");
    expect((await run("compile", "btc-1.0.0.margin", "--sign", "release.pub", "-o", "x.json")).code).toBe(2);
    expect((await run("inspect", "btc-1.0.0.json", "--trust", "release.key")).code).toBe(2);
    expect(keyIdOf(trustedKey(read("release.pub")).spki)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
