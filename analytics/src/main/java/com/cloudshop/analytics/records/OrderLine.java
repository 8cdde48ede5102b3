package com.cloudshop.analytics.records;

/** One ordered product with its quantity and the unit price paid. */
public class OrderLine {
    public String productId;
    public int quantity;
    public long unitPriceCents;

    public OrderLine() {}
}
