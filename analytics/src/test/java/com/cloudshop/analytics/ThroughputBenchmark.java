package com.cloudshop.analytics;

import com.cloudshop.analytics.records.OrderEvent;
import com.cloudshop.analytics.records.OrderEventJson;
import com.cloudshop.analytics.records.OrderLine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
    /** Share of the orders left out of the steady-state figures: start-up and JIT compilation. */
    private static final double WARM_UP = 0.2;
    private static final int METRICS_PORT_FROM = 19349;
    private static final int METRICS_PORT_TO = 19369;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Rendering every metric costs the job's JVM CPU: poll only as often as the resolution needs, one port once found. */
    private static final long POLL_MILLIS = 250;
    private static int reporterPort;

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
                configuration.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
                configuration.setString("metrics.reporter.prom.port", METRICS_PORT_FROM + "-" + METRICS_PORT_TO);
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

    /**
     * Progress is what the job's deduplication has taken in, read every 250 ms from Flink's Prometheus
     * reporter (the one FlinkJob configures in production): finer than committed offsets, which move only
     * with checkpoints. Steady state runs from the moment a fifth of the orders is through (start-up and
     * JIT compilation behind) to the last order; the run ends when the checkpointed offsets reach the end
     * of the topic.
     */
    private static void measure(LocalKafkaBroker kafka, String group, int parallelism, int events, long jobStarted)
            throws Exception {
        Map<TopicPartition, Long> endOffsets = endOffsets(kafka);
        reporterPort = 0; // each job's MiniCluster takes the first free port of the range anew
        long firstProgressAt = 0;
        long ordersAtFirstProgress = 0;
        long cpuAtFirstProgress = 0;
        Duration brokerCpuAtFirstProgress = Duration.ZERO;
        long processedAt = 0;
        long cpuAtProcessed = 0;
        Duration brokerCpuAtProcessed = Duration.ZERO;
        Instant deadline = Instant.now().plus(Duration.ofMinutes(15));
        while (Instant.now().isBefore(deadline)) {
            long processed = ordersTakenIn();
            if (processed >= WARM_UP * events && firstProgressAt == 0) {
                ordersAtFirstProgress = processed;
                firstProgressAt = System.nanoTime();
                cpuAtFirstProgress = jobCpuNanos();
                brokerCpuAtFirstProgress = kafka.cpuTime();
            }
            if (processed >= events && processedAt == 0) {
                processedAt = System.nanoTime();
                cpuAtProcessed = jobCpuNanos();
                brokerCpuAtProcessed = kafka.cpuTime();
            }
            long committed = committedOffsets(kafka, group).values().stream().mapToLong(Long::longValue).sum();
            if (processedAt != 0 && committed >= events) {
                long checkpointedAt = System.nanoTime();
                double steadySeconds = seconds(processedAt - firstProgressAt);
                long steadyOrders = events - ordersAtFirstProgress;
                double jobCpuSeconds = seconds(cpuAtProcessed - cpuAtFirstProgress);
                double brokerCpuSeconds = seconds(brokerCpuAtProcessed.minus(brokerCpuAtFirstProgress).toNanos());
                System.out.printf("parallelism %d: steady state (%,d orders after the first %.0f%%, %.1f s): %,.0f orders/s wall clock, "
                                + "%,.0f orders per CPU second of the job's JVM, less the bench's own polling (%.1f µs an order, %.2f cores busy); "
                                + "the broker meanwhile %.1f µs of CPU an order (%.2f cores busy); "
                                + "all %,d orders processed and checkpointed %.1f s after job submission "
                                + "(%,.0f orders/s including start-up); load average %.2f%n",
                        parallelism, steadyOrders, 100 * WARM_UP, steadySeconds, steadyOrders / steadySeconds,
                        steadyOrders / jobCpuSeconds, 1e6 * jobCpuSeconds / steadyOrders, jobCpuSeconds / steadySeconds,
                        1e6 * brokerCpuSeconds / steadyOrders, brokerCpuSeconds / steadySeconds,
                        events, seconds(checkpointedAt - jobStarted), events / seconds(checkpointedAt - jobStarted),
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                return;
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new IllegalStateException("The job did not catch up with " + endOffsets + " in time");
    }

    /** Orders the deduplication operator has received, summed over its subtasks; 0 before the job reports. */
    private static long ordersTakenIn() throws InterruptedException {
        for (int port = METRICS_PORT_FROM; port <= METRICS_PORT_TO; port++) {
            if (reporterPort != 0 && port != reporterPort) {
                continue;
            }
            try {
                String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                long taken = metrics.lines()
                        .filter(line -> line.startsWith("flink_taskmanager_job_task_operator_numRecordsIn{"))
                        .filter(line -> line.contains("operator_name=\"drop_redelivered_orders\""))
                        .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                        .sum();
                reporterPort = port;
                return taken;
            } catch (IOException notThisPort) {
                // The reporter takes the first free port of the range.
            }
        }
        return 0;
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

    /**
     * This JVM's CPU time less what the measuring itself costs here: this thread's polling, the HTTP
     * client's threads and the reporter's threads rendering the metrics text for it. Threads that ended
     * are gone from the sum, so the figure can only err towards the job's cost.
     */
    private static long jobCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long measuring = 0;
        for (ThreadInfo thread : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (thread != null && isMeasuring(thread)) {
                measuring += Math.max(0, threads.getThreadCpuTime(thread.getThreadId()));
            }
        }
        return jvmCpuNanos() - measuring;
    }

    private static boolean isMeasuring(ThreadInfo thread) {
        String name = thread.getThreadName();
        return thread.getThreadId() == Thread.currentThread().getId() || name.startsWith("HttpClient-")
                || name.startsWith("prometheus-http-");
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
