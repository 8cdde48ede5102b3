import type { FastifySchema } from 'fastify';
import { errorResponses } from '../../shared/http';
import { productsApi } from '../../shared/api/products';
import { usersApi } from '../../shared/api/users';
import { ListOrdersQuery, Order, OrderPage, OrderParams, PlaceOrderBody, PlaceOrderHeaders } from '../../shared/api/orders';
import { NotificationList, NotificationsQuery } from '../../shared/api/notifications';

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

/** What the gateway itself may answer on any proxied route, on top of the upstream's own answers. */
const gatewayErrors = errorResponses(429, 503, 504);

const route = (method: PublicRoute['method'], url: PublicRoute['url'], upstream: UpstreamName, timeout: TimeoutClass, schema: FastifySchema): PublicRoute => ({
  method,
  url,
  upstream,
  timeout,
  schema: { ...schema, response: { ...gatewayErrors, ...(schema.response as object) } },
});

/** The public API table of DESIGN.md, one entry per route. */
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
  route('POST', '/api/orders', 'orders', 'placeOrder', {
    tags: ['orders'],
    summary: 'Place an order: reserves stock for every line, or for none',
    description: 'A retry with the same `Idempotency-Key` and body answers the first result instead of placing a second order.',
    headers: PlaceOrderHeaders,
    body: PlaceOrderBody,
    response: { 201: Order, ...errorResponses(400, 404, 409, 413, 415) },
  }),
  route('GET', '/api/orders', 'orders', 'read', {
    tags: ['orders'],
    summary: 'List orders, optionally of one user, one page at a time',
    querystring: ListOrdersQuery,
    response: { 200: OrderPage, ...errorResponses(400) },
  }),
  route('GET', '/api/orders/:id', 'orders', 'read', {
    tags: ['orders'],
    summary: 'Read an order',
    params: OrderParams,
    response: { 200: Order, ...errorResponses(404) },
  }),
  route('GET', '/api/notifications', 'notifications', 'read', {
    tags: ['notifications'],
    summary: 'List the notifications sent for an order',
    querystring: NotificationsQuery,
    response: { 200: NotificationList, ...errorResponses(400) },
  }),
];
