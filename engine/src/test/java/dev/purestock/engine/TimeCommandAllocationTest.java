package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Limits;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The time command, which the expiry timer sends to a shard as its orders fall due, allocates nothing in a steady
 * state: orders are taken and forgotten at the same rate, within a state sized for the window, and each time command
 * forgets the orders whose window has passed, finds no reservation and no held command due, and tells the timer when
 * the shard is next due (visiting the oldest orders left for when forgetting is due, {@link ForgettingDue}). The
 * decision, journal and completion stages are driven on this thread over one ring, as in
 * {@link LongRetentionAllocationTest}, and only the time commands' passes through them are counted (the JVM's
 * per-thread allocation counter); the assertion is on bytes, not time.
 */
class TimeCommandAllocationTest {
    private static final int SKUS = 64;
    private static final int RING = 1024;
    /** Purchases between two time commands; each purchase advances the clock by one millisecond. */
    private static final int TIME_EVERY = 200;
    /** The retention window, in milliseconds of the test's clock: four time commands' worth of orders. */
    private static final long WINDOW = 4L * TIME_EVERY;
    private static final int WARMUP_TICKS = 2_000;
    private static final int MEASURED_TICKS = 2_000;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void aTimeCommandThatForgetsOrdersAndFindsNothingDueAllocatesNothing() {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        StoreCapacity capacity = new StoreCapacity(2 * SKUS, 8 * TIME_EVERY, 8 * TIME_EVERY);
        ShardState state = ShardState.empty(capacity);
        ReadModel readModel = new ReadModel(1, capacity.orders(), capacity.positions());
        ShardHealth health = new ShardHealth(0, new Intake());
        ShardCounters counters = new ShardCounters(1024);
        AtomicLong time = new AtomicLong();
        DueTimes dueTimes = new DueTimes(1, WINDOW, 0);
        DecisionHandler decision = new DecisionHandler(0, health, state, time::get, counters.decision, dueTimes, EngineFixtures.NO_RING);
        ViewReadingStage stage = new ViewReadingStage();
        JournalHandler journal = new JournalHandler(0, health, stage, new ShardCounters.Durability());
        AtomicLong isolated = new AtomicLong();
        CompletionHandler completion = new CompletionHandler(0, health, readModel.writer(0), List.of(), isolated,
                new CallerAnswers(null, isolated, 1), counters.completion, null);
        CommandSlot[] slots = new CommandSlot[RING];
        for (int i = 0; i < RING; i++) {
            slots[i] = new CommandSlot();
        }
        CountingViewCallback callback = new CountingViewCallback();
        Command.ExpireReservations tick = new Command.ExpireReservations(WINDOW);
        long[] ring = {0};
        Runnable run = () -> {
            CommandSlot slot = slots[(int) (ring[0] % RING)];
            decision.onEvent(slot, ring[0], true);
            journal.onEvent(slot, ring[0], true);
            completion.onEvent(slot, ring[0], true);
            ring[0]++;
        };
        for (int sku = 0; sku < SKUS; sku++) {
            slots[(int) (ring[0] % RING)].request.command(new Command.ListProduct(sku, 0), callback, null);
            run.run();
            slots[(int) (ring[0] % RING)].request.command(new Command.ReceiveStock(sku + 1, sku, 0,
                    Limits.MAX_QUANTITY), callback, null);
            run.run();
        }

        long nextOrder = 1;
        long timeCommandBytes = 0;
        for (int t = 0; t < WARMUP_TICKS + MEASURED_TICKS; t++) {
            for (int i = 0; i < TIME_EVERY; i++) {
                long order = nextOrder++;
                time.incrementAndGet();
                slots[(int) (ring[0] % RING)].request.fields(SubmittedCommand.Form.PURCHASE, order, order & 0xFFFFF,
                        order % SKUS, 0, 1, callback);
                run.run();
            }
            slots[(int) (ring[0] % RING)].request.command(tick, callback, null);
            long before = THREADS.getCurrentThreadAllocatedBytes();
            run.run();
            if (t >= WARMUP_TICKS) {
                timeCommandBytes += THREADS.getCurrentThreadAllocatedBytes() - before;
            }
        }

        assertNull(health.failure());
        assertEquals(0, callback.refused, "every purchase and time command is accepted");
        PrimitiveInventoryStore store = (PrimitiveInventoryStore) state.store();
        assertTrue(store.orderBook().size() <= WINDOW + TIME_EVERY, store.orderBook().size()
                + " orders remembered: the time commands forget the orders past their window");
        assertNull(readModel.orderStatus(1), "the first order was forgotten");
        assertEquals(OrderStatus.PURCHASED, readModel.orderStatus(nextOrder - 1));
        assertTrue(timeCommandBytes < MEASURED_TICKS, timeCommandBytes + " bytes allocated by " + MEASURED_TICKS
                + " time commands, each forgetting " + TIME_EVERY + " orders: "
                + timeCommandBytes / MEASURED_TICKS + " B per time command");
    }
}
