package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A standby takes a record without building it: the receiver decodes a message's records into one buffer it keeps
 * and applies them from there. Counted is the allocation of the standby's receiving thread (the JVM's per-thread
 * counter) while it journals and applies 50,000 relistings, after as many warmed it up; the assertion is on
 * bytes, not time. Decoding each record into event records cost that thread 337 B a record; what is left is what
 * the thread does a few times a second whatever the rate (the status file), a few bytes a record here.
 */
class StandbyAllocationTest {
    private static final int RECORDS = 50_000;
    private static final int SKUS = 64;
    /** Bytes a record may cost the receiving thread, for what it does per second rather than per record. */
    private static final int MOST_BYTES_PER_RECORD = 64;
    private static final Duration CATCH_UP = Duration.ofSeconds(60);
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    @Test
    void aStandbyJournalsAndAppliesRecordsWithoutBuildingThem() throws Exception {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        Standby closed;
        long last;
        long bytes;
        long records;
        try (Primary primary = ReplicationTest.primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = ReplicationTest.engineWithoutTimer(primaryDir, primary);
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
            PurestockEngine engine = journaled.engine();
            Outcome warmedUp = relist(engine, 0, RECORDS);
            assertTrue(standby.awaitSequence(warmedUp.sequence(), CATCH_UP), "the standby took the first half");
            Thread receiving = Thread.getAllStackTraces().keySet().stream()
                    .filter(thread -> thread.getName().equals("purestock-standby-receive")).findFirst()
                    .orElseThrow(() -> new AssertionError("no standby receiving thread"));
            long before = THREADS.getThreadAllocatedBytes(receiving.threadId());

            last = relist(engine, RECORDS, 2 * RECORDS).sequence();
            assertTrue(standby.awaitSequence(last, CATCH_UP), "the standby took the second half");
            bytes = THREADS.getThreadAllocatedBytes(receiving.threadId()) - before;
            records = last - warmedUp.sequence();
            closed = standby;
        }

        assertEquals(last + 1, Journals.assertStateIsAReplayOfItsJournal(closed), "records the standby verified");
        Journals.assertPrefix(primaryDir, standbyDir, (int) last + 1);
        assertTrue(bytes < MOST_BYTES_PER_RECORD * records, bytes + " bytes allocated by the standby's receiving "
                + "thread for " + records + " records: " + (double) bytes / records + " B a record");
    }

    /** Relists a sku for each of {@code from} to {@code to}, a thousand at a time; the last outcome. */
    private static Outcome relist(PurestockEngine engine, int from, int to) {
        Outcome last = null;
        for (int start = from; start < to; start += 1_000) {
            List<CompletableFuture<Outcome>> answers = new ArrayList<>(1_000);
            for (int i = start; i < start + 1_000; i++) {
                answers.add(engine.submit(new Command.ListProduct(1 + i % SKUS, i % 7)));
            }
            for (CompletableFuture<Outcome> answer : answers) {
                Outcome outcome = answer.join();
                if (last == null || outcome.sequence() > last.sequence()) {
                    last = outcome;
                }
            }
        }
        return last;
    }
}
