package dev.purestock.spring;

import dev.purestock.engine.HeapEstimate;
import dev.purestock.engine.StoreCapacity;
import org.springframework.validation.Errors;

import java.util.Locale;

/**
 * The least heap the journaled engine allocates up front for the rings and state that {@code purestock.ring-size}
 * and {@code purestock.store-capacity.*} size, per shard: settings whose least exceeds the JVM's maximum heap
 * cannot start, and are refused by name before anything is allocated, where the engine would run out of memory
 * filling its rings or tables (an {@code OutOfMemoryError} naming no setting). No array bound comes first: a ring of
 * the engine's largest size (2^30 slots) is one array, and the state's tables are segmented.
 *
 * <p>The count is the engine's own ({@link HeapEstimate}, which {@code PurestockEngine.Builder.validate()} refuses
 * by), for the journaled engine's two stores per shard (the decision store it recovers into and the snapshot
 * stage's copy): so whatever the engine would refuse, with the tables' sizes rounded up to powers of two as it
 * allocates them, is refused here first, by property name. Settings that pass can still leave the application too
 * little heap; the check refuses only what cannot fit.
 */
final class UpFrontMemory {
    /** The stores sized by the capacity in each shard of a journaled engine: its decision store and the copy. */
    static final int STORES = 2;

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
        int shards = properties.getShards();
        HeapEstimate estimate = HeapEstimate.of(shards, properties.getRingSize(), new StoreCapacity(
                capacity.getPositions(), capacity.getOrders(), capacity.getCustomerCounts(), orderLines), STORES);
        long[] bytes = estimate.parts();
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            parts.append(i == 0 ? "" : ", ").append(names[i]).append(' ').append(size(bytes[i]));
        }
        long total = estimate.total();
        if (total <= maxHeap) {
            return;
        }
        long perShard = estimate.perShard();
        int largest = estimate.largestPart();
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
