package com.cloudshop.analytics.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decodes a value of topic {@code orders}: validates it against
 * contracts/schemas/order-event.schema.json (bundled in the jar from the repository's contracts
 * folder, with formats such as {@code uuid} and {@code date-time} asserted), and binds it. Valid
 * events take a one-pass check compiled from that schema ({@link StreamingSchemaCheck}); anything
 * it is not sure about gets the full JSON Schema validator.
 * Anything that fails becomes a dead letter with the reason; nothing here throws for bad input.
 */
public final class OrderEventDecoder {

    static final String SCHEMA_RESOURCE = "/contracts/order-event.schema.json";

    private final JsonSchema schema;
    /** The fast path for valid events; empty if the schema uses a keyword it does not implement. */
    private final Optional<StreamingSchemaCheck> certainlyValid;

    public OrderEventDecoder() {
        JsonNode schemaJson = loadSchema();
        this.schema = ContractSchemas.load(schemaJson, "classpath:" + SCHEMA_RESOURCE.substring(1));
        this.certainlyValid = StreamingSchemaCheck.compile(schemaJson);
    }

    private static JsonNode loadSchema() {
        try (InputStream json = OrderEventDecoder.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (json == null) {
                throw new IllegalStateException("Order event schema missing from the classpath: " + SCHEMA_RESOURCE);
            }
            return OrderEventJson.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public DecodedOrder decode(byte[] key, byte[] value) {
        if (value == null || value.length == 0) {
            return reject(key, value, "malformed: empty value");
        }
        // Almost every event is valid: the one-pass check says so without a tree. Anything it is not sure
        // about goes to the full validator, which decides and names the violations for the dead letter.
        if (certainlyValid.isEmpty() || !certainlyValid.get().certainlyValid(value)) {
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
        }
        try {
            OrderEvent event = OrderEventJson.readOrderEvent(value);
            event.raw = value;
            return DecodedOrder.accepted(event, EventTimes.epochMillis(event.occurredAt));
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
