package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A snapshot above the journal's last record (written and synced while the journal's newest records were lost to a
 * power loss under {@code PAGE_CACHE}) is the only copy of that state: a start takes it out of the manifest, so that
 * new commands journaled at its sequences are never taken for it, and moves its file to
 * {@code DIR/snapshots/ahead-<time>/}, never deleting it; a start killed half-way is finished by the next one, and
 * pruning leaves the folder alone.
 */
class SnapshotsAheadSetAsideTest {
    private static final long TIME = 1_700_000_000_000L;

    @TempDir
    Path dir;

    /**
     * Journals records 0 and 1 in {@code journal}, and writes snapshots at 1 and at each of {@code ahead}, above the
     * journal's end; returns the bytes of the files of those ahead, by name.
     */
    private static Map<String, byte[]> journalWithSnapshotsAhead(Path journal, long... ahead) throws Exception {
        try (ShardHarness shard = new ShardHarness(journal, Durability.PAGE_CACHE)) {
            shard.submit(new Command.ListProduct(1, 0));
            shard.submit(new Command.ReceiveStock(1, 1, 1, 10));
            shard.snapshot();
            SnapshotStore keepingAll = new SnapshotStore(journal, 10);
            for (long sequence : ahead) {
                Inventory.evolveAll(shard.store, shard.time, Inventory.decide(
                        new Command.Purchase(100 + sequence, 9, 1, 1, 1), shard.time, shard.store));
                keepingAll.write(sequence, shard.time, shard.store);
            }
        }
        Map<String, byte[]> files = new TreeMap<>();
        for (long sequence : ahead) {
            Path file = journal.resolve("snapshots").resolve(String.format("snapshot-%020d.bin", sequence));
            files.put(file.getFileName().toString(), Files.readAllBytes(file));
        }
        return files;
    }

    /** The folders under {@code journal}'s snapshots directory whose name starts with {@code ahead-}. */
    private static List<Path> asideFolders(Path journal) throws IOException {
        try (Stream<Path> entries = Files.list(journal.resolve("snapshots"))) {
            return entries.filter(Files::isDirectory).filter(p -> p.getFileName().toString().startsWith("ahead-"))
                    .sorted().toList();
        }
    }

    /** Asserts that the aside folders of {@code journal} hold exactly {@code expected}, byte for byte. */
    private static void assertAside(Path journal, Map<String, byte[]> expected) throws IOException {
        Map<String, byte[]> found = new TreeMap<>();
        for (Path folder : asideFolders(journal)) {
            try (Stream<Path> files = Files.list(folder)) {
                for (Path file : files.toList()) {
                    found.put(file.getFileName().toString(), Files.readAllBytes(file));
                }
            }
        }
        assertEquals(expected.keySet(), found.keySet(), "the snapshot files set aside");
        for (Map.Entry<String, byte[]> file : expected.entrySet()) {
            assertArrayEquals(file.getValue(), found.get(file.getKey()), file.getKey() + " set aside as it was");
        }
    }

    private static RecoveredState start(Path journal) {
        return JournalRecovery.recoverForWriting(journal, RetentionPolicy.KEEP_JOURNAL, MapInventoryStore::new,
                ReplayProgress.NONE);
    }

    private static List<Long> listed(Path journal) {
        return new SnapshotStore(journal).list().stream().map(SnapshotInfo::lastSequence).toList();
    }

    @Test
    void aStartMovesASnapshotAheadOfTheJournalAsideWithItsBytesAndStartsFromTheJournal() throws Exception {
        Map<String, byte[]> ahead = journalWithSnapshotsAhead(dir, 3, 5);

        RecoveredState recovered = start(dir);

        assertEquals(2, recovered.nextSequence());
        assertEquals("snapshot@1", recovered.recoveredFrom());
        RecoveredState full = JournalRecovery.recoverWithoutSnapshots(dir, MapInventoryStore::new,
                ReplayProgress.NONE);
        assertEquals(StateDigest.of(full.store()), StateDigest.of(recovered.store()));
        assertEquals(List.of(1L), listed(dir), "the manifest no longer lists the snapshots ahead");
        assertAside(dir, ahead);
        assertEquals(1, asideFolders(dir).size());
        Path folder = asideFolders(dir).getFirst();
        for (String name : ahead.keySet()) {
            assertTrue(recovered.notes().stream().anyMatch(n -> n.startsWith("moved " + name + " to " + folder
                    + ": the snapshot is ahead of the journal (last sequence 1)")), recovered.notes().toString());
        }
        assertEquals(List.of(), start(dir).notes(), "nothing is ahead any more");
        assertAside(dir, ahead);
    }

    @Test
    void aStartKilledBetweenMovingASnapshotAsideAndRewritingTheManifestIsFinishedByTheNext() throws Exception {
        Path probe = dir.resolve("probe");
        journalWithSnapshotsAhead(probe, 3, 5);
        List<String> steps = new ArrayList<>();
        new SnapshotStore(probe).setAsideAbove(1, "ahead", new ArrayList<>(), steps::add);
        assertEquals(List.of("set aside snapshot-00000000000000000005.bin",
                "set aside snapshot-00000000000000000003.bin", "rewrite the manifest"), steps);

        for (String stop : steps) {
            Path journal = dir.resolve("killed-" + steps.indexOf(stop));
            Map<String, byte[]> ahead = journalWithSnapshotsAhead(journal, 3, 5);
            IOException killed = assertThrows(IOException.class, () -> new SnapshotStore(journal).setAsideAbove(1, "ahead",
                    new ArrayList<>(), step -> {
                        if (step.equals(stop)) {
                            throw new IOException("killed before: " + step);
                        }
                    }));
            assertEquals("killed before: " + stop, killed.getMessage());
            assertEquals(List.of(1L, 3L, 5L), listed(journal), "killed before " + stop + ": the manifest is as it was");

            RecoveredState recovered = start(journal);

            assertEquals(2, recovered.nextSequence(), "killed before " + stop);
            assertEquals("snapshot@1", recovered.recoveredFrom());
            assertEquals(List.of(1L), listed(journal), "killed before " + stop);
            assertAside(journal, ahead);
            List<String> files = recovered.notes().stream().filter(n -> n.contains(".bin")).toList();
            assertEquals(2, files.size(), recovered.notes().toString());
            assertTrue(files.stream().allMatch(n -> n.contains(journal.resolve("snapshots").resolve("ahead-").toString())
                    && n.contains(": the snapshot is ahead of the journal (last sequence 1)")), files.toString());
            assertEquals(List.of(), start(journal).notes(), "killed before " + stop + ": nothing is ahead any more");
        }
    }

    @Test
    void pruningLeavesTheAsideFolderAsItIs() throws Exception {
        Map<String, byte[]> ahead = journalWithSnapshotsAhead(dir, 3);
        start(dir);
        assertAside(dir, ahead);
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            for (int i = 0; i < 3; i++) {
                shard.submit(new Command.ReceiveStock(2 + i, 1, 1, 1));
                shard.snapshot();
            }
        }
        assertEquals(List.of(3L, 4L), listed(dir), "keeping 2, the snapshot store deleted the one at 1 and left the "
                + "folder");
        assertAside(dir, ahead);

        JournalPruner.Result pruned = JournalPruner.prune(dir, 1);

        assertEquals(List.of(4L), pruned.snapshotsKept().stream().map(SnapshotInfo::lastSequence).toList());
        assertAside(dir, ahead);
        RecoveredState recovered = start(dir);
        assertEquals("snapshot@4", recovered.recoveredFrom());
        assertAside(dir, ahead);
    }
}
