import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SpanKind } from '@opentelemetry/api';
import { ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME, ATTR_RPC_METHOD } from '@opentelemetry/semantic-conventions';
import { Counter, Histogram, type Registry } from 'prom-client';
import { ATTR_AWS_DYNAMODB_TABLE_NAMES, ATTR_RPC_SERVICE, ATTR_RPC_SYSTEM } from '../telemetry/attributes';
import { inSpan } from '../telemetry/spans';

export type DynamoOutcome = 'ok' | 'error' | 'throttled';

const THROTTLED = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded']);
const THROTTLED_IN_TRANSACTION = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

interface DynamoError {
  name?: string;
  CancellationReasons?: { Code?: string }[];
}

/**
 * A refused condition (ConditionalCheckFailed, a transaction cancelled by one) is DynamoDB answering
 * the question the request asked, e.g. "is there stock?": `ok`. Throttling, also inside a transaction, is `throttled`.
 */
export function dynamoOutcomeOf(error: unknown): DynamoOutcome {
  const { name = '', CancellationReasons: reasons = [] } = error as DynamoError;
  if (THROTTLED.has(name)) return 'throttled';
  if (name === 'TransactionCanceledException') return reasons.some((reason) => THROTTLED_IN_TRANSACTION.has(reason.Code ?? '')) ? 'throttled' : 'ok';
  return name === 'ConditionalCheckFailedException' ? 'ok' : 'error';
}

/** dynamodb_request_duration_seconds and dynamodb_throttled_requests_total, for the service's registry. */
export function createDynamoMetrics() {
  const duration = new Histogram({
    name: 'dynamodb_request_duration_seconds',
    help: 'Time of a DynamoDB call, its SDK retries included; a refused condition counts as ok',
    labelNames: ['operation', 'outcome'],
    buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [],
  });
  const throttled = new Counter({ name: 'dynamodb_throttled_requests_total', help: 'DynamoDB calls that failed throttled', labelNames: ['operation'], registers: [] });
  return {
    observe(operation: string, outcome: DynamoOutcome, seconds: number): void {
      duration.observe({ operation, outcome }, seconds);
      if (outcome === 'throttled') throttled.inc({ operation });
    },
    registerMetrics(registry: Registry): void {
      registry.registerMetric(duration);
      registry.registerMetric(throttled);
    },
  };
}
export type DynamoMetrics = ReturnType<typeof createDynamoMetrics>;

/** Tables a request names, for `aws.dynamodb.table_names`. */
function tablesOf(input: { TableName?: string; RequestItems?: object; TransactItems?: Record<string, { TableName?: string }>[] }): string[] {
  const names = new Set<string>();
  if (input.TableName) names.add(input.TableName);
  for (const name of Object.keys(input.RequestItems ?? {})) names.add(name);
  for (const item of input.TransactItems ?? []) for (const action of Object.values(item)) if (action.TableName) names.add(action.TableName);
  return [...names];
}

/**
 * A CLIENT span (inside a trace) and the latency of every call the client makes, as one middleware at the start of the
 * SDK's stack: one logical call, its retries inside, whatever command or document-client wrapper sent it.
 */
export function instrumentDynamo(client: DynamoDBClient, metrics?: DynamoMetrics): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const started = performance.now();
      let outcome: DynamoOutcome = 'ok';
      try {
        return await inSpan(
          `DynamoDB.${operation}`,
          {
            kind: SpanKind.CLIENT,
            requireParent: true,
            attributes: {
              [ATTR_DB_SYSTEM_NAME]: 'aws.dynamodb',
              [ATTR_DB_OPERATION_NAME]: operation,
              [ATTR_RPC_SYSTEM]: 'aws-api',
              [ATTR_RPC_SERVICE]: 'DynamoDB',
              [ATTR_RPC_METHOD]: operation,
              [ATTR_AWS_DYNAMODB_TABLE_NAMES]: tablesOf(args.input as Parameters<typeof tablesOf>[0]),
            },
            isAnswer: (error) => dynamoOutcomeOf(error) === 'ok',
          },
          () => next(args),
        );
      } catch (error) {
        outcome = dynamoOutcomeOf(error);
        throw error;
      } finally {
        metrics?.observe(operation, outcome, (performance.now() - started) / 1000);
      }
    },
    { step: 'initialize', name: 'shopTelemetry' },
  );
}
