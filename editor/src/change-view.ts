/**
 * The *Change* tab: what changed against the baseline, computed by `src/service/baseline.ts` with
 * the same code as `marginbook diff --impact`: the semantic diff (a tier row named by its bounds,
 * with its rate delta), then, for each output, how many samples and test cases pay more or less,
 * and the top movers with the rule that moved them.
 */
import { h } from "./dom.js";
import { showChange, showPercent, showValue } from "./numbers.js";
import type { ChangeView } from "./protocol.js";

type Change = ChangeView["changes"][number];

const SUBJECTS: Partial<Record<Change["subject"], string>> = {
  "tier-row": "tier row",
  param: "parameter",
  header: "header",
  tiers: "tier table",
};

/** The Change tab's content; `onReveal` jumps to a line of the edited rulebook. */
export function renderChangeView(
  view: ChangeView | undefined,
  waiting: string | undefined,
  onReveal: (line: number) => void,
): HTMLElement[] {
  if (!view) return [h("div.empty", {}, waiting ?? "Waiting for the first comparison...")];
  const head = h(
    "p.hint",
    {},
    `Compared with ${view.label}. `,
    view.layout === "identical"
      ? "No change."
      : view.layout === "formatting only"
        ? "Only the layout changed."
        : view.layout === "comments changed"
          ? "Only comments and layout changed."
          : `${view.changes.length} change${view.changes.length === 1 ? "" : "s"}${view.behaviourChanged ? "" : " (no result can change)"}.`,
  );
  const parts: HTMLElement[] = [head];
  if (view.problem) parts.push(h("div.error-box", {}, `No impact: ${view.problem}.`));
  if (view.changes.length > 0) {
    parts.push(h("h3", {}, "What changed"));
    parts.push(
      h(
        "ul.change-list",
        {},
        ...view.changes.map((c) => {
          const item = h(
            `li.change.change-${c.action}`,
            { "data-subject": c.subject },
            h("span.change-action", {}, c.action),
            h("span.change-subject", {}, SUBJECTS[c.subject] ?? c.subject),
            h("b.change-name", {}, c.name),
            h("span.change-impact", { title: "semantic version bump this change needs" }, c.impact),
            ...c.details.map((d) => h("div.change-detail", {}, d)),
          );
          if (c.newLine) {
            item.classList.add("clickable");
            item.title = `line ${c.newLine}`;
            item.addEventListener("click", () => onReveal(c.newLine!));
          }
          return item;
        }),
      ),
    );
  }
  if (view.outputs.length > 0) {
    parts.push(
      h(
        "h3",
        {},
        `Impact on ${view.inputs} sample${view.inputs === 1 ? "" : "s"} and test case${view.inputs === 1 ? "" : "s"}`,
      ),
    );
    if (view.failed > 0)
      parts.push(h("p.hint", {}, `${view.failed} failed in one version or both and are left out.`));
    for (const o of view.outputs) {
      const counts = `${o.up} up, ${o.down} down, ${o.same} unchanged`;
      const total = o.totalNew - o.totalOld;
      const percent = showPercent(o.totalOld, o.totalNew);
      const box = h(
        "div.impact-output",
        { "data-output": o.name },
        h("div.impact-head", {}, h("b", {}, o.name), h("span.muted", {}, ` ${counts}`)),
        o.up + o.down > 0 && o.unit !== "Rate" && o.unit !== "Number"
          ? h(
              "div.impact-total",
              {},
              `total ${showValue(o.totalOld, o.unit)} → ${showValue(o.totalNew, o.unit)} (${showChange(total, o.unit)}${percent ? `, ${percent}` : ""})`,
            )
          : undefined,
      );
      if (o.movers.length > 0) {
        box.append(
          h("div.movers-title", {}, "Top movers"),
          ...o.movers.map((m) =>
            h(
              "div.mover",
              {},
              h(
                "div.mover-name",
                { title: `${m.source === "test" ? "test case" : "sample"}: ${m.name}` },
                m.source === "test" ? "test case: " : "sample: ",
                m.name,
              ),
              h(
                "div.mover-values",
                {},
                h("span", {}, `${showValue(m.old, o.unit)} → ${showValue(m.new, o.unit)}`),
                h(
                  `span${m.change > 0 ? ".up" : ".down"}`,
                  {},
                  `${showChange(m.change, o.unit)}${m.percent !== null ? ` (${showPercent(m.old, m.new)})` : ""}`,
                ),
              ),
              h("div.mover-reason.muted", {}, m.reason),
            ),
          ),
        );
      }
      parts.push(box);
    }
  }
  return parts;
}
