import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError, UnauthenticatedError } from '../errors';

/**
 * Who sent a request, as the gateway (for people) or a calling service says in headers that clients
 * cannot set: the gateway builds its upstream headers from scratch, and network policies let only the
 * gateway and the calling services reach a service.
 */
export type Caller =
  | { readonly kind: 'user'; readonly subject: string; readonly admin: boolean }
  | { readonly kind: 'service'; readonly name: string };
export type UserCaller = Extract<Caller, { kind: 'user' }>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Undefined when neither the gateway nor a service vouched for the caller. */
    caller: Caller | undefined;
  }
}

/** The identity headers; see docs/architecture.md, "Identity and access". */
export const CALLER_HEADERS = { subject: 'x-caller-subject', roles: 'x-caller-roles', service: 'x-caller-service' } as const;

/**
 * The platform's one role, in `x-caller-roles`. The gateway derives it from the identity provider's
 * groups (OIDC_ADMIN_GROUP), so the services never depend on how the provider names its groups.
 */
export const ADMIN_ROLE = 'admin';

const single = (value: string | string[] | undefined): string | undefined => {
  const text = Array.isArray(value) ? undefined : value?.trim();
  return text ? text : undefined;
};

/** The caller named by the identity headers. A service wins over a user subject it forwards: it acts with its own rights. */
export function callerFrom(headers: FastifyRequest['headers']): Caller | undefined {
  const service = single(headers[CALLER_HEADERS.service]);
  if (service !== undefined) return { kind: 'service', name: service };
  const subject = single(headers[CALLER_HEADERS.subject]);
  if (subject === undefined) return undefined;
  const roles = (single(headers[CALLER_HEADERS.roles]) ?? '').split(',').map((role) => role.trim());
  return { kind: 'user', subject, admin: roles.includes(ADMIN_ROLE) };
}

/** Decorates every request with `request.caller`, read from the identity headers. */
export const callerIdentity = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('caller', undefined);
    app.addHook('onRequest', (request, _reply, done) => {
      request.caller = callerFrom(request.headers);
      done();
    });
  },
  { name: 'caller-identity' },
);

/** The person calling: 401 without one, 403 for a service (service routes say so with `requireService`). */
export function requireUser(request: FastifyRequest): UserCaller {
  const { caller } = request;
  if (caller === undefined) throw new UnauthenticatedError();
  if (caller.kind !== 'user') throw new ForbiddenError(`service ${caller.name} may not call ${request.method} ${request.routeOptions.url}`);
  return caller;
}

/** An administrator: 401 without a caller, 403 for anyone else. */
export function requireAdmin(request: FastifyRequest): UserCaller {
  const caller = requireUser(request);
  if (!caller.admin) throw new ForbiddenError(`${request.method} ${request.routeOptions.url} is for administrators`);
  return caller;
}

/** One of the named services: 401 without a caller, 403 for anyone else. */
export function requireService(request: FastifyRequest, ...names: readonly string[]): void {
  const { caller } = request;
  if (caller === undefined) throw new UnauthenticatedError();
  if (caller.kind !== 'service' || !names.includes(caller.name)) {
    throw new ForbiddenError(`${request.method} ${request.routeOptions.url} is internal to the ${names.join(' and ')} service`);
  }
}

/** Whether `caller` may act on what `ownerId` owns. */
export const isOwnerOrAdmin = (caller: UserCaller, ownerId: string): boolean => caller.admin || caller.subject === ownerId;
