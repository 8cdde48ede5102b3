package com.cloudshop.analytics.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The one-pass check must never call valid what the full JSON Schema validator rejects, and should
 * call the real events valid (or it saves nothing). Checked on the shared samples and on many random
 * mutations of them: fields removed, added, retyped, set to boundary and malformed values.
 */
class StreamingSchemaCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCHEMA = Path.of(System.getProperty("contracts.dir", "../contracts"), "schemas", "order-event.schema.json");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final JsonNode schemaJson = read(SCHEMA);
    private final JsonSchema fullValidator = ContractSchemas.load(schemaJson, "classpath:contracts/order-event.schema.json");
    private final StreamingSchemaCheck check = StreamingSchemaCheck.compile(schemaJson).orElseThrow();

    private static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> samples() throws IOException {
        return Files.readAllLines(SCHEMA.getParent().getParent().resolve("samples/order-events.jsonl")).stream()
                .filter(line -> !line.isBlank())
                .toList();
    }

    private boolean fullyValid(String json) {
        try {
            return fullValidator.validate(JSON.readTree(json)).isEmpty();
        } catch (IOException notJson) {
            return false;
        }
    }

    @Test
    void callsEverySharedSampleValid() throws IOException {
        for (String sample : samples()) {
            assertThat(check.certainlyValid(sample.getBytes(StandardCharsets.UTF_8))).as(sample).isTrue();
        }
    }

    @Test
    void neverCallsValidWhatTheFullValidatorRejects() throws IOException {
        Random random = new Random(13);
        List<String> samples = samples();
        int rejectedByBoth = 0;
        for (int run = 0; run < 20_000; run++) {
            String mutated = mutate(random, samples.get(random.nextInt(samples.size())));
            boolean fast = check.certainlyValid(mutated.getBytes(StandardCharsets.UTF_8));
            boolean full = fullyValid(mutated);
            if (fast) {
                assertThat(full).as("the full validator rejects what the one-pass check accepted: %s", mutated).isTrue();
            }
            if (!full) {
                rejectedByBoth++;
            }
        }
        // The mutations must really produce invalid events, or this test proves nothing.
        assertThat(rejectedByBoth).isGreaterThan(5_000);
    }

    @Test
    void compilesNoCheckForAKeywordItDoesNotImplement() {
        ObjectNode schema = schemaJson.deepCopy();
        ((ObjectNode) schema.get("properties").get("eventId")).put("maxProperties", 3);
        assertThat(StreamingSchemaCheck.compile(schema)).isEmpty();
    }

    /** One random change somewhere in the event, or to its text. */
    private static String mutate(Random random, String sample) throws IOException {
        if (random.nextInt(10) == 0) {
            return textMutation(random, sample);
        }
        ObjectNode event = (ObjectNode) JSON.readTree(sample);
        List<ObjectNode> objects = new ArrayList<>();
        collectObjects(event, objects);
        ObjectNode target = objects.get(random.nextInt(objects.size()));
        List<String> names = new ArrayList<>();
        target.fieldNames().forEachRemaining(names::add);
        String name = names.get(random.nextInt(names.size()));
        switch (random.nextInt(4)) {
            case 0 -> target.remove(name);
            case 1 -> target.set(random.nextBoolean() ? "extra" : name.toUpperCase(), randomValue(random));
            case 2 -> target.set(name, randomValue(random));
            default -> target.set(name, nearValue(random, target.get(name)));
        }
        return JSON.writeValueAsString(event);
    }

    private static void collectObjects(JsonNode node, List<ObjectNode> objects) {
        if (node instanceof ObjectNode object) {
            objects.add(object);
        }
        node.forEach(child -> collectObjects(child, objects));
    }

    private static JsonNode randomValue(Random random) {
        return switch (random.nextInt(9)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextInt(2000) - 1000);
            case 3 -> NODES.numberNode(random.nextDouble() * 10);
            case 4 -> NODES.textNode("");
            case 5 -> NODES.textNode("x".repeat(random.nextInt(80)));
            case 6 -> NODES.arrayNode();
            case 7 -> NODES.objectNode();
            default -> NODES.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
        };
    }

    /** A value close to the original: the edge cases of lengths, bounds and formats. */
    private static JsonNode nearValue(Random random, JsonNode original) {
        if (original.isTextual()) {
            String text = original.textValue();
            List<String> candidates = List.of(
                    text.toLowerCase(), text.toUpperCase(), text + "Z", text.substring(0, Math.max(0, text.length() - 1)),
                    text.replace("Z", "+00:00"), text.replace("Z", ".5Z"), text.replace("T", " "), text.replace("-", "_"),
                    "urn:uuid:" + text, text.replace("2026", "0000"), text.replace("01", "13"), text.replace("10:", "24:"),
                    text.replace(":00", ":60"), text + "é", "é".repeat(64), "é".repeat(65), "a".repeat(64), "a".repeat(65),
                    "EU", "EURO", "eur", "E1R");
            return NODES.textNode(candidates.get(random.nextInt(candidates.size())));
        }
        if (original.isNumber()) {
            long value = original.asLong();
            long[] candidates = {value - 1, value + 1, 0, -1, 1, 1000, 1001, 1_000_000_000_000L, 1_000_000_000_001L};
            long chosen = candidates[random.nextInt(candidates.length)];
            return random.nextInt(4) == 0 ? NODES.numberNode((double) chosen) : NODES.numberNode(chosen);
        }
        if (original instanceof ArrayNode array) {
            ArrayNode copy = array.deepCopy();
            if (random.nextBoolean()) {
                copy.removeAll();
            } else {
                for (int item = 0; item < 100; item++) {
                    copy.add(array.get(0));
                }
            }
            return copy;
        }
        return randomValue(random);
    }

    private static String textMutation(Random random, String sample) {
        return switch (random.nextInt(5)) {
            case 0 -> sample + " {}";
            case 1 -> sample.substring(0, random.nextInt(sample.length()));
            case 2 -> sample.replaceFirst("\"eventId\"", "\"eventId\": \"a\", \"eventId\"");
            case 3 -> sample.replace("}", "},");
            default -> "[" + sample + "]";
        };
    }
}
