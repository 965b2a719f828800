package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;
import dev.purestock.engine.PrimitiveInventoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading a journal's statistics allocates nothing per record: {@link JournalStats#of} counts each record's events
 * in the buffer {@link JournalReader#readEvents} decodes them into, and takes its epoch from its header, building no
 * record. What is counted is the reading thread's allocation (the JVM's per-thread counter) for the whole call (the
 * fewest bytes of three calls), once over a journal of purchases and again after as many more were appended to it:
 * what the call costs beyond its fixed part (opening the queue, listing the snapshots), divided by the records added.
 * Some purchases are refused, so that records with rejections are counted too; the assertion is on bytes, not time.
 */
class StatsAllocationTest {
    private static final int SKUS = 64;
    private static final int PURCHASES = 20_000;
    /** Every purchase of this many is of a sku never listed, refused {@link Reason#UNKNOWN_SKU}. */
    private static final int UNKNOWN_EVERY = 4;
    private static final long TIME = 1_700_000_000_000L;
    /** Readings of the stats per measurement. */
    private static final int READINGS = 3;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path dir;

    private final PrimitiveInventoryStore live = new PrimitiveInventoryStore(4 * PURCHASES);
    private final EventBuffer events = new EventBuffer();
    private final Map<RejectionReason, Long> rejections = new HashMap<>();
    private long sequence;
    private long eventCount;
    private long rejected;

    @Test
    void readingStatsAllocatesNothingPerRecordAndCountsWhatTheJournalHolds() {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            for (int sku = 0; sku < SKUS; sku++) {
                journal(writer, new Command.ListProduct(sku, 0));
                journal(writer, new Command.ReceiveStock(sku + 1, sku, 0, Limits.MAX_QUANTITY));
            }
            purchases(writer, 1);
        }
        long before = sequence;
        assertStats(JournalStats.of(dir)); // warms the code
        long allocatedBefore = allocatedReadingStats();

        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            purchases(writer, 1 + PURCHASES);
        }
        long allocatedAfter = allocatedReadingStats();

        long added = sequence - before;
        long allocated = allocatedAfter - allocatedBefore;
        assertTrue(allocated < added, allocated + " bytes more allocated reading the stats of " + added
                + " more records: " + (double) allocated / added + " B per record");
    }

    /**
     * The fewest bytes this thread allocates in one of {@link #READINGS} readings of the journal's stats, which it
     * checks: now and then a reading allocates some 35 KB more, once, whatever the journal's length, and the fewest
     * leaves that out, while what each record costs is in every reading.
     */
    private long allocatedReadingStats() {
        long fewest = Long.MAX_VALUE;
        for (int reading = 0; reading < READINGS; reading++) {
            long from = THREADS.getCurrentThreadAllocatedBytes();
            JournalStats stats = JournalStats.of(dir);
            fewest = Math.min(fewest, THREADS.getCurrentThreadAllocatedBytes() - from);
            assertStats(stats);
        }
        return fewest;
    }

    private void assertStats(JournalStats stats) {
        assertEquals(sequence, stats.records());
        assertEquals(eventCount, stats.events());
        assertEquals(0, stats.firstSequence());
        assertEquals(sequence - 1, stats.lastSequence());
        assertEquals(TIME, stats.firstTime());
        assertEquals(TIME + sequence - 1, stats.lastTime());
        assertEquals(sequence - rejected, stats.accepted());
        assertEquals(rejected, stats.rejected());
        assertEquals(rejections, stats.rejections());
        assertEquals(0, stats.firstEpoch());
        assertEquals(0, stats.lastEpoch());
        assertTrue(rejected > 0, "the journal holds refused purchases");
    }

    private void purchases(JournalWriter writer, long firstOrder) {
        for (long order = firstOrder; order < firstOrder + PURCHASES; order++) {
            long sku = order % UNKNOWN_EVERY == 0 ? SKUS + order % SKUS : order % SKUS;
            journal(writer, new Command.Purchase(order, order % 1_000, sku, 0, 1));
        }
    }

    private void journal(JournalWriter writer, Command command) {
        long time = TIME + sequence;
        events.clear();
        Inventory.decide(command, time, live, events);
        List<Event> decided = events.toEvents();
        writer.onDecided(sequence, time, command, decided, true);
        Inventory.evolveAll(live, time, events);
        eventCount += decided.size();
        if (Inventory.anyRejected(decided)) {
            rejected++;
            for (Event event : decided) {
                if (event instanceof Event.Rejection rejection) {
                    rejections.merge(rejection.reason(), 1L, Long::sum);
                }
            }
        }
        sequence++;
    }
}
