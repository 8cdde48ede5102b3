package com.cloudshop.analytics.records;

/**
 * A record the job could not use, bound for {@code orders.dlq} with the reason in a header.
 * The source coordinates are absent (null topic, -1) for events rejected after decoding, such as
 * events that arrive beyond the allowed lateness.
 */
public class DeadLetter {
    public byte[] key;
    public byte[] value;
    public String reason;
    public String sourceTopic;
    public int sourcePartition = -1;
    public long sourceOffset = -1;

    public DeadLetter() {}

    public static DeadLetter of(byte[] key, byte[] value, String reason) {
        DeadLetter letter = new DeadLetter();
        letter.key = key;
        letter.value = value;
        letter.reason = reason;
        return letter;
    }

    public DeadLetter from(String topic, int partition, long offset) {
        sourceTopic = topic;
        sourcePartition = partition;
        sourceOffset = offset;
        return this;
    }
}
