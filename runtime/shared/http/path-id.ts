import { Type } from '@sinclair/typebox';

/** Longest id a path may carry: ids of this API are UUIDs, and every store caps its keys at 64 characters. */
export const MAX_PATH_ID_LENGTH = 64;

/**
 * `{ id }` path parameters. Any string up to the cap: one that names nothing is a 404 like any unknown
 * id, a longer one cannot be an id at all and is a 400 (createServiceApp lets it reach validation).
 */
export const IdParams = (description: string) =>
  Type.Object({ id: Type.String({ minLength: 1, maxLength: MAX_PATH_ID_LENGTH, description }) }, { additionalProperties: false });
