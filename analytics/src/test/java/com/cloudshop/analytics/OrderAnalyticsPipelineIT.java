package com.cloudshop.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.cloudshop.analytics.records.DeadLetter;
import com.cloudshop.analytics.records.DecodedOrder;
import com.cloudshop.analytics.records.OrderEventDecoder;
import com.cloudshop.analytics.records.OrderEventJson;
import com.cloudshop.analytics.records.WindowResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on a Flink MiniCluster (two slots, so the keyed windows really run in
 * parallel), fed the shared sample events plus a redelivered event and two malformed records.
 */
class OrderAnalyticsPipelineIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final String NOT_JSON = "{\"eventId\": \"5a3e";
    private static final String LOWER_CASE_CURRENCY =
            SharedContracts.sampleOrderEvents().get(1).replace("\"currency\": \"EUR\"", "\"currency\": \"eur\"");

    @Test
    void turnsTheSharedSamplesIntoTheExpectedWindowsLakeAndDeadLetters(@TempDir Path lakeDirectory) throws Exception {
        List<String> samples = SharedContracts.sampleOrderEvents();
        List<String> input = new ArrayList<>(samples);
        input.add(3, NOT_JSON);
        input.add(5, samples.get(0)); // the outbox may deliver an event twice
        input.add(LOWER_CASE_CURRENCY);

        CollectingSink<WindowResult> results = new CollectingSink<>();
        CollectingSink<DeadLetter> deadLetters = new CollectingSink<>();
        JobFlags flags = JobFlags.parse("--window", "1 min", "--out-of-orderness", "1 min", "--lateness", "5 min");
        OrderAnalyticsJob job = new OrderAnalyticsJob(flags,
                new DataGeneratorSource<>(new DecodedLines(input), input.size(), TypeInformation.of(DecodedOrder.class)),
                results, deadLetters, OrderAnalyticsJob.dataLake(lakeDirectory.toUri().toString()));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        // The lake's files are committed on checkpoints, including the final one at the end of input.
        env.enableCheckpointing(200);
        job.buildPipeline(env);
        env.execute(OrderAnalyticsJob.NAME);

        List<JsonNode> published = SharedContracts.inWindowOrder(
                results.received().stream().map(result -> SharedContracts.parse(OrderEventJson.encode(result))).toList());
        assertThat(published).containsExactlyElementsOf(SharedContracts.expectedOneMinuteWindows());
        JsonSchema windowResultSchema = SharedContracts.schema("window-result.schema.json");
        assertThat(published).allSatisfy(window -> assertThat(windowResultSchema.validate(window)).isEmpty());

        assertThat(deadLetters.received())
                .extracting(letter -> new String(letter.value, StandardCharsets.UTF_8))
                .containsExactlyInAnyOrder(NOT_JSON, LOWER_CASE_CURRENCY);
        assertThat(deadLetters.received()).allSatisfy(letter -> assertThat(letter.reason).startsWith("malformed"));

        // Every accepted event once, the redelivered one included; the rejected records only in the dead letters.
        List<String> lakeLines = LakeFiles.linesUnder(lakeDirectory);
        assertThat(lakeLines).hasSize(samples.size());
        assertThat(lakeLines.stream().map(line -> SharedContracts.parse(line).get("eventId").asText()))
                .containsExactlyInAnyOrderElementsOf(
                        samples.stream().map(sample -> SharedContracts.parse(sample).get("eventId").asText()).toList());
        assertThat(LakeFiles.linesUnder(lakeDirectory.resolve("date=2026-01-15/hour=10"))).hasSize(samples.size());
    }

    /** The n-th input line, decoded as the Kafka source would decode it. */
    private static final class DecodedLines implements GeneratorFunction<Long, DecodedOrder> {
        private final ArrayList<String> lines;
        private transient OrderEventDecoder decoder;

        DecodedLines(List<String> lines) {
            this.lines = new ArrayList<>(lines);
        }

        @Override
        public void open(SourceReaderContext context) {
            decoder = new OrderEventDecoder();
        }

        @Override
        public DecodedOrder map(Long index) {
            return decoder.decode(null, lines.get(index.intValue()).getBytes(StandardCharsets.UTF_8));
        }
    }
}
