import type { AddressInfo } from 'node:net';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildApp as buildGateway, type GatewayDeps } from '../../../runtime/gateway/src/app';
import { buildApp as buildNotifications } from '../../../runtime/notifications/src/app';
import { createNotificationStore } from '../../../runtime/notifications/src/notification-store';
import { buildApp as buildOrders } from '../../../runtime/orders/src/app';
import { createProductsClient } from '../../../runtime/orders/src/clients/products-client';
import { createOrderService } from '../../../runtime/orders/src/order-service';
import { createOrderStore } from '../../../runtime/orders/src/order-store';
import { buildApp as buildProducts } from '../../../runtime/products/src/app';
import { buildApp as buildUsers } from '../../../runtime/users/src/app';
import { createUsersRepository } from '../../../runtime/users/src/users-repository';
import { createUsersClient } from '../../../runtime/shared/clients/users-client';
import { createServiceClient } from '../../../runtime/shared/http';
import { createProductStore, createStockReservations } from '../../../runtime/shared/products';
import type { ServiceApp } from '../../../runtime/shared/server';
import { SqlUnavailableError, type ExecuteResult, type SqlClient, type SqlParams } from '../../../runtime/shared/sql';
import { createTestIssuer, type TestIssuer } from './test-issuer';

/** Loopback failures the drivers report when a backend is down, as the services classify them. */
const unreachable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
const pause = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

/**
 * A relational database that holds nothing unless a test says what a statement returns: queries
 * answer `rows(statement)`, writes affect `affectedRows` rows or fail with `writeError`.
 */
export class ScriptedDatabase implements SqlClient {
  down = false;
  delayMs = 0;
  rows: (statement: string, params?: SqlParams) => object[] = () => [];
  affectedRows = 0;
  writeError: Error | undefined;

  async query<Row extends object>(statement: string, params?: SqlParams): Promise<Row[]> {
    await this.reach();
    return this.rows(statement, params) as Row[];
  }

  async execute(): Promise<ExecuteResult> {
    await this.reach();
    if (this.writeError) throw this.writeError;
    return { affectedRows: this.affectedRows };
  }

  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    return work(this);
  }

  ping = () => this.reach();
  close = async () => undefined;

  private async reach(): Promise<void> {
    await pause(this.delayMs);
    if (this.down) throw new SqlUnavailableError('database unreachable (ECONNREFUSED)', { cause: unreachable() });
  }
}

/**
 * The products table as a DynamoDB document client: items by id, every transaction committed unless
 * `cancellationReasons` says why DynamoDB would cancel it.
 */
export class ScriptedTable {
  down = false;
  delayMs = 0;
  readonly items = new Map<string, Record<string, unknown>>();
  cancellationReasons: string[] | undefined;

  readonly client = { send: (command: object) => this.send(command) } as unknown as DynamoDBDocumentClient;

  private async send(command: object): Promise<unknown> {
    await pause(this.delayMs);
    if (this.down) throw unreachable();
    const input = (command as { input: Record<string, any> }).input;
    switch (command.constructor.name) {
      case 'GetCommand':
        return { Item: this.items.get(input.Key.id) };
      case 'BatchGetCommand': {
        const [table, { Keys }] = Object.entries<{ Keys: { id: string }[] }>(input.RequestItems)[0]!;
        return { Responses: { [table]: Keys.flatMap(({ id }) => this.items.get(id) ?? []) } };
      }
      case 'QueryCommand':
        return { Items: [...this.items.values()].filter((item) => item.entity === 'product') };
      case 'UpdateCommand':
        return { Attributes: { ...this.items.get(input.Key.id), ...Object.fromEntries(Object.entries(input.ExpressionAttributeValues ?? {})) } };
      case 'TransactWriteCommand':
        if (this.cancellationReasons) {
          throw Object.assign(new Error('Transaction cancelled'), {
            name: 'TransactionCanceledException',
            CancellationReasons: this.cancellationReasons.map((Code) => ({ Code })),
          });
        }
        return {};
      default:
        return {};
    }
  }
}

export interface ShopBehindGateway {
  readonly usersDb: ScriptedDatabase;
  readonly ordersDb: ScriptedDatabase;
  readonly notificationsDb: ScriptedDatabase;
  readonly productsTable: ScriptedTable;
  /** The four services, each listening on a loopback port; orders calls users and products directly. */
  readonly services: { readonly users: ServiceApp; readonly products: ServiceApp; readonly orders: ServiceApp; readonly notifications: ServiceApp };
  readonly upstreamUrls: GatewayDeps['upstreamUrls'];
  /** The identity provider whose tokens the gateways accept. */
  readonly issuer: TestIssuer;
  /** A gateway (not listening: drive it with `inject`) in front of the services; close it when done. */
  gateway(overrides?: Partial<GatewayDeps>): ServiceApp;
  /** Every backend up, fast and empty again. */
  reset(): void;
  close(): Promise<void>;
}

async function listen(app: ServiceApp): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/**
 * The real users, products, orders and notifications apps over scripted backends, behind a real
 * gateway: what a client of the public API meets, with every store a test can empty, fill, slow
 * down or take away.
 */
export async function startShopBehindGateway(): Promise<ShopBehindGateway> {
  const usersDb = new ScriptedDatabase();
  const ordersDb = new ScriptedDatabase();
  const notificationsDb = new ScriptedDatabase();
  const productsTable = new ScriptedTable();
  const table = { dynamo: productsTable.client, tableName: 'products' };

  const users = buildUsers({ users: createUsersRepository(usersDb), logger: false });
  const products = buildProducts({ products: createProductStore(table), reservations: createStockReservations(table), logger: false });
  const usersUrl = await listen(users);
  const productsUrl = await listen(products);
  const usersHttp = createServiceClient({ caller: 'orders', name: 'users', baseUrl: usersUrl });
  const productsHttp = createServiceClient({ caller: 'orders', name: 'products', baseUrl: productsUrl });
  const quiet = { error: () => undefined, warn: () => undefined };
  const orderService = createOrderService({
    users: createUsersClient(usersHttp),
    products: createProductsClient(productsHttp),
    store: createOrderStore(ordersDb),
    log: quiet,
    releaseRetryDelaysMs: [],
  });
  const orders = buildOrders({ orderService, readiness: {}, logger: false });
  orders.addHook('onClose', async () => {
    await orderService.settle();
    await Promise.all([usersHttp.close(), productsHttp.close()]);
  });
  const notifications = buildNotifications({ store: createNotificationStore(notificationsDb), readiness: {}, logger: false });
  const upstreamUrls = { users: usersUrl, products: productsUrl, orders: await listen(orders), notifications: await listen(notifications) };

  const issuer = await createTestIssuer();
  const gateways = new Set<ServiceApp>();
  return {
    issuer,
    usersDb,
    ordersDb,
    notificationsDb,
    productsTable,
    services: { users, products, orders, notifications },
    upstreamUrls,
    gateway(overrides = {}) {
      const gateway = buildGateway({ upstreamUrls, accessTokens: issuer.verifier, rateLimit: { max: 100_000, timeWindowMs: 60_000 }, logger: false, ...overrides });
      gateways.add(gateway);
      gateway.addHook('onClose', async () => void gateways.delete(gateway));
      return gateway;
    },
    reset() {
      for (const db of [usersDb, ordersDb, notificationsDb]) {
        db.down = false;
        db.delayMs = 0;
        db.rows = () => [];
        db.affectedRows = 0;
        db.writeError = undefined;
      }
      productsTable.down = false;
      productsTable.delayMs = 0;
      productsTable.items.clear();
      productsTable.cancellationReasons = undefined;
    },
    async close() {
      await Promise.all([...gateways].map((gateway) => gateway.close()));
      // Orders first: its shutdown may still release stock through products.
      await orders.close();
      await Promise.all([users.close(), products.close(), notifications.close()]);
    },
  };
}
