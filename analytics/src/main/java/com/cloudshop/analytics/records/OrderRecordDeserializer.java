package com.cloudshop.analytics.records;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Kafka records of {@code orders} to {@link DecodedOrder}s; a rejection remembers where the record came from. */
public final class OrderRecordDeserializer implements KafkaRecordDeserializationSchema<DecodedOrder> {

    private transient OrderEventDecoder decoder;

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        decoder = new OrderEventDecoder();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<DecodedOrder> out) {
        DecodedOrder decoded = decoder.decode(record.key(), record.value());
        if (!decoded.isAccepted()) {
            decoded.rejection.from(record.topic(), record.partition(), record.offset());
        }
        out.collect(decoded);
    }

    @Override
    public TypeInformation<DecodedOrder> getProducedType() {
        return TypeInformation.of(DecodedOrder.class);
    }
}
