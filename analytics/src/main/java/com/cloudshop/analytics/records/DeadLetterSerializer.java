package com.cloudshop.analytics.records;

import com.cloudshop.analytics.PlatformContract.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A dead letter as a record of {@code orders.dlq}: the original key and value untouched, and the
 * platform contract's dead-letter headers, the same the services write: {@code dlq-reason},
 * {@code dlq-consumer-group}, {@code dlq-failed-at} and, when known, {@code dlq-source-topic},
 * {@code dlq-source-partition}, {@code dlq-source-offset}.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    private final String topic;
    private final String consumerGroup;

    /** @param consumerGroup the job's consumer group, which names who gave up on the record */
    public DeadLetterSerializer(String topic, String consumerGroup) {
        this.topic = topic;
        this.consumerGroup = consumerGroup;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        List<Header> headers = new ArrayList<>();
        headers.add(header(DeadLetterHeaders.REASON, letter.reason));
        headers.add(header(DeadLetterHeaders.CONSUMER_GROUP, consumerGroup));
        headers.add(header(DeadLetterHeaders.FAILED_AT, Instant.now().truncatedTo(ChronoUnit.MILLIS).toString()));
        if (letter.sourceTopic != null) {
            headers.add(header(DeadLetterHeaders.SOURCE_TOPIC, letter.sourceTopic));
            headers.add(header(DeadLetterHeaders.SOURCE_PARTITION, Integer.toString(letter.sourcePartition)));
            headers.add(header(DeadLetterHeaders.SOURCE_OFFSET, Long.toString(letter.sourceOffset)));
        }
        return new ProducerRecord<>(topic, null, null, letter.key, letter.value, headers);
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
