package com.cloudshop.analytics.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.cloudshop.analytics.SharedContracts;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrderEventDecoderTest {

    private final OrderEventDecoder decoder = new OrderEventDecoder();

    private DecodedOrder decode(String json) {
        return decoder.decode("o-1".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
    }

    private static String sampleWith(String field, String replacement) {
        String sample = SharedContracts.sampleOrderEvents().get(0);
        String replaced = sample.replace(field, replacement);
        assertThat(replaced).as("fixture edit applies").isNotEqualTo(sample);
        return replaced;
    }

    @Test
    void acceptsEverySharedSampleWithItsEventTime() {
        List<String> samples = SharedContracts.sampleOrderEvents();
        for (String sample : samples) {
            DecodedOrder decoded = decode(sample);
            assertThat(decoded.isAccepted()).as(sample).isTrue();
            assertThat(decoded.eventTimeMillis).isEqualTo(Instant.parse(decoded.event.occurredAt).toEpochMilli());
        }
        DecodedOrder first = decode(samples.get(0));
        assertThat(first.event.payload.orderId).isEqualTo("o-1001");
        assertThat(first.event.payload.items).extracting(item -> item.productId, item -> item.quantity, item -> item.unitPriceCents)
                .containsExactly(org.assertj.core.api.Assertions.tuple("p-1", 2, 1500L), org.assertj.core.api.Assertions.tuple("p-2", 1, 2500L));
    }

    @Test
    void rejectsWhatIsNotJsonKeepingTheOriginalBytes() {
        DecodedOrder decoded = decode("{\"eventId\": ");

        assertThat(decoded.isAccepted()).isFalse();
        assertThat(decoded.rejection.reason).startsWith("malformed: not JSON");
        assertThat(new String(decoded.rejection.value, StandardCharsets.UTF_8)).isEqualTo("{\"eventId\": ");
        assertThat(new String(decoded.rejection.key, StandardCharsets.UTF_8)).isEqualTo("o-1");
    }

    @Test
    void rejectsAnEmptyValue() {
        assertThat(decoder.decode(null, null).rejection.reason).isEqualTo("malformed: empty value");
    }

    @Test
    void rejectsEventsThatBreakTheSchema() {
        assertThat(decode(sampleWith("\"currency\": \"EUR\"", "\"currency\": \"eur\"")).rejection.reason)
                .contains("currency");
        assertThat(decode(sampleWith("\"quantity\": 2", "\"quantity\": 0")).rejection.reason).contains("quantity");
        assertThat(decode(sampleWith("\"totalCents\": 5500", "\"totalCents\": 55.5")).rejection.reason).contains("totalCents");
        assertThat(decode(sampleWith("\"userId\": \"u-1\", ", "")).rejection.reason).contains("userId");
        assertThat(decode(sampleWith("\"version\": 1", "\"version\": 1, \"extra\": true")).rejection.reason).contains("extra");
        assertThat(decode(sampleWith("\"type\": \"OrderPlaced\"", "\"type\": \"OrderShipped\"")).rejection.reason).contains("type");
    }

    @Test
    void assertsTheFormatsOfTheEnvelope() {
        assertThat(decode(sampleWith("5a3e0000-0000-4000-8000-000000000001", "not-a-uuid")).rejection.reason)
                .contains("eventId");
        assertThat(decode(sampleWith("2026-01-15T10:00:05Z", "yesterday")).rejection.reason).contains("occurredAt");
    }
}
