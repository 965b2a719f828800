package dev.purestock.engine;

import dev.purestock.domain.Command;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the stages do for {@link EngineMetrics} (count each command, record each decision batch's size, time each
 * journal call) allocates nothing: the decision and journal handlers, driven on this thread over a reused slot and a
 * store sized ahead, allocate under one byte per purchase (any allocation per command takes at least 16). Counted
 * with the JVM's per-thread allocation counter on this thread alone; the assertion is on bytes, not time. The
 * end-to-end figure, ring and threads included, is {@code JournalBenchmark.engineJournaledPurchaseFields} with
 * {@code -prof gc}.
 */
class MetricsAllocationTest {
    private static final int SKUS = 1_024;
    private static final int WARMUP = 50_000;
    private static final int MEASURED = 50_000;
    private static final int BATCH = 8;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final ShardCounters counters = new ShardCounters(1024);
    private final ShardCounters.Durability journalTimes = new ShardCounters.Durability();
    private final ShardHealth health = new ShardHealth(0, new Intake());
    /** A ring of {@link #BATCH} slots: the journal stage holds a batch's slots until the batch ends. */
    private final CommandSlot[] slots = {new CommandSlot(), new CommandSlot(), new CommandSlot(), new CommandSlot(),
            new CommandSlot(), new CommandSlot(), new CommandSlot(), new CommandSlot()};
    private long ringSequence;
    private long time;

    @Test
    void countingAndTimingEveryCommandAllocatesNothing() {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        int orders = WARMUP + MEASURED;
        ShardState state = ShardState.empty(new StoreCapacity(SKUS, orders, orders));
        DecisionHandler decision = new DecisionHandler(0, health, state, () -> time, counters.decision,
                new DueTimes(1, 86_400_000, 1_000), EngineFixtures.NO_RING);
        ViewReadingStage stage = new ViewReadingStage();
        JournalHandler journal = new JournalHandler(0, health, stage, journalTimes);
        for (int sku = 0; sku < SKUS; sku++) {
            run(decision, journal, new Command.ListProduct(sku, 0), true);
            run(decision, journal, new Command.ReceiveStock(sku + 1, sku, 0, 1_000_000), true);
        }
        purchase(decision, journal, 0, WARMUP);

        long before = THREADS.getCurrentThreadAllocatedBytes();
        purchase(decision, journal, WARMUP, WARMUP + MEASURED);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;

        long commands = 2L * SKUS + WARMUP + MEASURED;
        assertEquals(commands, counters.decision.sequenced.get());
        assertEquals(commands, counters.decision.accepted.get(), "every purchase is accepted: an order each");
        assertEquals(commands, journalTimes.append.read().count() + journalTimes.sync.read().count(),
                "every journaled command was timed");
        assertEquals(WARMUP + MEASURED, stage.lines, "the journal saw every purchase's line");
        assertTrue(allocated < MEASURED, allocated + " bytes allocated by " + MEASURED
                + " purchases decided, counted and journaled: something is allocated per command");
    }

    /** Purchases of orders {@code from..to-1}, in batches of {@link #BATCH}. */
    private void purchase(DecisionHandler decision, JournalHandler journal, long from, long to) {
        for (long order = from; order < to; order++) {
            slot().request.fields(SubmittedCommand.Form.PURCHASE, order + 1, order & 0xFFFF, order % SKUS, 0, 1,
                    null);
            run(decision, journal, (order + 1) % BATCH == 0);
        }
    }

    private void run(DecisionHandler decision, JournalHandler journal, Command command, boolean endOfBatch) {
        slot().request.command(command, null, null);
        run(decision, journal, endOfBatch);
    }

    private CommandSlot slot() {
        return slots[(int) (ringSequence % BATCH)];
    }

    /** The next slot through the decision stage and the journal stage, as the ring hands it to each. */
    private void run(DecisionHandler decision, JournalHandler journal, boolean endOfBatch) {
        time++;
        decision.onEvent(slot(), ringSequence, endOfBatch);
        journal.onEvent(slot(), ringSequence, endOfBatch);
        ringSequence++;
    }
}
