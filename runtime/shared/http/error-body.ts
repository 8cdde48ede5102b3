import { Type, type Static } from '@sinclair/typebox';

/** The one error shape every service answers with: `{ "error": { "code", "message", "details"? } }`. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. USER_NOT_FOUND' }),
      message: Type.String({ description: 'What went wrong and, where possible, what to do about it' }),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorBody', title: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** Response schemas for the listed error statuses, to spread into a route's `response`. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ErrorBody])) as Record<number, typeof ErrorBody>;
