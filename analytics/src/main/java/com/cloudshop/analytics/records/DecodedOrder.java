package com.cloudshop.analytics.records;

/**
 * What the source emits for each Kafka record: either a valid event with its event time, or the
 * dead letter that explains why the record was rejected. Rejections travel through the source
 * instead of failing it, so one bad record can never put the job into a crash loop.
 */
public class DecodedOrder {
    public OrderEvent event;
    public long eventTimeMillis;
    public DeadLetter rejection;

    public DecodedOrder() {}

    public static DecodedOrder accepted(OrderEvent event, long eventTimeMillis) {
        DecodedOrder decoded = new DecodedOrder();
        decoded.event = event;
        decoded.eventTimeMillis = eventTimeMillis;
        return decoded;
    }

    public static DecodedOrder rejected(DeadLetter rejection) {
        DecodedOrder decoded = new DecodedOrder();
        decoded.rejection = rejection;
        return decoded;
    }

    public boolean isAccepted() {
        return event != null;
    }
}
