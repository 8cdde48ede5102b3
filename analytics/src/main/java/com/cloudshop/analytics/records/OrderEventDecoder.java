package com.cloudshop.analytics.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decodes a value of topic {@code orders}: parses the JSON, validates it against
 * contracts/schemas/order-event.schema.json (bundled in the jar from the repository's contracts
 * folder, with formats such as {@code uuid} and {@code date-time} asserted), and binds it.
 * Anything that fails becomes a dead letter with the reason; nothing here throws for bad input.
 */
public final class OrderEventDecoder {

    static final String SCHEMA_RESOURCE = "/contracts/order-event.schema.json";

    private final JsonSchema schema;

    public OrderEventDecoder() {
        this.schema = loadSchema();
    }

    private static JsonSchema loadSchema() {
        try (InputStream json = OrderEventDecoder.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (json == null) {
                throw new IllegalStateException("Order event schema missing from the classpath: " + SCHEMA_RESOURCE);
            }
            return ContractSchemas.load(json, "classpath:" + SCHEMA_RESOURCE.substring(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public DecodedOrder decode(byte[] key, byte[] value) {
        if (value == null || value.length == 0) {
            return reject(key, value, "malformed: empty value");
        }
        JsonNode json;
        try {
            json = OrderEventJson.parse(value);
        } catch (JsonProcessingException e) {
            return reject(key, value, "malformed: not JSON: " + e.getOriginalMessage());
        }
        Set<ValidationMessage> violations = schema.validate(json);
        if (!violations.isEmpty()) {
            return reject(key, value, "malformed: " + describe(violations));
        }
        try {
            OrderEvent event = OrderEventJson.bind(json, OrderEvent.class);
            return DecodedOrder.accepted(event, Instant.parse(event.occurredAt).toEpochMilli());
        } catch (IOException | RuntimeException e) {
            // The schema's date-time format is RFC 3339, which Instant.parse accepts; this guards the gap anyway.
            return reject(key, value, "malformed: " + e.getMessage());
        }
    }

    private static DecodedOrder reject(byte[] key, byte[] value, String reason) {
        return DecodedOrder.rejected(DeadLetter.of(key, value, reason));
    }

    private static String describe(Set<ValidationMessage> violations) {
        return violations.stream()
                .map(ValidationMessage::getMessage)
                .sorted(Comparator.naturalOrder())
                .collect(Collectors.joining("; "));
    }
}
