package com.cloudshop.analytics.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class EventTimesTest {

    @Test
    void agreesWithInstantParseOnRandomInstants() {
        Random random = new Random(7);
        for (int run = 0; run < 100_000; run++) {
            // Years 0 to 9999, at millisecond and at second precision, as Instant.toString writes them.
            long millis = Math.floorMod(random.nextLong(), 253_402_300_800_000L) - 62_167_219_200_000L;
            if (random.nextBoolean()) {
                millis -= Math.floorMod(millis, 1000);
            }
            String text = Instant.ofEpochMilli(millis).toString();
            assertThat(EventTimes.epochMillis(text)).as(text).isEqualTo(Instant.parse(text).toEpochMilli());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "2026-01-15T10:00:05+02:00", "2026-01-15T10:00:05.1Z", "2026-01-15T10:00:05.123456Z", "2024-02-29T23:59:59Z",
        "2026-12-31T23:59:59.999Z", "1970-01-01T00:00:00Z", "2026-01-15T10:00:05.120Z"})
    void readsEveryFormOfInstantParse(String text) {
        assertThat(EventTimes.epochMillis(text)).isEqualTo(Instant.parse(text).toEpochMilli());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-02-29T10:00:05Z", "2026-13-01T10:00:05Z", "2026-01-15T24:00:05Z", "2026-01-15 10:00:05Z", "2026-01-15T10:00:05.12aZ"})
    void rejectsWhatInstantParseRejects(String text) {
        assertThatThrownBy(() -> EventTimes.epochMillis(text)).isInstanceOf(DateTimeParseException.class);
    }
}
