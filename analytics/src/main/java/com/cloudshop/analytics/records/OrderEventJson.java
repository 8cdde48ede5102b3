package com.cloudshop.analytics.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The job's one JSON mapping of its records; an {@link ObjectMapper} is thread-safe once configured. */
public final class OrderEventJson {

    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private static final ObjectReader ORDER_EVENT_READER = MAPPER.readerFor(OrderEvent.class);

    private OrderEventJson() {}

    public static byte[] encode(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(byte[] json) throws JsonProcessingException {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            // Reading from a byte array has no I/O to fail; anything else is a parse error above.
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Binds the bytes straight to the POJO: a second, streaming pass over a few hundred bytes costs less
     * than walking the validated tree, which was built for the schema validator.
     */
    static OrderEvent readOrderEvent(byte[] json) throws IOException {
        return ORDER_EVENT_READER.readValue(json);
    }
}
