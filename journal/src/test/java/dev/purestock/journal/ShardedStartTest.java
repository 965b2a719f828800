package dev.purestock.journal;

import dev.purestock.domain.MapInventoryStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sharded start that one shard's files refuse changes no shard's directory. Shards recover in parallel, each
 * changing its own directory as it goes (setting aside an unfinished newest cycle file, cutting an unacknowledged
 * damaged tail, removing snapshots ahead of its journal, pruning), so a refusal met inside one shard's recovery came
 * after the others had changed theirs. What can be refused from a shard's files alone, without reading its records,
 * is refused for every shard before any recovers. Here shard 0 holds a snapshot ahead of its journal, which its
 * recovery removes; shard 1 holds what refuses the start.
 */
class ShardedStartTest {
    @TempDir
    Path root;
    private Path dir;
    private JournalLayout layout;
    private Path shard1;

    @BeforeEach
    void twoShards() throws IOException {
        dir = root.resolve("journal");
        layout = JournalLayout.create(dir, 2);
        JournalFiles.write(layout.shardDir(0), 0, 10);
        new SnapshotStore(layout.shardDir(0)).write(50, 1_000, new MapInventoryStore());
        shard1 = layout.shardDir(1);
    }

    @Test
    void aStrayCq4FileInOneShardRefusesTheStartBeforeAnyShardRecovers() throws IOException {
        JournalFiles.write(shard1, 0, 10);
        Files.copy(JournalFiles.cycleFile(shard1), shard1.resolve("backup.cq4"));

        assertRefusedLeavingShard0(JournalException.class, "file backup.cq4 in journal " + shard1
                + " is named as a cycle file (.cq4) but not as this journal's cycle files are");
    }

    @Test
    void aHeaderlessCycleFileBeforeTheNewestInOneShardRefusesTheStartBeforeAnyShardRecovers() throws Exception {
        JournalToolsTest.writeFourCycles(shard1);
        Path zeroed = cycleFiles(shard1).get(1);
        Files.write(zeroed, new byte[(int) Files.size(zeroed)]);

        assertRefusedLeavingShard0(JournalException.class, "cycle file " + zeroed.getFileName() + " of journal "
                + shard1 + " has no header (it starts with zeros)");
    }

    @Test
    void aDamagedHighWaterMarkInOneShardRefusesTheStartBeforeAnyShardRecovers() throws IOException {
        JournalFiles.write(shard1, 0, 10);
        Files.write(shard1.resolve(JournalHighWaterMark.FILE_NAME), new byte[]{1, 2, 3});

        assertRefusedLeavingShard0(JournalCorruptException.class, "the high-water mark "
                + shard1.resolve(JournalHighWaterMark.FILE_NAME) + " is damaged");
    }

    @Test
    void oneShardsCycleFilesGoneBelowItsMarkRefuseTheStartBeforeAnyShardRecovers() throws IOException {
        JournalFiles.write(shard1, 0, 10);
        for (Path cycle : cycleFiles(shard1)) {
            Files.delete(cycle);
        }

        assertRefusedLeavingShard0(JournalDamagedException.class, "journal " + shard1 + " holds no cycle file (.cq4), "
                + "yet the journal acknowledged records up to seq 9");
    }

    /** Its records may be in it: the start may not set it aside, and nothing before it is read to say so. */
    @Test
    void oneShardsOnlyCycleFileUnfinishedBelowItsMarkRefusesTheStartBeforeAnyShardRecovers() throws IOException {
        JournalFiles.write(shard1, 0, 10);
        Path cycle = JournalFiles.cycleFile(shard1);
        JournalFiles.writeInt(cycle, 0, JournalFiles.readInt(cycle, 0) | JournalFiles.NOT_COMPLETE);

        assertRefusedLeavingShard0(JournalDamagedException.class, "cycle file " + cycle.getFileName() + " of journal "
                + shard1 + " has no header (it starts with one a writer never finished), and no reader can open it: the "
                + "journal acknowledged records up to seq 9, and the cycle files before it end at no record");
    }

    /** Already refused by the layout's checks, before any shard's lock is taken. */
    @Test
    void aMissingShardDirectoryRefusesTheStartBeforeAnyShardRecovers() throws IOException {
        Files.delete(shard1);

        assertRefusedLeavingShard0(JournalException.class, "journal directory " + dir + " records 2 shards but "
                + "[shard-1] is missing or empty");
    }

    private void assertRefusedLeavingShard0(Class<? extends JournalException> kind, String message)
            throws IOException {
        List<String> before = files(dir);

        JournalException refused = assertThrows(kind, () -> JournaledEngine.builder(dir).shards(2).start().close());

        assertEquals(List.of(50L), new SnapshotStore(layout.shardDir(0)).list().stream()
                .map(SnapshotInfo::lastSequence).toList(), "shard 0 was not recovered");
        assertEquals(before, files(dir), "no shard's directory changed");
        assertTrue(refused.getMessage().startsWith(message), refused.getMessage());
    }

    /** Every file and directory under {@code dir}, relative to it, in order; lock files, which a start leaves, aside. */
    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(file -> !file.getFileName().toString().equals(JournalLock.FILE_NAME))
                    .map(file -> dir.relativize(file).toString()).sorted().toList();
        }
    }

    private static List<Path> cycleFiles(Path shardDir) throws IOException {
        try (Stream<Path> files = Files.list(shardDir)) {
            return files.filter(file -> file.toString().endsWith(".cq4")).sorted().toList();
        }
    }
}
