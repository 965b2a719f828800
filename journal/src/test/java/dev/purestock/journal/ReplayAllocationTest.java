package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Limits;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.PrimitiveInventoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replaying a journal of purchases allocates nothing per record: {@link JournalReader#readEvents} decodes each
 * record's events into a buffer it keeps, and they are applied from there into a store sized for them. What is
 * counted is the replaying thread's allocation (the JVM's per-thread counter) over the second half of the
 * records, after the first half warmed the code; the assertion is on bytes, not time.
 */
class ReplayAllocationTest {
    private static final int SKUS = 64;
    private static final int PURCHASES = 40_000;
    private static final long TIME = 1_700_000_000_000L;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path dir;

    @Test
    void replayingPurchasesAllocatesNothingPerRecordAndRebuildsTheLiveState() {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        PrimitiveInventoryStore live = new PrimitiveInventoryStore(2 * PURCHASES);
        long sequence = 0;
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            EventBuffer events = new EventBuffer();
            for (int sku = 0; sku < SKUS; sku++) {
                sequence = journal(writer, live, events, sequence, new Command.ListProduct(sku, 0));
                sequence = journal(writer, live, events, sequence,
                        new Command.ReceiveStock(sku + 1, sku, 0, Limits.MAX_QUANTITY));
            }
            for (long order = 1; order <= PURCHASES; order++) {
                sequence = journal(writer, live, events, sequence,
                        new Command.Purchase(order, order % 1_000, order % SKUS, 0, 1));
            }
        }
        long records = sequence;
        long measureFrom = records - PURCHASES / 2;

        PrimitiveInventoryStore replayed = new PrimitiveInventoryStore(2 * PURCHASES);
        long[] allocatedFrom = {0};
        long read;
        long allocated;
        try (JournalReader reader = JournalReader.open(dir)) {
            read = reader.readEvents((recordSequence, time, decoded) -> {
                if (recordSequence == measureFrom) {
                    allocatedFrom[0] = THREADS.getCurrentThreadAllocatedBytes();
                }
                Inventory.evolveAll(replayed, time, decoded);
                return true;
            });
            allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedFrom[0];
        }

        assertEquals(records, read);
        assertEquals(StateDigest.of(live), StateDigest.of(replayed), "the replay rebuilt the live state");
        long measured = records - measureFrom;
        assertTrue(allocated < measured, allocated + " bytes allocated replaying " + measured + " purchases: "
                + (double) allocated / measured + " B per record");
    }

    private static long journal(JournalWriter writer, PrimitiveInventoryStore live, EventBuffer events,
                                long sequence, Command command) {
        long time = TIME + sequence;
        events.clear();
        Inventory.decide(command, time, live, events);
        writer.onDecided(sequence, time, command, events.toEvents(), true);
        Inventory.evolveAll(live, time, events);
        return sequence + 1;
    }
}
