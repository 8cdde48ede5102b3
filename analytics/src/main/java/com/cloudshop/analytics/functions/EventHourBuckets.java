package com.cloudshop.analytics.functions;

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

    @Override
    public String getBucketId(OrderEvent order, Context context) {
        return PARTITION.format(Instant.parse(order.occurredAt));
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
