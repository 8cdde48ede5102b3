package com.cloudshop.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobFlagsTest {

    @Test
    void hasLocalDefaults() {
        JobFlags flags = JobFlags.parse();

        assertThat(flags.brokers()).isEqualTo("127.0.0.1:9092");
        assertThat(flags.window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(flags.security()).isEqualTo(KafkaSecurity.NONE);
        assertThat(flags.deduplicationMemory()).isEqualTo(Duration.ofMinutes(7));
        assertThat(flags.security().clientProperties()).isEmpty();
    }

    @Test
    void readsFlagsAndMskIamSettings() {
        JobFlags flags = JobFlags.parse("--brokers", "b-1:9098,b-2:9098", "--window", "5 min", "--security", "iam",
                "--lake", "gs://lake/orders", "--checkpoints", "gs://state/checkpoints", "--state-backend", "rocksdb");

        assertThat(flags.window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(flags.lake()).isEqualTo("gs://lake/orders");
        assertThat(flags.security().clientProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "AWS_MSK_IAM");
    }

    @Test
    void refusesUnknownFlagsAndStateBackends() {
        assertThatThrownBy(() -> JobFlags.parse("--windows", "1 min")).hasMessageContaining("windows");
        assertThatThrownBy(() -> JobFlags.parse("--state-backend", "memory")).hasMessageContaining("state-backend");
    }

    @Test
    void restoresTheNewestRetainedCheckpoint(@TempDir Path checkpoints) throws Exception {
        Path older = Files.createDirectories(checkpoints.resolve("job-a/chk-3"));
        Files.writeString(older.resolve("_metadata"), "x");
        Path newer = Files.createDirectories(checkpoints.resolve("job-b/chk-1"));
        Files.writeString(newer.resolve("_metadata"), "x");
        Files.setLastModifiedTime(older.resolve("_metadata"), java.nio.file.attribute.FileTime.fromMillis(1_000));
        Files.createDirectories(checkpoints.resolve("job-b/chk-2")); // in progress: no _metadata yet

        Configuration configuration =
                JobFlags.parse("--checkpoints", checkpoints.toUri().toString(), "--restore", "latest").flinkConfiguration();

        assertThat(configuration.get(SavepointConfigOptions.SAVEPOINT_PATH)).isEqualTo(newer.toUri().toString());
    }

    @Test
    void startsFreshWhenNoCheckpointWasRetained(@TempDir Path checkpoints) {
        Configuration configuration =
                JobFlags.parse("--checkpoints", checkpoints.toString(), "--restore", "latest").flinkConfiguration();

        assertThat(configuration.getOptional(SavepointConfigOptions.SAVEPOINT_PATH)).isEmpty();
    }
}
