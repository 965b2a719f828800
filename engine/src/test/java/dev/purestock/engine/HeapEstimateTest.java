package dev.purestock.engine;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HeapEstimate} counts what the engine's tables allocate as they are made, rounding included: never more
 * than they allocate (it is a lower bound, so a start it refuses could not have fitted), and close to it, at
 * figures on and just past the sizes where a table doubles. {@link PurestockEngine.Builder#validate} refuses by it.
 */
class HeapEstimateTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Figures on and just past the sizes where a segmented table or the order book's chunks double. */
    private static final List<Integer> FIGURES = List.of(1, 1_024, 4_096, 4_097, 8_192, 8_193, 65_536, 65_537, 300_001);

    /**
     * Makes a store and a read model once before anything is measured: the first of them in a JVM also loads and
     * initialises their classes, and what that allocates is counted on this thread but is no part of a table. In the
     * module's run other tests had made them first; run alone, the first figure failed by that much.
     */
    @BeforeAll
    static void loadTheClassesFirst() {
        assertTrue(new PrimitiveInventoryStore(new StoreCapacity(1, 1, 1, 1)).orderBook() != null);
        assertEquals(-1, new ReadModel(1, 1, 1).lastSequence(0));
        assertEquals(0, new InFlightOrders(1).size());
    }

    /**
     * With more than one shard the router keeps a registry of the ids in flight ({@link InFlightOrders}), sized ahead
     * for every ring's slots: the ring part counts each shard's share of it, a lower bound of what it allocates and
     * close to it, on and just past the sizes where its maps double.
     */
    @Test
    void theRingPartCountsTheShareOfTheRegistryOfIdsInFlight() {
        StoreCapacity capacity = new StoreCapacity(1, 1, 1, 1);
        for (int shards : List.of(2, 3, 8)) {
            for (int ringSize : List.of(1, 64, 1_024, 1_025, 16_384, 65_536, 1 << 20)) {
                long counted = shards * (HeapEstimate.of(shards, ringSize, capacity, 0).ring()
                        - ringSize * HeapEstimate.RING_SLOT_BYTES);
                long before = THREADS.getCurrentThreadAllocatedBytes();
                InFlightOrders registry = new InFlightOrders(shards * ringSize);
                long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
                assertEquals(0, registry.size());
                String what = shards + " shards of " + ringSize + " slots: counted " + counted + ", allocated "
                        + allocated;
                assertTrue(counted <= allocated, what);
                assertTrue(allocated - counted < counted / 20 + (64 << 10), what);
            }
        }
        assertEquals(HeapEstimate.RING_SLOT_BYTES * 1_024, HeapEstimate.of(1, 1_024, capacity, 0).ring(),
                "one shard keeps no registry");
    }

    @Test
    void theStorePartsAreALowerBoundOfWhatAStoreAllocatesAndFollowItsRounding() {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        for (int figure : FIGURES) {
            for (StoreCapacity capacity : List.of(new StoreCapacity(figure, 1, 1, 1), new StoreCapacity(1, figure, 1, 1),
                    new StoreCapacity(1, 1, figure, 1), new StoreCapacity(1, 1, 1, figure),
                    new StoreCapacity(figure, figure, figure, figure))) {
                long counted = HeapEstimate.of(1, 1, capacity, 1).perShard() - HeapEstimate.of(1, 1, capacity, 0).perShard();
                long before = THREADS.getCurrentThreadAllocatedBytes();
                PrimitiveInventoryStore store = new PrimitiveInventoryStore(capacity);
                long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
                assertTrue(store.orderBook() != null);
                assertTrue(counted <= allocated, capacity + ": counted " + counted + ", allocated " + allocated);
                assertTrue(allocated - counted < counted / 20 + (64 << 10), capacity + ": counted " + counted
                        + " of the " + allocated + " bytes a store allocates");
            }
        }
    }

    @Test
    void theReadModelAndRingPartsAreALowerBoundOfWhatTheyAllocate() {
        for (int figure : FIGURES) {
            StoreCapacity capacity = new StoreCapacity(figure, figure, 1, 1);
            long counted = HeapEstimate.of(1, 1, capacity, 0).perShard() - HeapEstimate.RING_SLOT_BYTES;
            long before = THREADS.getCurrentThreadAllocatedBytes();
            ReadModel readModel = new ReadModel(1, figure, figure);
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            assertEquals(-1, readModel.lastSequence(0));
            assertTrue(counted <= allocated, figure + ": counted " + counted + ", allocated " + allocated);
            assertTrue(allocated - counted < counted / 20 + (64 << 10), figure + ": counted " + counted + " of the "
                    + allocated + " bytes the read model allocates");
        }
        int slots = 256;
        long before = THREADS.getCurrentThreadAllocatedBytes();
        CommandSlot[] ring = new CommandSlot[slots];
        for (int i = 0; i < slots; i++) {
            ring[i] = new CommandSlot();
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertEquals(slots, ring.length);
        assertTrue(slots * HeapEstimate.RING_SLOT_BYTES <= allocated, allocated + " bytes for " + slots + " slots");
    }

    @Test
    void aFigureJustPastATablesSizeCountsTheTableItDoublesTo() {
        HeapEstimate on = HeapEstimate.of(1, 1, new StoreCapacity(1, 65_536, 1, 1), 2);
        HeapEstimate past = HeapEstimate.of(1, 1, new StoreCapacity(1, 65_537, 1, 1), 2);
        assertTrue(past.orders() > on.orders() * 3 / 2, on.orders() + " then " + past.orders());
        assertEquals(2, past.largestPart(), "the orders take the most");
    }

    /**
     * The snapshot backlog limit bounds the room kept aside while a snapshot write hangs, so that the heap does not
     * run out; the default (4,194,304 commands, about 520 MB of one-line purchases) would let it run out in a heap of
     * 512 MiB before the limit stopped it. With a snapshot writer, a limit whose rooms, every shard's full at once,
     * take more than half the heap is refused, naming the setting and a limit that fits; the default is lowered to
     * what fits. Without a snapshot writer, or without snapshots on demand or periodic ones (no shard has the stage),
     * no room is kept, and nothing is weighed.
     */
    @Test
    void theSnapshotBacklogLimitIsWeighedAgainstHalfTheHeap() {
        long heap = 512L << 20;
        int fits = (int) (heap / 2 / HeapEstimate.KEPT_ASIDE_BYTES);
        assertEquals(2_164_802, fits, "a 512 MiB heap's half holds 2,164,802 one-line purchases");
        assertEquals(fits, HeapEstimate.backlogLimitFitting(1, heap));
        assertEquals(fits / 2, HeapEstimate.backlogLimitFitting(2, heap), "every shard's room may be full at once");
        assertEquals(Integer.MAX_VALUE, HeapEstimate.backlogLimitFitting(1, Long.MAX_VALUE));
        assertEquals(1, HeapEstimate.backlogLimitFitting(1, 0));
        assertThrows(IllegalArgumentException.class, () -> HeapEstimate.backlogLimitFitting(0, heap));

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder()
                .snapshotWriter(shard -> (lastSequence, time, store) -> { })
                .snapshotBacklogLimit(SnapshotHandler.BACKLOG_LIMIT).validate(heap));
        assertEquals("snapshotBacklogLimit(4194304) lets the snapshot stage of each of 1 shard(s) keep up to 496 MiB "
                + "of commands aside while a snapshot write hangs (124 bytes a one-line purchase, every shard's room "
                + "full at once), more than half of this JVM's maximum heap of 512 MiB (-Xmx), whose other half the "
                + "state, its snapshot copy and the application need: lower it to 2164802 or less, or give the JVM "
                + "more heap", refused.getMessage());
        PurestockEngine.builder().snapshotWriter(shard -> (lastSequence, time, store) -> { })
                .snapshotBacklogLimit(fits).validate(heap);
        assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder().shards(2)
                .snapshotWriter(shard -> (lastSequence, time, store) -> { }).snapshotBacklogLimit(fits).validate(heap));
        PurestockEngine.builder().snapshotBacklogLimit(SnapshotHandler.BACKLOG_LIMIT).validate(heap); // no snapshots
        PurestockEngine.builder().snapshotWriter(shard -> (lastSequence, time, store) -> { }).snapshotsOnDemand(false)
                .snapshotBacklogLimit(SnapshotHandler.BACKLOG_LIMIT).validate(heap); // a writer, but no stage to use it
        assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder()
                .snapshotWriter(shard -> (lastSequence, time, store) -> { }).snapshotsOnDemand(false).snapshotEvery(10)
                .snapshotBacklogLimit(SnapshotHandler.BACKLOG_LIMIT).validate(heap), "periodic snapshots have the stage");

        PurestockEngine.Builder byDefault = PurestockEngine.builder()
                .snapshotWriter(shard -> (lastSequence, time, store) -> { }).validate(heap);
        assertEquals(fits, byDefault.snapshotBacklogLimit(heap), "the default is lowered to what fits");
        assertEquals(SnapshotHandler.BACKLOG_LIMIT, byDefault.snapshotBacklogLimit(8L << 30), "and kept where it fits");
        assertEquals(fits, PurestockEngine.builder().snapshotBacklogLimit(fits).snapshotBacklogLimit(8L << 30),
                "a limit set is kept");
    }

    @Test
    void validateRefusesByTheEstimateAndTotalsSaturate() {
        long heap = Runtime.getRuntime().maxMemory();
        HeapEstimate ring = HeapEstimate.of(1, 1 << 30, StoreCapacity.DEFAULT, 1);
        org.junit.jupiter.api.Assumptions.assumeTrue(ring.total() > heap, "a heap larger than a ring of 2^30 slots");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> PurestockEngine.builder().ringSize(1 << 30).validate());
        assertTrue(refused.getMessage().contains("take at least " + ring.total() / (1024 * 1024) + " MiB"),
                refused.getMessage());

        HeapEstimate huge = HeapEstimate.of(Integer.MAX_VALUE, 1 << 30,
                new StoreCapacity(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE), 2);
        assertEquals(Long.MAX_VALUE, huge.total());
        assertThrows(IllegalArgumentException.class, () -> HeapEstimate.of(0, 1, StoreCapacity.DEFAULT, 1));
        assertThrows(IllegalArgumentException.class, () -> HeapEstimate.of(1, 0, StoreCapacity.DEFAULT, 1));
        assertThrows(IllegalArgumentException.class, () -> HeapEstimate.of(1, 1, StoreCapacity.DEFAULT, -1));
    }
}
