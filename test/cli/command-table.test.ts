/**
 * The lazy command table of the CLI: each entry's name and summary (what the global help lists
 * without loading any command) are those of the command it loads.
 */
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/main.js";

describe("the command table", () => {
  it("lists each command with its own name and summary", async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load("0.0.0");
      expect({ name: command.name, summary: command.summary }).toEqual({
        name: entry.name,
        summary: entry.summary,
      });
    }
  });
});
