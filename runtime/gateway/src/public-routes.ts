import type { FastifySchema } from 'fastify';
import { withErrorResponses } from '../../shared/http';
import { notificationsApi } from '../../shared/api/notifications';
import { ordersApi } from '../../shared/api/orders';
import { productsApi } from '../../shared/api/products';
import { usersApi } from '../../shared/api/users';
import type { Access } from './identity/authentication';

export const UPSTREAMS = ['users', 'products', 'orders', 'notifications'] as const;
export type UpstreamName = (typeof UPSTREAMS)[number];

/** Reads answer from one store lookup; writes may touch several; placing an order reserves stock, writes the order and its outbox row. */
export type TimeoutClass = 'read' | 'write' | 'placeOrder';

export interface PublicRoute {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Public path; the upstream path is the same without the `/api` prefix. */
  readonly url: `/api/${string}`;
  readonly upstream: UpstreamName;
  readonly timeout: TimeoutClass;
  readonly access: Access;
  /** For the OpenAPI document; the upstream, not the gateway, validates against it. */
  readonly schema: FastifySchema;
}

/**
 * What the gateway answers on a route before the route itself runs: 401 for a token that is not valid
 * (on any route: a token sent is checked) or missing where one is needed, 403 for a shopper on an
 * administrators' route, and 429 past the rate limit.
 */
export const edgeErrorStatuses = (access: Access): readonly number[] => (access === 'admin' ? [401, 403, 429] : [401, 429]);

/** The OpenAPI security requirement of protected routes: the `bearer` scheme of the document (see openapi.ts). */
export const BEARER_SECURITY = [{ bearer: [] }];

/** A route's schema with what the gateway adds in front of it: its edge statuses and, when protected, its security requirement. */
export const atTheEdge = <Schema extends FastifySchema>(schema: Schema, access: Access, more: readonly number[] = []): Schema =>
  ({
    ...withErrorResponses(schema, [...edgeErrorStatuses(access), ...more]),
    ...(access === 'public' ? {} : { security: BEARER_SECURITY }),
  }) as Schema;

/** What the gateway answers on a proxied route when the service behind it is down (503) or too slow (504). */
const PROXY_ERROR_STATUSES: readonly number[] = [503, 504];

const route = (
  method: PublicRoute['method'],
  url: PublicRoute['url'],
  upstream: UpstreamName,
  timeout: TimeoutClass,
  access: Access,
  schema: FastifySchema,
): PublicRoute => ({ method, url, upstream, timeout, access, schema: atTheEdge(schema, access, PROXY_ERROR_STATUSES) });

/**
 * The public API table of DESIGN.md, one entry per route, with who may call it and the services' own
 * route schemas. `authenticated` routes act on the caller's own data; the service checks whose it is.
 */
export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  route('POST', '/api/users', 'users', 'write', 'authenticated', usersApi.create),
  route('GET', '/api/users', 'users', 'read', 'admin', usersApi.list),
  route('GET', '/api/users/:id', 'users', 'read', 'authenticated', usersApi.get),
  route('PATCH', '/api/users/:id', 'users', 'write', 'authenticated', usersApi.update),
  route('DELETE', '/api/users/:id', 'users', 'write', 'authenticated', usersApi.delete),
  route('POST', '/api/products', 'products', 'write', 'admin', productsApi.create),
  route('GET', '/api/products', 'products', 'read', 'public', productsApi.list),
  route('GET', '/api/products/:id', 'products', 'read', 'public', productsApi.get),
  route('PATCH', '/api/products/:id', 'products', 'write', 'admin', productsApi.update),
  route('DELETE', '/api/products/:id', 'products', 'write', 'admin', productsApi.delete),
  route('POST', '/api/orders', 'orders', 'placeOrder', 'authenticated', ordersApi.place),
  route('GET', '/api/orders', 'orders', 'read', 'authenticated', ordersApi.list),
  route('GET', '/api/orders/:id', 'orders', 'read', 'authenticated', ordersApi.get),
  route('GET', '/api/notifications', 'notifications', 'read', 'authenticated', notificationsApi.list),
];
