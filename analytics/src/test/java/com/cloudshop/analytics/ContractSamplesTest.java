package com.cloudshop.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import org.junit.jupiter.api.Test;

/** The samples and expected figures shared with the TypeScript tests obey the shared JSON Schemas. */
class ContractSamplesTest {

    @Test
    void everySampleOrderEventMatchesTheOrderEventSchema() {
        JsonSchema schema = SharedContracts.schema("order-event.schema.json");
        assertThat(SharedContracts.sampleOrderEvents()).hasSize(9).allSatisfy(sample ->
                assertThat(schema.validate(SharedContracts.parse(sample))).as(sample).isEmpty());
    }

    @Test
    void everyExpectedWindowMatchesTheWindowResultSchema() {
        JsonSchema schema = SharedContracts.schema("window-result.schema.json");
        assertThat(SharedContracts.expectedOneMinuteWindows()).isNotEmpty().allSatisfy(window ->
                assertThat(schema.validate(window)).as(window.toString()).isEmpty());
    }

    @Test
    void theSchemaRejectsWhatItShould() {
        JsonSchema schema = SharedContracts.schema("order-event.schema.json");
        JsonNode brokenSample = SharedContracts.parse(
                SharedContracts.sampleOrderEvents().get(0).replace("\"currency\": \"EUR\"", "\"currency\": \"euro\""));
        assertThat(schema.validate(brokenSample)).isNotEmpty();
    }
}
