import { usersApi } from '../../shared/api/users';
import { createServiceApp, type ServiceApp, type ServiceAppOptions } from '../../shared/server';
import type { UsersRepository } from './users-repository';
import { createUsersService } from './users-service';

export interface UsersAppDeps {
  readonly users: UsersRepository;
  readonly logger?: ServiceAppOptions['logger'];
  readonly logLevel?: string;
  /** @default - the system clock */
  readonly now?: () => Date;
}

/** The users service's HTTP API over its repository; never listens (see server.ts). */
export function buildApp({ users, logger, logLevel, now }: UsersAppDeps): ServiceApp {
  const app = createServiceApp({ service: 'users', logger, logLevel, bodyLimit: 16 * 1024, readiness: { database: () => users.ping() } });
  const service = createUsersService({ users, now });

  app.post('/users', { schema: usersApi.create }, async (request, reply) => reply.status(201).send(await service.register(request.body)));
  app.get('/users/:id', { schema: usersApi.get }, async (request) => service.get(request.params.id));
  app.patch('/users/:id', { schema: usersApi.update }, async (request) => service.update(request.params.id, request.body));
  app.delete('/users/:id', { schema: usersApi.delete }, async (request, reply) => {
    await service.remove(request.params.id);
    return reply.status(204).send(null);
  });
  app.get('/users', { schema: usersApi.list }, async (request) => service.list(request.query.limit, request.query.cursor));
  return app;
}
