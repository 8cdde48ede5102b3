import { Type, type Static } from '@sinclair/typebox';
import { ServiceUrl, serverConfig } from '../../shared/config';
import { kafkaConfig } from '../../shared/kafka';

export const GatewayConfig = Type.Object({
  ...serverConfig(5000),
  USERS_URL: ServiceUrl('users service base URL'),
  PRODUCTS_URL: ServiceUrl('products service base URL'),
  ORDERS_URL: ServiceUrl('orders service base URL'),
  NOTIFICATIONS_URL: ServiceUrl('notifications service base URL'),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 1000, description: 'requests per client IP per window' }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60_000 }),
  TRUSTED_PROXIES: Type.Optional(
    Type.String({ description: 'comma-separated addresses or CIDRs of the load balancers in front, e.g. the VPC CIDR; their X-Forwarded-For names the client' }),
  ),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 64 * 1024, description: 'largest accepted request body; an order of 100 lines is about 6 KiB' }),
  /** Without brokers the gateway serves an empty analytics list rather than refusing to start. */
  KAFKA_BROKERS: Type.Optional(kafkaConfig.KAFKA_BROKERS),
  KAFKA_AUTH: kafkaConfig.KAFKA_AUTH,
  AWS_REGION: kafkaConfig.AWS_REGION,
});
export type GatewayConfig = Static<typeof GatewayConfig>;
