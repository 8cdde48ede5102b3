package com.cloudshop.analytics;

import com.cloudshop.analytics.records.OrderEvent;
import com.cloudshop.analytics.records.OrderLine;
import com.cloudshop.analytics.records.OrderPlaced;
import java.util.Arrays;
import java.util.UUID;

/** Builds {@code OrderPlaced} events for tests. */
public final class Orders {

    private Orders() {}

    public static OrderLine line(String productId, int quantity, long unitPriceCents) {
        OrderLine line = new OrderLine();
        line.productId = productId;
        line.quantity = quantity;
        line.unitPriceCents = unitPriceCents;
        return line;
    }

    /** An order whose total is the sum of its lines. */
    public static OrderEvent placed(String occurredAt, String currency, OrderLine... lines) {
        OrderPlaced payload = new OrderPlaced();
        payload.orderId = "o-" + UUID.randomUUID();
        payload.userId = "u-1";
        payload.items = lines;
        payload.totalCents = Arrays.stream(lines).mapToLong(line -> line.quantity * line.unitPriceCents).sum();
        payload.currency = currency;
        OrderEvent event = new OrderEvent();
        event.eventId = UUID.randomUUID().toString();
        event.type = "OrderPlaced";
        event.version = 1;
        event.occurredAt = occurredAt;
        event.payload = payload;
        return event;
    }
}
