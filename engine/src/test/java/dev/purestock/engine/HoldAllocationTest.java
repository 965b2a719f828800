package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.HeldCommand;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hold costs no garbage beyond its held command's record: routing a hold or its cancel looks the hold id up
 * without boxing it; holding and cancelling a command (decision, journal and completion stages, driven on this
 * thread over one ring as in {@link TimeCommandAllocationTest}) and keeping and releasing one in the read model
 * keep the hold in primitive tables, with no boxed id, map node or wrapper per hold. What remains is the
 * {@link HeldCommand} that the store and the read model each keep while the command is held: the bytes per hold
 * are counted (the JVM's per-thread allocation counter) against the bytes of such records, measured here, so that
 * any other object per hold (at least 16 bytes) fails. The commands are built before the count starts: they are
 * the caller's. The assertions are on bytes, not time.
 */
class HoldAllocationTest {
    private static final int WARMUP = 20_000;
    private static final int MEASURED = 20_000;
    private static final int SKUS = 16;
    /** The first hold id: past the JVM's cache of boxed longs, so that boxing one would allocate. */
    private static final long FIRST_HOLD = 1_000_000;

    @Test
    void routingAHoldAndItsCancelAllocatesNothing() {
        StagesOnThisThread.assertAllocationCounted();
        ReadModel readModel = new ReadModel(2);
        int holds = 1024;
        Command.Hold[] hold = new Command.Hold[holds];
        Command.CancelHold[] cancel = new Command.CancelHold[holds];
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < holds; i++) {
            hold[i] = new Command.Hold(FIRST_HOLD + i, 10, new Command.ReceiveStock(FIRST_HOLD + i, 5, 1, 1));
            cancel[i] = new Command.CancelHold(FIRST_HOLD + i);
            events.add(new Event.CommandHeld(FIRST_HOLD + i, 10, hold[i].command()));
        }
        readModel.writer(1).apply(0, events);
        ShardRouter router = new ShardRouter(2, readModel, 1024);
        assertEquals(1, router.route(cancel[0]), "the cancel goes where the hold is");
        assertEquals(1, router.route(hold[holds - 1]), "a repeat of the hold goes where the hold is");
        assertEquals(-1, readModel.holdShard(FIRST_HOLD + holds), "an id never held is held nowhere");
        assertNull(readModel.heldCommand(FIRST_HOLD + holds));

        int[] next = {0};
        long allocated = StagesOnThisThread.bytes(WARMUP, MEASURED, () -> {
            int i = next[0]++ & (holds - 1);
            return router.route(hold[i]) + router.route(cancel[i]);
        });

        assertTrue(allocated < MEASURED, allocated + " bytes allocated routing " + MEASURED
                + " holds and their cancels: " + (double) allocated / MEASURED + " B per hold");
    }

    @Test
    void holdingAndCancellingACommandAllocatesOnlyItsHeldRecords() {
        StagesOnThisThread.assertAllocationCounted();
        StagesOnThisThread pipeline = new StagesOnThisThread(new StoreCapacity(2 * SKUS, 1024, 1024), SKUS);
        int holds = 4096;
        Command.Hold[] hold = new Command.Hold[holds];
        Command.CancelHold[] cancel = new Command.CancelHold[holds];
        for (int i = 0; i < holds; i++) {
            hold[i] = new Command.Hold(FIRST_HOLD + i, Long.MAX_VALUE,
                    new Command.Purchase(FIRST_HOLD + i, 1, i % SKUS, 0, 1));
            cancel[i] = new Command.CancelHold(FIRST_HOLD + i);
        }
        int[] next = {0};
        long perHold = perHold(() -> {
            int i = next[0]++ & (holds - 1);
            pipeline.submit(hold[i]);
            pipeline.submit(cancel[i]);
        });

        assertNull(pipeline.health.failure());
        assertEquals(0, pipeline.callback.refused, "every hold and cancel is accepted");
        assertNull(pipeline.readModel.heldCommand(FIRST_HOLD), "the cancelled hold is gone from the read model");
        assertNull(pipeline.store().held(FIRST_HOLD), "and from the store");
        assertAtMostTheHeldRecords(perHold, "holding and cancelling");
    }

    @Test
    void theReadModelKeepsAndReleasesAHoldWithOnlyItsHeldRecord() {
        StagesOnThisThread.assertAllocationCounted();
        ReadModel readModel = new ReadModel(1);
        ReadModel.Writer writer = readModel.writer(0);
        EventBuffer events = new EventBuffer();
        int holds = 4096;
        Command[] held = new Command[holds];
        for (int i = 0; i < holds; i++) {
            held[i] = new Command.Purchase(FIRST_HOLD + i, 1, i % SKUS, 0, 1);
        }
        long[] sequence = {0};
        long perHold = perHold(() -> {
            int i = (int) (sequence[0] / 2 & (holds - 1));
            events.clear();
            events.commandHeld(FIRST_HOLD + i, sequence[0], held[i]);
            writer.apply(sequence[0]++, events);
            events.clear();
            events.holdReleased(FIRST_HOLD + i);
            writer.apply(sequence[0]++, events);
        });

        assertNull(readModel.heldCommand(FIRST_HOLD), "the released hold is gone");
        assertEquals(-1, readModel.holdShard(FIRST_HOLD));
        assertEquals(-1, readModel.orderOrHeldOrderShard(FIRST_HOLD), "and so is the order it would have made");
        assertTrue(perHold <= heldCommandBytes(), perHold + " bytes allocated per hold kept and released by the"
                + " read model, where its held record takes " + heldCommandBytes());
    }

    /** Fails unless {@code perHold} bytes are no more than the two {@link HeldCommand}s a hold keeps. */
    private static void assertAtMostTheHeldRecords(long perHold, String what) {
        long record = heldCommandBytes();
        assertTrue(perHold <= 2 * record, perHold + " bytes allocated per hold " + what + ", where the store's and"
                + " the read model's held records take " + 2 * record);
    }

    /** The bytes this JVM allocates for one {@link HeldCommand}, measured on an array of them. */
    private static long heldCommandBytes() {
        HeldCommand[] records = new HeldCommand[MEASURED];
        Command command = new Command.CancelHold(1);
        long before = StagesOnThisThread.THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < records.length; i++) {
            records[i] = new HeldCommand(i + 1, i, command);
        }
        long allocated = StagesOnThisThread.THREADS.getCurrentThreadAllocatedBytes() - before;
        assertEquals(MEASURED, records[MEASURED - 1].holdId());
        return Math.round((double) allocated / MEASURED);
    }

    /** The bytes one call of {@code hold} allocates on this thread, on average over {@link #MEASURED} calls. */
    private static long perHold(Runnable hold) {
        return Math.round(StagesOnThisThread.bytesPerCall(WARMUP, MEASURED, hold));
    }
}
