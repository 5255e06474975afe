/**
 * Where the studio's baseline comes from: the last commit (`HEAD`, the default), the last saved
 * text, or any git revision the user names. The choice is remembered; a rulebook that is not in
 * git (or not in that revision) falls back to its last saved text, and says so.
 */
import { loadRevision } from "./api.js";

/** The baseline choice: a git revision, or the last saved text. */
export type BaselineMode = { kind: "git"; revision: string } | { kind: "saved" };

/** A resolved baseline of one file: its text, its label, and a note when it fell back. */
export interface Baseline {
  text: string;
  label: string;
  note?: string;
}

const STORE = "marginbook.studio.baseline";

export class Baselines {
  private readonly cache = new Map<string, Promise<{ text: string } | { error: string }>>();
  mode: BaselineMode;

  constructor() {
    let stored: BaselineMode | undefined;
    try {
      stored = JSON.parse(localStorage.getItem(STORE) ?? "null") as BaselineMode | undefined;
    } catch {
      stored = undefined;
    }
    this.mode =
      stored && (stored.kind === "saved" || (stored.kind === "git" && typeof stored.revision === "string"))
        ? stored
        : { kind: "git", revision: "HEAD" };
  }

  setMode(mode: BaselineMode): void {
    this.mode = mode;
    localStorage.setItem(STORE, JSON.stringify(mode));
  }

  /** The label of the current choice (`HEAD`, `last saved`, `v1.2`). */
  get label(): string {
    return this.mode.kind === "saved" ? "last saved" : this.mode.revision;
  }

  /** Forgets what was read from git (after a save: HEAD has not moved, but a revision might). */
  clear(): void {
    this.cache.clear();
  }

  /** The baseline of `path`, given its last saved text. */
  async resolve(path: string, saved: string): Promise<Baseline> {
    if (this.mode.kind === "saved") return { text: saved, label: "last saved" };
    const revision = this.mode.revision;
    const key = `${revision}\n${path}`;
    let pending = this.cache.get(key);
    if (!pending)
      this.cache.set(
        key,
        (pending = loadRevision(path, revision).catch((error: unknown) => ({ error: String(error) }))),
      );
    const result = await pending;
    if ("text" in result) return { text: result.text, label: revision };
    return {
      text: saved,
      label: "last saved",
      note: `${result.error}: comparing with the last saved version`,
    };
  }
}
