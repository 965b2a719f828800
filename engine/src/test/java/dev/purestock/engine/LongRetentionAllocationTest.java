package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Limits;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With the default 24-hour retention nothing is forgotten during a run, so every order stays: a shard whose
 * state was sized ahead for them ({@link StoreCapacity}) must still allocate nothing per command, from its very
 * first order to the last one its capacity names, on the decision, journal and completion stages alike. The three
 * handlers are driven on this thread ({@link StagesOnThisThread}), in ring order and in ring batches of
 * {@link #BATCH}, over a fresh ring of 1024 slots (the engine's default: the first lap of a fresh ring is measured
 * too) and a fresh state sized for exactly the orders of the measured run (the code is warmed first on another ring
 * and state), with a time command carrying the 24-hour window every {@link #TIME_EVERY} purchases, as the expiry
 * timer sends them. Counted with the JVM's per-thread allocation counter; the assertion is on bytes, not time.
 *
 * <p>The capacities tried are a book smaller than one full order chunk, whose first chunk was once allocated on
 * the decision thread with its first order (about 4.8 MB: 242 B per purchase over 20,000 purchases), and one
 * larger than a chunk. The ring's slots once also grew their event buffers on the first lap (about 144 KB).
 */
class LongRetentionAllocationTest {
    private static final int SKUS = 64;
    private static final int WARMUP = 60_000;
    /** Commands per ring batch: the journal stage holds a batch's slots until the batch ends. */
    private static final int BATCH = 8;
    private static final int TIME_EVERY = 500;
    /**
     * Fresh shards measured; the least count is asserted, so that a compilation that happens to land inside one
     * measurement (a few KB) does not fail the test, while anything the shard itself allocates shows in every one.
     */
    private static final int ATTEMPTS = 3;
    private static final com.sun.management.ThreadMXBean THREADS = StagesOnThisThread.THREADS;

    /** Drives a shard's stages ({@link StagesOnThisThread}) with the purchases and time commands of a run. */
    private static final class Run {
        final StagesOnThisThread stages;
        final Command.ExpireReservations tick = new Command.ExpireReservations(Limits.DEFAULT_RETAIN_ORDERS_FOR);
        long nextOrder = 1;

        Run(StoreCapacity capacity) {
            stages = new StagesOnThisThread(capacity, SKUS, BATCH);
        }

        /** {@code count} one-unit purchases under new ids as fields, a time command every {@link #TIME_EVERY}. */
        void purchase(int count) {
            for (int i = 0; i < count; i++) {
                long order = nextOrder++;
                stages.time.incrementAndGet();
                stages.submitPurchase(order, order & 0xFFFFF, order % SKUS, 0, 1);
                if (order % TIME_EVERY == 0) {
                    stages.time.incrementAndGet();
                    stages.submit(tick);
                }
            }
        }

        /** Time commands until the ring batch in progress ends, so that every command is answered. */
        void finishBatch() {
            stages.finishBatch(tick);
        }
    }

    @ParameterizedTest(name = "{0} orders")
    @ValueSource(ints = {20_000, 70_000})
    void aStateSizedAheadTakesEveryOrderOfTheWindowWithoutAllocating(int orders) {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        Run warm = new Run(new StoreCapacity(2 * SKUS, WARMUP, WARMUP));
        warm.purchase(WARMUP);
        assertEquals(WARMUP, warm.stages.journaled.lines, "the warm-up journaled every purchase");

        long least = Long.MAX_VALUE;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Run measured = new Run(new StoreCapacity(2 * SKUS, orders, orders));
            long before = THREADS.getCurrentThreadAllocatedBytes();
            measured.purchase(orders);
            least = Math.min(least, THREADS.getCurrentThreadAllocatedBytes() - before);
            measured.finishBatch();

            PrimitiveInventoryStore store = measured.stages.store();
            assertEquals(orders, store.orderBook().size(), "a 24-hour window forgets nothing in the run");
            assertEquals(0, measured.stages.callback.refused, "every purchase and time command is accepted");
            assertEquals(OrderStatus.PURCHASED, measured.stages.readModel.orderStatus(orders),
                    "the read model holds the last order");
            assertEquals(orders, measured.stages.journaled.lines, "the journal saw every purchase's line");
        }
        assertTrue(least < orders, least + " bytes allocated by " + orders + " purchases into a state sized for "
                + orders + " orders with a 24-hour window (the least of " + ATTEMPTS + " fresh shards): "
                + least / orders + " B per purchase");
    }
}
