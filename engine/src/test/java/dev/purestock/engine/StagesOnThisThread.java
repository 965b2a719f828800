package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Limits;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One shard's decision, journal and completion stages over one ring, driven on this thread, for the tests that
 * count what a command allocates (the JVM's per-thread allocation counter): {@link #submit} passes a command
 * through the three stages in turn. It starts with {@code skus} products listed at warehouse 0, each with as
 * many units as a receipt may bring. With ring batches of more than one command, each command passes the decision
 * and journal stages as it is submitted and a batch passes the completion stage once it ends, as the journal stage
 * holds a batch's slots until then; {@link #finishBatch} ends the batch in progress.
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
    /** What the journal stage hands on: it counts the lines journaled. */
    final ViewReadingStage journaled = new ViewReadingStage();
    /** Commands per ring batch. */
    private final int batch;
    private final DecisionHandler decision;
    private final JournalHandler journal;
    private final CompletionHandler completion;
    private final CommandSlot[] slots = new CommandSlot[RING];
    private long sequence;

    /** One command per ring batch. */
    StagesOnThisThread(StoreCapacity capacity, int skus) {
        this(capacity, skus, 1);
    }

    /** Ring batches of {@code batch} commands. */
    StagesOnThisThread(StoreCapacity capacity, int skus, int batch) {
        this.batch = batch;
        state = ShardState.empty(capacity);
        readModel = new ReadModel(1, capacity.orders(), capacity.positions());
        ShardCounters counters = new ShardCounters(1024);
        decision = new DecisionHandler(0, health, state, time::get, counters.decision, new DueTimes(1, 86_400_000, 1_000),
                EngineFixtures.NO_RING);
        journal = new JournalHandler(0, health, journaled, new ShardCounters.Durability());
        AtomicLong isolated = new AtomicLong();
        completion = new CompletionHandler(0, health, readModel.writer(0), List.of(), isolated,
                new CallerAnswers(null, isolated, 1), counters.completion, null);
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
        slot().request.command(command, callback, null);
        run();
    }

    /** As {@link #submit} for {@code new Command.Purchase(...)}, submitted as its fields (no record built). */
    void submitPurchase(long orderId, long customer, long sku, int warehouse, long quantity) {
        slot().request.fields(SubmittedCommand.Form.PURCHASE, orderId, customer, sku, warehouse, quantity, callback);
        run();
    }

    /** Submits {@code filler} until the ring batch in progress ends, so that every command is answered. */
    void finishBatch(Command filler) {
        while (sequence % batch != 0) {
            submit(filler);
        }
    }

    private CommandSlot slot() {
        return slots[(int) (sequence % RING)];
    }

    /** The next slot through decision and journal; at the end of a ring batch, the batch through completion. */
    private void run() {
        boolean endOfBatch = (sequence + 1) % batch == 0;
        decision.onEvent(slot(), sequence, endOfBatch);
        journal.onEvent(slot(), sequence, endOfBatch);
        sequence++;
        if (endOfBatch) {
            for (long s = sequence - batch; s < sequence; s++) {
                completion.onEvent(slots[(int) (s % RING)], s, s == sequence - 1);
            }
        }
    }

    PrimitiveInventoryStore store() {
        return (PrimitiveInventoryStore) state.store();
    }

    /**
     * The bytes one call of {@code call} allocates on this thread, on average over {@code measured} calls after
     * {@code warmup} calls.
     */
    static double bytesPerCall(int warmup, int measured, Runnable call) {
        assertAllocationCounted();
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

    /**
     * The bytes {@code measured} calls of {@code call} allocate on this thread, after {@code warmup} calls; every
     * call's result is used, so that none is optimised away.
     */
    static long bytes(int warmup, int measured, LongSupplier call) {
        long sink = 0;
        for (int i = 0; i < warmup; i++) {
            sink += call.getAsLong();
        }
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < measured; i++) {
            sink += call.getAsLong();
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(sink != Long.MIN_VALUE, "the calls' results are used");
        return allocated;
    }

    /** Fails unless this JVM counts the bytes each thread allocates. */
    static void assertAllocationCounted() {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
    }
}
