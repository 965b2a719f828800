package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.MapInventoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        assertTrue(handWritten.getMessage().startsWith("epoch file " + fresh.resolve(JournalEpoch.FILE_NAME)
                + " holds epoch=" + Long.MAX_VALUE + ", past the largest"), handWritten.getMessage());
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

    /**
     * The epoch file is read in one place, and whatever it holds that is no epoch is refused there in one shape of
     * line, naming the file, what it holds and what to do: bytes that are not UTF-8 gave the JDK's bare "Input length
     * = 1", digits in another script passed as a number, and an epoch past {@link JournalEpoch#MAX} passed, so an
     * engine stamped it on its records, which no standby can then be sent.
     */
    @Test
    void anEpochFileHoldingNoEpochIsRefusedNamingTheFileWhatItHoldsAndWhatToDo() throws IOException {
        Map<String, byte[]> refusals = new LinkedHashMap<>();
        refusals.put("holds epoch=2147483648, past the largest (epochs go up by one a promotion, so the file was "
                + "written by hand or is damaged)", ascii("epoch=2147483648\n"));
        refusals.put("holds epoch=9223372036854775807, past the largest (epochs go up by one a promotion, so the file "
                + "was written by hand or is damaged)", ascii("epoch=" + Long.MAX_VALUE + "\n"));
        refusals.put("holds epoch=12345678901234567890123456789012... (40 characters), past the largest (epochs go up "
                + "by one a promotion, so the file was written by hand or is damaged)",
                ascii("epoch=" + "1234567890".repeat(4) + "\n"));
        refusals.put("is not UTF-8 text (byte 0xff at offset 6)",
                new byte[] {'e', 'p', 'o', 'c', 'h', '=', (byte) 0xff, (byte) 0xfe, '1', '\n'});
        refusals.put("is empty", new byte[0]);
        refusals.put("holds no epoch= line", ascii("   \n\n"));
        refusals.put("holds epoch= with no number", ascii("epoch=   \n"));
        refusals.put("holds epoch=-1, below 0", ascii("epoch=-1\n"));
        refusals.put("holds epoch='minus one', not a number (digits 0-9 only)", ascii("epoch=minus one\n"));
        refusals.put("holds epoch='+5', not a number (digits 0-9 only)", ascii("epoch=+5\n"));
        refusals.put("holds epoch='\u0661\u0662', not a number (digits 0-9 only)",
                "epoch=\u0661\u0662\n".getBytes(StandardCharsets.UTF_8));
        refusals.put("is not a properties file (Malformed \\uxxxx encoding.)", ascii("epoch=\\u00\n"));
        refusals.put("is 65537 bytes, more than an epoch file holds", ascii("#".repeat(65_536) + "\n"));
        Path file = dir.resolve(JournalEpoch.FILE_NAME);

        for (Map.Entry<String, byte[]> refusal : refusals.entrySet()) {
            Files.write(file, refusal.getValue());
            JournalException refused = assertThrows(JournalException.class, () -> JournalEpoch.read(dir),
                    refusal.getKey());
            assertEquals("epoch file " + file + " " + refusal.getKey() + ": it must hold epoch=N, N the epoch of "
                    + "journal " + dir + " from 0 to 2147483647 (the largest replication carries); restore it from a "
                    + "copy of the directory, or write in it the epoch of the journal's last record (the last line of "
                    + "`purestock dump --journal " + dir + "` shows it as epoch=N)", refused.getMessage());
        }
        for (String held : List.of("epoch=2147483647\n", "epoch= 7 \n", "# comment\nepoch=0\n")) {
            Files.writeString(file, held);
            assertEquals(Long.parseLong(held.replaceAll("[^0-9]", "")), JournalEpoch.read(dir), held);
        }
    }

    /**
     * Every reader of the journal goes through {@link JournalEpoch#read}: verify and stats passed an epoch past the
     * largest, and an engine started on it (recovering the whole journal first) and wrote records of that epoch. An
     * engine's start now refuses before recovery reads, prunes or cuts anything.
     */
    @Test
    void everyReaderOfTheJournalRefusesAnEpochPastTheLargestAndAnEngineBeforeItRecovers() throws IOException {
        JournalFiles.write(dir, 0, 3);
        Files.writeString(dir.resolve(JournalEpoch.FILE_NAME), "epoch=2147483648\n");
        String refusal = "epoch file " + dir.resolve(JournalEpoch.FILE_NAME) + " holds epoch=2147483648, past the "
                + "largest";

        List<Long> recovered = new ArrayList<>();
        for (Executable reader : List.<Executable>of(() -> JournalStats.of(dir),
                () -> JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE),
                () -> JournalWriter.open(dir, Durability.PAGE_CACHE).close(),
                () -> JournaledEngine.builder(dir).progress((done, total) -> recovered.add(done)).start().close())) {
            JournalException refused = assertThrows(JournalException.class, reader);
            assertTrue(refused.getMessage().startsWith(refusal), refused.getMessage());
        }
        assertEquals(List.of(), recovered);
        assertEquals(List.of(0L, 0L, 0L), epochs(dir));
    }

    /**
     * A sharded engine reads every shard's epoch before any shard recovers: one shard's bad file stopped the start,
     * but the other shards' recoveries, in parallel, had changed their directories already (here: removed a snapshot
     * ahead of the shard's journal).
     */
    @Test
    void aShardedEngineRefusesOneShardsEpochBeforeAnyShardRecovers() throws IOException {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).shards(2).start()) {
            journaled.engine().submit(new Command.ReceiveStock(1, 1, 0, 5)).join();
            journaled.engine().submit(new Command.ReceiveStock(2, 1, 1, 5)).join();
        }
        JournalLayout layout = JournalLayout.of(dir);
        SnapshotStore ahead = new SnapshotStore(layout.shardDir(0));
        ahead.write(5, 1_000, new MapInventoryStore());
        Path file = layout.shardDir(1).resolve(JournalEpoch.FILE_NAME);
        Files.writeString(file, "epoch=x\n");

        JournalException refused = assertThrows(JournalException.class,
                () -> JournaledEngine.builder(dir).shards(2).start().close());

        assertEquals(List.of(5L), ahead.list().stream().map(SnapshotInfo::lastSequence).toList(),
                "shard 0 was not recovered");
        assertTrue(refused.getMessage().startsWith("epoch file " + file + " holds epoch='x', not a number"),
                refused.getMessage());
    }

    /** No epoch is recorded that reading the file would refuse. */
    @Test
    void advancingPastTheLargestEpochIsRefusedAndNothingRecorded() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> JournalEpoch.advanceTo(dir, JournalEpoch.MAX + 1));
        assertEquals("cannot record epoch 2147483648 on journal " + dir + ": an epoch is at most 2147483647, the "
                + "largest replication carries", refused.getMessage());
        assertFalse(Files.exists(dir.resolve(JournalEpoch.FILE_NAME)));
        assertEquals(JournalEpoch.MAX, JournalEpoch.advanceTo(dir, JournalEpoch.MAX));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
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
