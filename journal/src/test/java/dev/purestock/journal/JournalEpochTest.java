package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.MapInventoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalEpochTest {
    @TempDir
    Path dir;

    @Test
    void aNewJournalIsInEpochZeroAndItsRecordsSayIt() {
        JournalFiles.write(dir, 0, 3);

        assertEquals(JournalEpoch.INITIAL, JournalEpoch.read(dir));
        assertFalse(Files.exists(dir.resolve(JournalEpoch.FILE_NAME)));
        assertEquals(List.of(0L, 0L, 0L), epochs(dir));
    }

    @Test
    void promotionRecordsTheNextEpochDurablyAndAReopenedEngineWritesIt() throws IOException {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            journaled.engine().submit(new Command.ListProduct(1, 0)).join();
            journaled.engine().submit(new Command.ReceiveStock(1, 1, 1, 10)).join();
        }

        JournalEpoch.Promotion promotion = JournalEpoch.promote(dir);

        assertEquals(new JournalEpoch.Promotion(0, 1, 2), promotion);
        assertTrue(Files.readString(dir.resolve(JournalEpoch.FILE_NAME), StandardCharsets.UTF_8)
                .contains(JournalEpoch.EPOCH_PROPERTY + "=1"));
        assertEquals(1, JournalEpoch.read(dir));
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            assertEquals(2, journaled.engine().submit(new Command.Purchase(7, 8, 1, 1, 3)).join().sequence());
        }
        assertEquals(List.of(0L, 0L, 1L), epochs(dir));
        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        assertEquals(3, verified.records());
        assertEquals(1, verified.epoch());
        JournalStats stats = JournalStats.of(dir);
        assertEquals(List.of(1L, 0L, 1L), List.of(stats.epoch(), stats.firstEpoch(), stats.lastEpoch()));

        assertEquals(new JournalEpoch.Promotion(1, 2, 3), JournalEpoch.promote(dir));
    }

    @Test
    void promotingAnEmptyDirectoryStartsEpochOneAtSequenceZero() {
        assertEquals(new JournalEpoch.Promotion(0, 1, 0), JournalEpoch.promote(dir));
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            assertEquals(1, writer.epoch());
        }
    }

    @Test
    void aJournalEndingInANewerEpochThanItRecordsIsRefusedAndPromotionStartsAboveItsLastRecord() throws IOException {
        JournalEpoch.advanceTo(dir, 3);
        JournalFiles.write(dir, 0, 2);
        Files.delete(dir.resolve(JournalEpoch.FILE_NAME));

        JournalException refused = assertThrows(JournalException.class, () -> JournaledEngine.builder(dir).start());
        assertTrue(refused.getMessage().contains("ends with a record (seq 1) of epoch 3 but records epoch 0"),
                refused.getMessage());
        JournalCorruptException unverified = assertThrows(JournalCorruptException.class,
                () -> JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE));
        assertTrue(unverified.getMessage().contains("journal record seq 0 (queue index 0x"), unverified.getMessage());
        assertTrue(unverified.getMessage().contains("is of epoch 3, newer than epoch 0 the directory records"),
                unverified.getMessage());

        assertEquals(3, JournalEpoch.highest(dir));
        assertEquals(new JournalEpoch.Promotion(0, 4, 2), JournalEpoch.promote(dir));
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            assertEquals(2, journaled.engine().submit(new Command.ListProduct(9, 0)).join().sequence());
        }
        assertEquals(List.of(3L, 3L, 4L), epochs(dir));
    }

    @Test
    void verifyRefusesAJournalWhoseEpochGoesDownAndNamesTheRecord() throws IOException {
        JournalEpoch.advanceTo(dir, 2);
        JournalFiles.write(dir, 0, 5);
        // a primary of epoch 1 that was never told of the promotion writes after it
        Files.writeString(dir.resolve(JournalEpoch.FILE_NAME), JournalEpoch.EPOCH_PROPERTY + "=1\n");
        JournalFiles.write(dir, 5, 2);
        Files.writeString(dir.resolve(JournalEpoch.FILE_NAME), JournalEpoch.EPOCH_PROPERTY + "=2\n");

        JournalCorruptException refused = assertThrows(JournalCorruptException.class,
                () -> JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE));

        assertTrue(refused.getMessage().startsWith("journal record seq 5 (queue index 0x"), refused.getMessage());
        assertTrue(refused.getMessage().contains("is of epoch 1, older than epoch 2 of seq 4 before it"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("--after-seq 4"), refused.getMessage());
    }

    @Test
    void anEpochIsNeverLowered() {
        assertEquals(5, JournalEpoch.advanceTo(dir, 5));
        assertEquals(5, JournalEpoch.advanceTo(dir, 5));

        StaleEpochException refused = assertThrows(StaleEpochException.class, () -> JournalEpoch.advanceTo(dir, 4));
        assertEquals(4, refused.staleEpoch());
        assertEquals(5, refused.currentEpoch());
        assertThrows(StaleEpochException.class, () -> JournalEpoch.promote(dir, 5));
        assertThrows(IllegalArgumentException.class, () -> JournalEpoch.advanceTo(dir, -1));
        assertEquals(5, JournalEpoch.read(dir));
        assertEquals(new JournalEpoch.Promotion(5, 9, 0), JournalEpoch.promote(dir, 9));
    }

    /**
     * Replication carries an epoch in an int32, and refuses a journal of a larger one only as its primary or standby
     * starts; promotion started such an epoch all the same (epoch 2,147,483,648 after 2,147,483,647), leaving a
     * journal that would not replicate. It is refused at promotion, naming the epoch and the limit, nothing recorded.
     */
    @Test
    void promotionPastTheLargestEpochReplicationCarriesIsRefusedNamingTheEpochAndTheLimit() throws IOException {
        assertEquals(new JournalEpoch.Promotion(0, Integer.MAX_VALUE, 0), JournalEpoch.promote(dir, Integer.MAX_VALUE));
        assertEquals(Integer.MAX_VALUE, JournalEpoch.MAX);

        JournalException last = assertThrows(JournalException.class, () -> JournalEpoch.promote(dir));
        assertTrue(last.getMessage().startsWith("journal " + dir + " has seen epoch 2147483647, the largest a "
                + "promotion starts (the largest replication carries, 2147483647)"), last.getMessage());
        assertTrue(last.getMessage().contains(JournalEpoch.FILE_NAME), last.getMessage());
        assertEquals(Integer.MAX_VALUE, JournalEpoch.read(dir));

        Path fresh = Files.createDirectories(dir.resolve("fresh"));
        IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class,
                () -> JournalEpoch.promote(fresh, Integer.MAX_VALUE + 1L));
        assertEquals("cannot start epoch 2147483648 on journal " + fresh + ": a promotion starts at most epoch "
                + "2147483647, the largest replication carries", beyond.getMessage());
        assertFalse(Files.exists(fresh.resolve(JournalEpoch.FILE_NAME)));

        Files.writeString(fresh.resolve(JournalEpoch.FILE_NAME), "epoch=" + Long.MAX_VALUE + "\n");
        JournalException handWritten = assertThrows(JournalException.class, () -> JournalEpoch.promote(fresh));
        assertTrue(handWritten.getMessage().startsWith("journal " + fresh + " has seen epoch " + Long.MAX_VALUE),
                handWritten.getMessage());
    }

    @Test
    void aRecordOfAnOlderEpochIsRefusedAndOneOfTheSameOrANewerIsNot() {
        assertTrue(JournalEpoch.isStale(2, 3));
        assertFalse(JournalEpoch.isStale(3, 3));
        assertFalse(JournalEpoch.isStale(4, 3));
        JournalEpoch.requireNotStale(3, 3, 10);
        JournalEpoch.requireNotStale(4, 3, 10);

        StaleEpochException refused = assertThrows(StaleEpochException.class,
                () -> JournalEpoch.requireNotStale(2, 3, 10));
        assertEquals("journal record seq 10 is of epoch 2, older than epoch 3 of the journal receiving it: its primary "
                + "was superseded by a promotion; refused so the history cannot fork (restart that primary as a "
                + "standby)", refused.getMessage());
    }

    @Test
    void aDamagedEpochFileIsReportedByName() throws IOException {
        Files.writeString(dir.resolve(JournalEpoch.FILE_NAME), "epoch=minus one\n");

        JournalException refused = assertThrows(JournalException.class, () -> JournalEpoch.read(dir));
        assertTrue(refused.getMessage().contains("must hold epoch=N with N at least 0"), refused.getMessage());
        assertTrue(refused.getMessage().contains("holds 'minus one'"), refused.getMessage());
    }

    @Test
    void anEpochInAShardedDirectoryIsEachShards() {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).shards(2).start()) {
            journaled.engine().submit(new Command.ListProduct(1, 0)).join();
        }
        JournalLayout layout = JournalLayout.of(dir);
        JournalEpoch.promote(layout.shardDir(1));

        assertEquals(0, JournalEpoch.read(layout.shardDir(0)));
        assertEquals(1, JournalEpoch.read(layout.shardDir(1)));
        try (JournaledEngine journaled = JournaledEngine.builder(dir).shards(2).start()) {
            journaled.engine().submit(new Command.ReceiveStock(1, 1, 0, 5)).join();
            journaled.engine().submit(new Command.ReceiveStock(2, 1, 1, 5)).join();
        }
        List<Long> shardZero = epochs(layout.shardDir(0));
        List<Long> shardOne = epochs(layout.shardDir(1));
        assertTrue(shardZero.stream().allMatch(epoch -> epoch == 0), shardZero.toString());
        assertEquals(1L, shardOne.getLast(), shardOne.toString());
        assertTrue(shardOne.subList(0, shardOne.size() - 1).stream().allMatch(epoch -> epoch == 0), shardOne.toString());
    }

    static List<Long> epochs(Path dir) {
        List<Long> epochs = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.read((index, record) -> epochs.add(record.epoch()));
        }
        return epochs;
    }
}
