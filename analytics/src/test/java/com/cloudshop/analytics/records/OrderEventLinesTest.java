package com.cloudshop.analytics.records;

import static com.cloudshop.analytics.Orders.line;
import static com.cloudshop.analytics.Orders.placed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OrderEventLinesTest {

    private static String encoded(OrderEvent event) throws Exception {
        ByteArrayOutputStream lake = new ByteArrayOutputStream();
        new OrderEventLines().encode(event, lake);
        return lake.toString(StandardCharsets.UTF_8);
    }

    @Test
    void writesAOneLineEventAsItArrived() throws Exception {
        OrderEvent event = placed("2026-01-15T10:00:05Z", "EUR", line("p-1", 1, 100));
        event.raw = ("{\"eventId\": \"" + event.eventId + "\",   \"as\": \"sent\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(encoded(event)).isEqualTo(new String(event.raw, StandardCharsets.UTF_8) + "\n");
    }

    @Test
    void writesAnEventThatArrivedOverSeveralLinesAsOneLineOfItsOwnJson() throws Exception {
        OrderEvent event = placed("2026-01-15T10:00:05Z", "EUR", line("p-1", 1, 100));
        event.raw = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(event);
        String written = encoded(event);
        assertThat(written).endsWith("\n").doesNotContain("\r");
        assertThat(written.strip()).doesNotContain("\n").isEqualTo(new String(OrderEventJson.encode(event), StandardCharsets.UTF_8));
    }

    @Test
    void encodesAnEventBuiltInCode() throws Exception {
        OrderEvent event = placed("2026-01-15T10:00:05Z", "EUR", line("p-1", 1, 100));
        assertThat(encoded(event)).isEqualTo(new String(OrderEventJson.encode(event), StandardCharsets.UTF_8) + "\n");
        assertThat(encoded(event)).doesNotContain("raw");
    }
}
