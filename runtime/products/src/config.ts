import { Type } from '@sinclair/typebox';
import { serverConfig } from '../../shared/config';
import { dynamoConfig } from '../../shared/dynamo';

export const ProductsConfig = Type.Object({
  ...serverConfig(5002),
  ...dynamoConfig,
});
