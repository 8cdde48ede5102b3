package com.cloudshop.analytics.records;

/**
 * Value of topic {@code orders}: the envelope of contracts/schemas/order-event.schema.json.
 *
 * <p>A Flink POJO (public fields, no-argument constructor) rather than a Java record, because
 * Flink 1.17 has no serializer for records and Kryo cannot restore their final fields.
 */
public class OrderEvent {
    public String eventId;
    public String type;
    public int version;
    /** ISO-8601 UTC as the producer wrote it; the event time of the analytics. */
    public String occurredAt;
    public OrderPlaced payload;

    public OrderEvent() {}
}
