package com.cloudshop.analytics;

import com.cloudshop.analytics.records.ContractSchemas;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The contract files shared with the TypeScript side (repository folder {@code contracts/}),
 * read from where the repository keeps them, so a change there reaches these tests unchanged.
 */
public final class SharedContracts {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DIRECTORY = Path.of(System.getProperty("contracts.dir", "../contracts"));

    private SharedContracts() {}

    public static List<String> sampleOrderEvents() {
        try {
            return Files.readAllLines(DIRECTORY.resolve("samples/order-events.jsonl")).stream()
                    .filter(line -> !line.isBlank())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** expected-windows-1m.json, ordered by window start then currency. */
    public static List<JsonNode> expectedOneMinuteWindows() {
        return inWindowOrder(readJson(DIRECTORY.resolve("samples/expected-windows-1m.json")));
    }

    /** platform.json: topics, consumer groups, dead-letter headers, as the repository holds it. */
    public static JsonNode platform() {
        return readJson(DIRECTORY.resolve("platform.json"));
    }

    public static JsonSchema schema(String fileName) {
        Path file = DIRECTORY.resolve("schemas").resolve(fileName);
        try (InputStream schema = Files.newInputStream(file)) {
            return ContractSchemas.load(schema, file.toUri().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode parse(byte[] json) {
        return parse(new String(json, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Window results in a stable order (window start, then currency), since parallel windows emit in any order. */
    public static List<JsonNode> inWindowOrder(Iterable<JsonNode> windows) {
        List<JsonNode> ordered = new ArrayList<>();
        windows.forEach(ordered::add);
        ordered.sort(Comparator.<JsonNode, String>comparing(window -> window.get("windowStart").asText())
                .thenComparing(window -> window.get("currency").asText()));
        return ordered;
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
