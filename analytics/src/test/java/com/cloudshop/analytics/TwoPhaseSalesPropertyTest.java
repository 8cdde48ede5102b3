package com.cloudshop.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.cloudshop.analytics.records.OrderEvent;
import com.cloudshop.analytics.records.OrderLine;
import com.cloudshop.analytics.records.ProductQuantity;
import com.cloudshop.analytics.records.WindowResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Property: for random order streams (several currencies of very different volume, a few products
 * that sell far more than the rest, out-of-order, late, too-late and redelivered events), the
 * job's deduplication and two-phase windows publish, per currency and window, exactly the sequence
 * of results (on-time result, then one update per order within the allowed lateness) that a plain
 * single-key computation written here publishes, and send the same orders to the late output.
 */
class TwoPhaseSalesPropertyTest {

    private static final Duration WINDOW = Duration.ofMinutes(1);
    private static final Duration LATENESS = Duration.ofMinutes(2);
    private static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(20);
    private static final List<String> CURRENCIES = List.of("EUR", "EUR", "EUR", "EUR", "EUR", "USD", "USD", "GBP", "JPY");
    private static final Instant START = Instant.parse("2026-01-15T10:00:00Z");

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void twoPhaseResultsEqualASingleKeyReference(long seed) throws Exception {
        Random random = new Random(seed);
        List<Object> stream = randomStream(random, 1500);
        SingleKeyReference reference = new SingleKeyReference(WINDOW.toMillis(), LATENESS.toMillis());
        try (SalesWindowsDriver job = new SalesWindowsDriver(WINDOW, LATENESS)) {
            for (Object step : stream) {
                if (step instanceof OrderEvent order) {
                    job.receive(order);
                    reference.receive(order);
                } else {
                    job.watermarkAt((Long) step);
                    reference.watermarkAt((Long) step);
                }
            }
            job.watermarkAt(Long.MAX_VALUE);
            reference.watermarkAt(Long.MAX_VALUE);

            // The test must exercise what it claims: updates within the lateness, drops beyond it, redeliveries.
            assertThat(reference.lateUpdates).as("updates within the allowed lateness").isPositive();
            assertThat(reference.late).as("orders beyond the allowed lateness").isNotEmpty();
            assertThat(reference.redeliveries).as("redelivered orders").isPositive();

            assertThat(perWindow(job.results())).isEqualTo(perWindow(reference.published));
            assertThat(job.lateOrders()).extracting(order -> order.eventId)
                    .containsExactlyElementsOf(reference.late);
        }
    }

    /** Orders and watermarks: ten seconds of shop time per order, a bounded-out-of-orderness watermark every few orders. */
    private static List<Object> randomStream(Random random, int orders) {
        List<Object> stream = new ArrayList<>();
        List<OrderEvent> sent = new ArrayList<>();
        long clock = START.toEpochMilli();
        long maxEventTime = Long.MIN_VALUE;
        for (int index = 0; index < orders; index++) {
            clock += random.nextInt(400);
            if (!sent.isEmpty() && random.nextInt(12) == 0) {
                stream.add(sent.get(random.nextInt(sent.size()))); // the outbox delivers again
            } else {
                // Mostly a few seconds out of order, sometimes minutes: within the lateness or beyond it.
                long delay = random.nextInt(10) == 0 ? random.nextInt(240_000) : random.nextInt(15_000);
                OrderEvent order = randomOrder(random, Instant.ofEpochMilli(clock - delay));
                sent.add(order);
                stream.add(order);
                maxEventTime = Math.max(maxEventTime, clock - delay);
            }
            if (random.nextInt(5) == 0 && maxEventTime != Long.MIN_VALUE) {
                stream.add(maxEventTime - OUT_OF_ORDERNESS.toMillis() - 1);
            }
        }
        return stream;
    }

    private static OrderEvent randomOrder(Random random, Instant occurredAt) {
        OrderLine[] lines = new OrderLine[1 + random.nextInt(3)];
        for (int line = 0; line < lines.length; line++) {
            // Cubing skews the picks towards the first products; small quantities make ties in the top five common.
            int product = (int) (12 * Math.pow(random.nextDouble(), 3));
            lines[line] = Orders.line("p-" + product, 1 + random.nextInt(3), 100 + random.nextInt(5_000));
        }
        return Orders.placed(occurredAt.toString(), CURRENCIES.get(random.nextInt(CURRENCIES.size())), lines);
    }

    /** Each (currency, window)'s published results, in publication order, as comparable text. */
    private static Map<String, List<String>> perWindow(List<WindowResult> results) {
        Map<String, List<String>> byWindow = new TreeMap<>();
        for (WindowResult result : results) {
            byWindow.computeIfAbsent(result.currency + " " + result.windowStart, key -> new ArrayList<>())
                    .add(result.windowEnd + " count=" + result.orderCount + " revenue=" + result.revenueCents
                            + " average=" + result.averageOrderValueCents + " top="
                            + Arrays.stream(result.topProducts)
                                    .map(product -> product.productId + ":" + product.quantity)
                                    .collect(Collectors.joining(",")));
        }
        return byWindow;
    }

    /**
     * What a tumbling event-time window keyed by currency alone, with allowed lateness and the
     * deduplication before it, publishes: written out plainly, with no Flink and no sharding.
     */
    private static final class SingleKeyReference {
        private final long windowMillis;
        private final long latenessMillis;
        private final Set<String> seen = new HashSet<>();
        private final Map<String, Window> open = new LinkedHashMap<>();
        private long watermark = Long.MIN_VALUE;
        final List<WindowResult> published = new ArrayList<>();
        final List<String> late = new ArrayList<>();
        int lateUpdates;
        int redeliveries;

        SingleKeyReference(long windowMillis, long latenessMillis) {
            this.windowMillis = windowMillis;
            this.latenessMillis = latenessMillis;
        }

        private static final class Window {
            String currency;
            long start;
            boolean fired;
            long orderCount;
            long revenueCents;
            final Map<String, Long> quantityByProduct = new HashMap<>();
        }

        void receive(OrderEvent order) {
            if (!seen.add(order.eventId)) {
                redeliveries++;
                return;
            }
            long time = Instant.parse(order.occurredAt).toEpochMilli();
            long start = time - Math.floorMod(time, windowMillis);
            long lastMillisecond = start + windowMillis - 1;
            if (lastMillisecond + latenessMillis <= watermark) {
                late.add(order.eventId);
                return;
            }
            Window window = open.computeIfAbsent(order.payload.currency + " " + start, key -> new Window());
            window.currency = order.payload.currency;
            window.start = start;
            window.orderCount++;
            window.revenueCents += order.payload.totalCents;
            for (OrderLine line : order.payload.items) {
                window.quantityByProduct.merge(line.productId, (long) line.quantity, Long::sum);
            }
            if (lastMillisecond <= watermark) {
                lateUpdates++;
                publish(window);
            }
        }

        void watermarkAt(long newWatermark) {
            watermark = newWatermark;
            for (Iterator<Window> windows = open.values().iterator(); windows.hasNext(); ) {
                Window window = windows.next();
                long lastMillisecond = window.start + windowMillis - 1;
                if (!window.fired && lastMillisecond <= watermark) {
                    publish(window);
                }
                if (lastMillisecond + latenessMillis <= watermark) {
                    windows.remove();
                }
            }
        }

        private void publish(Window window) {
            window.fired = true;
            WindowResult result = new WindowResult();
            result.currency = window.currency;
            result.windowStart = Instant.ofEpochMilli(window.start).toString();
            result.windowEnd = Instant.ofEpochMilli(window.start + windowMillis).toString();
            result.orderCount = window.orderCount;
            result.revenueCents = window.revenueCents;
            result.averageOrderValueCents = Math.round((double) window.revenueCents / window.orderCount);
            result.topProducts = window.quantityByProduct.entrySet().stream()
                    .sorted(Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed()
                            .thenComparing(Map.Entry::getKey))
                    .limit(5)
                    .map(product -> new ProductQuantity(product.getKey(), product.getValue()))
                    .toArray(ProductQuantity[]::new);
            published.add(result);
        }
    }
}
