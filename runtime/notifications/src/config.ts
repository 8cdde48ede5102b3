import { Type } from '@sinclair/typebox';
import { ServiceUrl, serverConfig } from '../../shared/config';
import { kafkaConfig } from '../../shared/kafka';
import { sqlConfig } from '../../shared/sql';

export const NotificationsConfig = Type.Object({
  ...serverConfig(5004),
  ...sqlConfig,
  ...kafkaConfig,
  USERS_URL: ServiceUrl('base URL of the users service'),
  NOTIFY_CHANNEL: Type.Union([Type.Literal('smtp'), Type.Literal('ses'), Type.Literal('log')], { default: 'log' }),
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://', description: 'smtp://host:port, required with NOTIFY_CHANNEL=smtp' })),
  NOTIFY_FROM: Type.String({ default: 'shop@example.com' }),
});
