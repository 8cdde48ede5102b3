import type { Admin, Kafka } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';

export interface ConsumerLagOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: string;
  readonly log: { warn(fields: object, message: string): void };
  /** How often the offsets are read while consuming. @default 10000, inside the 15 s the dashboards assume */
  readonly intervalMs?: number;
}

/**
 * kafka_consumer_lag: per partition, the messages between the group's committed offset and the
 * partition's end, read with the admin API (the group's commits against the topic's offsets) rather
 * than from the member itself, so it is right across rebalances and counts partitions this replica
 * does not own. A partition the group never committed lags by everything it retains.
 */
export function createConsumerLag(options: ConsumerLagOptions) {
  const { kafka, groupId, topic, log } = options;
  const intervalMs = options.intervalMs ?? 10_000;
  const gauge = new Gauge({
    name: 'kafka_consumer_lag',
    help: "Messages behind the group's committed offset (log end minus committed)",
    labelNames: ['group', 'topic', 'partition'],
    registers: [],
  });
  let admin: Promise<Admin> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;

  const connected = () =>
    (admin ??= (async () => {
      const created = kafka.admin();
      await created.connect();
      return created;
    })().catch((error: unknown) => {
      admin = undefined;
      throw error;
    }));

  /** Reads the offsets once and sets the gauge; resolves with the lag per partition. */
  async function refresh(): Promise<Map<number, number>> {
    const client = await connected();
    const [committed, ends] = await Promise.all([client.fetchOffsets({ groupId, topics: [topic] }), client.fetchTopicOffsets(topic)]);
    const committedByPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    const lag = new Map<number, number>();
    for (const end of ends) {
      const at = committedByPartition.get(end.partition) ?? -1;
      // -1: nothing committed yet, the group starts at the oldest retained message.
      const behind = Math.max(0, Number(end.high) - (at < 0 ? Number(end.low) : at));
      lag.set(end.partition, behind);
      gauge.set({ group: groupId, topic, partition: String(end.partition) }, behind);
    }
    return lag;
  }

  const tick = () =>
    refresh().then(
      () => (failing = false),
      (error: unknown) => {
        // Once per outage: the consumer logs the outage itself, and the gauge keeps its last values.
        if (!failing) log.warn({ err: error, groupId, topic }, 'could not read the consumer lag');
        failing = true;
      },
    );

  return {
    refresh,
    /** Refreshes now and then every `intervalMs` until stopped. */
    start(): void {
      if (timer !== undefined) return;
      void tick();
      timer = setInterval(() => void tick(), intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      const current = admin;
      admin = undefined;
      await current?.then((client) => client.disconnect()).catch(() => undefined);
    },
    registerMetrics(registry: Registry): void {
      registry.registerMetric(gauge);
    },
  };
}
export type ConsumerLag = ReturnType<typeof createConsumerLag>;
