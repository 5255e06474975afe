/**
 * `h("div.class", { attr }, children)`: the tiny element builder every panel of the studio uses.
 */
export function h(
  spec: string,
  attributes: Record<string, string | boolean | number> = {},
  ...children: (Node | string | undefined | false)[]
): HTMLElement {
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false) continue;
    node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== undefined && child !== false) node.append(child);
  return node;
}
