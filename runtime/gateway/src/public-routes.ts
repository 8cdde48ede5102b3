import type { FastifySchema } from 'fastify';
import { withErrorResponses } from '../../shared/http';
import { notificationsApi } from '../../shared/api/notifications';
import { ordersApi } from '../../shared/api/orders';
import { productsApi } from '../../shared/api/products';
import { usersApi } from '../../shared/api/users';

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
  /** For the OpenAPI document; the upstream, not the gateway, validates against it. */
  readonly schema: FastifySchema;
}

/**
 * What the gateway answers on every public route before the route itself runs: its rate limit. The
 * statuses of anything else in front of the routes (authentication) belong here too.
 */
export const EDGE_ERROR_STATUSES: readonly number[] = [429];

/** What the gateway answers on a proxied route when the service behind it is down (503) or too slow (504). */
const PROXY_ERROR_STATUSES: readonly number[] = [503, 504];

const route = (method: PublicRoute['method'], url: PublicRoute['url'], upstream: UpstreamName, timeout: TimeoutClass, schema: FastifySchema): PublicRoute => ({
  method,
  url,
  upstream,
  timeout,
  schema: withErrorResponses(schema, [...EDGE_ERROR_STATUSES, ...PROXY_ERROR_STATUSES]),
});

/** The public API table of DESIGN.md, one entry per route, with the services' own route schemas. */
export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  route('POST', '/api/users', 'users', 'write', usersApi.create),
  route('GET', '/api/users', 'users', 'read', usersApi.list),
  route('GET', '/api/users/:id', 'users', 'read', usersApi.get),
  route('PATCH', '/api/users/:id', 'users', 'write', usersApi.update),
  route('DELETE', '/api/users/:id', 'users', 'write', usersApi.delete),
  route('POST', '/api/products', 'products', 'write', productsApi.create),
  route('GET', '/api/products', 'products', 'read', productsApi.list),
  route('GET', '/api/products/:id', 'products', 'read', productsApi.get),
  route('PATCH', '/api/products/:id', 'products', 'write', productsApi.update),
  route('DELETE', '/api/products/:id', 'products', 'write', productsApi.delete),
  route('POST', '/api/orders', 'orders', 'placeOrder', ordersApi.place),
  route('GET', '/api/orders', 'orders', 'read', ordersApi.list),
  route('GET', '/api/orders/:id', 'orders', 'read', ordersApi.get),
  route('GET', '/api/notifications', 'notifications', 'read', notificationsApi.list),
];
