import { Type } from '@sinclair/typebox';
import { loadConfig, serverConfig } from '../../shared/config';
import { createDynamoClient, dynamoConfig } from '../../shared/dynamo';
import { runServer } from '../../shared/server';
import { buildApp } from './app';
import { createProductStore, createStockReservations } from '../../shared/products';

const config = loadConfig(Type.Object({ ...serverConfig(5002), ...dynamoConfig }));
const dynamo = createDynamoClient(config);
const table = { dynamo, tableName: config.PRODUCTS_TABLE };
const app = buildApp({ products: createProductStore(table), reservations: createStockReservations(table), logLevel: config.LOG_LEVEL });
app.addHook('onClose', async () => dynamo.destroy());
await runServer(app, { port: config.PORT, host: config.HOST });
