package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Line;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Holding a batch costs no more garbage than holding one of its members: looking through the batch for a command
 * no shard may hold (on the router, with more than one shard) and for one no hold may hold (in the domain's
 * decision) walks its members without allocating. Both once built a stream for every hold of a batch. The bytes a
 * hold of a batch allocates are counted against those of a hold of a single command, on this thread with the JVM's
 * per-thread allocation counter; the assertion is on bytes, not time, and is under one byte per hold, so that any
 * allocation per hold (an object takes at least 16 bytes) fails it.
 */
class HeldBatchAllocationTest {
    private static final int WARMUP = 50_000;
    private static final int MEASURED = 50_000;
    private static final long HOLD_ID = 1_000_000;

    private static final Command MEMBER = new Command.Reserve(7, 3, List.of(new Line(5, 1, 2)), 100);
    private static final Command BATCH = new Command.Batch(Command.Batch.Mode.ATOMIC, List.of(
            new Command.Batch(Command.Batch.Mode.INDEPENDENT, List.of(new Command.ReceiveStock(1, 5, 1, 10))),
            new Command.ReceiveStock(2, 5, 1, 10), MEMBER));

    @Test
    void routingAHoldOfABatchAllocatesNoMoreThanRoutingAHoldOfOneCommand() {
        StagesOnThisThread.assertAllocationCounted();
        ShardRouter router = new ShardRouter(2, new ReadModel(2), 1024);
        Command.Hold ofOne = new Command.Hold(HOLD_ID, 10, MEMBER);
        Command.Hold ofBatch = new Command.Hold(HOLD_ID, 10, BATCH);
        assertEquals(1, router.route(ofBatch), "the held batch goes where its warehouse 1 is");
        assertEquals(router.route(ofOne), router.route(ofBatch));

        long one = StagesOnThisThread.bytes(WARMUP, MEASURED, () -> router.route(ofOne));
        long batch = StagesOnThisThread.bytes(WARMUP, MEASURED, () -> router.route(ofBatch));

        assertTrue(batch - one < MEASURED, batch + " bytes allocated routing " + MEASURED + " holds of a batch, "
                + one + " routing as many holds of one command");
    }

    @Test
    void decidingAHoldOfABatchAllocatesNoMoreThanDecidingAHoldOfOneCommand() {
        StagesOnThisThread.assertAllocationCounted();
        PrimitiveInventoryStore store = new PrimitiveInventoryStore(16, 16, 16);
        EventBuffer events = new EventBuffer();
        Command.Hold ofOne = new Command.Hold(HOLD_ID, 10, MEMBER);
        Command.Hold ofBatch = new Command.Hold(HOLD_ID, 10, BATCH);
        LongSupplier decideOne = () -> decide(ofOne, store, events);
        LongSupplier decideBatch = () -> decide(ofBatch, store, events);
        assertEquals(-1, decideBatch.getAsLong(), "the hold of the batch is accepted");

        long one = StagesOnThisThread.bytes(WARMUP, MEASURED, decideOne);
        long batch = StagesOnThisThread.bytes(WARMUP, MEASURED, decideBatch);

        assertTrue(batch - one < MEASURED, batch + " bytes allocated deciding " + MEASURED + " holds of a batch, "
                + one + " deciding as many holds of one command");
    }

    /** Decides {@code hold} without applying it (the store is left as it was); the index of a rejection or -1. */
    private static long decide(Command.Hold hold, PrimitiveInventoryStore store, EventBuffer events) {
        events.clear();
        Inventory.decide(hold, 0, store, events);
        return events.firstRejection();
    }
}
