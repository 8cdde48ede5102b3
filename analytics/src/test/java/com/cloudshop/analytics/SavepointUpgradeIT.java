package com.cloudshop.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.cloudshop.analytics.records.DeadLetter;
import com.cloudshop.analytics.records.DecodedOrder;
import com.cloudshop.analytics.records.OrderEvent;
import com.cloudshop.analytics.records.WindowResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's upgrade path on a MiniCluster, as the Dataproc launcher runs it: stop with a savepoint
 * while a window is half full, start again from that savepoint ({@code --restore <path>}), and the
 * window that spans the restart publishes the sums of all its orders, with every order in the lake
 * once. Flink's Prometheus reporter, configured as the FlinkJob construct configures it, serves the
 * job's metrics meanwhile.
 */
class SavepointUpgradeIT {

    private static final int ORDERS = 100;
    private static final Instant WINDOW_START = Instant.parse("2026-01-15T10:00:00Z");
    /** The reporter of infra/gcp/flink-job.ts, on a port range of its own for the test. */
    private static final String METRICS_PORTS = "19249-19269";

    @Test
    void carriesAHalfFullWindowAcrossStopWithSavepointAndRestart(@TempDir Path work) throws Exception {
        CollectingSink<WindowResult> results = new CollectingSink<>();
        CollectingSink<DeadLetter> deadLetters = new CollectingSink<>();
        String lake = work.resolve("lake").toUri().toString();
        List<String> common = List.of("--checkpoints", work.resolve("checkpoints").toUri().toString(),
                "--lake", lake, "--checkpoint-interval", "500 ms");

        JobClient first = start(JobFlags.parse(common.toArray(String[]::new)), results, deadLetters, lake);
        waitUntilRunning(first);
        // Stop once some orders are committed to the lake: the window has started but cannot have ended.
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (LakeFiles.linesUnder(work.resolve("lake")).isEmpty()) {
            assertThat(Instant.now()).as("first orders in the lake in time").isBefore(deadline);
            Thread.sleep(100);
        }
        String savepoint = first.stopWithSavepoint(false, work.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                .get(1, TimeUnit.MINUTES);

        // The window is open: nothing published yet, part of its orders already in the lake.
        assertThat(results.received()).isEmpty();
        int beforeRestart = LakeFiles.linesUnder(work.resolve("lake")).size();
        assertThat(beforeRestart).isBetween(1, ORDERS - 1);

        String[] restart = concat(common, "--restore", savepoint);
        JobClient second = start(JobFlags.parse(restart), results, deadLetters, lake);
        String metrics = scrapeWhileRunning(second);
        second.getJobExecutionResult().get(2, TimeUnit.MINUTES);

        assertThat(byCurrency(results.received())).isEqualTo(expectedByCurrency());
        assertThat(deadLetters.received()).isEmpty();
        assertThat(LakeFiles.linesUnder(work.resolve("lake"))).hasSize(ORDERS).doesNotHaveDuplicates();

        assertThat(metrics).contains(
                "flink_taskmanager_job_task_operator_numRecordsIn{",
                "flink_taskmanager_job_task_operator_numRecordsOut{",
                "flink_taskmanager_job_task_operator_currentOutputWatermark{",
                "flink_jobmanager_job_lastCheckpointDuration{",
                "flink_jobmanager_job_numberOfFailedCheckpoints{",
                "flink_jobmanager_job_numRestarts{");
    }

    private static JobClient start(
            JobFlags flags, CollectingSink<WindowResult> results, CollectingSink<DeadLetter> deadLetters, String lake)
            throws Exception {
        Configuration configuration = flags.flinkConfiguration();
        configuration.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        configuration.setString("metrics.reporter.prom.port", METRICS_PORTS);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration);
        env.setParallelism(2);
        new OrderAnalyticsJob(flags,
                        new DataGeneratorSource<>(new NumberedOrders(), ORDERS, RateLimiterStrategy.perSecond(10),
                                TypeInformation.of(DecodedOrder.class)),
                        results, deadLetters, OrderAnalyticsJob.dataLake(lake))
                .buildPipeline(env);
        return env.executeAsync(OrderAnalyticsJob.NAME);
    }

    /** Order n: all in one minute of event time, EUR and USD in turn, amounts that differ per order. */
    private static final class NumberedOrders implements GeneratorFunction<Long, DecodedOrder> {
        @Override
        public DecodedOrder map(Long index) {
            OrderEvent order = order(index.intValue());
            return DecodedOrder.accepted(order, Instant.parse(order.occurredAt).toEpochMilli());
        }
    }

    private static OrderEvent order(int index) {
        OrderEvent order = Orders.placed(WINDOW_START.plusMillis(500L * index).toString(), index % 2 == 0 ? "EUR" : "USD",
                Orders.line("p-" + index % 3, 1 + index % 4, 100 + index));
        order.eventId = UUID.nameUUIDFromBytes(("order " + index).getBytes(StandardCharsets.UTF_8)).toString();
        order.payload.orderId = "o-" + index;
        return order;
    }

    private static Map<String, String> expectedByCurrency() {
        Map<String, long[]> sums = new TreeMap<>();
        for (int index = 0; index < ORDERS; index++) {
            OrderEvent order = order(index);
            long[] sum = sums.computeIfAbsent(order.payload.currency, currency -> new long[2]);
            sum[0] += 1;
            sum[1] += order.payload.totalCents;
        }
        Map<String, String> expected = new TreeMap<>();
        sums.forEach((currency, sum) -> expected.put(currency, sum[0] + " orders, " + sum[1] + " cents"));
        return expected;
    }

    private static Map<String, String> byCurrency(List<WindowResult> results) {
        Map<String, String> published = new TreeMap<>();
        for (WindowResult result : results) {
            assertThat(result.windowStart).isEqualTo(WINDOW_START.toString());
            assertThat(published.put(result.currency, result.orderCount + " orders, " + result.revenueCents + " cents"))
                    .as("one result per currency").isNull();
        }
        return published;
    }

    private static void waitUntilRunning(JobClient job) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (job.getJobStatus().get() != JobStatus.RUNNING) {
            assertThat(Instant.now()).as("job running in time").isBefore(deadline);
            Thread.sleep(50);
        }
    }

    /** The Prometheus text of the reporter once it shows a completed checkpoint of the running job. */
    private static String scrapeWhileRunning(JobClient job) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        String lastSeen = "";
        while (Instant.now().isBefore(deadline) && !job.getJobStatus().get().isTerminalState()) {
            for (int port = 19249; port <= 19269; port++) {
                try {
                    String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    if (text.contains("flink_jobmanager_job_lastCheckpointDuration{")
                            && text.contains("flink_taskmanager_job_task_operator_numRecordsIn{")) {
                        return text;
                    }
                    lastSeen = text;
                } catch (IOException notThisPort) {
                    // The reporter takes the first free port of the range.
                }
            }
            Thread.sleep(200);
        }
        return lastSeen;
    }

    private static String[] concat(List<String> flags, String... more) {
        return Stream.concat(flags.stream(), Stream.of(more)).toArray(String[]::new);
    }
}
