/**
 * The platform contract: the names every environment must agree on, defined here once. The services
 * (through runtime/shared), the local launcher, the AWS and GCP stacks and, through the emitted
 * `platform.json`, the Flink job all read it; test/infra/platform-contract-drift.test.ts fails when an
 * environment declares a topic, consumer group or Kafka grant that is not written here.
 */

/** A Kafka topic as every environment declares it (auto-creation is off everywhere). */
export interface TopicContract {
  readonly name: string;
  /**
   * Partitions where an environment says nothing else. Records of one key stay in order whatever the count;
   * an environment may declare more partitions (never fewer) for more consumers in parallel.
   */
  readonly partitions: number;
  /** How long records are kept: how long a consumer may be down and still read everything it missed. */
  readonly retentionHours: number;
  /** What the record key is. */
  readonly key: string;
  /** What the record value is. */
  readonly value: string;
}

const topics = {
  orders: {
    name: 'orders',
    partitions: 3,
    retentionHours: 7 * 24,
    key: 'the order id, so that all events of one order stay in order',
    value: 'an order event, schemas/order-event.schema.json',
  },
  analyticsResults: {
    name: 'analytics-results',
    partitions: 1,
    retentionHours: 7 * 24,
    key: 'the window start (ISO-8601)',
    value: 'one closed window of one currency, schemas/window-result.schema.json',
  },
  orderDeadLetters: {
    name: 'orders.dlq',
    partitions: 1,
    // Long enough for someone to look at a dead letter after a holiday.
    retentionHours: 14 * 24,
    key: 'the key of the record that could not be used',
    value: 'the record that could not be used, unchanged; why is in the dead-letter headers',
  },
} as const satisfies Readonly<Record<string, TopicContract>>;

export type TopicName = (typeof topics)[keyof typeof topics]['name'];

/** A consumer group: one fixed id, or an id prefix for clients that join with one group per instance. */
export type ConsumerGroupContract = {
  /** The topic the group reads. */
  readonly topic: TopicName;
  /** Where records go that the group's members cannot use. @default - none: bad records are skipped */
  readonly deadLetterTopic?: TopicName;
} & ({ readonly id: string } | { readonly idPrefix: string });

const consumerGroups = {
  notifications: { id: 'notifications', topic: 'orders', deadLetterTopic: 'orders.dlq' },
  // Every gateway instance needs every window, so each joins a group of its own under this prefix.
  gatewayAnalytics: { idPrefix: 'gateway-analytics-', topic: 'analytics-results' },
  orderAnalytics: { id: 'order-analytics', topic: 'orders', deadLetterTopic: 'orders.dlq' },
} as const satisfies Readonly<Record<string, ConsumerGroupContract>>;

export type ConsumerGroupKey = keyof typeof consumerGroups;

/** What one workload may do on Kafka; every environment grants exactly this and nothing more. */
export interface KafkaAccessContract {
  readonly produces: readonly TopicName[];
  readonly consumerGroups: readonly ConsumerGroupKey[];
}

export interface ServiceContract {
  /** The HTTP port, the same locally and in the cluster. */
  readonly port: number;
  readonly kafka: KafkaAccessContract;
}

const noKafka = { produces: [], consumerGroups: [] } as const;

const services = {
  gateway: { port: 5000, kafka: { produces: [], consumerGroups: ['gatewayAnalytics'] } },
  users: { port: 5001, kafka: noKafka },
  products: { port: 5002, kafka: noKafka },
  orders: { port: 5003, kafka: { produces: ['orders'], consumerGroups: [] } },
  notifications: { port: 5004, kafka: { produces: ['orders.dlq'], consumerGroups: ['notifications'] } },
} as const satisfies Readonly<Record<string, ServiceContract>>;

export type ServiceName = keyof typeof services;

export const platformContract = {
  topics,
  consumerGroups,
  /** Headers of a dead letter; the original headers are kept beside them. */
  deadLetterHeaders: {
    reason: 'dlq-reason',
    sourceTopic: 'dlq-source-topic',
    sourcePartition: 'dlq-source-partition',
    sourceOffset: 'dlq-source-offset',
    consumerGroup: 'dlq-consumer-group',
    failedAt: 'dlq-failed-at',
  },
  services,
  /** The Flink job of analytics/. */
  analyticsJob: {
    name: 'order-analytics',
    kafka: {
      produces: ['analytics-results', 'orders.dlq'],
      consumerGroups: ['orderAnalytics'],
      /** Prefix of the transactional ids of its exactly-once sinks. */
      transactionalIdPrefix: 'order-analytics',
    },
  },
  /**
   * Key design of the products table. Products, SKU-uniqueness guards and stock reservations live in one table
   * (partition key `id`) so one TransactWriteItems can touch all of them; the `by-entity` index lists one kind of
   * item (e.g. `entity = "product"`) in `id` order for cursor pagination.
   */
  productsTable: {
    partitionKey: 'id',
    entityIndex: { name: 'by-entity', partitionKey: 'entity', sortKey: 'id' },
    /** Epoch seconds after which DynamoDB deletes the item; only stock reservations carry it. */
    timeToLiveAttribute: 'expiresAt',
  },
} as const;

export type PlatformContract = typeof platformContract;

/** What a workload's Kafka grants name: the topics it writes, and each topic it reads with its group id. */
export interface KafkaGrants {
  readonly writes: readonly TopicName[];
  /** `group` is a group id, or an id prefix followed by `*`. */
  readonly reads: readonly { readonly topic: TopicName; readonly group: string }[];
}

export function kafkaGrantsOf(access: KafkaAccessContract): KafkaGrants {
  return {
    writes: access.produces,
    reads: access.consumerGroups.map((key) => {
      const group: ConsumerGroupContract = consumerGroups[key];
      return { topic: group.topic, group: 'id' in group ? group.id : `${group.idPrefix}*` };
    }),
  };
}

/** What `platform.json` holds: the contract, marked as generated. */
export const platformContractDocument = {
  $comment: 'Generated from contracts/platform.ts by `npm run contracts`; edit that file, not this one.',
  ...platformContract,
};
