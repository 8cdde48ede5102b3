package com.cloudshop.analytics.functions;

import com.cloudshop.analytics.records.DecodedOrder;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event-time watermarks for one Kafka partition: bounded out-of-orderness over {@code occurredAt},
 * plus two rules for quiet partitions.
 *
 * <ul>
 *   <li>A partition that has never delivered an order is marked idle after the idleness timeout,
 *       so an empty partition does not hold back the others.
 *   <li>A partition whose orders have stopped for the idleness timeout advances its watermark with
 *       the wall clock (minus the out-of-orderness bound). A shop is quiet at night; without this
 *       the last window of the day would stay open until the first order of the next morning. An
 *       order that still shows up later than that is handled by the allowed lateness, and beyond it
 *       goes to the dead-letter topic.
 * </ul>
 *
 * Rejected records carry no event time and do not move the watermark.
 */
public final class OrderWatermarks implements WatermarkGenerator<DecodedOrder> {

    private final long outOfOrdernessMillis;
    private final long idlenessMillis;
    private final LongSupplier wallClockMillis;

    private long maxEventTime = Long.MIN_VALUE;
    private long lastOrderSeenAt;
    private long emittedWatermark = Long.MIN_VALUE;

    public OrderWatermarks(Duration outOfOrderness, Duration idleness, LongSupplier wallClockMillis) {
        this.outOfOrdernessMillis = outOfOrderness.toMillis();
        this.idlenessMillis = idleness.toMillis();
        this.wallClockMillis = wallClockMillis;
        this.lastOrderSeenAt = wallClockMillis.getAsLong();
    }

    /** The strategy the job puts on its source: timestamps from {@code occurredAt}, watermarks from this class. */
    public static WatermarkStrategy<DecodedOrder> strategy(Duration outOfOrderness, Duration idleness) {
        return WatermarkStrategy.<DecodedOrder>forGenerator(
                        context -> new OrderWatermarks(outOfOrderness, idleness, System::currentTimeMillis))
                .withTimestampAssigner((order, kafkaTimestamp) -> order.isAccepted() ? order.eventTimeMillis : kafkaTimestamp);
    }

    @Override
    public void onEvent(DecodedOrder order, long eventTimestamp, WatermarkOutput output) {
        if (!order.isAccepted()) {
            return;
        }
        maxEventTime = Math.max(maxEventTime, eventTimestamp);
        lastOrderSeenAt = wallClockMillis.getAsLong();
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long now = wallClockMillis.getAsLong();
        boolean quiet = now - lastOrderSeenAt >= idlenessMillis;
        if (maxEventTime == Long.MIN_VALUE) {
            if (quiet) {
                output.markIdle();
            }
            return;
        }
        long newestKnownTime = quiet ? Math.max(maxEventTime, now) : maxEventTime;
        long watermark = newestKnownTime - outOfOrdernessMillis - 1;
        if (watermark > emittedWatermark) {
            emittedWatermark = watermark;
            output.emitWatermark(new Watermark(watermark));
        }
    }
}
