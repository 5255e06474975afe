/**
 * Progress of a long computation on standard error: a bar redrawn in place when stderr is a
 * terminal, otherwise a plain line at every tenth (so logs and CI output stay readable).
 */
import type { CliIo } from "./io.js";

/** A progress display for `total` items. */
export class Progress {
  private lastDraw = 0;
  private lastTenth = 0;
  private finished = false;

  constructor(
    private readonly io: CliIo,
    private readonly total: number,
    private readonly label: string,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Reports that `done` items of the total are finished. */
  update(done: number): void {
    if (this.finished || this.total <= 0) return;
    const fraction = Math.min(1, done / this.total);
    if (this.io.stderrIsTTY === true) {
      const time = this.now();
      if (time - this.lastDraw < 80 && done < this.total) return;
      this.lastDraw = time;
      const width = 30;
      const filled = Math.round(fraction * width);
      const counts = `${done.toLocaleString("en-US")}/${this.total.toLocaleString("en-US")}`;
      this.io.stderr(
        `\r${this.label} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${counts}`,
      );
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth > this.lastTenth) {
      this.lastTenth = tenth;
      this.io.stderr(
        `${this.label}: ${tenth * 10}% (${done.toLocaleString("en-US")} of ${this.total.toLocaleString("en-US")})\n`,
      );
    }
  }

  /** Ends the display: the bar is erased, so what follows starts on a clean line. */
  finish(): void {
    if (this.finished) return;
    this.update(this.total);
    this.finished = true;
    if (this.io.stderrIsTTY === true) this.io.stderr("\r\x1b[2K");
  }
}
