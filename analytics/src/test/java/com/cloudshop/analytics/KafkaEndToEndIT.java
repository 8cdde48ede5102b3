package com.cloudshop.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cloudshop.analytics.records.OrderEvent;
import com.cloudshop.analytics.records.OrderEventJson;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.client.JobCancellationException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job as it runs locally, against a real Kafka broker: the shared samples in, exactly the
 * expected windows out (read with read_committed, as the gateway reads them), then a cancel and a
 * restart from the retained checkpoint that emits only the new window, never an old one again; a
 * redelivered event in each run, and the data lake holding every accepted event exactly once.
 */
class KafkaEndToEndIT {

    private static final Duration RESULT_TIMEOUT = Duration.ofMinutes(2);
    private static final String NOT_JSON = "definitely not an order";
    /**
     * Long enough for both partitions' consumers to deliver their first record after the job
     * starts: a partition still silent after this is taken for empty and stops holding the
     * watermark back (see OrderWatermarks), and the other partition could then close windows early.
     */
    private static final String IDLENESS = "10 s";
    private static final String REDELIVERED_SAMPLE = SharedContracts.sampleOrderEvents().get(0);

    @Test
    void publishesTheExpectedWindowsOnceAcrossARestartFromCheckpoint(@TempDir Path work) throws Exception {
        try (LocalKafkaBroker kafka = LocalKafkaBroker.start(work.resolve("kafka"))) {
            kafka.createTopics(Map.of(
                    PlatformContract.ORDERS_TOPIC, 2, PlatformContract.RESULTS_TOPIC, 1, PlatformContract.DEAD_LETTER_TOPIC, 1));
            // A current order, delivered again after the restart: deduplication remembers an event for
            // out-of-orderness + window + lateness (7 min) of event time, so it must still know this one.
            OrderEvent recentOrder = Orders.placed(
                    Instant.now().minus(5, ChronoUnit.MINUTES).toString(), "GBP", Orders.line("p-8", 1, 700));
            String recent = new String(OrderEventJson.encode(recentOrder), StandardCharsets.UTF_8);
            // Published before the job starts, so no partition is briefly idle while the first ones are read.
            try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
                for (String sample : SharedContracts.sampleOrderEvents()) {
                    publish(producer, orderIdOf(sample), sample);
                }
                publish(producer, orderIdOf(REDELIVERED_SAMPLE), REDELIVERED_SAMPLE); // the outbox delivers at least once
                publish(producer, "o-broken", NOT_JSON);
                publish(producer, recentOrder.payload.orderId, recent);
            }

            String checkpoints = work.resolve("checkpoints").toUri().toString();
            List<String> flags = List.of("--brokers", kafka.bootstrapServers(), "--checkpoints", checkpoints,
                    "--lake", work.resolve("lake").toUri().toString(), "--checkpoint-interval", "1 s", "--idleness", IDLENESS);

            try (KafkaConsumer<byte[], byte[]> results = readCommitted(kafka, PlatformContract.RESULTS_TOPIC)) {
                JobClient first = start(flags, "--group", "analytics-e2e-first");
                List<ConsumerRecord<byte[], byte[]>> firstRun;
                try {
                    firstRun = pollUntil(results, 6);
                } finally {
                    stop(first);
                }
                List<JsonNode> firstWindows = values(firstRun);
                assertThat(SharedContracts.inWindowOrder(firstWindows.stream()
                                .filter(window -> window.get("windowStart").asText().startsWith("2026-01-15T"))
                                .toList()))
                        .containsExactlyElementsOf(SharedContracts.expectedOneMinuteWindows());
                assertThat(firstWindows).filteredOn(window -> window.get("currency").asText().equals("GBP"))
                        .singleElement()
                        .satisfies(window -> assertThat(window.get("orderCount").asLong()).isEqualTo(1));
                assertThat(firstRun).allSatisfy(record -> assertThat(new String(record.key(), StandardCharsets.UTF_8))
                        .isEqualTo(SharedContracts.parse(record.value()).get("windowStart").asText()));

                assertThat(RetainedCheckpoints.latest(checkpoints)).isPresent();
                // A new consumer group has no committed offsets: only the checkpoint can keep the
                // restarted job from reading the samples again.
                JobClient second = start(flags, "--group", "analytics-e2e-second", "--restore", JobFlags.LATEST_CHECKPOINT);
                OrderEvent newOrder = Orders.placed(
                        Instant.now().minus(3, ChronoUnit.MINUTES).toString(), "EUR", Orders.line("p-9", 2, 1250));
                List<ConsumerRecord<byte[], byte[]>> secondRun;
                try {
                    try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
                        // Only the restored deduplication state knows that the first run saw it.
                        publish(producer, recentOrder.payload.orderId, recent);
                        publish(producer, newOrder.payload.orderId,
                                new String(OrderEventJson.encode(newOrder), StandardCharsets.UTF_8));
                    }
                    secondRun = pollUntil(results, 1);
                    // Several checkpoints later, nothing else may have been committed.
                    secondRun.addAll(pollFor(results, Duration.ofSeconds(5)));
                } finally {
                    stop(second);
                }

                assertThat(secondRun).hasSize(1);
                JsonNode window = SharedContracts.parse(secondRun.get(0).value());
                Instant windowStart = Instant.parse(newOrder.occurredAt).truncatedTo(ChronoUnit.MINUTES);
                assertThat(window.get("windowStart").asText()).isEqualTo(windowStart.toString());
                assertThat(window.get("windowEnd").asText()).isEqualTo(windowStart.plus(1, ChronoUnit.MINUTES).toString());
                assertThat(window.get("orderCount").asLong()).isEqualTo(1);
                assertThat(window.get("revenueCents").asLong()).isEqualTo(2500);
                assertThat(window.get("averageOrderValueCents").asLong()).isEqualTo(2500);
                assertThat(window.get("topProducts").toString()).isEqualTo("[{\"productId\":\"p-9\",\"quantity\":2}]");

                // Each accepted event exactly once across both runs, redeliveries and the restart included.
                List<String> expectedEventIds = new ArrayList<>(SharedContracts.sampleOrderEvents().stream()
                        .map(sample -> SharedContracts.parse(sample).get("eventId").asText())
                        .toList());
                expectedEventIds.add(recentOrder.eventId);
                expectedEventIds.add(newOrder.eventId);
                assertThat(LakeFiles.linesUnder(work.resolve("lake")))
                        .extracting(line -> SharedContracts.parse(line).get("eventId").asText())
                        .containsExactlyInAnyOrderElementsOf(expectedEventIds);
            }

            try (KafkaConsumer<byte[], byte[]> deadLetters = readCommitted(kafka, PlatformContract.DEAD_LETTER_TOPIC)) {
                List<ConsumerRecord<byte[], byte[]>> letters = pollUntil(deadLetters, 1);
                // The rejected record only; a redelivery is dropped, not dead-lettered as late.
                letters.addAll(pollFor(deadLetters, Duration.ofSeconds(2)));
                assertThat(letters).hasSize(1);
                // Header names as the repository's platform contract gives them to every consumer, services included.
                JsonNode headers = SharedContracts.platform().get("deadLetterHeaders");
                assertThat(new String(letters.get(0).value(), StandardCharsets.UTF_8)).isEqualTo(NOT_JSON);
                assertThat(header(letters.get(0), headers.get("reason").asText())).startsWith("malformed: not JSON");
                assertThat(header(letters.get(0), headers.get("sourceTopic").asText())).isEqualTo(PlatformContract.ORDERS_TOPIC);
                assertThat(header(letters.get(0), headers.get("consumerGroup").asText())).isEqualTo("analytics-e2e-first");
            }
        }
    }

    private static String orderIdOf(String event) {
        return SharedContracts.parse(event).get("payload").get("orderId").asText();
    }

    private static JobClient start(List<String> flags, String... moreFlags) throws Exception {
        String[] args = Stream.concat(flags.stream(), Stream.of(moreFlags)).toArray(String[]::new);
        return OrderAnalyticsJob.onKafkaIn(JobFlags.parse(args)).executeAsync(OrderAnalyticsJob.NAME);
    }

    /** Cancels the job, as a crash would stop it: whatever was not checkpointed is not committed. */
    private static void stop(JobClient job) throws Exception {
        job.cancel().get(1, TimeUnit.MINUTES);
        assertThatThrownBy(() -> job.getJobExecutionResult().get(1, TimeUnit.MINUTES))
                .as("a cancelled job ends without a result")
                .hasRootCauseInstanceOf(JobCancellationException.class);
    }

    private static KafkaProducer<byte[], byte[]> producer(LocalKafkaBroker kafka) {
        Properties config = new Properties();
        config.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void publish(KafkaProducer<byte[], byte[]> producer, String key, String value) throws Exception {
        producer.send(new ProducerRecord<>(PlatformContract.ORDERS_TOPIC, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)))
                .get(30, TimeUnit.SECONDS);
    }

    private static KafkaConsumer<byte[], byte[]> readCommitted(LocalKafkaBroker kafka, String topic) {
        Properties config = new Properties();
        config.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(partition -> new TopicPartition(topic, partition.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    private static List<ConsumerRecord<byte[], byte[]>> pollUntil(KafkaConsumer<byte[], byte[]> consumer, int count) {
        List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
        Instant deadline = Instant.now().plus(RESULT_TIMEOUT);
        while (received.size() < count && Instant.now().isBefore(deadline)) {
            consumer.poll(Duration.ofMillis(500)).forEach(received::add);
        }
        assertThat(received).as("records received within " + RESULT_TIMEOUT).hasSizeGreaterThanOrEqualTo(count);
        return received;
    }

    private static List<ConsumerRecord<byte[], byte[]>> pollFor(KafkaConsumer<byte[], byte[]> consumer, Duration period) {
        List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
        Instant deadline = Instant.now().plus(period);
        while (Instant.now().isBefore(deadline)) {
            consumer.poll(Duration.ofMillis(500)).forEach(received::add);
        }
        return received;
    }

    private static List<JsonNode> values(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(record -> SharedContracts.parse(record.value())).toList();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
