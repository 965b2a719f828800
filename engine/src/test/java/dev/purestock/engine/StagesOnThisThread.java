package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Limits;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One shard's decision, journal and completion stages over one ring, driven on this thread, for the tests that
 * count what a command allocates (the JVM's per-thread allocation counter): {@link #submit} passes a command
 * through the three stages in turn. It starts with {@code skus} products listed at warehouse 0, each with as
 * many units as a receipt may bring.
 */
final class StagesOnThisThread {
    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int RING = 1024;

    final ShardState state;
    final ReadModel readModel;
    final ShardHealth health = new ShardHealth(0, new Intake());
    /** The clock the decision stage reads. */
    final AtomicLong time = new AtomicLong(1);
    final CountingViewCallback callback = new CountingViewCallback();
    private final DecisionHandler decision;
    private final JournalHandler journal;
    private final CompletionHandler completion;
    private final CommandSlot[] slots = new CommandSlot[RING];
    private long sequence;

    StagesOnThisThread(StoreCapacity capacity, int skus) {
        state = ShardState.empty(capacity);
        readModel = new ReadModel(1, capacity.orders(), capacity.positions());
        ShardCounters counters = new ShardCounters(1024);
        decision = new DecisionHandler(0, health, state, time::get, counters.decision, new DueTimes(1),
                EngineFixtures.NO_RING);
        journal = new JournalHandler(0, health, new ViewReadingStage(), new ShardCounters.Durability());
        AtomicLong isolated = new AtomicLong();
        completion = new CompletionHandler(0, health, readModel.writer(0), List.of(), isolated,
                new CallerAnswers(null, isolated, 1), counters.completion);
        for (int i = 0; i < RING; i++) {
            slots[i] = new CommandSlot();
        }
        for (int sku = 0; sku < skus; sku++) {
            submit(new Command.ListProduct(sku, 0));
            submit(new Command.ReceiveStock(sku + 1, sku, 0, Limits.MAX_QUANTITY));
        }
    }

    /** Decides, journals and completes {@code command}, as the ring's next. */
    void submit(Command command) {
        CommandSlot slot = slots[(int) (sequence % RING)];
        slot.request.command(command, callback, null);
        decision.onEvent(slot, sequence, true);
        journal.onEvent(slot, sequence, true);
        completion.onEvent(slot, sequence, true);
        sequence++;
    }

    PrimitiveInventoryStore store() {
        return (PrimitiveInventoryStore) state.store();
    }

    /**
     * The bytes one call of {@code call} allocates on this thread, on average over {@code measured} calls after
     * {@code warmup} calls.
     */
    static double bytesPerCall(int warmup, int measured, Runnable call) {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        for (int i = 0; i < warmup; i++) {
            call.run();
        }
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < measured; i++) {
            call.run();
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        return (double) allocated / measured;
    }
}
