/**
 * Named placeholders for an `IN (...)` list, since neither driver binds arrays:
 * `namedList('id', [4, 7])` -> `{ sql: ':id0, :id1', params: { id0: 4, id1: 7 } }`.
 */
export function namedList<T extends string | number>(prefix: string, values: readonly T[]): { sql: string; params: Record<string, T> } {
  const params = Object.fromEntries(values.map((value, i) => [`${prefix}${i}`, value]));
  return { sql: Object.keys(params).map((name) => `:${name}`).join(', '), params };
}
