package dev.purestock.domain;

import java.util.List;
import java.util.Objects;

/**
 * An accepted order or reservation, kept for its lifetime so that its id stays its identity: a repeat of
 * the command that created it is recognised by {@code fingerprint}, and its lines say what a cancel,
 * release or expiry gives back. {@code expiresAt} is meaningful for reservations only.
 */
public record Order(long orderId, long customer, OrderStatus status, List<Line> lines, long expiresAt,
                    long fingerprint) {
    public Order {
        Objects.requireNonNull(status, "status");
        lines = List.copyOf(lines);
    }

    /** This order in another status. */
    public Order withStatus(OrderStatus newStatus) {
        return new Order(orderId, customer, newStatus, lines, expiresAt, fingerprint);
    }
}
