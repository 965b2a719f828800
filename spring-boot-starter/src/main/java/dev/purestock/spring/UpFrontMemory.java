package dev.purestock.spring;

import org.springframework.validation.Errors;

import java.util.Locale;

/**
 * The least heap the journaled engine allocates up front for the rings and state that {@code purestock.ring-size}
 * and {@code purestock.store-capacity.*} size, per shard: settings whose least exceeds the JVM's maximum heap
 * cannot start, and are refused by name before anything is allocated, where the engine would run out of memory
 * filling its rings or tables (an {@code OutOfMemoryError} naming no setting). No array bound comes first: a ring of
 * the engine's largest size (2^30 slots) is one array, and the state's tables are segmented.
 *
 * <p>The figures are a little under what a journaled engine was measured to take (JDK 25, compressed references,
 * a million of each): a ring slot about 446 bytes (the slot, its request and decision parts, an event buffer); a
 * position 194 (products and positions, stock movements, in the decision store and the snapshot stage's copy); an
 * order 195 (the order book and its index in both stores, the read model's status table); a customer count 64 and an
 * order line 42. Tables are sized in powers of two, so a figure between two of them takes up to twice its share.
 * Settings that pass can still leave the application too little heap; the check refuses only what cannot fit.
 */
final class UpFrontMemory {
    static final long RING_SLOT_BYTES = 400;
    static final long POSITION_BYTES = 180;
    static final long ORDER_BYTES = 180;
    static final long CUSTOMER_COUNT_BYTES = 60;
    static final long ORDER_LINE_BYTES = 40;

    private UpFrontMemory() {
    }

    /**
     * Rejects the setting that takes the most (or the shard count, when one shard fits) when the least the settings
     * allocate up front exceeds {@code maxHeap}. Expects a shard count of at least 1 and positive capacities.
     */
    static void check(PurestockProperties properties, long maxHeap, Errors errors) {
        PurestockProperties.StoreCapacity capacity = properties.getStoreCapacity();
        int orderLines = capacity.getOrderLines() == null ? capacity.getOrders() : capacity.getOrderLines();
        String[] fields = {"ringSize", "storeCapacity.positions", "storeCapacity.orders",
            "storeCapacity.customerCounts", "storeCapacity.orderLines"};
        String[] names = {"purestock.ring-size", "purestock.store-capacity.positions",
            "purestock.store-capacity.orders", "purestock.store-capacity.customer-counts",
            "purestock.store-capacity.order-lines"};
        long[] bytes = {properties.getRingSize() * RING_SLOT_BYTES, capacity.getPositions() * POSITION_BYTES,
            capacity.getOrders() * ORDER_BYTES, capacity.getCustomerCounts() * CUSTOMER_COUNT_BYTES,
            orderLines * ORDER_LINE_BYTES};
        long perShard = 0;
        int largest = 0;
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            perShard += bytes[i];
            largest = bytes[i] > bytes[largest] ? i : largest;
            parts.append(i == 0 ? "" : ", ").append(names[i]).append(' ').append(size(bytes[i]));
        }
        int shards = properties.getShards();
        long total = perShard > Long.MAX_VALUE / shards ? Long.MAX_VALUE : perShard * shards;
        if (total <= maxHeap) {
            return;
        }
        String field = perShard <= maxHeap ? "shards" : fields[largest];
        errors.rejectValue(field, "exceedsHeap", String.format(Locale.ROOT, "the engine allocates at least %s up "
                        + "front for %d shard%s (per shard: %s), more than this JVM's maximum heap of %s: lower %s, "
                        + "or give the JVM a larger heap (-Xmx)", size(total), shards, shards == 1 ? "" : "s", parts,
                size(maxHeap), perShard <= maxHeap ? "purestock.shards or the sizes" : names[largest]));
    }

    private static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%d MiB", (bytes + (1 << 20) - 1) >> 20);
    }
}
