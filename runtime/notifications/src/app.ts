import { notificationsApi } from '../../shared/api/notifications';
import { callerIdentity, createServiceApp, requireUser, type ReadinessCheck, type ServiceApp, type ServiceAppOptions } from '../../shared/server';
import { DependencyUnavailableError } from '../../shared/errors';
import { SqlUnavailableError } from '../../shared/sql';
import type { NotificationStore } from './notification-store';

export interface NotificationsAppDeps {
  readonly store: Pick<NotificationStore, 'listByOrder'>;
  /** The database and the consumer's group membership. */
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  readonly logger?: ServiceAppOptions['logger'];
  readonly logLevel?: string;
}

/**
 * A shopper lists the notifications of their own orders only; of anyone else's order they get an empty
 * list, the same as for an order without notifications, so its existence does not leak. Administrators see all.
 */
export function buildApp(deps: NotificationsAppDeps): ServiceApp {
  const app = createServiceApp({ service: 'notifications', readiness: deps.readiness, bodyLimit: 1024, logger: deps.logger, logLevel: deps.logLevel });
  void app.register(callerIdentity);

  app.get('/notifications', { schema: notificationsApi.list }, async (request) => {
    const caller = requireUser(request);
    try {
      return { items: await deps.store.listByOrder(request.query.orderId, caller.admin ? undefined : caller.subject) };
    } catch (error) {
      if (error instanceof SqlUnavailableError) throw new DependencyUnavailableError('notifications database', error);
      throw error;
    }
  });
  return app;
}
