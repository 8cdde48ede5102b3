package com.cloudshop.analytics.records;

import com.fasterxml.jackson.annotation.JsonIgnore;

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
    /**
     * The Kafka record's value as it arrived, not part of the JSON: the data lake stores it and a late
     * order goes to the dead-letter topic with it, unchanged and without encoding the event again.
     * Null for events built in code.
     */
    @JsonIgnore
    public byte[] raw;

    public OrderEvent() {}
}
