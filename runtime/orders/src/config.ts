import { Type } from '@sinclair/typebox';
import { ServiceUrl, serverConfig } from '../../shared/config';
import { kafkaConfig } from '../../shared/kafka';
import { sqlConfig } from '../../shared/sql';

export const OrdersConfig = Type.Object({
  ...serverConfig(5003),
  ...sqlConfig,
  ...kafkaConfig,
  USERS_URL: ServiceUrl('base URL of the users service'),
  PRODUCTS_URL: ServiceUrl('base URL of the products service'),
});
