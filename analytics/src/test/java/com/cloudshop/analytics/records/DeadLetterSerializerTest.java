package com.cloudshop.analytics.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.cloudshop.analytics.SharedContracts;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** Dead letters carry the same headers as the services' (contracts/platform.json), so one triage reads both. */
class DeadLetterSerializerTest {

    private static final JsonNode HEADERS = SharedContracts.platform().get("deadLetterHeaders");
    private final DeadLetterSerializer serializer = new DeadLetterSerializer("orders.dlq", "order-analytics");

    @Test
    void aRecordRejectedOnDecodingKeepsItsBytesAndNamesWhereItCameFrom() {
        byte[] key = "o-1".getBytes(StandardCharsets.UTF_8);
        byte[] value = "not an order".getBytes(StandardCharsets.UTF_8);
        Instant before = Instant.now().minusMillis(1);

        ProducerRecord<byte[], byte[]> record =
                serializer.serialize(DeadLetter.of(key, value, "malformed: not JSON").from("orders", 2, 41), null, null);

        assertThat(record.topic()).isEqualTo("orders.dlq");
        assertThat(record.key()).isEqualTo(key);
        assertThat(record.value()).isEqualTo(value);
        Map<String, String> headers = headersOf(record);
        assertThat(headers).containsExactly(
                Map.entry(name("reason"), "malformed: not JSON"),
                Map.entry(name("consumerGroup"), "order-analytics"),
                Map.entry(name("failedAt"), headers.get(name("failedAt"))),
                Map.entry(name("sourceTopic"), "orders"),
                Map.entry(name("sourcePartition"), "2"),
                Map.entry(name("sourceOffset"), "41"));
        assertThat(Instant.parse(headers.get(name("failedAt")))).isAfter(before).isBeforeOrEqualTo(Instant.now());
    }

    @Test
    void aLateOrderHasNoSourceCoordinates() {
        ProducerRecord<byte[], byte[]> record = serializer.serialize(
                DeadLetter.of(null, "{}".getBytes(StandardCharsets.UTF_8), "late: window closed"), null, null);

        assertThat(headersOf(record).keySet()).containsExactly(name("reason"), name("consumerGroup"), name("failedAt"));
    }

    private static String name(String header) {
        return HEADERS.get(header).asText();
    }

    private static Map<String, String> headersOf(ProducerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }
}
