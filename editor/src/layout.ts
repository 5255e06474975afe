/**
 * Resizable panels: drag the bar between the file list and the editor, between the editor and the
 * preview, or above the Problems list; double-click a bar to reset it. Sizes are CSS variables on
 * the page, remembered in localStorage, and fitted to the window (the editor keeps at least 420 px).
 */
import { h } from "./dom.js";

interface Size {
  variable: string;
  key: string;
  initial: () => number;
  min: number;
  max: () => number;
}

const STORE = "marginbook.studio.layout";

function load(): Record<string, number> {
  try {
    return JSON.parse(localStorage.getItem(STORE) ?? "{}") as Record<string, number>;
  } catch {
    return {};
  }
}

const SIZES: Record<"sidebar" | "preview" | "problems", Size> = {
  sidebar: {
    variable: "--sidebar-w",
    key: "sidebar",
    initial: () => (innerWidth <= 1366 ? 196 : 236),
    min: 140,
    max: () => 420,
  },
  preview: {
    variable: "--preview-w",
    key: "preview",
    initial: () => (innerWidth <= 1366 ? 450 : 500),
    min: 320,
    max: () => Math.max(340, innerWidth - 620),
  },
  problems: {
    variable: "--problems-h",
    key: "problems",
    initial: () => (innerHeight <= 760 ? 120 : 168),
    min: 60,
    max: () => Math.max(80, innerHeight - 260),
  },
};

/** Applies the remembered sizes and returns a splitter element for one of them. */
export class Layout {
  private readonly sizes = load();

  constructor() {
    for (const name of Object.keys(SIZES) as (keyof typeof SIZES)[]) this.apply(name);
    addEventListener("resize", () => {
      for (const name of Object.keys(SIZES) as (keyof typeof SIZES)[]) this.apply(name);
    });
  }

  private apply(name: keyof typeof SIZES, value?: number): void {
    const size = SIZES[name];
    const wanted = value ?? this.sizes[size.key] ?? size.initial();
    const clamped = Math.round(Math.min(Math.max(wanted, size.min), size.max()));
    document.documentElement.style.setProperty(size.variable, `${clamped}px`);
    if (value !== undefined) {
      this.sizes[size.key] = clamped;
      localStorage.setItem(STORE, JSON.stringify(this.sizes));
    }
  }

  /** The current size in pixels. */
  size(name: keyof typeof SIZES): number {
    return (
      parseFloat(getComputedStyle(document.documentElement).getPropertyValue(SIZES[name].variable)) ||
      SIZES[name].initial()
    );
  }

  /** A drag bar: `direction` is how moving the pointer right (or down) changes the size (+1 or -1). */
  splitter(name: keyof typeof SIZES, direction: 1 | -1, orientation: "vertical" | "horizontal"): HTMLElement {
    const bar = h(`div.splitter.splitter-${orientation}`, {
      role: "separator",
      "aria-orientation": orientation,
      "aria-label": `resize the ${name}`,
      title: "drag to resize; double-click to reset",
      "data-splitter": name,
    });
    bar.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      bar.setPointerCapture(event.pointerId);
      const start = orientation === "vertical" ? event.clientX : event.clientY;
      const initial = this.size(name);
      document.body.classList.add("resizing");
      const move = (e: PointerEvent): void =>
        this.apply(
          name,
          initial + direction * ((orientation === "vertical" ? e.clientX : e.clientY) - start),
        );
      const up = (): void => {
        bar.removeEventListener("pointermove", move);
        bar.removeEventListener("pointerup", up);
        document.body.classList.remove("resizing");
      };
      bar.addEventListener("pointermove", move);
      bar.addEventListener("pointerup", up);
    });
    bar.addEventListener("dblclick", () => {
      delete this.sizes[SIZES[name].key];
      localStorage.setItem(STORE, JSON.stringify(this.sizes));
      this.apply(name);
    });
    return bar;
  }
}
