package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.MapInventoryStore;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What {@code SYNC_PER_BATCH} promises, seen from the page cache: when a batch's last call returns, none of its
 * records is only in memory, whether the batch stays in one 64 MiB chunk of a cycle file, crosses into the next
 * chunk (Chronicle's own sync covered only the chunk of the write position, so those records were acknowledged
 * unsynced), or spans a cycle roll. And the high-water mark's two slots: a reopened writer first writes the slot that
 * does not hold the newest mark. The page-cache tests run where Linux's {@code cachestat} can be asked
 * ({@link PageCacheProbe}).
 */
class SyncPerBatchTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long PAGE = 4096;

    @TempDir
    Path dir;

    private static Command command(long s) {
        return new Command.ListProduct(s + 1, 1);
    }

    private static List<Event> events(long s) {
        return List.of(new Event.ProductListed(s + 1, 1));
    }

    /** The record's bytes as the writer encodes them (epoch 0). */
    private static byte[] recordBytes(long s, long time) {
        JournalRecordCodec codec = new JournalRecordCodec();
        int length = codec.encode(s, time, command(s), events(s));
        return Arrays.copyOf(codec.buffer(), length);
    }

    /** Dirty pages of {@code file} holding record 1 (stamped 1,001), which each of these tests writes first. */
    private static long dirtyPagesOfRecordOne(Path file) throws IOException {
        long at = JournalFiles.indexOf(Files.readAllBytes(file), recordBytes(1, 1_001));
        assertTrue(at > 0, "record 1 is in " + file.getFileName());
        long from = at / PAGE * PAGE;
        return PageCacheProbe.dirtyPages(file, from, at + 64 - from);
    }

    /** A writer of {@code durability} rolling a cycle a second on {@code clock}, each record a document of its own. */
    private JournalWriter secondly(Durability durability, SetTimeProvider clock) {
        return JournalWriter.open(dir, durability, TestRollCycles.TEST_SECONDLY, clock)
                .documentBytes(JournalWriter.ONE_RECORD_PER_DOCUMENT);
    }

    private List<Path> cycles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(SingleChronicleQueue.SUFFIX)).sorted().toList();
        }
    }

    /**
     * SYNC_PER_BATCH: a batch whose documents span a cycle roll. When the call with endOfBatch returns, the
     * caller is answered, so every record of the batch must be on the device: the pages of the first cycle file
     * that hold the batch's record written before the roll must not be dirty any more.
     */
    @Test
    void aBatchThatSpansACycleRollIsSyncedInBothCycleFilesBeforeItIsAcknowledged() throws IOException {
        assumeTrue(PageCacheProbe.available(), "needs Linux cachestat(2) and python3");
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(NOW));
        try (JournalWriter writer = secondly(Durability.SYNC_PER_BATCH, clock)) {
            writer.onDecided(0, 1_000, command(0), events(0), true);
            // one batch: record 1 in the first cycle file, then the clock passes the second, record 2 rolls
            writer.onDecided(1, 1_001, command(1), events(1), false);
            clock.advanceMillis(1_000);
            writer.onDecided(2, 1_002, command(2), events(2), true);
            // the batch ended: with SYNC_PER_BATCH records 1 and 2 are acknowledged now, the mark says so
            assertEquals(2, JournalHighWaterMark.read(dir));

            List<Path> cycles = cycles();
            assertEquals(2, cycles.size(), "the batch rolled the cycle: " + cycles);
            Path first = cycles.get(0);
            assertEquals(0, dirtyPagesOfRecordOne(first), "acknowledged record 1 (in " + first.getFileName()
                    + ") is still only in the page cache after its batch ended with SYNC_PER_BATCH");
        }
    }

    /**
     * SYNC_PER_BATCH: a cycle file's name must reach the device before its first record is acknowledged (a file's
     * fdatasync promises nothing about the directory entry naming it), so the directory is synced once for each
     * cycle file a batch first ends in, and not for later batches in the same file; PAGE_CACHE syncs nothing.
     */
    @Test
    void theDirectoryIsSyncedOnceForEachCycleFileABatchFirstEndsIn() {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(NOW));
        try (JournalWriter writer = secondly(Durability.SYNC_PER_BATCH, clock)) {
            writer.onDecided(0, 1_000, command(0), events(0), true);
            assertEquals(1, writer.directorySyncs(), "the first batch's cycle file, and the names the open made");
            writer.onDecided(1, 1_001, command(1), events(1), true);
            assertEquals(1, writer.directorySyncs(), "a second batch in the same cycle file");
            clock.advanceMillis(1_000);
            writer.onDecided(2, 1_002, command(2), events(2), true);
            assertEquals(2, writer.directorySyncs(), "the batch that rolled to a new cycle file");
        }
        try (JournalWriter writer = secondly(Durability.PAGE_CACHE, clock)) {
            clock.advanceMillis(1_000);
            writer.onDecided(3, 1_003, command(3), events(3), true);
            assertEquals(0, writer.directorySyncs());
        }
    }

    /**
     * SYNC_PER_BATCH: the records a writer finds as it opens may be only in the page cache (the process before it was
     * killed between a batch's append and its sync, or wrote with PAGE_CACHE). The records it acknowledges next follow
     * them, and a {@code --sync} standby acknowledges them to its primary as soon as it says hello, so the open syncs
     * every cycle file it finds, the older ones too (a process killed just after a roll leaves two files unsynced).
     */
    @Test
    void aWriterOpenedWithSyncPerBatchSyncsTheCycleFilesItFindsBeforeItAcknowledgesAnything() throws IOException {
        assumeTrue(PageCacheProbe.available(), "needs Linux cachestat(2) and python3");
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(NOW));
        try (JournalWriter writer = secondly(Durability.PAGE_CACHE, clock)) {
            writer.onDecided(0, 1_000, command(0), events(0), true);
            writer.onDecided(1, 1_001, command(1), events(1), true);
            clock.advanceMillis(1_000);
            writer.onDecided(2, 1_002, command(2), events(2), true);
        }
        List<Path> cycles = cycles();
        assertEquals(2, cycles.size(), "two cycle files: " + cycles);
        Path first = cycles.get(0);
        // as a process killed before its sync leaves it: record 1 written, its page not yet on the device
        long at = JournalFiles.indexOf(Files.readAllBytes(first), recordBytes(1, 1_001));
        try (FileChannel file = FileChannel.open(first, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer page = ByteBuffer.allocate((int) PAGE);
            file.read(page, at / PAGE * PAGE);
            file.write(page.flip(), at / PAGE * PAGE);
        }
        assertTrue(dirtyPagesOfRecordOne(first) > 0, "record 1's page was written again and not synced");

        try (JournalWriter writer = secondly(Durability.SYNC_PER_BATCH, clock)) {
            assertEquals(0, dirtyPagesOfRecordOne(first), "record 1, found by a SYNC_PER_BATCH writer as it opened "
                    + "and followed by what it acknowledges, is still only in the page cache");
            assertEquals(1, writer.directorySyncs(), "the names of the files it found");
        }
    }

    /** The control: a batch inside one cycle file is on the device when its end returns. */
    @Test
    void aBatchInOneCycleFileIsSyncedWhenItEnds() throws IOException {
        assumeTrue(PageCacheProbe.available(), "needs Linux cachestat(2) and python3");
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(NOW));
        try (JournalWriter writer = secondly(Durability.SYNC_PER_BATCH, clock)) {
            writer.onDecided(0, 1_000, command(0), events(0), true);
            writer.onDecided(1, 1_001, command(1), events(1), false);
            writer.onDecided(2, 1_002, command(2), events(2), true);
            Path only = cycles().get(0);
            assertEquals(0, dirtyPagesOfRecordOne(only));
        }
    }

    @Test
    void withPageCacheDurabilityTheRecordIsLeftInThePageCache() throws IOException {
        assumeTrue(PageCacheProbe.available(), "needs Linux cachestat(2) and python3");
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(NOW));
        try (JournalWriter writer = secondly(Durability.PAGE_CACHE, clock)) {
            writer.onDecided(0, 1_000, command(0), events(0), true);
            writer.onDecided(1, 1_001, command(1), events(1), true);
            Path only = cycles().get(0);
            assertEquals(1, dirtyPagesOfRecordOne(only));
        }
    }

    @Test
    void rollWhileThePretoucherHoldsTheOldCycle() throws Exception {
        assumeTrue(PageCacheProbe.available(), "needs Linux cachestat(2) and python3");
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(NOW));
        try (JournalWriter writer = secondly(Durability.SYNC_PER_BATCH, clock)) {
            writer.onDecided(0, 1_000, command(0), events(0), true);
            writer.onDecided(1, 1_001, command(1), events(1), false);
            writer.pretoucher().awaitAhead();
            clock.advanceMillis(1_000);
            writer.onDecided(2, 1_002, command(2), events(2), true);
            List<Path> cycles = cycles();
            assertEquals(2, cycles.size());
            Path first = cycles.get(0);
            assertEquals(0, dirtyPagesOfRecordOne(first));
        }
    }

    /** The file offset where the last document {@code writer} appended ends. */
    private static long endOfLastDocument(net.openhft.chronicle.queue.ExcerptTailer tailer, JournalWriter writer) {
        assertTrue(tailer.moveToIndex(writer.lastIndexAppended()));
        try (net.openhft.chronicle.wire.DocumentContext document = tailer.readingDocument()) {
            assertTrue(document.isPresent());
            return document.wire().bytes().readLimit();
        }
    }

    /**
     * SYNC_PER_BATCH promises that when the batch's last call returns every record of the batch is on the device.
     * Chronicle maps a cycle file in 64 MiB chunks, and ExcerptAppender.sync() msyncs only the chunk the write
     * position is in now. A batch of several documents that crosses a chunk boundary leaves its records below
     * the boundary unsynced, yet the batch is acknowledged and the high-water mark moved over them.
     */
    @Test
    void aBatchThatCrossesAChunkOfTheCycleFileIsSyncedBeforeItIsAcknowledged() throws Exception {
        assumeTrue(PageCacheProbe.available(), "needs Linux cachestat(2) and python3");
        long chunk = 64L << 20; // SingleChronicleQueueBuilder's default block size on 64-bit Linux
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(NOW));
        long s = 0;
        try (JournalWriter writer = JournalWriter.open(dir, Durability.SYNC_PER_BATCH,
                net.openhft.chronicle.queue.RollCycles.FAST_DAILY, clock)) {
            // the pretoucher's compare-and-set of 0 to 0 is a write: racing behind the writer it dirties pages
            // again after their sync (same bytes), which would blur what this test measures; stop it
            writer.pretoucher().close();
            writer.onDecided(s, 1_000 + s, command(s), events(s), true);
            s++;
            Path file = cycles().get(0);
            try (SingleChronicleQueue queue = net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder
                    .binary(dir).readOnly(true).build();
                 net.openhft.chronicle.queue.ExcerptTailer tailer = queue.createTailer()) {
                long end = endOfLastDocument(tailer, writer);
                int batchesChecked = 0;
                while (true) {
                    // big batches far from the boundary, then batches of about 240 KiB (four documents)
                    int batch = end < chunk - (8L << 20) ? 65_536 : 4_096;
                    long start = end;
                    for (int i = 0; i < batch; i++, s++) {
                        writer.onDecided(s, 1_000 + s, command(s), events(s), i == batch - 1);
                    }
                    end = endOfLastDocument(tailer, writer);
                    assertEquals(s - 1, JournalHighWaterMark.read(dir), "the batch is acknowledged");
                    // the pages only this batch wrote, up to the chunk boundary, must be on the device now
                    long from = (start + PAGE - 1) / PAGE * PAGE;
                    long to = Math.min(end / PAGE * PAGE, chunk);
                    if (to > from) {
                        long dirty = PageCacheProbe.dirtyPages(file, from, to - from);
                        assertEquals(0, dirty, "batch ending at seq " + (s - 1) + " (file offsets " + start + ".."
                                + end + ", " + batchesChecked + " batches before it were synced whole): "
                                + dirty + " pages of acknowledged records in [" + from + ", " + to
                                + ") are only in the page cache");
                        batchesChecked++;
                    }
                    if (end > chunk) {
                        break;
                    }
                }
            }
        }
    }

    /**
     * The first mark of a journal that has acknowledged nothing yet reaches the device before its batch is answered.
     * The mark on the device says NONE until then (the writer's open forced it so), and a journal whose mark says NONE
     * cannot tell acknowledged records from others: a power loss that left the acknowledged records synced and the
     * mark's page unwritten, with a torn batch after them, had the next start refuse a journal that lost nothing
     * ({@link #aMarkLaggingItsSyncedRecordsAfterAPowerLossLosesNoAcknowledgedRecord}).
     */
    @Test
    void theFirstMarkOfAJournalIsOnTheDeviceWhenItsBatchEnds() throws IOException {
        assumeTrue(PageCacheProbe.available(), "needs Linux cachestat(2) and python3");
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(NOW));
        try (JournalWriter writer = secondly(Durability.SYNC_PER_BATCH, clock)) {
            writer.onDecided(0, 1_000, command(0), events(0), false);
            writer.onDecided(1, 1_001, command(1), events(1), true);
            assertEquals(1, JournalHighWaterMark.read(dir));
            assertEquals(0, PageCacheProbe.dirtyPages(dir.resolve(JournalHighWaterMark.FILE_NAME), 0, PAGE),
                    "the journal's first mark is only in the page cache after its batch was acknowledged");
        }
    }

    /**
     * What a power loss leaves with SYNC_PER_BATCH: every acknowledged record on the device (synced before its batch
     * was answered), a batch after them torn and never answered, and a mark on the device that lags, since setting it
     * syncs nothing: here seq 49, while batches up to seq 89 were acknowledged. A mark only says how far the journal
     * must reach, so one that lags refuses nothing, and the start cuts at the damage, which a power loss leaves only
     * after the acknowledged records: it keeps every one. A mark that still says NONE tells nothing, and the start
     * refuses: why the first one is synced ({@link #theFirstMarkOfAJournalIsOnTheDeviceWhenItsBatchEnds}).
     */
    @Test
    void aMarkLaggingItsSyncedRecordsAfterAPowerLossLosesNoAcknowledgedRecord() {
        for (long markOnDevice : new long[]{49, JournalHighWaterMark.NONE}) {
            Path journal = dir.resolve("mark-" + markOnDevice);
            JournalFiles.writeBatches(journal, 0, 100, 10, JournalWriter.ONE_RECORD_PER_DOCUMENT, 89);
            try (JournalHighWaterMark mark = JournalHighWaterMark.open(journal)) {
                mark.reset(markOnDevice);
            }
            JournalFiles.writeInt(JournalFiles.cycleFile(journal), JournalFiles.headerOffsets(journal).get(95), 0);
            if (markOnDevice == JournalHighWaterMark.NONE) {
                JournalDamagedException refused = assertThrows(JournalDamagedException.class,
                        () -> JournalRecovery.recoverForWriting(journal, RetentionPolicy.KEEP_JOURNAL,
                                MapInventoryStore::new, ReplayProgress.NONE));
                assertTrue(refused.losesAcknowledged(), refused.getMessage());
                assertTrue(refused.getMessage().contains("the journal's high-water mark says no record was "
                        + "acknowledged, which it also says until its first move reaches the disk (a power loss in the "
                        + "journal's first batch, or, with PAGE_CACHE, before the page cache wrote it back), so the "
                        + "records behind the damage may have been acknowledged"), refused.getMessage());
                continue;
            }
            RecoveredState recovered = JournalRecovery.recoverForWriting(journal, RetentionPolicy.KEEP_JOURNAL,
                    MapInventoryStore::new, ReplayProgress.NONE);
            assertEquals(95, recovered.nextSequence(), "every record before the damage: 0..89 were acknowledged");
            assertTrue(recovered.notes().stream().anyMatch(n -> n.startsWith("cut the journal after seq 94")),
                    recovered.notes().toString());
            assertEquals(94, JournalHighWaterMark.read(journal));
        }
    }

    private long slotSequence(int slot) throws IOException {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(Files.readAllBytes(dir.resolve(JournalHighWaterMark.FILE_NAME)))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        return in.getLong(8 + 16 * slot);
    }

    /**
     * The mark alternates between two slots, so that a set torn by a crash spoils only the slot it was writing: a
     * reopened writer must therefore first write the slot that does not hold the newest mark, or a crash in that first
     * set leaves only an older mark, below what was acknowledged.
     */
    @Test
    void aReopenedWriterKeepsTheLastMarkInTheOtherSlotWhileItMovesIt() throws IOException {
        for (int marks = 2; marks <= 3; marks++) {
            // an even and an odd number of marks before the restart: the newest sits in either slot
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
                for (long s = 0; s < marks; s++) {
                    writer.onDecided(s, 1_000 + s, command(s), events(s), true);
                }
            }
            long newest = marks - 1;
            assertEquals(newest, JournalHighWaterMark.read(dir));
            try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
                writer.onDecided(marks, 1_000 + marks, command(marks), events(marks), true);
                assertEquals(marks, JournalHighWaterMark.read(dir));
                assertEquals(newest, Math.min(slotSequence(0), slotSequence(1)),
                        "after " + marks + " marks, the slot the reopened writer did not write holds the last mark");
            }
        }
    }
}
