package com.cloudshop.analytics.records;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A dead letter as a record of {@code orders.dlq}: the original key and value untouched, and
 * headers {@code reason}, {@code consumer} and, when known, {@code source-topic},
 * {@code source-partition}, {@code source-offset}.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    static final String CONSUMER = "order-analytics";

    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        List<Header> headers = new ArrayList<>();
        headers.add(header("reason", letter.reason));
        headers.add(header("consumer", CONSUMER));
        if (letter.sourceTopic != null) {
            headers.add(header("source-topic", letter.sourceTopic));
            headers.add(header("source-partition", Integer.toString(letter.sourcePartition)));
            headers.add(header("source-offset", Long.toString(letter.sourceOffset)));
        }
        return new ProducerRecord<>(topic, null, null, letter.key, letter.value, headers);
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
