import type { FastifyRequest } from 'fastify';
import { usersApi } from '../../shared/api/users';
import { NotFoundError } from '../../shared/errors';
import { callerIdentity, createServiceApp, isOwnerOrAdmin, requireAdmin, requireUser, type ServiceApp, type ServiceAppOptions } from '../../shared/server';
import type { UsersRepository } from './users-repository';
import { createUsersService } from './users-service';

export interface UsersAppDeps {
  readonly users: UsersRepository;
  readonly logger?: ServiceAppOptions['logger'];
  readonly logLevel?: string;
  /** @default - the system clock */
  readonly now?: () => Date;
}

/**
 * The profile `id` as the caller may see it: a person their own (an administrator any), and with
 * `services` the services that look up a contact (orders, notifications). Anyone else's is a 404,
 * so a profile's existence does not leak.
 */
function requireAccessTo(request: FastifyRequest, id: string, services: 'services may read' | 'people only' = 'people only'): void {
  if (request.caller?.kind === 'service' && services === 'services may read') return;
  const caller = requireUser(request);
  if (!isOwnerOrAdmin(caller, id.toLowerCase())) throw new NotFoundError('user', id);
}

/**
 * The users service's HTTP API over its repository; never listens (see server.ts). A profile belongs
 * to an account of the identity provider: its id is the account's subject.
 */
export function buildApp({ users, logger, logLevel, now }: UsersAppDeps): ServiceApp {
  const app = createServiceApp({ service: 'users', logger, logLevel, bodyLimit: 16 * 1024, readiness: { database: () => users.ping() } });
  void app.register(callerIdentity);
  const service = createUsersService({ users, now });

  app.post('/users', { schema: usersApi.create }, async (request, reply) =>
    reply.status(201).send(await service.register(requireUser(request).subject, request.body)),
  );
  app.get('/users/:id', { schema: usersApi.get }, async (request) => {
    requireAccessTo(request, request.params.id, 'services may read');
    return service.get(request.params.id);
  });
  app.patch('/users/:id', { schema: usersApi.update }, async (request) => {
    requireAccessTo(request, request.params.id);
    return service.update(request.params.id, request.body);
  });
  app.delete('/users/:id', { schema: usersApi.delete }, async (request, reply) => {
    requireAccessTo(request, request.params.id);
    await service.remove(request.params.id);
    return reply.status(204).send(null);
  });
  app.get('/users', { schema: usersApi.list }, async (request) => {
    requireAdmin(request);
    return service.list(request.query.limit, request.query.cursor);
  });
  return app;
}
