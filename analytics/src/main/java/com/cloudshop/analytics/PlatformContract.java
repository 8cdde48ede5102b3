package com.cloudshop.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The names this job shares with the rest of the platform, read from {@code contracts/platform.json}
 * on the classpath: the file {@code npm run contracts} emits from contracts/platform.ts and Maven
 * packs into the jar, so the job cannot disagree with the services, the stacks or the local launcher.
 */
public final class PlatformContract {

    private static final String RESOURCE = "/contracts/platform.json";
    private static final JsonNode CONTRACT = load();

    /** The job's name, also its YARN application name. */
    public static final String JOB_NAME = text("analyticsJob", "name");
    public static final String ORDERS_TOPIC = text("consumerGroups", "orderAnalytics", "topic");
    public static final String RESULTS_TOPIC = text("topics", "analyticsResults", "name");
    public static final String DEAD_LETTER_TOPIC = text("consumerGroups", "orderAnalytics", "deadLetterTopic");
    public static final String CONSUMER_GROUP = text("consumerGroups", "orderAnalytics", "id");
    public static final String TRANSACTIONAL_ID_PREFIX = text("analyticsJob", "kafka", "transactionalIdPrefix");

    /** Header names of a dead letter. */
    public static final class DeadLetterHeaders {
        public static final String REASON = text("deadLetterHeaders", "reason");
        public static final String SOURCE_TOPIC = text("deadLetterHeaders", "sourceTopic");
        public static final String SOURCE_PARTITION = text("deadLetterHeaders", "sourcePartition");
        public static final String SOURCE_OFFSET = text("deadLetterHeaders", "sourceOffset");
        public static final String CONSUMER_GROUP = text("deadLetterHeaders", "consumerGroup");
        public static final String FAILED_AT = text("deadLetterHeaders", "failedAt");

        private DeadLetterHeaders() {}
    }

    private PlatformContract() {}

    private static JsonNode load() {
        try (InputStream json = PlatformContract.class.getResourceAsStream(RESOURCE)) {
            if (json == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath; the Maven build copies it from contracts/");
            }
            return new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(String... path) {
        JsonNode node = CONTRACT;
        for (String name : path) {
            node = node.path(name);
        }
        if (!node.isTextual()) {
            throw new IllegalStateException(RESOURCE + " has no text at " + String.join(".", path));
        }
        return node.asText();
    }
}
