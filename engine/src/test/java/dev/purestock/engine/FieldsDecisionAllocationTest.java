package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Limits;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the decision stage does for a purchase submitted as its fields (decide through the field door, apply
 * from the buffer) allocates nothing over a store sized ahead: no command record, no event record, no growth.
 * Counted with the JVM's per-thread allocation counter on this thread alone; the assertion is on bytes, not
 * time. The bound is under one byte per command rather than zero: any allocation per command (an object takes
 * at least 16 bytes) fails it, while a one-off of the JVM's own inside the window does not (a few hundred bytes
 * were seen once, with other tests in the same JVM; run alone, the count is 0).
 */
class FieldsDecisionAllocationTest {
    private static final int SKUS = 1_024;
    private static final int WARMUP = 50_000;
    private static final int MEASURED = 50_000;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void decidingAndApplyingPurchasesFromTheirFieldsAllocatesNothingOnAPresizedStore() {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        PrimitiveInventoryStore store = new PrimitiveInventoryStore(SKUS, WARMUP + MEASURED, WARMUP + MEASURED);
        EventBuffer events = new EventBuffer();
        for (int sku = 0; sku < SKUS; sku++) {
            apply(store, events, new Command.ListProduct(sku, 0));
            apply(store, events, new Command.ReceiveStock(sku + 1, sku, 0, Limits.MAX_QUANTITY));
        }
        purchase(store, events, 0, WARMUP);

        long before = THREADS.getCurrentThreadAllocatedBytes();
        long accepted = purchase(store, events, WARMUP, WARMUP + MEASURED);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;

        assertEquals(MEASURED, accepted, "every purchase is accepted: the full write path, an order each");
        assertTrue(allocated < MEASURED, allocated + " bytes allocated by " + MEASURED
                + " purchases decided and applied from fields: something is allocated per command");
    }

    /** Decides and applies purchases of orders {@code from..to-1}; returns how many were accepted. */
    private static long purchase(PrimitiveInventoryStore store, EventBuffer events, long from, long to) {
        long accepted = 0;
        for (long order = from; order < to; order++) {
            events.clear();
            Inventory.decidePurchase(order, order & 0xFFFF, order % SKUS, 0, 1, order, store, events);
            Inventory.evolveAll(store, order, events);
            if (events.firstRejection() < 0) {
                accepted++;
            }
        }
        return accepted;
    }

    private static void apply(PrimitiveInventoryStore store, EventBuffer events, Command command) {
        events.clear();
        Inventory.decide(command, 0, store, events);
        Inventory.evolveAll(store, 0, events);
    }
}
