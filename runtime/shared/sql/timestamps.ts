/** `2026-01-15T10:00:05.123Z` -> `2026-01-15 10:00:05.123`, the literal both MariaDB and Aurora accept for DATETIME(3). */
export const toSqlTimestamp = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '');

/** A DATETIME column as both drivers return it (`2026-01-15 10:00:05.123`, UTC) -> ISO-8601 UTC. */
export const fromSqlTimestamp = (value: string) => new Date(`${value.replace(' ', 'T')}Z`).toISOString();
