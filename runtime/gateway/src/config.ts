import { Type, type Static } from '@sinclair/typebox';
import { ServiceUrl, serverConfig } from '../../shared/config';
import { kafkaConfig } from '../../shared/kafka';

export const GatewayConfig = Type.Object({
  ...serverConfig(5000),
  USERS_URL: ServiceUrl('users service base URL'),
  PRODUCTS_URL: ServiceUrl('products service base URL'),
  ORDERS_URL: ServiceUrl('orders service base URL'),
  NOTIFICATIONS_URL: ServiceUrl('notifications service base URL'),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 1000, description: 'requests per client IP per window, for callers without a token' }),
  RATE_LIMIT_PER_SUBJECT_MAX: Type.Integer({ minimum: 1, default: 1000, description: 'requests per token subject (one signed-in person) per window' }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60_000 }),
  TRUSTED_PROXIES: Type.Optional(
    Type.String({ description: 'comma-separated addresses or CIDRs of the load balancers in front, e.g. the VPC CIDR; their X-Forwarded-For names the client' }),
  ),
  OIDC_ISSUER: Type.String({ pattern: '^https?://', description: 'issuer of the access tokens, compared exactly with their iss, e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>' }),
  OIDC_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'the issuer\'s signing keys; default ${OIDC_ISSUER}/.well-known/jwks.json' })),
  OIDC_AUDIENCE: Type.String({ minLength: 1, description: 'accepted when a token\'s aud contains it or its client_id equals it (Cognito: the app client id)' }),
  OIDC_GROUPS_CLAIM: Type.String({ minLength: 1, default: 'cognito:groups', description: 'claim with the array of the caller\'s groups' }),
  OIDC_ADMIN_GROUP: Type.String({
    minLength: 1,
    default: 'admin',
    description: 'group of administrators; its members reach the services with the role admin (x-caller-roles)',
  }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 64 * 1024, description: 'largest accepted request body; an order of 100 lines is about 6 KiB' }),
  /** Without brokers the gateway serves an empty analytics list rather than refusing to start. */
  KAFKA_BROKERS: Type.Optional(kafkaConfig.KAFKA_BROKERS),
  KAFKA_AUTH: kafkaConfig.KAFKA_AUTH,
  AWS_REGION: kafkaConfig.AWS_REGION,
});
export type GatewayConfig = Static<typeof GatewayConfig>;
