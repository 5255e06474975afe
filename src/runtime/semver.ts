/**
 * Ordering rulebook version numbers (`MAJOR.MINOR.PATCH`, optionally `-pre` or `+build`), for the
 * registry's version order and minimum versions.
 */

/**
 * Compares two version numbers: negative when `a` comes first. Numeric parts compare as numbers;
 * a pre-release (`1.2.0-rc.1`) comes before its release (`1.2.0`); anything else by code units.
 */
export function compareVersionNumbers(a: string, b: string): number {
  const parse = (v: string): { parts: number[]; pre: string } => {
    const [core = "", pre = ""] = v.split("+")[0]!.split(/-(.*)/s);
    return {
      parts: core
        .split(".")
        .slice(0, 3)
        .map((p) => Number.parseInt(p, 10) || 0),
      pre,
    };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++)
    if ((x.parts[i] ?? 0) !== (y.parts[i] ?? 0)) return (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
  if (x.pre !== y.pre) {
    if (x.pre === "") return 1;
    if (y.pre === "") return -1;
    return x.pre < y.pre ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
