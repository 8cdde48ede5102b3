import type { Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyBaseLogger } from 'fastify';
import { platformContract } from '../../../contracts/platform';
import { createUsersClient } from '../../shared/clients/users-client';
import { ConfigError } from '../../shared/config';
import { ORDERS_TOPIC, OrderEvent } from '../../shared/events';
import { createServiceClient } from '../../shared/http/service-client';
import { createEventConsumer, createEventPublisher, createKafka } from '../../shared/kafka';
import { createServiceLogger, registerMetricsOf, type ServiceApp } from '../../shared/server';
import { createSqlClient, createSqlMetrics } from '../../shared/sql';
import { buildApp } from './app';
import { createLogChannel, createSesChannel, createSmtpChannel, type NotificationChannel } from './channels';
import type { NotificationsConfig } from './config';
import { createNotificationStore } from './notification-store';
import { createOrderConfirmations } from './order-confirmations';

const { notifications: notificationsGroup } = platformContract.consumerGroups;
export const NOTIFICATIONS_GROUP = notificationsGroup.id;
export const ORDERS_DEAD_LETTER_TOPIC = notificationsGroup.deadLetterTopic;

type Config = Static<typeof NotificationsConfig>;

function createChannel(config: Config, log: FastifyBaseLogger): NotificationChannel {
  switch (config.NOTIFY_CHANNEL) {
    case 'smtp':
      if (!config.SMTP_URL) throw new ConfigError(['SMTP_URL is required when NOTIFY_CHANNEL=smtp']);
      return createSmtpChannel({ url: config.SMTP_URL, from: config.NOTIFY_FROM });
    case 'ses':
      return createSesChannel({ from: config.NOTIFY_FROM });
    case 'log':
      return createLogChannel(log);
  }
}

/**
 * The notifications service wired to its backends: the app, with the `orders` consumer started when
 * the app is ready and, on close, the consumer leaving its group (after committing the message in
 * hand) before the clients close. server.ts listens on it; integration tests run it in-process.
 */
export function createNotificationsRuntime(config: Config): ServiceApp {
  // Beside the app's request logger, the same JSON lines for work outside requests (Kafka, background loops).
  const log = createServiceLogger('notifications', config.LOG_LEVEL);

  const sqlMetrics = createSqlMetrics();
  const sql = createSqlClient(config, sqlMetrics);
  const usersHttp = createServiceClient({ caller: 'notifications', name: 'users', baseUrl: config.USERS_URL });
  const channel = createChannel(config, log);
  const store = createNotificationStore(sql);
  const kafka = createKafka({ clientId: 'notifications', env: config, logger: log });
  const deadLetters = createEventPublisher(kafka);
  const confirmations = createOrderConfirmations({ users: createUsersClient(usersHttp), channel, store, log });
  const consumer = createEventConsumer({
    kafka,
    groupId: NOTIFICATIONS_GROUP,
    topic: ORDERS_TOPIC,
    deadLetterTopic: ORDERS_DEAD_LETTER_TOPIC,
    check: TypeCompiler.Compile(OrderEvent),
    handle: confirmations.handle,
    deadLetters,
    log,
  });

  const app = buildApp({
    store,
    readiness: {
      database: () => sql.ping(),
      consumer: async () => {
        if (!consumer.isJoined()) throw new Error(`not a member of consumer group ${NOTIFICATIONS_GROUP}`);
      },
    },
    logLevel: config.LOG_LEVEL,
  });
  registerMetricsOf(app, confirmations, consumer, deadLetters, sqlMetrics);
  // Not awaited: the consumer keeps trying to join while Kafka is away, and readiness reports it.
  app.addHook('onReady', async () => {
    void consumer.start();
  });
  app.addHook('onClose', async () => {
    await consumer.stop();
    await deadLetters.close();
    await channel.close();
    await usersHttp.close();
    await sql.close();
  });
  return app;
}
