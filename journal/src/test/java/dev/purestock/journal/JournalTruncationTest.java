package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.MapInventoryStore;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalTruncationTest {
    private static final long NOW = 1_700_000_000_000L;
    /** Records in the journal {@link #writeFourCycles} writes. */
    private static final int RECORDS = 40;
    /** The cut most tests make: inside the third cycle file, inside a batch document. */
    private static final long CUT = 21;

    @TempDir
    Path root;

    @Test
    void truncationKeepsExactlyThePrefixAndDropsTheSnapshotsAboveIt() throws IOException {
        Path dir = root.resolve("journal");
        writeFourCycles(dir);
        List<byte[]> raw = rawRecords(dir);
        List<JournalRecord> decoded = records(dir);

        JournalTruncation.Result result = JournalTruncation.truncateAfter(dir, CUT);

        assertEquals(CUT, result.lastKept());
        assertEquals(RECORDS - 1 - CUT, result.recordsDropped());
        assertEquals(List.of(29L), result.snapshotsDropped());
        assertPrefix(dir, raw, decoded);
        assertEquals(List.of(9L, 19L), new SnapshotStore(dir).list().stream().map(SnapshotInfo::lastSequence).toList());
        assertEquals(CUT, JournalHighWaterMark.read(dir));
        try (Stream<Path> aside = Files.list(dir)) {
            assertEquals(1, aside.filter(p -> p.getFileName().toString().startsWith("truncated-")).count());
        }
    }

    @Test
    void aTruncatedJournalRecoversAndAnEngineGoesOnFromTheCut() {
        Path dir = root.resolve("journal");
        JournalFiles.writeBatches(dir, 0, RECORDS, 4, JournalWriter.DEFAULT_DOCUMENT_BYTES, RECORDS - 1);

        JournalTruncation.truncateAfter(dir, CUT);

        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            assertEquals(CUT + 1, journaled.recovered().nextSequence());
            assertEquals(CUT + 1, journaled.engine().submit(new Command.ListProduct(500, 0)).join().sequence());
        }
        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        assertEquals(CUT + 2, verified.records());
    }

    @Test
    void aTruncationStoppedAtAnyStepKeepsThePrefixAndFinishesWhenRunAgain() throws IOException {
        Path template = root.resolve("template");
        writeFourCycles(template);
        List<byte[]> raw = rawRecords(template);
        List<JournalRecord> decoded = records(template);
        List<String> steps = new ArrayList<>();
        Path counted = copy(template, root.resolve("counted"));
        JournalTruncation.truncateAfter(counted, CUT, steps::add);
        assertTrue(steps.size() >= 6, steps.toString());

        for (int crashAt = 0; crashAt < steps.size(); crashAt++) {
            Path dir = copy(template, root.resolve("crash-" + crashAt));
            int stopAt = crashAt;
            int[] step = {0};
            assertThrows(UncheckedIOException.class, () -> JournalTruncation.truncateAfter(dir, CUT, name -> {
                if (step[0]++ == stopAt) {
                    throw new IOException("killed before: " + name);
                }
            }));
            JournalRepair.Diagnosis between = JournalRepair.diagnose(dir);
            assertTrue(between.lastGoodSequence() >= CUT, "stopped before " + steps.get(crashAt) + ": " + between);

            JournalTruncation.truncateAfter(dir, CUT);

            assertPrefix(dir, raw, decoded);
            assertEquals(List.of(9L, 19L), new SnapshotStore(dir).list().stream().map(SnapshotInfo::lastSequence)
                    .toList(), "stopped before " + steps.get(crashAt));
        }
    }

    @Test
    void aJournalThatEndsAtTheCutIsLeftAsItIs() {
        Path dir = root.resolve("journal");
        writeFourCycles(dir);
        List<byte[]> raw = rawRecords(dir);

        JournalTruncation.Result result = JournalTruncation.truncateAfter(dir, RECORDS - 1);

        assertEquals(0, result.recordsDropped());
        assertEquals(List.of(), result.snapshotsDropped());
        List<byte[]> after = rawRecords(dir);
        assertEquals(raw.size(), after.size());
        for (int i = 0; i < raw.size(); i++) {
            assertArrayEquals(raw.get(i), after.get(i));
        }
    }

    @Test
    void truncatingAfterMinusOneKeepsNoRecordAndTheNextIsZero() {
        Path dir = root.resolve("journal");
        writeFourCycles(dir);

        JournalTruncation.Result result = JournalTruncation.truncateAfter(dir, -1);

        assertEquals(RECORDS, result.recordsDropped());
        assertEquals(List.of(), new SnapshotStore(dir).list());
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            assertEquals(0, journaled.engine().submit(new Command.ListProduct(1, 0)).join().sequence());
        }
    }

    @Test
    void aTruncationAfterMinusOneStoppedBeforeTheMarkIsFinishedByRunningItAgain() {
        Path dir = root.resolve("journal");
        writeFourCycles(dir);
        assertThrows(UncheckedIOException.class, () -> JournalTruncation.truncateAfter(dir, -1, name -> {
            if (name.equals("set the high-water mark")) {
                throw new IOException("killed before: " + name);
            }
        }));
        assertEquals(RECORDS - 1, JournalHighWaterMark.read(dir), "every cycle file is aside, the mark not moved yet");
        assertThrows(JournalDamagedException.class, () -> JournaledEngine.builder(dir).start());

        JournalTruncation.truncateAfter(dir, -1);

        assertEquals(-1, JournalHighWaterMark.read(dir));
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            assertEquals(0, journaled.engine().submit(new Command.ListProduct(1, 0)).join().sequence());
        }
    }

    @Test
    void aCutBeforeAPrunedJournalsFirstRecordIsRefused() throws IOException {
        Path dir = root.resolve("journal");
        writeFourCycles(dir);
        JournalPruner.prune(dir, 1);
        long first = records(dir).getFirst().sequence();
        assertTrue(first > 0, "pruned to " + first);

        JournalException refused = assertThrows(JournalException.class,
                () -> JournalTruncation.truncateAfter(dir, first - 2));
        assertTrue(refused.getMessage().contains("starts at seq " + first), refused.getMessage());
    }

    @Test
    void aCutBelowMinusOneIsRefused() {
        Path dir = root.resolve("journal");
        JournalFiles.write(dir, 0, 2);
        assertThrows(IllegalArgumentException.class, () -> JournalTruncation.truncateAfter(dir, -2));
    }

    /**
     * Forty records over four cycle files, in engine batches of four (so batch documents) that straddle no cycle,
     * with snapshots at 9, 19 and 29.
     */
    private static void writeFourCycles(Path dir) {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(NOW));
        MapInventoryStore live = new MapInventoryStore();
        SnapshotStore snapshots = new SnapshotStore(dir, 3);
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE, TestRollCycles.TEST_SECONDLY, clock)) {
            long sequence = 0;
            for (int cycle = 0; cycle < 4; cycle++) {
                for (int i = 0; i < 10; i++, sequence++) {
                    Event.ProductListed listed = new Event.ProductListed(1 + sequence, cycle);
                    Inventory.evolve(live, NOW + sequence, listed);
                    writer.onDecided(sequence, NOW + sequence, new Command.ListProduct(listed.sku(), cycle),
                            List.of(listed), i % 4 == 3 || i == 9);
                }
                if (cycle < 3) {
                    snapshots.write(sequence - 1, NOW + sequence - 1, live);
                }
                clock.advanceMillis(1_000);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The journal holds exactly the records up to {@link #CUT} of the original, byte for byte. */
    private static void assertPrefix(Path dir, List<byte[]> raw, List<JournalRecord> decoded) {
        List<byte[]> after = rawRecords(dir);
        assertEquals(CUT + 1, after.size());
        for (int i = 0; i <= CUT; i++) {
            assertArrayEquals(raw.get(i), after.get(i), "record " + i);
        }
        assertEquals(decoded.subList(0, (int) CUT + 1), records(dir));
    }

    private static List<byte[]> rawRecords(Path dir) {
        List<byte[]> raw = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.readRaw((index, bytes, offset, length) -> raw.add(Arrays.copyOfRange(bytes, offset, offset + length)));
        }
        return raw;
    }

    private static List<JournalRecord> records(Path dir) {
        List<JournalRecord> records = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.read((index, record) -> records.add(record));
        }
        return records;
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }
}
