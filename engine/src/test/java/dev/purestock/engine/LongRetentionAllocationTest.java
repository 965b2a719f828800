package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Limits;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With the default 24-hour retention nothing is forgotten during a run, so every order stays: a shard whose
 * state was sized ahead for them ({@link StoreCapacity}) must still allocate nothing per command, from its very
 * first order to the last one its capacity names, on the decision, journal and completion stages alike. The three
 * handlers are driven on this thread, in ring order, over a fresh ring of {@link #RING} slots and a fresh state
 * sized for exactly the orders of the measured run (the code is warmed first on another ring and state), with a
 * time command carrying the 24-hour window every {@link #TIME_EVERY} purchases, as the expiry timer sends them.
 * Counted with the JVM's per-thread allocation counter; the assertion is on bytes, not time.
 *
 * <p>The capacities tried are a book smaller than one full order chunk, whose first chunk was once allocated on
 * the decision thread with its first order (about 4.8 MB: 242 B per purchase over 20,000 purchases), and one
 * larger than a chunk. The ring's slots once also grew their event buffers on the first lap (about 144 KB).
 */
class LongRetentionAllocationTest {
    private static final int SKUS = 64;
    private static final int WARMUP = 60_000;
    /** Slots in the ring, as the engine's default: the first lap of a fresh ring is measured too. */
    private static final int RING = 1024;
    /** Commands per ring batch: the journal stage holds a batch's slots until the batch ends. */
    private static final int BATCH = 8;
    private static final int TIME_EVERY = 500;
    /**
     * Fresh shards measured; the least count is asserted, so that a compilation that happens to land inside one
     * measurement (a few KB) does not fail the test, while anything the shard itself allocates shows in every one.
     */
    private static final int ATTEMPTS = 3;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** One shard's decision, journal and completion stages over one state, driven on this thread. */
    private static final class Pipeline {
        final ShardState state;
        final ReadModel readModel;
        final ShardCounters counters = new ShardCounters(1024);
        final ShardHealth health = new ShardHealth(0, new Intake());
        final ViewReadingStage stage = new ViewReadingStage();
        final CountingViewCallback callback = new CountingViewCallback();
        final DecisionHandler decision;
        final JournalHandler journal;
        final CompletionHandler completion;
        final Command.ExpireReservations tick = new Command.ExpireReservations(Limits.DEFAULT_RETAIN_ORDERS_FOR);
        final CommandSlot[] slots = new CommandSlot[RING];
        long ringSequence;
        long time;
        long nextOrder = 1;

        Pipeline(StoreCapacity capacity) {
            state = ShardState.empty(capacity);
            readModel = new ReadModel(1, capacity.orders());
            decision = new DecisionHandler(0, health, state, () -> time, counters.decision,
                new DueTimes(1), EngineFixtures.NO_RING);
            journal = new JournalHandler(0, health, stage, new ShardCounters.Durability());
            AtomicLong isolated = new AtomicLong();
            completion = new CompletionHandler(0, health, readModel.writer(0), List.of(), isolated,
                    new CallerAnswers(null, isolated, 1), counters.completion);
            for (int i = 0; i < RING; i++) {
                slots[i] = new CommandSlot();
            }
            for (int sku = 0; sku < SKUS; sku++) {
                slot().request.command(new Command.ListProduct(sku, 0), callback, null);
                run();
                slot().request.command(new Command.ReceiveStock(sku + 1, sku, 0, Limits.MAX_QUANTITY), callback, null);
                run();
            }
        }

        /** {@code count} one-unit purchases under new ids as fields, a time command every {@link #TIME_EVERY}. */
        void purchase(int count) {
            for (int i = 0; i < count; i++) {
                long order = nextOrder++;
                slot().request.fields(SubmittedCommand.Form.PURCHASE, order, order & 0xFFFFF, order % SKUS, 0, 1,
                        callback);
                run();
                if (order % TIME_EVERY == 0) {
                    slot().request.command(tick, callback, null);
                    run();
                }
            }
        }

        /** Time commands until the ring batch in progress ends, so that every command is answered. */
        void finishBatch() {
            while (ringSequence % BATCH != 0) {
                slot().request.command(tick, callback, null);
                run();
            }
        }

        private CommandSlot slot() {
            return slots[(int) (ringSequence % RING)];
        }

        /** The next slot through decision and journal; at the end of a ring batch, the batch through completion. */
        private void run() {
            time++;
            boolean endOfBatch = (ringSequence + 1) % BATCH == 0;
            decision.onEvent(slot(), ringSequence, endOfBatch);
            journal.onEvent(slot(), ringSequence, endOfBatch);
            ringSequence++;
            if (endOfBatch) {
                for (long s = ringSequence - BATCH; s < ringSequence; s++) {
                    completion.onEvent(slots[(int) (s % RING)], s, s == ringSequence - 1);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} orders")
    @ValueSource(ints = {20_000, 70_000})
    void aStateSizedAheadTakesEveryOrderOfTheWindowWithoutAllocating(int orders) {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        Pipeline warm = new Pipeline(new StoreCapacity(2 * SKUS, WARMUP, WARMUP));
        warm.purchase(WARMUP);
        assertEquals(WARMUP, warm.stage.lines, "the warm-up journaled every purchase");

        long least = Long.MAX_VALUE;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Pipeline measured = new Pipeline(new StoreCapacity(2 * SKUS, orders, orders));
            long before = THREADS.getCurrentThreadAllocatedBytes();
            measured.purchase(orders);
            least = Math.min(least, THREADS.getCurrentThreadAllocatedBytes() - before);
            measured.finishBatch();

            PrimitiveInventoryStore store = (PrimitiveInventoryStore) measured.state.store();
            assertEquals(orders, store.orderBook().size(), "a 24-hour window forgets nothing in the run");
            assertEquals(0, measured.callback.refused, "every purchase and time command is accepted");
            assertEquals(OrderStatus.PURCHASED, measured.readModel.orderStatus(orders),
                    "the read model holds the last order");
            assertEquals(orders, measured.stage.lines, "the journal saw every purchase's line");
        }
        assertTrue(least < orders, least + " bytes allocated by " + orders + " purchases into a state sized for "
                + orders + " orders with a 24-hour window (the least of " + ATTEMPTS + " fresh shards): "
                + least / orders + " B per purchase");
    }
}
