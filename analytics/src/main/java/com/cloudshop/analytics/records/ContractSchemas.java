package com.cloudshop.analytics.records;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Loads the JSON Schemas that {@code npm run contracts} emits into contracts/schemas, the single
 * definition of the event shapes, with format assertions on ({@code uuid}, {@code date-time}).
 */
public final class ContractSchemas {

    private ContractSchemas() {}

    /**
     * @param location where the schema was read from; the base that the schema's relative
     *     {@code $id} (for example {@code OrderEvent}) resolves against
     */
    public static JsonSchema load(InputStream schemaJson, String location) {
        try {
            return load(OrderEventJson.MAPPER.readTree(schemaJson), location);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @param location as for {@link #load(InputStream, String)} */
    public static JsonSchema load(JsonNode schema, String location) {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(SchemaLocation.of(location), schema, config);
    }
}
