package com.cloudshop.analytics.records;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A window result as a record of {@code analytics-results}: key = window start, value = JSON.
 * The record timestamp is left to the producer (publication time): stamping the window's own
 * time would let retention delete results of replayed old windows at once.
 */
public final class WindowResultSerializer implements KafkaRecordSerializationSchema<WindowResult> {

    private final String topic;

    public WindowResultSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(WindowResult result, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(
                topic, result.windowStart.getBytes(StandardCharsets.UTF_8), OrderEventJson.encode(result));
    }
}
