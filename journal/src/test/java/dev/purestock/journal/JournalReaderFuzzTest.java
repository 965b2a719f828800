package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.MapInventoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Damages a real journal's cycle file thousands of ways (byte flips, truncations, damaged document headers,
 * zeroed ranges) and reads it after each: every case either reads every record exactly as written or is
 * refused with a {@link JournalCorruptException} on one line, after records that match the ones written.
 * Never another exception, never an {@link Error}, never fewer records read as if that were all. A journal that
 * reads whole must also seek to any of its records.
 *
 * <p>The journal is written in engine batches of 1 to 40 commands with a document limit drawn from
 * {@link #DOCUMENT_LIMITS}, so it holds batch documents (some cut short by the limit) beside record documents,
 * and its last batch, never ended, lies above the high-water mark; with limit 0 it holds record documents only,
 * as journals written before batch documents do.
 *
 * <p>Reproducible: a failure names its seed and case; rerun with {@code -Dpurestock.fuzz.seed=SEED}.
 */
class JournalReaderFuzzTest {
    private static final int CASES = Integer.getInteger("purestock.fuzz.cases", 3_000);
    private static final long NOW = 1_700_000_000_000L;
    private static final int[] DOCUMENT_LIMITS = {JournalWriter.ONE_RECORD_PER_DOCUMENT, 512, 4_096,
            JournalWriter.DEFAULT_DOCUMENT_BYTES};

    @TempDir
    Path dir;
    /** The journal's high-water mark: the records after it were never acknowledged. */
    private long acknowledged;

    @Test
    void everyDamagedJournalIsReadWhollyOrRefusedByName() throws Exception {
        fuzz(Long.getLong("purestock.fuzz.seed", System.nanoTime()));
    }

    /**
     * A seed whose case 880 flips a bit of Chronicle's index: every record still reads in order, but a seek through
     * the index faulted, and the fault was taken for a cycle file cut short, so recovery refused a whole journal
     * (records 0..292 "unreachable"). A seek that faults now reads in order instead.
     */
    @Test
    void aSeekThroughADamagedIndexReadsInOrderInstead() throws Exception {
        fuzz(58_706_508_761_066L);
    }

    /**
     * A seed whose case 1582 sets the metadata bit of the first document's header: reading from the start gave seq
     * 12 on as the journal's first records, and named damage only at the end. The first read now names it first.
     */
    @Test
    void aFirstDocumentReadAsMetadataIsNamedBeforeItsFollowersAreGiven() throws Exception {
        fuzz(88_258_940_563_363L);
    }

    private void fuzz(long seed) throws Exception {
        SplittableRandom batches = new SplittableRandom(~seed);
        int documentBytes = DOCUMENT_LIMITS[batches.nextInt(DOCUMENT_LIMITS.length)];
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE,
                JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE), documentBytes)) {
            List<Command> commands = new ArrayList<>(Workloads.setup(10, 40, 0));
            commands.addAll(Workloads.mixed(280, 10, seed, 1, NOW));
            int left = 1 + batches.nextInt(40);
            for (Command command : commands) {
                boolean endOfBatch = --left == 0;
                shard.submit(command, endOfBatch);
                if (endOfBatch) {
                    left = 1 + batches.nextInt(40);
                }
            }
        }
        List<JournalRecord> written = readAll();
        assertEquals(300, written.size());
        acknowledged = JournalHighWaterMark.read(dir);
        Path cycle = JournalFiles.cycleFile(dir);
        List<Long> headers = JournalFiles.headerOffsets(dir);
        long lastHeader = headers.get(headers.size() - 1);
        long dataEnd = lastHeader + 4 + (JournalFiles.readInt(cycle, lastHeader) & JournalFiles.LENGTH_MASK) + 1_024;
        byte[] original = new byte[(int) Math.min(dataEnd + (1 << 16), sizeOf(cycle))];
        long originalLength = sizeOf(cycle);
        try (RandomAccessFile file = new RandomAccessFile(cycle.toFile(), "r")) {
            file.readFully(original);
        }

        SplittableRandom random = new SplittableRandom(seed);
        int refused = 0;
        for (int n = 0; n < CASES; n++) {
            String damage;
            try (RandomAccessFile file = new RandomAccessFile(cycle.toFile(), "rw")) {
                damage = damage(file, random, headers, dataEnd);
            }
            try {
                refused += check(written, n % 5 == 0, n % written.size()) ? 0 : 1;
            } catch (AssertionError | RuntimeException | VirtualMachineError e) {
                // a reader that runs out of memory on some damage is a finding too: name its seed
                throw new AssertionError("case " + n + " of seed " + seed + " (documents of at most " + documentBytes
                        + " bytes; " + damage + "): " + e, e);
            }
            try (RandomAccessFile file = new RandomAccessFile(cycle.toFile(), "rw")) {
                file.setLength(originalLength);
                file.seek(0);
                file.write(original);
            }
        }
        assertEquals(written, readAll(), "the journal reads as written once restored (seed " + seed + ")");
        if (refused == 0 || refused == CASES) {
            fail("seed " + seed + ": " + refused + " of " + CASES + " cases refused; the damage must both reach the "
                    + "records and miss them sometimes");
        }
    }

    /** Applies one random damage and says what it was. */
    private static String damage(RandomAccessFile file, SplittableRandom random, List<Long> headers, long dataEnd)
            throws IOException {
        switch (random.nextInt(4)) {
            case 0 -> {
                long at = random.nextLong(dataEnd);
                file.seek(at);
                int was = file.read();
                int flip = 1 << random.nextInt(8);
                file.seek(at);
                file.write(was ^ flip);
                return "flip bit " + Integer.numberOfTrailingZeros(flip) + " at " + at;
            }
            case 1 -> {
                long at = random.nextLong(dataEnd);
                file.setLength(at);
                return "truncate at " + at;
            }
            case 2 -> {
                int record = random.nextInt(headers.size());
                long at = headers.get(record);
                file.seek(at);
                int header = Integer.reverseBytes(file.readInt());
                int damaged = switch (random.nextInt(3)) {
                    case 0 -> header | JournalFiles.NOT_COMPLETE;
                    case 1 -> 0;
                    default -> random.nextInt();
                };
                file.seek(at);
                file.writeInt(Integer.reverseBytes(damaged));
                return "header of document " + record + " at " + at + " set to 0x" + Integer.toHexString(damaged);
            }
            default -> {
                long at = random.nextLong(dataEnd);
                int length = 1 + random.nextInt(256);
                file.seek(at);
                file.write(new byte[length]);
                return "zero " + length + " bytes at " + at;
            }
        }
    }

    /**
     * Reads the damaged journal: whole and equal, or refused by name after a matching prefix. A journal that
     * reads whole also seeks to {@code seekTo} and reads on from there, or refuses by name.
     *
     * @return whether it read whole
     */
    private boolean check(List<JournalRecord> written, boolean recoverToo, int seekTo) {
        List<JournalRecord> read = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.read((index, record) -> {
                read.add(record);
                return true;
            });
        } catch (JournalCorruptException refused) {
            assertOneLineNamingTheJournal(refused);
            if (!written.subList(0, Math.min(read.size(), written.size())).equals(read)) {
                throw new AssertionError("records read before the refusal differ from those written");
            }
            return false;
        }
        if (!written.equals(read)) {
            int first = 0;
            while (first < Math.min(written.size(), read.size()) && written.get(first).equals(read.get(first))) {
                first++;
            }
            // a damaged header on a document above the high-water mark looks just like one a crash left
            // unfinished: its records were never acknowledged, so the journal may end before it, never earlier
            boolean unacknowledgedTailOnly = first == read.size() && first > acknowledged;
            if (!unacknowledgedTailOnly) {
                throw new AssertionError("read without refusal " + read.size() + " of the " + written.size()
                        + " records written, differing from record " + first + " on (records up to " + acknowledged
                        + " were acknowledged)");
            }
        }
        if (recoverToo) {
            assertEquals(read.size(), JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE)
                    .replayedRecords());
        }
        seekTo = seekTo % read.size();
        List<JournalRecord> fromSeek = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            if (!reader.seek(written.get(seekTo).sequence())) {
                throw new AssertionError("a journal that reads whole does not find seq " + seekTo);
            }
            reader.read((index, record) -> {
                fromSeek.add(record);
                return fromSeek.size() < 3;
            });
        } catch (JournalCorruptException refused) {
            assertOneLineNamingTheJournal(refused);
            return true;
        }
        assertEquals(read.subList(seekTo, Math.min(seekTo + 3, read.size())), fromSeek,
                "records read after seeking seq " + seekTo);
        return true;
    }

    private void assertOneLineNamingTheJournal(JournalCorruptException refused) {
        String message = refused.getMessage();
        if (message == null || message.isBlank() || message.contains("\n") || !message.contains(dir.toString())) {
            throw new AssertionError("a refusal must be one line naming the journal, was: " + message);
        }
    }

    private List<JournalRecord> readAll() {
        List<JournalRecord> records = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.read((index, record) -> {
                records.add(record);
                return true;
            });
        }
        return records;
    }

    private static long sizeOf(Path file) throws IOException {
        return java.nio.file.Files.size(file);
    }
}
