/**
 * The studio takes the same port on every start (so a saved link keeps working), and the next free
 * one when that port is busy, saying so.
 */
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startOnStablePort } from "../../src/cli/studio.js";

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

describe("the studio's stable port", () => {
  it("takes its usual port when it is free, and the next one when it is busy", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "marginbook-port-"));
    // A port that is free now: the OS hands one out, then it is released.
    const probe = await listen(0);
    const first = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const logs: string[] = [];
    const alone = await startOnStablePort(folder, (line) => void logs.push(line), first);
    expect(alone.url).toBe(`http://127.0.0.1:${first}/`);
    // (A clean checkout may also log that it builds the editor first: only the port lines matter here.)
    const portLines = (): string[] => logs.filter((line) => line.includes("busy"));
    expect(portLines()).toEqual([]);

    // While it runs, a second studio falls back to the next free port and says why.
    const second = await startOnStablePort(folder, (line) => void logs.push(line), first);
    const secondPort = Number(new URL(second.url).port);
    expect(secondPort).toBeGreaterThan(first);
    expect(secondPort).toBeLessThan(first + 20);
    expect(portLines()).toEqual([`port ${first} is busy: using ${secondPort}`]);
    await second.close();
    await alone.close();
  });
});
