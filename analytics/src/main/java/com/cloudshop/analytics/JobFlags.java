package com.cloudshop.analytics;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.CheckpointConfig.ExternalizedCheckpointCleanup;
import org.apache.flink.streaming.api.environment.ExecutionCheckpointingOptions;
import org.apache.flink.util.TimeUtils;

/**
 * The job's command-line flags ({@code --name value}) with local defaults; docs/analytics.md lists
 * them. Topic, group and transactional-id defaults are the platform contract's. Durations take
 * Flink's notation ({@code 1 min}, {@code 30 s}, {@code 500 ms}).
 */
public record JobFlags(
        String brokers,
        String group,
        String ordersTopic,
        String resultsTopic,
        String deadLetterTopic,
        Duration window,
        Duration lateness,
        Duration outOfOrderness,
        Duration idleness,
        Duration checkpointInterval,
        String checkpoints,
        String stateBackend,
        String lake,
        KafkaSecurity security,
        String transactionalIdPrefix,
        String restore) {

    /** {@code --restore latest}: the newest retained checkpoint under {@code --checkpoints}. */
    public static final String LATEST_CHECKPOINT = "latest";

    private static final Set<String> STATE_BACKENDS = Set.of("hashmap", "rocksdb");

    public static JobFlags parse(String... args) {
        ParameterTool flags = ParameterTool.fromArgs(args);
        JobFlags parsed = new JobFlags(
                flags.get("brokers", "127.0.0.1:9092"),
                flags.get("group", PlatformContract.CONSUMER_GROUP),
                flags.get("orders-topic", PlatformContract.ORDERS_TOPIC),
                flags.get("results-topic", PlatformContract.RESULTS_TOPIC),
                flags.get("dlq-topic", PlatformContract.DEAD_LETTER_TOPIC),
                duration(flags, "window", "1 min"),
                duration(flags, "lateness", "5 min"),
                duration(flags, "out-of-orderness", "1 min"),
                duration(flags, "idleness", "30 s"),
                duration(flags, "checkpoint-interval", "10 s"),
                flags.get("checkpoints", "file:///tmp/order-analytics/checkpoints"),
                flags.get("state-backend", "hashmap"),
                flags.get("lake", "file:///tmp/order-analytics/lake"),
                KafkaSecurity.valueOf(flags.get("security", "none").toUpperCase(Locale.ROOT)),
                flags.get("transactional-id-prefix", PlatformContract.TRANSACTIONAL_ID_PREFIX),
                flags.get("restore", null));
        if (!flags.getUnrequestedParameters().isEmpty()) {
            throw new IllegalArgumentException("Unknown flags: " + flags.getUnrequestedParameters());
        }
        if (!STATE_BACKENDS.contains(parsed.stateBackend)) {
            throw new IllegalArgumentException("--state-backend must be one of " + STATE_BACKENDS + ", got " + parsed.stateBackend);
        }
        return parsed;
    }

    private static Duration duration(ParameterTool flags, String name, String defaultValue) {
        return TimeUtils.parseDuration(flags.get(name, defaultValue));
    }

    /**
     * How long an event id is remembered for deduplication: as long as a copy could still change a
     * window (out-of-orderness + window + lateness).
     */
    public Duration deduplicationMemory() {
        return outOfOrderness.plus(window).plus(lateness);
    }

    /** Exactly-once checkpoints, retained on cancel so the job can be resumed from the last one. */
    public Configuration flinkConfiguration() {
        Configuration configuration = new Configuration();
        configuration.set(ExecutionCheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        configuration.set(ExecutionCheckpointingOptions.CHECKPOINTING_MODE, CheckpointingMode.EXACTLY_ONCE);
        configuration.set(
                ExecutionCheckpointingOptions.EXTERNALIZED_CHECKPOINT, ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION);
        configuration.set(StateBackendOptions.STATE_BACKEND, stateBackend);
        configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints);
        // Back off between restarts so an unavailable broker is not hammered by a tight restart loop.
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        if (restore != null) {
            String restorePath = LATEST_CHECKPOINT.equals(restore)
                    ? RetainedCheckpoints.latest(checkpoints).orElse(null)
                    : restore;
            if (restorePath != null) {
                configuration.set(SavepointConfigOptions.SAVEPOINT_PATH, restorePath);
            }
        }
        return configuration;
    }
}
