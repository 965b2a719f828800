package dev.purestock.domain;

import java.util.List;

/**
 * A deterministic 64-bit fingerprint of a command's payload, used to tell a repeat of a command (same id,
 * same payload) from a different command that reuses the id. Two different payloads collide with a chance
 * of about 2<sup>-64</sup>. Never {@link InventoryState#NO_MOVEMENT}.
 */
final class Fingerprint {
    private static final long SEED = 0x9E3779B97F4A7C15L;

    private Fingerprint() {
    }

    static long of(Command.ReceiveStock c) {
        return finish(mix(mix(mix(mix(start(1), c.movementId()), c.sku()), c.warehouse()), c.quantity()));
    }

    static long of(Command.WriteOffStock c) {
        return finish(mix(mix(mix(mix(start(2), c.movementId()), c.sku()), c.warehouse()), c.quantity()));
    }

    static long ofOrder(int kind, long orderId, long customer, List<Line> lines, long expiresAt) {
        long h = mix(mix(mix(start(kind), orderId), customer), expiresAt);
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            h = mix(mix(mix(h, line.sku()), line.warehouse()), line.quantity());
        }
        return finish(h);
    }

    static long ofPurchase(Command.Purchase c) {
        return ofPurchase(c.orderId(), c.customer(), c.sku(), c.warehouse(), c.quantity());
    }

    /** The fingerprint of a purchase given as its fields: the same as of its record. */
    static long ofPurchase(long orderId, long customer, long sku, int warehouse, long quantity) {
        long h = mix(mix(mix(start(3), orderId), customer), 0);
        return finish(mix(mix(mix(h, sku), warehouse), quantity));
    }

    private static long start(int kind) {
        return SEED * (kind + 1);
    }

    private static long mix(long h, long value) {
        return Long.rotateLeft(h ^ StateDigest.mix64(value + SEED), 27) * 0x94D049BB133111EBL;
    }

    private static long finish(long h) {
        long f = StateDigest.mix64(h);
        return f == InventoryState.NO_MOVEMENT ? 1 : f;
    }
}
