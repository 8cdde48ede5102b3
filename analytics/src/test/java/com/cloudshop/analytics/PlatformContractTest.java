package com.cloudshop.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * The contract the jar carries is the repository's contracts/platform.json, read here from the
 * repository itself, and the job's defaults are its names: the job uses the topics, group and
 * transactional ids that the stacks grant and the local launcher declares.
 */
class PlatformContractTest {

    private final JsonNode platform = SharedContracts.platform();

    @Test
    void theJobDefaultsToTheContractsTopicsGroupAndTransactionalIds() {
        JobFlags defaults = JobFlags.parse();
        JsonNode group = platform.get("consumerGroups").get("orderAnalytics");

        assertThat(defaults.ordersTopic()).isEqualTo(platform.get("topics").get("orders").get("name").asText()).isEqualTo(group.get("topic").asText());
        assertThat(defaults.resultsTopic()).isEqualTo(platform.get("topics").get("analyticsResults").get("name").asText());
        assertThat(defaults.deadLetterTopic()).isEqualTo(platform.get("topics").get("orderDeadLetters").get("name").asText())
                .isEqualTo(group.get("deadLetterTopic").asText());
        assertThat(defaults.group()).isEqualTo(group.get("id").asText());
        assertThat(defaults.transactionalIdPrefix())
                .isEqualTo(platform.get("analyticsJob").get("kafka").get("transactionalIdPrefix").asText());
        assertThat(OrderAnalyticsJob.NAME).isEqualTo(platform.get("analyticsJob").get("name").asText());
    }

    @Test
    void theJobMayProduceToEveryTopicItWrites() {
        JobFlags defaults = JobFlags.parse();
        assertThat(platform.get("analyticsJob").get("kafka").get("produces"))
                .extracting(JsonNode::asText)
                .containsExactlyInAnyOrder(defaults.resultsTopic(), defaults.deadLetterTopic());
    }

    @Test
    void deadLetterHeadersAreTheContractsNames() {
        JsonNode headers = platform.get("deadLetterHeaders");

        assertThat(PlatformContract.DeadLetterHeaders.REASON).isEqualTo(headers.get("reason").asText());
        assertThat(PlatformContract.DeadLetterHeaders.SOURCE_TOPIC).isEqualTo(headers.get("sourceTopic").asText());
        assertThat(PlatformContract.DeadLetterHeaders.SOURCE_PARTITION).isEqualTo(headers.get("sourcePartition").asText());
        assertThat(PlatformContract.DeadLetterHeaders.SOURCE_OFFSET).isEqualTo(headers.get("sourceOffset").asText());
        assertThat(PlatformContract.DeadLetterHeaders.CONSUMER_GROUP).isEqualTo(headers.get("consumerGroup").asText());
        assertThat(PlatformContract.DeadLetterHeaders.FAILED_AT).isEqualTo(headers.get("failedAt").asText());
    }
}
