package com.cloudshop.analytics.records;

/** Payload of an {@code OrderPlaced} event. Money is integer cents. */
public class OrderPlaced {
    public String orderId;
    public String userId;
    public OrderLine[] items;
    public long totalCents;
    public String currency;

    public OrderPlaced() {}
}
