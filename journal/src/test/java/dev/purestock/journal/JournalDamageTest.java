package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.engine.Outcome;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalDamageTest {
    @TempDir
    Path dir;

    @Test
    void aHeaderMarkedUnfinishedMidJournalIsNamedByEveryReaderAndTheEngineRefusesToStart() throws IOException {
        JournalFiles.write(dir, 0, 100);
        Path cycle = JournalFiles.cycleFile(dir);
        long header = JournalFiles.headerOffsets(dir).get(50);
        JournalFiles.writeInt(cycle, header, JournalFiles.readInt(cycle, header) | JournalFiles.NOT_COMPLETE);
        byte[] damaged = Files.readAllBytes(cycle);

        assertNamesDamageAfter49(assertThrows(JournalDamagedException.class, this::recover));
        assertNamesDamageAfter49(assertThrows(JournalDamagedException.class,
                () -> JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE)));
        assertNamesDamageAfter49(assertThrows(JournalDamagedException.class, () -> JournalStats.of(dir)));
        assertNamesDamageAfter49(assertThrows(JournalDamagedException.class, () -> JournaledEngine.builder(dir)
                .start()));

        assertTrue(java.util.Arrays.equals(damaged, Files.readAllBytes(cycle)), "nothing was written after the damage");
    }

    /**
     * The journal's first document with its header's metadata bit set is named by reading from the start before
     * any record is given: a tailer passes over metadata without a word, so reading gave seq 1 on as the journal's
     * first records and named damage only at its end, where Chronicle Queue's index counted one more document.
     */
    @Test
    void aFirstDocumentReadAsMetadataIsNamedBeforeAnyRecordIsGiven() {
        JournalFiles.write(dir, 0, 100);
        Path cycle = JournalFiles.cycleFile(dir);
        long header = JournalFiles.headerOffsets(dir).get(0);
        JournalFiles.writeInt(cycle, header, JournalFiles.readInt(cycle, header) | JournalFiles.META_DATA);

        List<Long> given = new ArrayList<>();
        JournalDamagedException damage;
        try (JournalReader reader = JournalReader.open(dir)) {
            damage = assertThrows(JournalDamagedException.class, () -> reader.read((index, record) -> {
                given.add(record.sequence());
                return true;
            }));
        }
        assertEquals(List.of(), given, "no record is given before the damage at the start is named");
        assertTrue(damage.getMessage().contains("takes it for metadata"), damage.getMessage());
        assertEquals(-1, damage.lastReadableSequence());
        assertTrue(damage.losesAcknowledged());
        assertThrows(JournalDamagedException.class, this::recover);
        try (JournalReader reader = JournalReader.open(dir)) {
            assertTrue(reader.seek(50), "a seek past the damage still finds its record, as a snapshot's recovery needs");
        }
    }

    @Test
    void aZeroedHeaderMidJournalIsDamageNotTheEnd() {
        JournalFiles.write(dir, 0, 100);
        JournalFiles.writeInt(JournalFiles.cycleFile(dir), JournalFiles.headerOffsets(dir).get(50), 0);

        assertNamesDamageAfter49(assertThrows(JournalDamagedException.class, this::recover));
    }

    @Test
    void aHeaderClaimingMoreThanAnyDocumentIsNamedAsDamageWithoutReadingThatMuch() {
        JournalFiles.write(dir, 0, 100);
        JournalFiles.writeInt(JournalFiles.cycleFile(dir), JournalFiles.headerOffsets(dir).get(50), 0x2000_0000);

        JournalDamagedException damage = assertThrows(JournalDamagedException.class, this::recover);
        assertNamesDamageAfter49(damage);
        assertTrue(damage.getMessage().contains("its header says it is 536870912 bytes long, more than any document"),
                damage.getMessage());
    }

    @Test
    void aDamagedHeaderOnTheLastAcknowledgedRecordIsCaughtByTheHighWaterMark() {
        JournalFiles.write(dir, 0, 100);
        Path cycle = JournalFiles.cycleFile(dir);
        long header = JournalFiles.headerOffsets(dir).get(99);
        JournalFiles.writeInt(cycle, header, JournalFiles.readInt(cycle, header) | JournalFiles.NOT_COMPLETE);

        JournalDamagedException damage = assertThrows(JournalDamagedException.class, this::recover);
        assertEquals(98, damage.lastReadableSequence());
        assertEquals(99, damage.highWaterMark());
        assertTrue(damage.losesAcknowledged());
    }

    @Test
    void aCycleFileCutShortIsAOneLineErrorNamingTheLastReadableRecord() {
        JournalFiles.write(dir, 0, 100);
        JournalFiles.truncate(JournalFiles.cycleFile(dir), JournalFiles.headerOffsets(dir).get(50) + 10);

        for (Runnable reader : List.<Runnable>of(this::recover,
                () -> JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE),
                () -> JournalStats.of(dir))) {
            JournalDamagedException damage = assertThrows(JournalDamagedException.class, reader::run);
            assertTrue(damage.getMessage().contains("cut short"), damage.getMessage());
            assertTrue(damage.losesAcknowledged());
            assertFalse(damage.getMessage().contains("\n"));
        }
    }

    @Test
    void anUnreadableTailOfUnacknowledgedRecordsIsCutOnStartAndTheJournalGoesOn() throws Exception {
        JournalFiles.write(dir, 0, 100, 89);
        Path cycle = JournalFiles.cycleFile(dir);
        long header = JournalFiles.headerOffsets(dir).get(95);
        JournalFiles.writeInt(cycle, header, 0);
        JournalDamagedException damage = assertThrows(JournalDamagedException.class, this::recover);
        assertFalse(damage.losesAcknowledged(), damage.getMessage());

        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            assertEquals(95, journaled.recovered().nextSequence());
            assertTrue(journaled.recovered().notes().stream().anyMatch(n -> n.contains("cut the journal after seq 94")),
                    journaled.recovered().notes().toString());
            Outcome outcome = journaled.engine().submit(new Command.ListProduct(500, 0)).join();
            assertEquals(95, outcome.sequence());
        }
        RecoveredState after = recover();
        assertEquals(96, after.nextSequence());
        assertNotNull(after.store().product(500));
        assertNull(after.store().product(96), "the record at seq 95 behind the damage is gone from the journal");
        assertEquals(1, damagedFiles().size(), "the damaged cycle file is kept aside");
    }

    @Test
    void repairKeepsEveryRecordBeforeTheDamageAndTheJournalGoesOnWhereItWasCut() throws Exception {
        JournalFiles.write(dir, 0, 100);
        JournalFiles.writeInt(JournalFiles.cycleFile(dir), JournalFiles.headerOffsets(dir).get(50), 0);

        JournalRepair.Diagnosis diagnosis = JournalRepair.diagnose(dir);
        assertEquals(49, diagnosis.lastGoodSequence());
        assertEquals(50, diagnosis.records());
        assertTrue(diagnosis.losesAcknowledged());

        JournalRepair.truncateAfter(dir, diagnosis.lastGoodSequence());
        assertTrue(JournalRepair.diagnose(dir).damage().isEmpty());
        assertEquals(50, recover().nextSequence());
        JournalFiles.write(dir, 50, 10);
        RecoveredState after = recover();
        assertEquals(60, after.nextSequence());
        assertEquals(60, after.replayedRecords());
        assertEquals(1, damagedFiles().size());
    }

    @Test
    void aRepairStoppedBeforeItMovedTheMarkIsFinishedByRunningItAgain() {
        JournalFiles.write(dir, 0, 100);
        JournalFiles.writeInt(JournalFiles.cycleFile(dir), JournalFiles.headerOffsets(dir).get(50), 0);
        JournalRepair.truncateAfter(dir, 49);
        try (JournalHighWaterMark mark = JournalHighWaterMark.open(dir)) {
            mark.reset(99);
        }

        JournalRepair.Diagnosis interrupted = JournalRepair.diagnose(dir);
        assertEquals(49, interrupted.lastGoodSequence());
        assertTrue(interrupted.losesAcknowledged(), "the old mark still says 50..99 were acknowledged");
        JournalRepair.truncateAfter(dir, interrupted.lastGoodSequence());

        assertTrue(JournalRepair.diagnose(dir).damage().isEmpty());
        assertEquals(50, recover().replayedRecords());
    }

    @Test
    void acknowledgedRecordsLostAfterASnapshotAtTheLastReadableRecordAreNamedNotSkipped() throws IOException {
        JournalFiles.write(dir, 0, 50);
        MapInventoryStore state = new MapInventoryStore();
        for (long s = 0; s < 50; s++) {
            dev.purestock.domain.Inventory.evolve(state, 1_000 + s, new dev.purestock.domain.Event.ProductListed(s + 1, 1));
        }
        new SnapshotStore(dir).writeSnapshot(49, 1_049, state);
        // records 50..99 were acknowledged, and a power loss took their pages but not the mark's
        try (JournalHighWaterMark mark = JournalHighWaterMark.open(dir)) {
            mark.reset(99);
        }

        JournalDamagedException lost = assertThrows(JournalDamagedException.class, this::recover);
        assertEquals(49, lost.lastReadableSequence(), lost.getMessage());
        assertTrue(lost.losesAcknowledged());
        assertTrue(lost.getMessage().contains("records 50..99 are unreachable"), lost.getMessage());
        assertThrows(JournalDamagedException.class, () -> JournaledEngine.builder(dir).start());
        assertEquals(99, JournalHighWaterMark.read(dir), "nothing was changed");
    }

    @Test
    void aJournalWhoseCycleFilesAreAllGoneIsRefusedAndItsSnapshotsKept() throws IOException {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= 20; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
            journaled.engine().snapshot(0).join();
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path cycle : files.filter(f -> f.getFileName().toString().endsWith(".cq4")).toList()) {
                Files.delete(cycle); // a restore without them, or a clean-up that took them
            }
        }
        List<SnapshotInfo> snapshots = new SnapshotStore(dir).list();
        assertEquals(1, snapshots.size());

        JournalDamagedException refused = assertThrows(JournalDamagedException.class,
                () -> JournaledEngine.builder(dir).start());
        assertTrue(refused.losesAcknowledged(), refused.getMessage());
        assertEquals(19, refused.highWaterMark());
        assertTrue(refused.getMessage().contains("records 0..19"), refused.getMessage());
        assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
        assertEquals(snapshots, new SnapshotStore(dir).list(), "the snapshot of acknowledged records is kept");
        assertTrue(Files.exists(snapshots.get(0).file()));
        assertThrows(JournalDamagedException.class, this::recover);
    }

    @Test
    void aCycleFileLeftWithoutItsHeaderByAWriterStoppedAsItRolledIsSetAsideAndTheNextWriterRolls() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        writeInCycle(clock, 0, 10);
        clock.advanceMillis(1_000);
        writeInCycle(clock, 10, 10);
        clock.advanceMillis(1_000);
        // the next cycle file created, and its header never written whole: a power loss as a writer rolled into it
        // (a writer killed there leaves it zeroed instead, which Chronicle Queue waits for, then opens neither)
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).rollCycle(TestRollCycles.TEST_SECONDLY)
                .timeProvider(clock).build()) {
            queue.closeStore(queue.storeForCycle(queue.cycle(), queue.epoch(), true, null));
        }
        Path unopenable;
        try (Stream<Path> files = Files.list(dir)) {
            unopenable = files.filter(f -> f.toString().endsWith(".cq4")).sorted().toList().getLast();
        }
        try (FileChannel file = FileChannel.open(unopenable, StandardOpenOption.WRITE)) {
            file.truncate(100);
        }

        RecoveredState recovered = JournalRecovery.recoverForWriting(dir, RetentionPolicy.KEEP_JOURNAL,
                MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(20, recovered.nextSequence());
        assertTrue(recovered.notes().stream().anyMatch(n -> n.startsWith("moved " + unopenable.getFileName())),
                recovered.notes().toString());
        assertEquals(List.of(unopenable.getFileName()), damagedFiles().stream().map(Path::getFileName).toList());

        clock.advanceMillis(1_000);
        writeInCycle(clock, 20, 10); // rolls past where the unopenable file was: it failed on it
        RecoveredState after = recover();
        assertEquals(30, after.nextSequence());
        assertNotNull(after.store().product(30));
        RecoveredState again = JournalRecovery.recoverForWriting(dir, RetentionPolicy.KEEP_JOURNAL,
                MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(List.of(), again.notes(), "a journal whose cycle files all open is left as it is");
    }

    /**
     * A newest cycle file whose first word is a finished header but whose header is not there behind it (the file cut
     * short after that word, or written over with other bytes): Chronicle Queue refuses to open it with a checked
     * {@code StreamCorruptedException} it throws unchecked, which the start took for a failure to remove snapshots and
     * stopped on ("cannot remove stale snapshots of, or prune, journal"), start after start. It is set aside as a file
     * cut short further in is, and the next writer rolls past it.
     */
    @Test
    void aNewestCycleFileWhoseHeaderEndsAfterItsFirstWordOrIsWrittenOverIsSetAside() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        writeInCycle(clock, 0, 10);
        clock.advanceMillis(1_000);
        writeInCycle(clock, 10, 10);
        for (boolean writtenOver : new boolean[]{false, true}) {
            clock.advanceMillis(1_000);
            Path unopenable;
            try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir)
                    .rollCycle(TestRollCycles.TEST_SECONDLY).timeProvider(clock).build()) {
                var store = queue.storeForCycle(queue.cycle(), queue.epoch(), true, null);
                unopenable = store.file().toPath();
                queue.closeStore(store);
            }
            byte[] bytes = Files.readAllBytes(unopenable);
            if (writtenOver) {
                // the first word as Chronicle Queue writes a finished header, other bytes behind it
                byte[] other = new byte[bytes.length];
                new java.util.Random(1).nextBytes(other);
                System.arraycopy(bytes, 0, other, 0, Integer.BYTES);
                Files.write(unopenable, other);
            } else {
                Files.write(unopenable, java.util.Arrays.copyOf(bytes, 8));
            }
            assertNull(JournalQueues.headerMissing(unopenable), "its first word is a finished header");

            RecoveredState recovered = JournalRecovery.recoverForWriting(dir, RetentionPolicy.KEEP_JOURNAL,
                    MapInventoryStore::new, ReplayProgress.NONE);
            assertEquals(20, recovered.nextSequence());
            assertTrue(recovered.notes().stream().anyMatch(n -> n.startsWith("moved " + unopenable.getFileName())),
                    recovered.notes().toString());
            assertFalse(Files.exists(unopenable), "set aside");
        }
        assertEquals(2, damagedFiles().size(), "both kept aside");
        clock.advanceMillis(1_000);
        writeInCycle(clock, 20, 10);
        assertEquals(30, recover().nextSequence());
    }

    /**
     * The start sets aside the newest cycle files that fail to open once recovery has read the journal, and takes any
     * failure to open for a header never written: also one that says nothing of the header (too many open files, a
     * mapping the kernel refuses, a read error), which may strike the very file whose records recovery just read.
     * Moving that file aside drops acknowledged records from the journal while the engine goes on from the state they
     * built. Here the newest cycle file stops opening after recovery read its records (its header written over): the
     * start refuses, and leaves the file where it is, both with the mark the writer left and with one that lags, as
     * after a power loss under SYNC_PER_BATCH (then no reader sees records missing, and the start's own check must).
     */
    @Test
    void aCycleFileWhoseRecordsRecoveryReadIsNotSetAsideWhenItFailsToOpenAfterwards() throws IOException {
        for (long mark : new long[]{19, 9}) {
            Path journal = dir.resolve("mark-" + mark);
            SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
            writeInCycle(journal, clock, 0, 10);
            clock.advanceMillis(1_000);
            writeInCycle(journal, clock, 10, 10);
            try (JournalHighWaterMark lagging = JournalHighWaterMark.open(journal)) {
                lagging.reset(mark);
            }
            List<Path> cycles = JournalQueues.cycleFiles(journal);
            RecoveredState recovered = JournalRecovery.recover(journal, MapInventoryStore::new, ReplayProgress.NONE);
            assertEquals(20, recovered.nextSequence(), "records 10..19 read from " + cycles.getLast().getFileName());

            try (FileChannel file = FileChannel.open(cycles.getLast(), StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer first = java.nio.ByteBuffer.allocate(Integer.BYTES)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                file.read(first, 0);
                byte[] other = new byte[first.getInt(0) & 0x3FFF_FFFF];
                new java.util.Random(1).nextBytes(other);
                file.write(java.nio.ByteBuffer.wrap(other), Integer.BYTES);
            }
            JournalException refused = assertThrows(JournalException.class,
                    () -> JournalRepair.setAsideUnopenableTrailingCycles(journal, recovered.nextSequence() - 1));
            assertFalse(refused instanceof JournalDamagedException, "not damage a start cuts at: " + refused);
            assertTrue(refused.getMessage().startsWith("cannot decide which cycle files of journal " + journal
                    + " to set aside: recovery read it to seq 19 a moment before, and a cycle file it read no longer "
                    + "opens (journal " + journal + " cannot be read past seq 9"), refused.getMessage());
            assertTrue(refused.getMessage().contains("Nothing was set aside or cut; start again"),
                    refused.getMessage());
            assertEquals(cycles, JournalQueues.cycleFiles(journal), "the file holding records 10..19 stays");
        }
        assertEquals(List.of(), damagedFiles());
    }

    /**
     * A newest cycle file whose first header still carries Chronicle Queue's not-complete bit (a writer stopped as it
     * wrote it, or bytes written over it) is set aside by a writer's start as a zeroed one is: a reader opening the
     * journal would otherwise wait for that header to be finished, for ever.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aNewestCycleFileWhoseHeaderWasNeverFinishedIsSetAsideAndTheNextWriterRolls() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        writeInCycle(clock, 0, 10);
        clock.advanceMillis(1_000);
        writeInCycle(clock, 10, 10);
        clock.advanceMillis(1_000);
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).rollCycle(TestRollCycles.TEST_SECONDLY)
                .timeProvider(clock).build()) {
            queue.closeStore(queue.storeForCycle(queue.cycle(), queue.epoch(), true, null));
        }
        Path unfinished = cycleFiles().getLast();
        JournalFiles.writeInt(unfinished, 0, JournalFiles.readInt(unfinished, 0) | JournalFiles.NOT_COMPLETE);

        RecoveredState recovered = JournalRecovery.recoverForWriting(dir, RetentionPolicy.KEEP_JOURNAL,
                MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(20, recovered.nextSequence());
        assertTrue(recovered.notes().stream().anyMatch(n -> n.startsWith("moved " + unfinished.getFileName())),
                recovered.notes().toString());
        assertEquals(List.of(unfinished.getFileName()), damagedFiles().stream().map(Path::getFileName).toList());
        clock.advanceMillis(1_000);
        writeInCycle(clock, 20, 10);
        assertEquals(30, recover().nextSequence());
    }

    /**
     * The only cycle file's header marked not complete, though the file holds acknowledged records: a writer's start
     * refuses at once, naming the file and the records behind it, and changes nothing.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCycleFileOfAcknowledgedRecordsWhoseHeaderIsMarkedUnfinishedIsRefusedAtStart() throws IOException {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= 5; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
        }
        Path only = cycleFiles().getLast();
        JournalFiles.writeInt(only, 0, JournalFiles.readInt(only, 0) | JournalFiles.NOT_COMPLETE);
        byte[] damaged = Files.readAllBytes(only);

        JournalException refused = assertThrows(JournalException.class, () -> JournaledEngine.builder(dir).start());
        assertTrue(refused.getMessage().contains("cycle file " + only.getFileName()), refused.getMessage());
        assertTrue(refused.getMessage().contains("acknowledged records up to seq 4"), refused.getMessage());
        assertTrue(java.util.Arrays.equals(damaged, Files.readAllBytes(only)), "nothing was changed");
        assertEquals(List.of(), damagedFiles());
    }

    /**
     * The same file in a journal that keeps no high-water mark (its mark file was lost, or not restored with the
     * cycle files): nothing says whether acknowledged records are in it, so a writer's start refuses, naming the
     * file, and changes nothing. Setting it aside would start the engine on an empty journal, its records gone from
     * its state.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCycleFileWhoseHeaderIsMarkedUnfinishedInAJournalWithoutAMarkIsRefusedAtStart() throws IOException {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= 5; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
        }
        Files.delete(dir.resolve(JournalHighWaterMark.FILE_NAME));
        Path only = cycleFiles().getLast();
        JournalFiles.writeInt(only, 0, JournalFiles.readInt(only, 0) | JournalFiles.NOT_COMPLETE);
        byte[] damaged = Files.readAllBytes(only);

        JournalDamagedException refused = assertThrows(JournalDamagedException.class,
                () -> JournalRecovery.recoverForWriting(dir, RetentionPolicy.KEEP_JOURNAL, MapInventoryStore::new,
                        ReplayProgress.NONE));
        assertTrue(refused.getMessage().startsWith("cycle file " + only.getFileName() + " of journal " + dir
                + " has no header (it starts with one a writer never finished), and no reader can open it: the journal "
                + "keeps no high-water mark (" + JournalHighWaterMark.FILE_NAME + "), so records that were "
                + "acknowledged may be in it"), refused.getMessage());
        assertTrue(refused.losesAcknowledged());
        assertTrue(java.util.Arrays.equals(damaged, Files.readAllBytes(only)), "nothing was changed");
        assertEquals(List.of(), damagedFiles());
        assertFalse(Files.exists(dir.resolve(JournalHighWaterMark.FILE_NAME)), "no mark was made up");
    }

    /**
     * A start killed after it moved such a file aside and before it listed the cycle files afresh leaves Chronicle
     * Queue's listing naming the file moved: the next start lists them afresh first, rather than failing, start after
     * start, where it lists the cycles ("'file not found' for the upperCycle").
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aStartKilledBetweenSettingACycleFileAsideAndRelistingIsFinishedByTheNext() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        setAsideWithoutRelistingAsAKilledStartDid(clock);

        RecoveredState recovered = JournalRecovery.recoverForWriting(dir, RetentionPolicy.KEEP_JOURNAL,
                MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(20, recovered.nextSequence(), recovered.notes().toString());
        clock.advanceMillis(1_000);
        writeInCycle(clock, 20, 10);
        assertEquals(30, recover().nextSequence());
    }

    /**
     * A writer's start rebuilds the listing of the cycles in place: it deleted {@code metadata.cq4t} and made a new
     * one, and a tool opening the journal in between found none. A link to the listing made before the start is
     * still the listing after it, which a listing removed and made again is not.
     */
    @Test
    void aStartRelistsTheCyclesInPlace(@TempDir Path elsewhere) throws IOException {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        setAsideWithoutRelistingAsAKilledStartDid(clock);
        Path listing = dir.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE);
        Path link = Files.createLink(elsewhere.resolve("listing"), listing);

        assertEquals(20, JournalRecovery.recoverForWriting(dir, RetentionPolicy.KEEP_JOURNAL, MapInventoryStore::new,
                ReplayProgress.NONE).nextSequence());
        assertTrue(Files.isSameFile(link, listing), "the listing was rebuilt in place");
        try (SingleChronicleQueue queue = JournalQueues.forReading(dir)) {
            assertEquals(JournalQueues.cycles(queue).first().intValue(), queue.firstCycle());
            assertEquals(JournalQueues.cycles(queue).last().intValue(), queue.lastCycle(), "the listing names the files");
        }
    }

    /**
     * A listing older than the newest cycle file (one kept from before it was made) is rebuilt by a writer's start:
     * the readers, which take Chronicle Queue's listing for where the journal ends, then read every record.
     */
    @Test
    void aStartRelistsACycleFileTheListingDoesNotCover() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        writeInCycle(clock, 0, 10);
        Path listing = dir.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE);
        byte[] older = Files.readAllBytes(listing);
        clock.advanceMillis(1_000);
        writeInCycle(clock, 10, 10);
        Files.write(listing, older);
        JournalException stale = assertThrows(JournalException.class, () -> JournalStats.of(dir));
        assertFalse(stale instanceof JournalDamagedException, "records 10..19 lie past the listing, not lost");

        assertEquals(20, JournalRecovery.recoverForWriting(dir, RetentionPolicy.KEEP_JOURNAL, MapInventoryStore::new,
                ReplayProgress.NONE).nextSequence());
        assertEquals(20, JournalStats.of(dir).records());
    }

    /**
     * The tools that read a journal an engine may be writing read one whose listing names a cycle file a killed start
     * set aside, from the files there, and leave the listing as they found it; pruning, which holds the lock, prunes
     * it. They failed with Chronicle Queue's "'file not found' for the upperCycle" (stats, prune, and a seek read the
     * whole journal instead of using the index) until the next engine start rebuilt the listing.
     */
    @Test
    void theToolsReadAJournalWhoseListingStillNamesACycleFileSetAside() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        setAsideWithoutRelistingAsAKilledStartDid(clock);
        Path listing = dir.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE);
        byte[] stale = Files.readAllBytes(listing);

        JournalStats stats = JournalStats.of(dir);
        assertEquals(20, stats.records());
        assertEquals(2, stats.cycles());
        assertEquals(20, JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE).records());
        assertEquals(java.util.Optional.empty(), JournalRepair.diagnose(dir).damage());
        try (JournalReader reader = JournalReader.open(dir)) {
            assertEquals(2, reader.cycleCount());
            assertTrue(reader.seek(15));
            long[] read = {-1};
            reader.read((index, record) -> {
                read[0] = record.sequence();
                return false;
            });
            assertEquals(15, read[0]);
        }
        assertTrue(java.util.Arrays.equals(stale, Files.readAllBytes(listing)), "the readers left the listing as it was");

        JournalPruner.Result pruned = JournalPruner.prune(dir, 1);
        assertEquals(List.of(), pruned.cyclesDeleted(), "no snapshot covers a cycle");
        assertEquals(0, pruned.firstSequence());
    }

    /**
     * A prune killed after it deleted a cycle file and before it relisted leaves the listing's lowest cycle naming
     * the file deleted. The tools that only read start at the oldest cycle file there and read every record the
     * files hold, leaving the listing as they found it. They failed with Chronicle Queue's "Missing first store
     * file", reported every record unreachable and pointed to `purestock repair`, whose cut would have kept none.
     */
    @Test
    void theToolsReadAJournalWhoseListingStillNamesACycleFilePruned() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        pruneTheFirstOfThreeCyclesAsAKilledPruneDid(clock);
        Path listing = dir.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE);
        byte[] stale = Files.readAllBytes(listing);

        JournalStats stats = JournalStats.of(dir);
        assertEquals(20, stats.records());
        assertEquals(10, stats.firstSequence());
        assertEquals(29, stats.lastSequence());
        assertEquals(2, stats.cycles());
        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        assertEquals("snapshot@9", verified.startedAt());
        assertEquals(java.util.Optional.empty(), JournalRepair.diagnose(dir).damage(), "nothing for repair to cut");
        assertEquals(30, recover().nextSequence());
        try (JournalReader reader = JournalReader.open(dir)) {
            assertEquals(29, reader.lastSequence());
            long[] first = {-1};
            reader.read((index, record) -> {
                first[0] = record.sequence();
                return false;
            });
            assertEquals(10, first[0], "the first record there");
            assertTrue(reader.seek(25));
            reader.read((index, record) -> {
                first[0] = record.sequence();
                return false;
            });
            assertEquals(25, first[0]);
        }
        assertTrue(java.util.Arrays.equals(stale, Files.readAllBytes(listing)), "the readers left the listing as it was");
    }

    /**
     * The same journal is relisted by an engine's start, which recovers from the snapshot the prune kept and goes on
     * after the last record.
     */
    @Test
    void aStartRelistsACycleFileAKilledPruneDeleted() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        pruneTheFirstOfThreeCyclesAsAKilledPruneDid(clock);

        RecoveredState recovered = JournalRecovery.recoverForWriting(dir, RetentionPolicy.KEEP_JOURNAL,
                MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(30, recovered.nextSequence());
        assertEquals("snapshot@9", recovered.recoveredFrom());
        try (SingleChronicleQueue queue = JournalQueues.forReading(dir)) {
            assertEquals(JournalQueues.cycles(queue).first().intValue(), queue.firstCycle(), "the listing names the files");
        }
    }

    /**
     * A listing that stops before the newest cycle file (a {@code metadata.cq4t} put back from an older copy) keeps
     * Chronicle Queue's read-only readers from the records in it, and only a writer can list it afresh. The tools that
     * only read refuse such a journal, saying that no record is lost and that an engine's start relists; repair and
     * truncate refuse to cut on it. They reported the records in that file unreachable, and a cut would have dropped
     * them.
     */
    @Test
    void theToolsRefuseAJournalWhoseListingStopsBeforeTheNewestCycleFile() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        writeInCycle(clock, 0, 10);
        Path listing = dir.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE);
        byte[] older = Files.readAllBytes(listing);
        clock.advanceMillis(1_000);
        writeInCycle(clock, 10, 10);
        Files.write(listing, older);
        List<Path> cycles = cycleFiles();
        byte[] newest = Files.readAllBytes(cycles.getLast());
        String expected = "the listing of the cycle files of journal " + dir + " (" + SingleChronicleQueue.QUEUE_METADATA_FILE
                + ") is stale: it ends at cycle file " + cycles.getFirst().getFileName() + " but " + cycles.getLast()
                .getFileName() + " is there too, and Chronicle Queue reads no record past the listing. No record is "
                + "lost: do not cut the journal on this. An engine's start on the directory lists the cycle files "
                + "afresh from those there (if an engine is writing the journal, it was creating that file: run this "
                + "again)";

        for (org.junit.jupiter.api.function.Executable tool : List.<org.junit.jupiter.api.function.Executable>of(
                () -> JournalStats.of(dir), () -> JournalReader.open(dir).close(),
                () -> JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE),
                () -> JournalRepair.diagnose(dir), () -> JournalTruncation.truncateAfter(dir, 5))) {
            JournalException refused = assertThrows(JournalException.class, tool);
            assertFalse(refused instanceof JournalDamagedException, refused.getMessage());
            assertEquals(expected, refused.getMessage());
        }
        assertEquals(cycles, cycleFiles(), "nothing was cut");
        assertTrue(java.util.Arrays.equals(newest, Files.readAllBytes(cycles.getLast())));
        assertTrue(java.util.Arrays.equals(older, Files.readAllBytes(listing)), "the listing was left as it was");
    }

    /**
     * A cycle file older than the listing's lowest cycle (one put back from a copy after the listing was rebuilt
     * without it) is likewise out of the read-only readers' reach: they refuse the journal rather than take it for
     * one pruned, and an engine's start lists it again and reads every record.
     */
    @Test
    void theToolsRefuseAJournalWhoseListingStartsAfterTheOldestCycleFile(@TempDir Path elsewhere) throws IOException {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        writeInCycle(clock, 0, 10);
        clock.advanceMillis(1_000);
        writeInCycle(clock, 10, 10);
        Path oldest = cycleFiles().getFirst();
        Files.move(oldest, elsewhere.resolve(oldest.getFileName()));
        JournalRepair.relistCycles(dir);
        Files.move(elsewhere.resolve(oldest.getFileName()), oldest);

        JournalException refused = assertThrows(JournalException.class, () -> JournalStats.of(dir));
        assertEquals("the listing of the cycle files of journal " + dir + " (" + SingleChronicleQueue.QUEUE_METADATA_FILE
                + ") is stale: it starts at cycle file " + cycleFiles().getLast().getFileName() + " but "
                + oldest.getFileName() + " is there too, and Chronicle Queue reads no record before the listing. No "
                + "record is lost: do not cut the journal on this. An engine's start on the directory lists the cycle "
                + "files afresh from those there", refused.getMessage());
        assertThrows(JournalException.class, () -> JournalTruncation.truncateAfter(dir, 5));
        assertEquals(2, cycleFiles().size(), "nothing was cut");

        assertEquals(20, JournalRecovery.recoverForWriting(dir, RetentionPolicy.KEEP_JOURNAL, MapInventoryStore::new,
                ReplayProgress.NONE).nextSequence());
        assertEquals(0, JournalStats.of(dir).firstSequence());
        assertEquals(20, JournalStats.of(dir).records());
    }

    /**
     * Writes records 0..29 in three cycle files and a snapshot at seq 9, then deletes the first cycle file as a prune
     * does, leaving the listing naming it: what a prune killed before it relisted left.
     */
    private void pruneTheFirstOfThreeCyclesAsAKilledPruneDid(SetTimeProvider clock) throws IOException {
        writeInCycle(clock, 0, 10);
        clock.advanceMillis(1_000);
        writeInCycle(clock, 10, 10);
        clock.advanceMillis(1_000);
        writeInCycle(clock, 20, 10);
        MapInventoryStore covered = new MapInventoryStore();
        for (long s = 0; s < 10; s++) {
            dev.purestock.domain.Inventory.evolve(covered, 1_000 + s, new dev.purestock.domain.Event.ProductListed(s + 1,
                    1));
        }
        new SnapshotStore(dir).write(9, 1_009, covered);
        Files.delete(cycleFiles().getFirst());
    }

    /**
     * Writes records 0..19 in two cycle files and a third, newest one whose header was never finished, then moves that
     * one aside as a start does, leaving the listing naming it: what a start killed before it relisted left.
     */
    private void setAsideWithoutRelistingAsAKilledStartDid(SetTimeProvider clock) throws IOException {
        writeInCycle(clock, 0, 10);
        clock.advanceMillis(1_000);
        writeInCycle(clock, 10, 10);
        clock.advanceMillis(1_000);
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).rollCycle(TestRollCycles.TEST_SECONDLY)
                .timeProvider(clock).build()) {
            queue.closeStore(queue.storeForCycle(queue.cycle(), queue.epoch(), true, null));
        }
        Path unfinished = cycleFiles().getLast();
        JournalFiles.writeInt(unfinished, 0, JournalFiles.readInt(unfinished, 0) | JournalFiles.NOT_COMPLETE);
        Path aside = Files.createDirectories(dir.resolve("damaged-20261130-093000-000"));
        Files.move(unfinished, aside.resolve(unfinished.getFileName()));
    }

    /**
     * A start killed while it decides whether an unfinished newest cycle file may go, the file out of the journal's
     * listing to read what is before it: the next start gives the answer the killed one would have, refusing a file
     * that may hold acknowledged records with the words that name it, and the file is back where it was, unchanged.
     * (Left in {@code damaged-<time>/}, the next start refused with a damaged or missing header after the records
     * before it, as if the records were lost, and a cut there was one {@code repair} would offer.) The directory as
     * the kill left it is a copy taken at that step.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aStartKilledAsItDecidesOnAnUnfinishedCycleFileLeavesTheNextStartTheSameAnswer(@TempDir Path killed)
            throws IOException {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        writeInCycle(clock, 0, 10);
        clock.advanceMillis(1_000);
        writeInCycle(clock, 10, 10);
        Path newest = cycleFiles().getLast();
        JournalFiles.writeInt(newest, 0, JournalFiles.readInt(newest, 0) | JournalFiles.NOT_COMPLETE);
        byte[] unfinished = Files.readAllBytes(newest);

        JournalDamagedException refused = assertThrows(JournalDamagedException.class,
                () -> JournalRepair.setAsideUnfinishedNewestCycle(dir, step -> {
                    if (step.equals("decide")) {
                        copyTree(dir, killed);
                    }
                }));
        assertTrue(refused.getMessage().contains("acknowledged records up to seq 19"), refused.getMessage());

        JournalDamagedException again = assertThrows(JournalDamagedException.class,
                () -> JournalRecovery.recoverForWriting(killed, RetentionPolicy.KEEP_JOURNAL, MapInventoryStore::new,
                        ReplayProgress.NONE));
        assertEquals(refused.getMessage().replace(dir.toString(), killed.toString()), again.getMessage());
        assertTrue(java.util.Arrays.equals(unfinished, Files.readAllBytes(killed.resolve(newest.getFileName()))),
                "the file is back, unchanged");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path copy = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(path, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private List<Path> cycleFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".cq4")).sorted().toList();
        }
    }

    private void writeInCycle(SetTimeProvider clock, long from, int count) {
        writeInCycle(dir, clock, from, count);
    }

    private static void writeInCycle(Path journal, SetTimeProvider clock, long from, int count) {
        try (JournalWriter writer = JournalWriter.open(journal, Durability.PAGE_CACHE, TestRollCycles.TEST_SECONDLY,
                clock)) {
            for (long s = from; s < from + count; s++) {
                writer.onDecided(s, 1_000 + s, new Command.ListProduct(s + 1, 1),
                        List.of(new dev.purestock.domain.Event.ProductListed(s + 1, 1)), true);
            }
        }
    }

    @Test
    void aReaderReadsALiveJournalUpToTheEndItHadWhenItOpened() {
        JournalFiles.write(dir, 0, 100);
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE);
             JournalReader reader = JournalReader.open(dir)) {
            long[] seen = {0, -1};
            reader.read((index, record) -> {
                if (seen[0]++ == 0) {
                    for (long s = 100; s < 150; s++) {
                        writer.onDecided(s, 1_000 + s, new Command.ListProduct(s + 1, 1),
                                List.of(new dev.purestock.domain.Event.ProductListed(s + 1, 1)), true);
                    }
                }
                seen[1] = record.sequence();
                return true;
            });
            assertEquals(100, seen[0]);
            assertEquals(99, seen[1]);
        }
        assertEquals(150, recover().nextSequence());
    }

    private RecoveredState recover() {
        return JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
    }

    private List<Path> damagedFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.getParent().getFileName().toString().startsWith("damaged-")).toList();
        }
    }

    private static void assertNamesDamageAfter49(JournalDamagedException damage) {
        assertEquals(49, damage.lastReadableSequence(), damage.getMessage());
        assertEquals(99, damage.highWaterMark());
        assertTrue(damage.losesAcknowledged());
        assertTrue(damage.getMessage().contains("cannot be read past seq 49"), damage.getMessage());
        assertTrue(damage.getMessage().contains("records 50..99 are unreachable"), damage.getMessage());
    }
}
