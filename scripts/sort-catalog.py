"""Sorts the entries of src/semantics/catalog.ts by code, keeping section headers (run after merges)."""
import re, sys
p = sys.argv[1] if len(sys.argv) > 1 else "src/semantics/catalog.ts"
s = open(p).read()
start = s.index("export const messages = {") + len("export const messages = {\n")
end = s.index("} as const satisfies")
body = s[start:end]
headers = {}
entries = []
pending = []
current = None
for line in body.split("\n"):
    m = re.match(r"^  // ---- (MB\d+)x+: ", line)
    if m:
        headers[m.group(1)] = line
        continue
    if line.strip() == "":
        continue
    starts = re.match(r"^  (/\*\*|\w+: (error|warning)\()", line)
    if starts and (line.startswith("  /**") or current is None or current["closed"]):
        if line.startswith("  /**"):
            pending.append(line)
            continue
        current = {"lines": pending + [line], "closed": False}
        pending = []
        entries.append(current)
    elif starts:
        current = {"lines": pending + [line], "closed": False}
        pending = []
        entries.append(current)
    else:
        current["lines"].append(line)
    text = "\n".join(current["lines"]) if current else ""
    if current and text.rstrip().endswith("),"):
        current["closed"] = True
for e in entries:
    code = re.search(r'"(MB\d{4})"', "\n".join(e["lines"]))
    e["code"] = code.group(1)
entries.sort(key=lambda e: e["code"])
out = []
prefixes = sorted(headers, key=len, reverse=True)
last = None
for e in entries:
    prefix = next(p for p in prefixes if e["code"].startswith(p))
    if prefix != last:
        if last is not None:
            out.append("")
        out.append(headers[prefix])
        last = prefix
    out.extend(e["lines"])
s = s[:start] + "\n".join(out) + "\n" + s[end:]
open(p, "w").write(s)
