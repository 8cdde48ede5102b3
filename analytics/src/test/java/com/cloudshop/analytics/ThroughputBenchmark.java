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
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Throughput of the job on this machine through a real local Kafka: loads N synthetic orders into
 * {@code orders} (3 partitions, as the local platform declares it), then, for parallelism 1 and 2
 * in turn, starts the job with a fresh consumer group and waits until its checkpointed consumer
 * offsets reach the end of the topic, i.e. until every order has been decoded, validated,
 * deduplicated, windowed, written to the lake and checkpointed.
 *
 * <p>The load generator runs in this JVM before the job starts; its CPU time is measured and
 * printed on its own, and the job's figures count only CPU spent after the job made progress.
 *
 * <p>Run with {@code mvn -f analytics/pom.xml -Pbench verify [-Dbench.events=N]}.
 */
public final class ThroughputBenchmark {

    private static final List<String> CURRENCIES = List.of("EUR", "USD", "GBP");
    private static final List<Integer> PARALLELISMS = List.of(1, 2);

    private ThroughputBenchmark() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Path work = Files.createTempDirectory("order-analytics-bench");
        try (LocalKafkaBroker kafka = LocalKafkaBroker.start(work.resolve("kafka"))) {
            kafka.createTopics(Map.of(
                    PlatformContract.ORDERS_TOPIC, 3, PlatformContract.RESULTS_TOPIC, 1, PlatformContract.DEAD_LETTER_TOPIC, 1));
            long loadStarted = System.nanoTime();
            long cpuBeforeLoad = jvmCpuNanos();
            publishSyntheticOrders(kafka, events);
            double loadSeconds = seconds(System.nanoTime() - loadStarted);
            System.out.printf("generator: loaded %,d orders into Kafka in %.1f s using %.1f s of this JVM's CPU "
                            + "(before any job runs; not counted below)%n",
                    events, loadSeconds, seconds(jvmCpuNanos() - cpuBeforeLoad));

            for (int parallelism : PARALLELISMS) {
                String group = "order-analytics-bench-p" + parallelism;
                JobFlags flags = JobFlags.parse("--brokers", kafka.bootstrapServers(), "--group", group,
                        "--checkpoints", work.resolve("checkpoints-p" + parallelism).toUri().toString(),
                        "--lake", work.resolve("lake-p" + parallelism).toUri().toString(), "--checkpoint-interval", "2 s");
                Configuration configuration = flags.flinkConfiguration();
                configuration.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
                StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration);
                OrderAnalyticsJob.onKafka(flags).buildPipeline(env);
                long jobStarted = System.nanoTime();
                JobClient job = env.executeAsync(OrderAnalyticsJob.NAME);
                try {
                    measure(kafka, group, parallelism, events, jobStarted);
                } finally {
                    job.cancel().get(1, TimeUnit.MINUTES);
                }
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

    private static void measure(LocalKafkaBroker kafka, String group, int parallelism, int events, long jobStarted)
            throws Exception {
        Map<TopicPartition, Long> endOffsets = endOffsets(kafka);
        long firstProgressAt = 0;
        long consumedAtFirstProgress = 0;
        long cpuAtFirstProgress = 0;
        Instant deadline = Instant.now().plus(Duration.ofMinutes(15));
        while (Instant.now().isBefore(deadline)) {
            long consumed = committedOffsets(kafka, group).values().stream().mapToLong(Long::longValue).sum();
            if (consumed > 0 && firstProgressAt == 0) {
                firstProgressAt = System.nanoTime();
                consumedAtFirstProgress = consumed;
                cpuAtFirstProgress = jvmCpuNanos();
            }
            if (consumed >= events) {
                long finishedAt = System.nanoTime();
                double steadySeconds = seconds(finishedAt - firstProgressAt);
                long steadyOrders = consumed - consumedAtFirstProgress;
                System.out.printf("parallelism %d: all %,d orders processed and checkpointed %.1f s after job submission "
                                + "(%,.0f orders/s including start-up); steady state (first to last checkpoint, %,d orders "
                                + "in %.1f s): %,.0f orders/s wall clock, %,.0f orders per CPU second of the job's JVM; "
                                + "load average %.2f%n",
                        parallelism, events, seconds(finishedAt - jobStarted), events / seconds(finishedAt - jobStarted),
                        steadyOrders, steadySeconds, steadyOrders / steadySeconds,
                        steadyOrders / seconds(jvmCpuNanos() - cpuAtFirstProgress),
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
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

    private static Map<TopicPartition, Long> committedOffsets(LocalKafkaBroker kafka, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed =
                kafka.admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        return committed.entrySet().stream()
                .filter(entry -> entry.getValue() != null)
                .collect(Collectors.toMap(Map.Entry::getKey, entry -> entry.getValue().offset()));
    }

    /**
     * CPU time of this JVM, which runs the job (the broker has its own process): a figure that other
     * work on a shared machine does not distort the way it distorts wall-clock throughput.
     */
    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
