import { Type, type Static } from '@sinclair/typebox';
import type { FastifySchema } from 'fastify';

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

/** What an error status means anywhere in this API; the OpenAPI document shows it as the answer's description. */
const MEANING: Readonly<Record<number, string>> = {
  400: 'The request is invalid: VALIDATION_FAILED (details name each field), MALFORMED_JSON, or a rule of this operation',
  401: 'UNAUTHENTICATED: no access token, or one that is not valid (expired, forged, for another audience); WWW-Authenticate says which',
  403: 'FORBIDDEN: the access token is valid but its holder may not do this',
  404: 'What the path or the body names does not exist; the code says what, e.g. USER_NOT_FOUND',
  409: 'The request conflicts with the current state; the code says how',
  413: 'PAYLOAD_TOO_LARGE: the body is larger than this operation accepts',
  415: 'UNSUPPORTED_MEDIA_TYPE: the body must be application/json',
  422: 'The request is well-formed but cannot be applied as sent; the code says why',
  429: 'RATE_LIMITED: too many requests from this client; Retry-After says when to try again',
  503: 'DEPENDENCY_UNAVAILABLE: a service or store this operation needs is down (details name it); retry later',
  504: 'UPSTREAM_TIMEOUT: the service behind this operation did not answer in time; a write may or may not have happened',
};

const errorAnswer = (status: number) => Type.Object(ErrorBody.properties, { title: 'ErrorBody', description: MEANING[status] ?? 'Error' });

/** Response schemas for the listed error statuses, to spread into a route's `response`. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, errorAnswer(status)])) as Record<number, ReturnType<typeof errorAnswer>>;

/** The methods whose request body is read. DELETE carries none in this API (see createServiceApp). */
const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The error statuses the shared server answers on its own for a route, derived from what the route
 * accepts: 400 when it validates a part of the request or reads a body (VALIDATION_FAILED,
 * MALFORMED_JSON), 413 and 415 when it reads a body. Routes declare only the statuses of their domain.
 */
export function inputErrorStatuses(method: string | readonly string[], schema: FastifySchema): number[] {
  const readsBody = (typeof method === 'string' ? [method] : method).some((m) => BODY_METHODS.has(m.toUpperCase()));
  const validates = [schema.params, schema.querystring, schema.headers, schema.body].some((part) => part !== undefined);
  return [...(readsBody || validates ? [400] : []), ...(readsBody ? [413, 415] : [])];
}

/** `schema` with the shared error shape documented for `statuses`; answers the route declares itself are kept. */
export function withErrorResponses(schema: FastifySchema, statuses: readonly number[]): FastifySchema {
  if (statuses.length === 0) return schema;
  return { ...schema, response: { ...errorResponses(...statuses), ...(schema.response as object | undefined) } };
}
