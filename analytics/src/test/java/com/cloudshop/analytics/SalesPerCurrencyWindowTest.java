package com.cloudshop.analytics;

import static com.cloudshop.analytics.Orders.line;
import static com.cloudshop.analytics.Orders.placed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.cloudshop.analytics.records.OrderEvent;
import com.cloudshop.analytics.records.ProductQuantity;
import com.cloudshop.analytics.records.WindowResult;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The job's deduplication and two-phase sales windows ({@link OrderAnalyticsJob#salesPerCurrency}),
 * driven through Flink's keyed operator test harnesses: one-minute windows, five minutes of allowed
 * lateness.
 */
class SalesPerCurrencyWindowTest {

    private static final Duration WINDOW = Duration.ofMinutes(1);
    private static final Duration LATENESS = Duration.ofMinutes(5);

    private SalesWindowsDriver driver;

    @BeforeEach
    void openHarness() throws Exception {
        driver = new SalesWindowsDriver(WINDOW, LATENESS);
    }

    @AfterEach
    void closeHarness() throws Exception {
        driver.close();
    }

    private void receive(OrderEvent order) throws Exception {
        driver.receive(order);
    }

    private void watermarkAt(String time) throws Exception {
        driver.watermarkAt(time);
    }

    private List<WindowResult> results() {
        return driver.results();
    }

    @Test
    void keepsCurrenciesApartAndFiresWhenTheWatermarkPassesTheWindowEnd() throws Exception {
        receive(placed("2026-01-15T10:00:05Z", "EUR", line("p-1", 2, 1500)));
        receive(placed("2026-01-15T10:00:10Z", "USD", line("p-1", 1, 1700)));
        receive(placed("2026-01-15T10:00:50Z", "EUR", line("p-2", 1, 999)));

        watermarkAt("2026-01-15T10:00:59.998Z");
        assertThat(results()).isEmpty();

        watermarkAt("2026-01-15T10:00:59.999Z");
        assertThat(results())
                .extracting(result -> result.currency, result -> result.orderCount, result -> result.revenueCents)
                .containsExactlyInAnyOrder(
                        tuple("EUR", 2L, 3999L),
                        tuple("USD", 1L, 1700L));
        WindowResult euro = results().stream().filter(result -> result.currency.equals("EUR")).findFirst().orElseThrow();
        assertThat(euro.windowStart).isEqualTo("2026-01-15T10:00:00Z");
        assertThat(euro.windowEnd).isEqualTo("2026-01-15T10:01:00Z");
        assertThat(euro.averageOrderValueCents).isEqualTo(2000L); // 3999 / 2 = 1999.5, half up
    }

    @Test
    void emitsNothingForWindowsWithoutOrders() throws Exception {
        receive(placed("2026-01-15T10:00:05Z", "EUR", line("p-1", 1, 100)));
        receive(placed("2026-01-15T10:07:05Z", "EUR", line("p-1", 1, 100)));

        watermarkAt("2026-01-15T10:30:00Z");

        assertThat(results()).extracting(result -> result.windowStart)
                .containsExactly("2026-01-15T10:00:00Z", "2026-01-15T10:07:00Z");
    }

    @Test
    void ranksTopFiveProductsByQuantityThenProductId() throws Exception {
        receive(placed("2026-01-15T10:00:01Z", "EUR",
                line("p-9", 1, 100), line("p-3", 4, 100), line("p-7", 2, 100), line("p-1", 2, 100)));
        receive(placed("2026-01-15T10:00:02Z", "EUR",
                line("p-5", 2, 100), line("p-2", 1, 100), line("p-8", 1, 100), line("p-3", 1, 100)));

        watermarkAt("2026-01-15T10:01:00Z");

        assertThat(results()).singleElement().satisfies(result -> assertThat(result.topProducts)
                .extracting(product -> product.productId, product -> product.quantity)
                .containsExactly(
                        tuple("p-3", 5L),
                        tuple("p-1", 2L),
                        tuple("p-5", 2L),
                        tuple("p-7", 2L),
                        tuple("p-2", 1L)));
    }

    @Test
    void countsOutOfOrderOrdersThatArriveBeforeTheWatermark() throws Exception {
        receive(placed("2026-01-15T10:00:50Z", "EUR", line("p-1", 1, 300)));
        receive(placed("2026-01-15T10:01:40Z", "EUR", line("p-2", 1, 500)));
        receive(placed("2026-01-15T10:00:10Z", "EUR", line("p-3", 1, 700)));

        watermarkAt("2026-01-15T10:02:00Z");

        assertThat(results()).extracting(result -> result.windowStart, result -> result.orderCount, result -> result.revenueCents)
                .containsExactly(
                        tuple("2026-01-15T10:00:00Z", 2L, 1000L),
                        tuple("2026-01-15T10:01:00Z", 1L, 500L));
    }

    @Test
    void updatesAFiredWindowForAnOrderWithinTheAllowedLateness() throws Exception {
        receive(placed("2026-01-15T10:00:05Z", "EUR", line("p-1", 1, 1000)));
        watermarkAt("2026-01-15T10:03:00Z");
        receive(placed("2026-01-15T10:00:30Z", "EUR", line("p-2", 3, 500)));

        assertThat(results()).extracting(result -> result.orderCount, result -> result.revenueCents)
                .containsExactly(tuple(1L, 1000L), tuple(2L, 2500L));
        WindowResult update = results().get(1);
        assertThat(update.topProducts).extracting(product -> product.productId).containsExactly("p-2", "p-1");
        assertThat(driver.lateOrders()).isEmpty();
    }

    @Test
    void sendsOrdersBeyondTheAllowedLatenessToTheLateSideOutput() throws Exception {
        receive(placed("2026-01-15T10:00:05Z", "EUR", line("p-1", 1, 1000)));
        watermarkAt("2026-01-15T10:06:00Z");
        OrderEvent tooLate = placed("2026-01-15T10:00:30Z", "EUR", line("p-2", 1, 500));
        receive(tooLate);

        assertThat(results()).hasSize(1);
        assertThat(driver.lateOrders())
                .extracting(order -> order.eventId)
                .containsExactly(tooLate.eventId);
    }

    @Test
    void neverListsMoreThanFiveProducts() throws Exception {
        receive(placed("2026-01-15T10:00:01Z", "EUR",
                line("p-1", 1, 1), line("p-2", 1, 1), line("p-3", 1, 1),
                line("p-4", 1, 1), line("p-5", 1, 1), line("p-6", 1, 1), line("p-7", 1, 1)));
        watermarkAt("2026-01-15T10:01:00Z");

        ProductQuantity[] top = results().get(0).topProducts;
        assertThat(top).extracting(product -> product.productId).containsExactly("p-1", "p-2", "p-3", "p-4", "p-5");
    }
}
