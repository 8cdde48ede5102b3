package com.cloudshop.analytics.functions;

import com.cloudshop.analytics.records.EventTimes;
import com.cloudshop.analytics.records.OrderEvent;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;

/**
 * Data-lake partitions {@code date=YYYY-MM-DD/hour=HH} by the event's own time (UTC), in the
 * Hive layout that BigQuery external tables and Spark read as partition columns.
 */
public final class EventHourBuckets implements BucketAssigner<OrderEvent, String> {

    private static final DateTimeFormatter PARTITION =
            DateTimeFormatter.ofPattern("'date='yyyy-MM-dd'/hour='HH").withZone(ZoneOffset.UTC);

    private static final long HOUR_MILLIS = 3_600_000;

    private transient long lastHour = Long.MIN_VALUE;
    private transient String lastBucket;

    /**
     * From the record's timestamp, which the source set to the parsed {@code occurredAt}: no second
     * parse per event, and one formatting per hour of event time in a row.
     */
    @Override
    public String getBucketId(OrderEvent order, Context context) {
        Long timestamp = context.timestamp();
        long eventTime = timestamp != null ? timestamp : EventTimes.epochMillis(order.occurredAt);
        long hour = Math.floorDiv(eventTime, HOUR_MILLIS);
        if (hour != lastHour || lastBucket == null) {
            lastBucket = PARTITION.format(Instant.ofEpochMilli(hour * HOUR_MILLIS));
            lastHour = hour;
        }
        return lastBucket;
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
