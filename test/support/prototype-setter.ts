/**
 * Runs `body` with a setter named `name` on `Object.prototype` (its getter answers "inherited"), as
 * a polluted realm would have it, and removes it after; returns every value the setter was given.
 * Code that builds its objects with own data properties never calls it.
 */
export function withPrototypeSetter(name: string, body: () => void): unknown[] {
  const set: unknown[] = [];
  Object.defineProperty(Object.prototype, name, {
    set: (v) => set.push(v),
    get: () => "inherited",
    configurable: true,
  });
  try {
    body();
  } finally {
    delete (Object.prototype as Record<string, unknown>)[name];
  }
  return set;
}
