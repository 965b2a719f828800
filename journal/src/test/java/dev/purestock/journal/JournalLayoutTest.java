package dev.purestock.journal;

import dev.purestock.domain.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalLayoutTest {
    @TempDir
    Path root;

    @Test
    void oneShardKeepsTheFlatLayoutAndWritesNothing() throws IOException {
        Path dir = root.resolve("flat");
        JournalLayout layout = JournalLayout.create(dir, 1);
        assertFalse(layout.isSharded());
        assertEquals(1, layout.shards());
        assertEquals(dir, layout.shardDir(0));
        assertEquals(List.of(dir), layout.shardDirs());
        assertFalse(Files.exists(dir.resolve(JournalLayout.SHARDS_FILE)));
        assertEquals(1, JournalLayout.of(dir).shards());
        assertFalse(Files.exists(dir) && hasShardDirs(dir));
    }

    @Test
    void aNewShardedDirectoryRecordsItsCountOnceAndHoldsOneDirectoryPerShard() throws IOException {
        Path dir = root.resolve("sharded");
        JournalLayout created = JournalLayout.create(dir, 3);
        assertTrue(created.isSharded());
        assertEquals(List.of(dir.resolve("shard-0"), dir.resolve("shard-1"), dir.resolve("shard-2")),
                created.shardDirs());
        for (Path shardDir : created.shardDirs()) {
            assertTrue(Files.isDirectory(shardDir), shardDir + " exists");
        }
        List<String> lines = Files.readAllLines(dir.resolve(JournalLayout.SHARDS_FILE));
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).startsWith("# purestock sharded journal"), lines.get(0));
        assertEquals("shards=3", lines.get(1));

        JournalLayout read = JournalLayout.of(dir);
        assertEquals(3, read.shards());
        assertEquals(dir.resolve("shard-2"), read.shardDir(2));
        assertEquals(3, JournalLayout.create(dir, 3).shards());
        assertEquals(lines, Files.readAllLines(dir.resolve(JournalLayout.SHARDS_FILE)));
    }

    @Test
    void aCreationThatStoppedBeforeItsShardDirectoriesIsFinishedOnTheNextStart() throws IOException {
        Path dir = root.resolve("half-made");
        JournalLayout.create(dir, 2);
        Files.delete(dir.resolve("shard-1"));
        Files.delete(dir.resolve("shard-0"));

        JournalLayout finished = JournalLayout.create(dir, 2);
        for (Path shardDir : finished.shardDirs()) {
            assertTrue(Files.isDirectory(shardDir), shardDir + " exists");
        }
    }

    @Test
    void aMissingShardBesideOneThatHoldsAJournalIsRefusedAndNotStartedEmpty() throws IOException {
        Path dir = root.resolve("lost");
        JournalLayout.create(dir, 2);
        Files.createDirectories(dir.resolve("shard-0").resolve("snapshots"));
        Files.delete(dir.resolve("shard-1"));

        JournalException refused = assertThrows(JournalException.class, () -> JournalLayout.create(dir, 2));
        assertTrue(refused.getMessage().contains("[shard-1] is missing or empty while 1 other shard(s) hold journals"),
                refused.getMessage());
        assertFalse(Files.exists(dir.resolve("shard-1")), "the missing shard was not made up");
    }

    /**
     * A {@code .cq4} file beside the shard directories, here a copy of a shard's cycle file kept there: the engine
     * started without a word; one moved there from its shard was refused only as that shard's missing records.
     */
    @Test
    void aCycleFileBesideTheShardDirectoriesIsRefusedByAStart() throws IOException {
        Path dir = root.resolve("sharded");
        try (JournaledEngine journaled = JournaledEngine.builder(dir).shards(2).start()) {
            journaled.engine().submit(new Command.ListProduct(1, 0)).join();
        }
        Path shardCycle;
        try (Stream<Path> files = Files.list(dir.resolve("shard-0"))) {
            shardCycle = files.filter(file -> file.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        Files.copy(shardCycle, dir.resolve(shardCycle.getFileName()));

        JournalException refused = assertThrows(JournalException.class,
                () -> JournaledEngine.builder(dir).shards(2).start().close());
        assertEquals("file " + shardCycle.getFileName() + " in journal " + dir + " is named as a cycle file (.cq4), but "
                + "the journal is sharded (purestock-shards.properties) and keeps its cycle files in its shard "
                + "directories (shard-0 .. shard-1), none at its top level, where the engine and every tool would pass "
                + "over it: if it is a cycle file of one of the shards, put it back in that shard's directory, otherwise "
                + "move it out of the directory", refused.getMessage());

        Files.delete(dir.resolve(shardCycle.getFileName()));
        try (JournaledEngine journaled = JournaledEngine.builder(dir).shards(2).start()) {
            assertEquals(1, journaled.recovered(0).nextSequence());
        }
    }

    @Test
    void aShardedDirectoryOpenedWithAnotherCountIsAnErrorNamingBothCounts() {
        Path dir = root.resolve("four");
        JournalLayout.create(dir, 4);
        JournalException two = assertThrows(JournalException.class, () -> JournalLayout.create(dir, 2));
        assertEquals("journal directory " + dir + " holds 4 shards (purestock-shards.properties); this engine was "
                + "built with 2 shards: resharding is not supported; start it with shards(4)", two.getMessage());
        JournalException one = assertThrows(JournalException.class, () -> JournalLayout.create(dir, 1));
        assertEquals("journal directory " + dir + " holds 4 shards (purestock-shards.properties); this engine was "
                + "built with 1 shard: resharding is not supported; start it with shards(4)", one.getMessage());
        assertEquals(4, JournalLayout.of(dir).shards());
    }

    @Test
    void aOneShardJournalOpenedWithSeveralShardsIsAnErrorAndStaysFlat() throws Exception {
        Path dir = root.resolve("flat");
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            shard.submit(new Command.ListProduct(1, 3));
        }
        JournalException refused = assertThrows(JournalException.class, () -> JournalLayout.create(dir, 2));
        assertEquals("journal directory " + dir + " holds a one-shard journal (no purestock-shards.properties); "
                + "this engine was built with 2 shards: resharding is not supported; start it with shards(1), or "
                + "give the engine a new directory", refused.getMessage());
        assertFalse(Files.exists(dir.resolve(JournalLayout.SHARDS_FILE)));
        assertFalse(hasShardDirs(dir));
        assertEquals(1, JournalLayout.create(dir, 1).shards());
        JournalException required = assertThrows(JournalException.class,
                () -> JournalLayout.of(dir).requireShards(3));
        assertTrue(required.getMessage().contains("holds a one-shard journal"), required.getMessage());
    }

    @Test
    void shardDirectoriesWithoutTheirCountFileAreNotTakenForAFlatJournal() throws IOException {
        Path dir = root.resolve("lost");
        JournalLayout.create(dir, 2);
        Files.delete(dir.resolve(JournalLayout.SHARDS_FILE));
        JournalException refused = assertThrows(JournalException.class, () -> JournalLayout.create(dir, 1));
        assertTrue(refused.getMessage().contains("holds shard directories (shard-0, shard-1) but no "
                + "purestock-shards.properties"), refused.getMessage());
    }

    @Test
    void anUnreadableShardCountIsAnErrorNamingTheFile() throws IOException {
        Path dir = Files.createDirectories(root.resolve("bad"));
        for (String content : List.of("shards=1\n", "shards=many\n", "# nothing\n")) {
            Files.writeString(dir.resolve(JournalLayout.SHARDS_FILE), content);
            JournalException refused = assertThrows(JournalException.class, () -> JournalLayout.of(dir));
            assertTrue(refused.getMessage().startsWith(dir.resolve(JournalLayout.SHARDS_FILE)
                    + " must hold shards=N with N at least 2"), refused.getMessage());
        }
    }

    @Test
    void aShardOutsideTheLayoutAndAShardCountBelowOneAreRefused() {
        Path dir = root.resolve("two");
        JournalLayout layout = JournalLayout.create(dir, 2);
        assertThrows(IndexOutOfBoundsException.class, () -> layout.shardDir(2));
        assertThrows(IndexOutOfBoundsException.class, () -> layout.shardDir(-1));
        assertThrows(IllegalArgumentException.class, () -> JournalLayout.create(root.resolve("none"), 0));
        assertFalse(Files.exists(root.resolve("none")));
    }

    private static boolean hasShardDirs(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith("shard-"));
        }
    }
}
