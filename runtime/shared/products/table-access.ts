import { BatchGetCommand, GetCommand, TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../errors';

/** Errors that mean "the table is overloaded or unreachable right now", not "the request is wrong". */
const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'ResourceNotFoundException',
  'TimeoutError',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

export function isUnavailable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $fault?: string; cause?: { code?: string } };
  return UNAVAILABLE.has(e.name ?? '') || e.$fault === 'server' || NETWORK_CODES.has(e.code ?? '') || NETWORK_CODES.has(e.cause?.code ?? '');
}

/** Runs a table call, turning throttling and outages into a 503 the caller may retry. */
export async function inTable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUnavailable(error)) throw new DependencyUnavailableError('products table', error);
    throw error;
  }
}

export const isConditionFailure = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** Why each action of a cancelled transaction failed, in request order: `None`, `ConditionalCheckFailed`, `TransactionConflict`, ... */
export type TransactionOutcome = { committed: true } | { committed: false; reasons: string[] };

/**
 * One TransactWriteItems. A cancellation is an expected outcome (a condition did not hold, or another
 * transaction touched the same item), so it comes back as a value with the reason per action.
 */
export async function transactWrite(dynamo: DynamoDBDocumentClient, input: TransactWriteCommandInput): Promise<TransactionOutcome> {
  try {
    await inTable(() => dynamo.send(new TransactWriteCommand(input)));
    return { committed: true };
  } catch (error) {
    const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
    if (e.name !== 'TransactionCanceledException') throw error;
    const reasons = (e.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
    // Throttled inside the transaction: the same as being throttled outside it.
    if (reasons.some((code) => code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded')) {
      throw new DependencyUnavailableError('products table', error);
    }
    return { committed: false, reasons };
  }
}

/** Jittered exponential pause between attempts of a contended transaction. */
export const backOff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 6)));

/**
 * `SET` for the fields with a value and `REMOVE` for those present as `undefined` (an optional field
 * cleared), with `#name` placeholders because some attribute names (`name`) are DynamoDB reserved words.
 */
export function updateExpression(fields: Record<string, unknown>): { expression: string; names: Record<string, string>; values: Record<string, unknown> } {
  const entries = Object.entries(fields);
  const set = entries.filter(([, value]) => value !== undefined);
  const removed = entries.filter(([, value]) => value === undefined).map(([field]) => field);
  return {
    expression: [`SET ${set.map(([field]) => `#${field} = :${field}`).join(', ')}`, ...(removed.length ? [`REMOVE ${removed.map((field) => `#${field}`).join(', ')}`] : [])].join(' '),
    names: Object.fromEntries(entries.map(([field]) => [`#${field}`, field])),
    values: Object.fromEntries(set.map(([field, value]) => [`:${field}`, value])),
  };
}

/** What the products store and the stock reservations work on: the shared products table. */
export interface ProductsTableDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  /** @default - the system clock */
  readonly now?: () => Date;
}

/** The item stored under `id`, strongly consistent, or undefined; like getItems, the caller checks its `entity`. */
export async function getItem<Item extends { id: string }>(dynamo: DynamoDBDocumentClient, tableName: string, id: string): Promise<Item | undefined> {
  const { Item } = await inTable(() => dynamo.send(new GetCommand({ TableName: tableName, Key: { id }, ConsistentRead: true })));
  return Item as Item | undefined;
}

/** BatchGetItem's limit of keys per request. */
const BATCH_GET_LIMIT = 100;

/** Items by `id`, strongly consistent, in batches; keys DynamoDB leaves unprocessed are asked again. */
export async function getItems<Item extends { id: string }>(dynamo: DynamoDBDocumentClient, tableName: string, ids: readonly string[]): Promise<Map<string, Item>> {
  const unique = [...new Set(ids)];
  const found = new Map<string, Item>();
  for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
    for (const [id, item] of await getBatch<Item>(dynamo, tableName, unique.slice(start, start + BATCH_GET_LIMIT))) found.set(id, item);
  }
  return found;
}

async function getBatch<Item extends { id: string }>(dynamo: DynamoDBDocumentClient, tableName: string, ids: readonly string[]): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  let keys: Record<string, unknown>[] = ids.map((id) => ({ id }));
  for (let attempt = 0; keys.length > 0; attempt++) {
    if (attempt > 0) await backOff(attempt);
    const output = await inTable(() => dynamo.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } })));
    for (const item of output.Responses?.[tableName] ?? []) found.set(String(item.id), item as Item);
    keys = output.UnprocessedKeys?.[tableName]?.Keys ?? [];
    if (attempt > 8 && keys.length > 0) throw new DependencyUnavailableError('products table');
  }
  return found;
}
