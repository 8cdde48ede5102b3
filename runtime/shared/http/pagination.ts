import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValidationError } from '../errors';
import '../events/formats';

const OPAQUE =
  'Opaque: pass back the `nextCursor` of the previous page unchanged. Its content is not part of the API and may change; ' +
  'a cursor this API did not return is a 400.';

export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Largest number of items on the page' }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: `Where the page starts; absent for the first page. ${OPAQUE}` })),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: `The cursor of the next page; always present, null on the last page. ${OPAQUE}`,
    }),
  });

/**
 * Where a page in (createdAt, id) order ended, as a cursor carries it: the instant exactly as this API
 * writes it (UTC, milliseconds) and a UUID. Anything else would reach the database as a value it
 * cannot compare, so a decoded cursor is held to it.
 */
export const CreatedAtPosition = Type.Object(
  {
    createdAt: Type.String({ format: 'date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$' }),
    id: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }),
  },
  { additionalProperties: false },
);
export type CreatedAtPosition = Static<typeof CreatedAtPosition>;

/** Cursors are opaque to clients: base64url JSON of the position the next page starts after. */
export function encodeCursor(position: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor<T extends Record<string, unknown>>(cursor: string, schema: TSchema): T {
  try {
    const position: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Value.Check(schema, position)) return position as T;
  } catch {
    // fall through to the same error as a well-formed but foreign cursor
  }
  throw new ValidationError('cursor is not one this API returned; start again without a cursor');
}
