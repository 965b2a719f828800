package dev.purestock.engine;

/**
 * The least heap an engine allocates up front, before it takes a command, for its rings and the state sized ahead
 * ({@link PurestockEngine.Builder#ringSize}, {@link PurestockEngine.Builder#storeCapacity}), per shard and by the
 * setting that sizes each part. {@link PurestockEngine.Builder#validate} refuses settings whose {@link #total}
 * exceeds the JVM's maximum heap; code that offers those settings under names of its own (the Spring Boot
 * starter's {@code purestock.*} properties) can refuse the same settings first, by the same count, naming its own
 * setting ({@link #largestPart}).
 *
 * <p>What is counted, per shard: the ring's slots ({@link #RING_SLOT_BYTES} each, a little under a slot's measured
 * size) and, with more than one shard, its share of the router's registry of the order and hold ids in flight, sized
 * ahead for every ring's slots (up to 8 MiB in all); the read model's order-status and position tables; and each store
 * sized by the capacity: the decision stage's own (unless it was handed an initial state of another size) and, in an
 * engine with a snapshot stage, that stage's copy, as large again. Tables are arrays in segments and chunks whose
 * number is a power of two or a whole number of chunks, so a figure just past one such size takes up to twice its
 * share; the count follows that rounding exactly. Only the arrays are counted: it is a lower bound, so a start refused
 * by it would have run out of memory, and one that passes may still leave the application too little heap.
 *
 * <p>The snapshot stage's room kept aside is not allocated up front, but bounded: while a snapshot write hangs it
 * grows up to {@link PurestockEngine.Builder#snapshotBacklogLimit} commands per shard, {@link #KEPT_ASIDE_BYTES}
 * each. {@link #backlogLimitFitting} is the most that keeps every shard's room within half the heap, which
 * {@link PurestockEngine.Builder#validate} refuses a limit set above, and lowers the default to.
 *
 * @param shards         the shards, each allocating the parts below
 * @param ring           bytes per shard sized by the ring size: its slots, and its share of the registry of ids in
 *                       flight (with more than one shard)
 * @param positions      bytes per shard sized by {@link StoreCapacity#positions}: products and positions, stock
 *                       movements, the read model's positions
 * @param orders         bytes per shard sized by {@link StoreCapacity#orders}: the order book's rows and index, the
 *                       read model's order statuses
 * @param customerCounts bytes per shard sized by {@link StoreCapacity#customerCounts}
 * @param orderLines     bytes per shard sized by {@link StoreCapacity#orderLines}: the order book's line pool
 */
public record HeapEstimate(int shards, long ring, long positions, long orders, long customerCounts, long orderLines) {
    /** The bytes counted per ring slot: a slot, its request and decision, its event buffer's first room. */
    public static final long RING_SLOT_BYTES = CommandSlot.HEAP_BYTES_AT_LEAST;
    /**
     * The bytes counted per command the snapshot stage keeps aside while a snapshot is written: a one-line purchase's
     * (the commonest command), its event and line change (112) and where it starts and its time (12). A command of
     * several events takes more, up to about twice that.
     */
    public static final long KEPT_ASIDE_BYTES = 124;

    /** The parts, each non-negative, for at least one shard. */
    public HeapEstimate {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1, was " + shards);
        }
        if (ring < 0 || positions < 0 || orders < 0 || customerCounts < 0 || orderLines < 0) {
            throw new IllegalArgumentException("a part of a heap estimate cannot be negative");
        }
    }

    /**
     * What an engine of {@code shards} shards, rings of {@code ringSize} slots and stores of {@code capacity}
     * allocates up front, at least.
     *
     * @param stores the stores of {@code capacity} each shard makes: {@code 1} for the decision stage's own, plus
     *               {@code 1} with a snapshot stage (its copy, as in a journaled engine); {@code 0} when each shard
     *               is handed an initial state of its own size and no snapshot stage copies it
     * @throws IllegalArgumentException when {@code shards} or {@code ringSize} is below 1 or {@code stores} negative
     */
    public static HeapEstimate of(int shards, int ringSize, StoreCapacity capacity, int stores) {
        if (ringSize < 1) {
            throw new IllegalArgumentException("ring size must be at least 1, was " + ringSize);
        }
        if (stores < 0) {
            throw new IllegalArgumentException("stores must not be negative, was " + stores);
        }
        int positions = capacity.positions();
        int orders = capacity.orders();
        long storePositions = SegmentedLongMap.presizedBytes((int) Math.min(Integer.MAX_VALUE, 2L * positions))
                + SegmentedLongMap.presizedBytes(positions);
        long inFlightShare = shards <= 1 ? 0
                : InFlightOrders.presizedBytes(InFlightOrders.expected(shards, ringSize)) / shards;
        return new HeapEstimate(shards, ringSize * RING_SLOT_BYTES + inFlightShare,
                stores * storePositions
                        + OrderStatusTable.presizedValuedBytes(positions, ReadModel.POSITION_SEGMENT_SHIFT),
                stores * OrderColumns.presizedRowBytes(orders) + OrderStatusTable.presizedBytes(orders),
                stores * SegmentedLongMap.presizedBytes(capacity.customerCounts()),
                stores * OrderColumns.presizedLineBytes(orders, capacity.orderLines()));
    }

    /**
     * The most commands each of {@code shards} snapshot stages may keep aside
     * ({@link PurestockEngine.Builder#snapshotBacklogLimit}) so that their rooms, every one full at once, take at most
     * half of {@code maxHeap} bytes, at {@link #KEPT_ASIDE_BYTES} a command; at least 1.
     *
     * <p>Every room counts, full at once: the writers of all shards stall together when the disk or mount they write
     * to hangs. Half the heap, because the limit is there so that the heap does not run out, and the other half must
     * still hold what the engine had before the write hung: each shard's state and the snapshot stage's copy of it
     * (as large again), the read model, the rings, the application's own objects, and the room a collector needs to
     * work; a room of the whole heap would run it out before the limit stopped it. Half is a bound for a start to be
     * refused by, not a promise: commands of several events take up to twice {@link #KEPT_ASIDE_BYTES}.
     *
     * @throws IllegalArgumentException when {@code shards} is below 1
     */
    public static int backlogLimitFitting(int shards, long maxHeap) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1, was " + shards);
        }
        long fits = Math.max(0, maxHeap) / 2 / shards / KEPT_ASIDE_BYTES;
        return Math.clamp(fits, 1, Integer.MAX_VALUE);
    }

    /** The bytes one shard takes: the sum of the parts. */
    public long perShard() {
        return ring + positions + orders + customerCounts + orderLines;
    }

    /** The bytes all shards take ({@link Long#MAX_VALUE} when that overflows a {@code long}). */
    public long total() {
        long perShard = perShard();
        return perShard > Long.MAX_VALUE / shards ? Long.MAX_VALUE : perShard * shards;
    }

    /**
     * The largest part, as its index among the parts in their order ({@code 0} the ring, {@code 1} positions,
     * {@code 2} orders, {@code 3} customer counts, {@code 4} order lines): the setting to lower first.
     */
    public int largestPart() {
        long[] parts = parts();
        int largest = 0;
        for (int i = 1; i < parts.length; i++) {
            largest = parts[i] > parts[largest] ? i : largest;
        }
        return largest;
    }

    /** The parts per shard, in their order: ring, positions, orders, customer counts, order lines. */
    public long[] parts() {
        return new long[] {ring, positions, orders, customerCounts, orderLines};
    }
}
