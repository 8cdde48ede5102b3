package com.cloudshop.analytics.records;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** Units of one product sold in a window. */
@JsonPropertyOrder({"productId", "quantity"})
public class ProductQuantity {
    public String productId;
    public long quantity;

    public ProductQuantity() {}

    public ProductQuantity(String productId, long quantity) {
        this.productId = productId;
        this.quantity = quantity;
    }
}
