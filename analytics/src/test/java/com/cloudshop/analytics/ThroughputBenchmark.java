package com.cloudshop.analytics;

import com.cloudshop.analytics.records.OrderEvent;
import com.cloudshop.analytics.records.OrderEventJson;
import com.cloudshop.analytics.records.OrderLine;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Throughput of the job on this machine through a real local Kafka: loads N synthetic orders into
 * {@code orders} (3 partitions, as the local platform declares it), then starts the job and waits
 * until its checkpointed consumer offsets reach the end of the topic, i.e. until every order has
 * been decoded, validated, deduplicated, windowed, written to the lake and checkpointed.
 *
 * <p>Run with {@code mvn -f analytics/pom.xml -Pbench verify [-Dbench.events=N]}.
 */
public final class ThroughputBenchmark {

    private static final String GROUP = "order-analytics-bench";
    private static final List<String> CURRENCIES = List.of("EUR", "USD", "GBP");

    private ThroughputBenchmark() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Path work = Files.createTempDirectory("order-analytics-bench");
        try (LocalKafkaBroker kafka = LocalKafkaBroker.start(work.resolve("kafka"))) {
            kafka.createTopics(Map.of(
                    PlatformContract.ORDERS_TOPIC, 3, PlatformContract.RESULTS_TOPIC, 1, PlatformContract.DEAD_LETTER_TOPIC, 1));
            long loadStarted = System.nanoTime();
            publishSyntheticOrders(kafka, events);
            System.out.printf("loaded %,d orders into Kafka in %.1f s%n", events, seconds(System.nanoTime() - loadStarted));

            JobFlags flags = JobFlags.parse("--brokers", kafka.bootstrapServers(), "--group", GROUP,
                    "--checkpoints", work.resolve("checkpoints").toUri().toString(),
                    "--lake", work.resolve("lake").toUri().toString(), "--checkpoint-interval", "2 s");
            long jobStarted = System.nanoTime();
            JobClient job = OrderAnalyticsJob.onKafkaIn(flags).executeAsync(OrderAnalyticsJob.NAME);
            try {
                measure(kafka, events, jobStarted);
            } finally {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }

    private static void publishSyntheticOrders(LocalKafkaBroker kafka, int events) throws Exception {
        Properties config = new Properties();
        config.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.setProperty(ProducerConfig.LINGER_MS_CONFIG, "20");
        config.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        Random random = new Random(42);
        // Ten orders per second of event time: a one-minute window holds about 600 orders per currency.
        Instant firstOrder = Instant.parse("2026-01-15T00:00:00Z");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int index = 0; index < events; index++) {
                OrderLine[] lines = new OrderLine[1 + random.nextInt(3)];
                for (int line = 0; line < lines.length; line++) {
                    lines[line] = Orders.line("p-" + random.nextInt(50), 1 + random.nextInt(4), 100 + random.nextInt(10_000));
                }
                OrderEvent order = Orders.placed(
                        firstOrder.plusMillis(100L * index).toString(), CURRENCIES.get(random.nextInt(CURRENCIES.size())), lines);
                producer.send(new ProducerRecord<>(PlatformContract.ORDERS_TOPIC,
                        order.payload.orderId.getBytes(StandardCharsets.UTF_8), OrderEventJson.encode(order)));
            }
            producer.flush();
        }
    }

    private static void measure(LocalKafkaBroker kafka, int events, long jobStarted) throws Exception {
        Map<TopicPartition, Long> endOffsets = endOffsets(kafka);
        long firstProgressAt = 0;
        long consumedAtFirstProgress = 0;
        long cpuAtFirstProgress = 0;
        Instant deadline = Instant.now().plus(Duration.ofMinutes(15));
        while (Instant.now().isBefore(deadline)) {
            long consumed = committedOffsets(kafka).values().stream().mapToLong(Long::longValue).sum();
            if (consumed > 0 && firstProgressAt == 0) {
                firstProgressAt = System.nanoTime();
                consumedAtFirstProgress = consumed;
                cpuAtFirstProgress = jobCpuNanos();
            }
            if (consumed >= events) {
                long finishedAt = System.nanoTime();
                System.out.printf("all %,d orders processed and checkpointed %.1f s after job submission: %,.0f orders/s including start-up%n",
                        events, seconds(finishedAt - jobStarted), events / seconds(finishedAt - jobStarted));
                if (finishedAt > firstProgressAt && consumed > consumedAtFirstProgress) {
                    System.out.printf("steady state (first to last checkpoint): %,.0f orders/s wall clock, "
                                    + "%,.0f orders per CPU second of the job's JVM (machine load average %.1f)%n",
                            (consumed - consumedAtFirstProgress) / seconds(finishedAt - firstProgressAt),
                            (consumed - consumedAtFirstProgress) / seconds(jobCpuNanos() - cpuAtFirstProgress),
                            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                }
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("The job did not catch up with " + endOffsets + " in time");
    }

    private static Map<TopicPartition, Long> endOffsets(LocalKafkaBroker kafka) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = Map.of(
                new TopicPartition(PlatformContract.ORDERS_TOPIC, 0), OffsetSpec.latest(),
                new TopicPartition(PlatformContract.ORDERS_TOPIC, 1), OffsetSpec.latest(),
                new TopicPartition(PlatformContract.ORDERS_TOPIC, 2), OffsetSpec.latest());
        return kafka.admin().listOffsets(latest).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, entry -> entry.getValue().offset()));
    }

    private static Map<TopicPartition, Long> committedOffsets(LocalKafkaBroker kafka) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed =
                kafka.admin().listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
        return committed.entrySet().stream()
                .filter(entry -> entry.getValue() != null)
                .collect(Collectors.toMap(Map.Entry::getKey, entry -> entry.getValue().offset()));
    }

    /**
     * CPU time of this JVM, which runs the job (the broker has its own process): a figure that other
     * work on a shared machine does not distort the way it distorts wall-clock throughput.
     */
    private static long jobCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
