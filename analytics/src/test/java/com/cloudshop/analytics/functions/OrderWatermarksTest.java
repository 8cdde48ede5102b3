package com.cloudshop.analytics.functions;

import static com.cloudshop.analytics.Orders.line;
import static com.cloudshop.analytics.Orders.placed;
import static org.assertj.core.api.Assertions.assertThat;

import com.cloudshop.analytics.records.DeadLetter;
import com.cloudshop.analytics.records.DecodedOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

class OrderWatermarksTest {

    private static final Duration OUT_OF_ORDERNESS = Duration.ofMinutes(1);
    private static final Duration IDLENESS = Duration.ofSeconds(30);

    private final AtomicLong wallClock = new AtomicLong(Instant.parse("2026-03-01T12:00:00Z").toEpochMilli());
    private final OrderWatermarks watermarks = new OrderWatermarks(OUT_OF_ORDERNESS, IDLENESS, wallClock::get);
    private final RecordingOutput output = new RecordingOutput();

    private void receive(String occurredAt) {
        long eventTime = Instant.parse(occurredAt).toEpochMilli();
        watermarks.onEvent(DecodedOrder.accepted(placed(occurredAt, "EUR", line("p-1", 1, 1)), eventTime), eventTime, output);
    }

    private void wallClockAdvances(Duration elapsed) {
        wallClock.addAndGet(elapsed.toMillis());
    }

    @Test
    void trailsTheLatestEventTimeByTheOutOfOrdernessBound() {
        receive("2026-01-15T10:01:50Z");
        receive("2026-01-15T10:00:55Z");
        watermarks.onPeriodicEmit(output);

        assertThat(output.lastWatermark()).isEqualTo(Instant.parse("2026-01-15T10:00:49.999Z"));
        assertThat(output.idle).isFalse();
    }

    @Test
    void ignoresRejectedRecords() {
        receive("2026-01-15T10:00:00Z");
        watermarks.onEvent(DecodedOrder.rejected(DeadLetter.of(null, new byte[] {1}, "malformed")), Long.MAX_VALUE, output);
        watermarks.onPeriodicEmit(output);

        assertThat(output.lastWatermark()).isEqualTo(Instant.parse("2026-01-15T09:58:59.999Z"));
    }

    @Test
    void marksAPartitionWithoutOrdersIdleAfterTheIdlenessTimeout() {
        watermarks.onPeriodicEmit(output);
        assertThat(output.idle).isFalse();

        wallClockAdvances(IDLENESS);
        watermarks.onPeriodicEmit(output);

        assertThat(output.idle).isTrue();
        assertThat(output.watermarks).isEmpty();
    }

    @Test
    void advancesWithTheWallClockOnceOrdersStop() {
        receive("2026-03-01T11:59:50Z");
        wallClockAdvances(IDLENESS.minusMillis(1));
        watermarks.onPeriodicEmit(output);
        assertThat(output.lastWatermark()).isEqualTo(Instant.parse("2026-03-01T11:58:49.999Z"));

        wallClockAdvances(Duration.ofMillis(1));
        watermarks.onPeriodicEmit(output);
        assertThat(output.lastWatermark()).isEqualTo(Instant.parse("2026-03-01T11:59:29.999Z"));
    }

    @Test
    void neverMovesBackwards() {
        receive("2026-03-01T11:59:50Z");
        wallClockAdvances(Duration.ofMinutes(10));
        watermarks.onPeriodicEmit(output);
        receive("2026-03-01T11:59:55Z");
        watermarks.onPeriodicEmit(output);

        assertThat(output.watermarks).hasSize(1);
        assertThat(output.lastWatermark()).isEqualTo(Instant.parse("2026-03-01T12:08:59.999Z"));
    }

    private static final class RecordingOutput implements WatermarkOutput {
        final List<Long> watermarks = new ArrayList<>();
        boolean idle;

        @Override
        public void emitWatermark(Watermark watermark) {
            idle = false;
            watermarks.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {
            idle = true;
        }

        @Override
        public void markActive() {
            idle = false;
        }

        Instant lastWatermark() {
            return Instant.ofEpochMilli(watermarks.get(watermarks.size() - 1));
        }
    }
}
