package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.PurestockEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A journaled engine of several shards: each shard journals, snapshots and recovers in its own directory, and a
 * restart rebuilds every shard's exact state; a directory keeps its shard count.
 */
class ShardedJournaledEngineTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final int SKUS = 8;

    @TempDir
    Path root;

    private final AtomicLong clock = new AtomicLong(NOW);

    @Test
    void eachShardJournalsInItsOwnDirectoryAndARestartRecoversEveryShardsExactState() throws IOException {
        Path dir = root.resolve("journal");
        long[] live = new long[3];
        long[] next = new long[3];
        try (JournaledEngine journaled = start(dir, 3, 150)) {
            PurestockEngine engine = journaled.engine();
            assertEquals(3, engine.shards());
            submit(engine, setup(6));
            submit(engine, workload(3_000, 6, 1));
            for (int shard = 0; shard < 3; shard++) {
                live[shard] = engine.digest(shard).join();
                next[shard] = engine.metrics().shard(shard).commandsSequenced();
            }
        }

        assertEquals("shards=3", Files.readAllLines(dir.resolve(JournalLayout.SHARDS_FILE)).get(1));
        assertFalse(JournalQueues.hasJournal(dir), "no shard journals into the directory itself");
        try (JournaledEngine again = start(dir, 3, 150)) {
            assertEquals(3, again.layout().shards());
            for (int shard = 0; shard < 3; shard++) {
                Path shardDir = dir.resolve("shard-" + shard);
                assertEquals(shardDir, again.layout().shardDir(shard));
                assertTrue(JournalQueues.hasJournal(shardDir), shardDir + " holds shard " + shard + "'s journal");
                assertFalse(new SnapshotStore(shardDir).list().isEmpty(), shardDir + " holds its snapshots");
                RecoveredState recovered = again.recovered(shard);
                assertEquals(live[shard], StateDigest.of(recovered.store()), "shard " + shard);
                assertEquals(next[shard], recovered.nextSequence(), "shard " + shard);
                assertTrue(recovered.recoveredFrom().startsWith("snapshot@"), recovered.recoveredFrom());
                RecoveredState replayed = JournalRecovery.recoverWithoutSnapshots(shardDir, MapInventoryStore::new,
                        ReplayProgress.NONE);
                assertEquals(live[shard], StateDigest.of(replayed.store()), "a full replay of shard " + shard);
                assertEquals(live[shard], again.engine().digest(shard).join());
                int expected = shard;
                recovered.store().forEachPosition((sku, warehouse, available) ->
                        assertEquals(expected, warehouse % 3, "warehouse " + warehouse + " in shard " + expected));
            }
            IllegalStateException whole = assertThrows(IllegalStateException.class, again::recovered);
            assertTrue(whole.getMessage().contains("ask each with recovered(shard)"), whole.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> again.recovered(3));
            assertEquals(next[2], again.engine().submit(new Command.ReceiveStock(99_999, 1, 2, 1)).join().sequence(),
                    "shard 2 goes on from its own next sequence");
        }
    }

    @Test
    void aShardedDirectoryOpenedWithAnotherShardCountIsRefusedAndLeftAsItWas() throws IOException {
        Path dir = root.resolve("four");
        try (JournaledEngine journaled = start(dir, 4, 0)) {
            submit(journaled.engine(), setup(4));
        }
        Map<String, Long> before = files(dir);
        JournalException two = assertThrows(JournalException.class, () -> start(dir, 2, 0));
        assertEquals("journal directory " + dir + " holds 4 shards (purestock-shards.properties); this engine was "
                + "built with 2 shards: resharding is not supported; start it with shards(4)", two.getMessage());
        JournalException one = assertThrows(JournalException.class, () -> start(dir, 1, 0));
        assertTrue(one.getMessage().contains("holds 4 shards (purestock-shards.properties); this engine was built "
                + "with 1 shard"), one.getMessage());
        assertEquals(before, files(dir), "a refused start changes nothing");
        try (JournaledEngine again = start(dir, 4, 0)) {
            assertEquals(4, again.layout().shards());
        }
    }

    @Test
    void anEmptiedShardDirectoryBesideShardsHoldingJournalsIsRefusedNotStartedEmpty() throws IOException {
        Path dir = root.resolve("two");
        try (JournaledEngine journaled = start(dir, 2, 0)) {
            submit(journaled.engine(), setup(2));
        }
        // shard 1's files lost, its directory left (a restore that made the directory and copied nothing into it)
        try (Stream<Path> files = Files.list(dir.resolve("shard-1"))) {
            for (Path file : files.toList()) {
                Files.move(file, root.resolve("shard-1-" + file.getFileName()));
            }
        }
        Map<String, Long> before = files(dir);
        JournalException refused = assertThrows(JournalException.class, () -> start(dir, 2, 0));
        assertTrue(refused.getMessage().contains("[shard-1] is missing or empty while 1 other shard(s) hold journals"),
                refused.getMessage());
        assertEquals(before, files(dir), "a refused start changes nothing");
    }

    /**
     * Shard directories restored into each other's places (or one from a journal of another shard count) hold stock
     * of warehouses that belong to other shards, where the router never sends their purchases: the start is refused
     * as a journal's refusal, naming the shard's directory, the warehouse and what to do, and every lock is released.
     */
    @Test
    void shardDirectoriesInEachOthersPlacesAreRefusedNamingTheDirectory() throws IOException {
        Path dir = root.resolve("swapped");
        try (JournaledEngine journaled = start(dir, 2, 0)) {
            submit(journaled.engine(), setup(2));
        }
        Files.move(dir.resolve("shard-0"), dir.resolve("shard-aside"));
        Files.move(dir.resolve("shard-1"), dir.resolve("shard-0"));
        Files.move(dir.resolve("shard-aside"), dir.resolve("shard-1"));

        JournalException refused = assertThrows(JournalException.class, () -> start(dir, 2, 0));
        assertTrue(refused.getMessage().startsWith("shard 0 of 2 (" + dir.resolve("shard-0") + "): its journal holds "
                + "stock at warehouse 1, which belongs to shard 1"), refused.getMessage());
        assertTrue(refused.getMessage().contains("put each shard directory back in its place"), refused.getMessage());
        for (Path free : List.of(dir, dir.resolve("shard-0"), dir.resolve("shard-1"))) {
            JournalLock.acquire(free).close();
        }
    }

    @Test
    void shardDirectoriesBeyondTheRecordedCountAreRefusedNotLeftOut() throws IOException {
        Path dir = root.resolve("four");
        try (JournaledEngine journaled = start(dir, 4, 0)) {
            submit(journaled.engine(), setup(4));
        }
        // the count file lost and written again by hand with too few shards: shards 2 and 3 hold journals
        Files.writeString(dir.resolve(JournalLayout.SHARDS_FILE), "shards=2\n");
        Map<String, Long> before = files(dir);
        JournalException refused = assertThrows(JournalException.class, () -> start(dir, 2, 0));
        assertEquals("journal directory " + dir + " records 2 shards (purestock-shards.properties) yet also holds "
                + "[shard-2, shard-3], which that count does not name: starting without them would leave out what "
                + "they acknowledged; restore the count the directory was created with, or move them out",
                refused.getMessage());
        assertEquals(before, files(dir), "a refused start changes nothing");

        // a start on shard directories without a count file is refused, whichever shard is left
        Files.delete(dir.resolve(JournalLayout.SHARDS_FILE));
        Files.move(dir.resolve("shard-0"), root.resolve("shard-0-elsewhere"));
        JournalException flat = assertThrows(JournalException.class, () -> start(dir, 1, 0));
        assertTrue(flat.getMessage().contains("holds shard directories (shard-1, shard-2, shard-3) but no "
                + "purestock-shards.properties"), flat.getMessage());
        assertFalse(JournalQueues.hasJournal(dir), "no one-shard journal was started among them");
    }

    @Test
    void anEngineStartedOnOneShardOfAShardedDirectoryIsRefused() throws IOException {
        Path dir = root.resolve("two");
        try (JournaledEngine journaled = start(dir, 2, 0)) {
            submit(journaled.engine(), setup(2));
        }
        Map<String, Long> before = files(dir);
        // shard 1 alone would take a purchase at warehouse 0, whose stock the sharded engine keeps in shard 0
        JournalException refused = assertThrows(JournalException.class, () -> start(dir.resolve("shard-1"), 1, 0));
        assertEquals(dir.resolve("shard-1") + " is a shard of the sharded journal " + dir + " ("
                + JournalLayout.SHARDS_FILE + "); commands go through " + dir + " as a whole, which routes each to "
                + "its shard: one written to a shard alone could belong to another, where the sharded journal never "
                + "sees it (a shard alone is for reading)", refused.getMessage());
        assertEquals(before, files(dir), "a refused start changes nothing");
    }

    @Test
    void shardDirectoriesThatLostTheirCountFileAreRefusedWhateverCountAStartAsksFor() throws IOException {
        Path dir = root.resolve("four");
        try (JournaledEngine journaled = start(dir, 4, 0)) {
            submit(journaled.engine(), setup(4));
        }
        Files.delete(dir.resolve(JournalLayout.SHARDS_FILE));
        Map<String, Long> before = files(dir);
        for (int shards : new int[] {2, 6}) {
            // 2 would leave shards 2 and 3 out; 6 would send warehouse 5 to an empty shard 5, not to shard 1 with its stock
            JournalException refused = assertThrows(JournalException.class, () -> start(dir, shards, 0));
            assertTrue(refused.getMessage().contains("holds shard directories (shard-0, shard-1, shard-2, shard-3) but "
                    + "no purestock-shards.properties"), refused.getMessage());
        }
        assertEquals(before, files(dir), "no count was written, no shard directory made");
    }

    @Test
    void aOneShardJournalStartedWithSeveralShardsIsRefusedAndStaysAOneShardJournal() throws IOException {
        Path dir = root.resolve("flat");
        try (JournaledEngine journaled = start(dir, 1, 0)) {
            submit(journaled.engine(), setup(2));
            assertFalse(journaled.layout().isSharded());
        }
        assertFalse(Files.exists(dir.resolve(JournalLayout.SHARDS_FILE)), "one shard keeps the flat layout");
        Map<String, Long> before = files(dir);
        for (int shards : new int[] {2, 4}) {
            JournalException refused = assertThrows(JournalException.class, () -> start(dir, shards, 0));
            assertEquals("journal directory " + dir + " holds a one-shard journal (no purestock-shards.properties); "
                    + "this engine was built with " + shards + " shards: resharding is not supported; start it with "
                    + "shards(1), or give the engine a new directory", refused.getMessage());
        }
        assertEquals(before, files(dir));
        try (JournaledEngine again = start(dir, 1, 0)) {
            assertEquals(SKUS * (1 + 2), again.recovered().nextSequence());
        }
    }

    @Test
    void tuningThatSetsTheShardsOrWhatTheyOwnIsRefusedBeforeTheDirectoryIsTouched() {
        Path fresh = root.resolve("fresh");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> JournaledEngine.builder(fresh).shards(2).engine(b -> b.shards(2)).start());
        assertTrue(refused.getMessage().startsWith("shards(2) cannot be set here: "), refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JournaledEngine.builder(fresh).shards(0));
        assertThrows(IllegalArgumentException.class,
                () -> JournaledEngine.builder(fresh).shards(1_000_000).start());
        assertFalse(Files.exists(fresh), "a refused start creates nothing");
    }

    @Test
    void theEngineHoldsTheDirectorysLockAndEveryShardsUntilClosed() {
        Path dir = root.resolve("locked");
        JournaledEngine journaled = start(dir, 2, 0);
        try {
            for (Path locked : List.of(dir, dir.resolve("shard-0"), dir.resolve("shard-1"))) {
                JournalException inUse = assertThrows(JournalException.class, () -> JournalLock.acquire(locked));
                assertTrue(inUse.getMessage().contains("is in use by another purestock process"), inUse.getMessage());
            }
            assertThrows(JournalException.class, () -> start(dir, 2, 0));
        } finally {
            journaled.close();
        }
        for (Path free : List.of(dir, dir.resolve("shard-0"), dir.resolve("shard-1"))) {
            JournalLock.acquire(free).close();
        }
    }

    @Test
    void parallelRecoveryReportsTheSumOfEveryShardsRecordsAndTheEndOnce() {
        Path dir = root.resolve("progress");
        long[] records = new long[3];
        try (JournaledEngine journaled = start(dir, 3, 0)) {
            PurestockEngine engine = journaled.engine();
            submit(engine, setup(6));
            submit(engine, workload(6_000, 6, 2));
            List<Command> receipts = new ArrayList<>();
            for (int i = 0; i < 17_000; i++) {
                receipts.add(new Command.ReceiveStock(20_000_000L + i, 1 + i % SKUS, 3, 1));
            }
            submit(engine, receipts);
            for (int shard = 0; shard < 3; shard++) {
                records[shard] = engine.metrics().shard(shard).commandsSequenced();
            }
        }
        long sum = records[0] + records[1] + records[2];
        assertTrue(records[0] > 1 << 14, "shard 0 replays enough records to report on the way");
        List<long[]> reports = Collections.synchronizedList(new ArrayList<>());
        try (JournaledEngine again = JournaledEngine.builder(dir).shards(3)
                .progress((done, total) -> reports.add(new long[] {done, total})).start()) {
            assertEquals(sum, again.recovered(0).replayedRecords() + again.recovered(1).replayedRecords()
                    + again.recovered(2).replayedRecords());
        }
        assertFalse(reports.isEmpty());
        long previous = -1;
        for (long[] report : reports.subList(0, reports.size() - 1)) {
            assertEquals(sum, report[1], "every report counts every shard's records");
            assertTrue(report[0] >= previous && report[0] < sum, report[0] + " of " + sum);
            previous = report[0];
        }
        assertEquals(List.of(sum, sum), List.of(reports.getLast()[0], reports.getLast()[1]), "the end, once");
    }

    @Test
    void aShardThatCannotRecoverIsNamedAndEveryLockIsReleased() throws IOException {
        Path dir = root.resolve("damaged");
        JournalLayout layout = JournalLayout.create(dir, 2);
        JournalFiles.write(layout.shardDir(0), 0, 10);
        JournalFiles.write(layout.shardDir(1), 0, 100);
        Path cycle = JournalFiles.cycleFile(layout.shardDir(1));
        long header = JournalFiles.headerOffsets(layout.shardDir(1)).get(50);
        JournalFiles.writeInt(cycle, header, JournalFiles.readInt(cycle, header) | JournalFiles.NOT_COMPLETE);

        JournalDamagedException damaged = assertThrows(JournalDamagedException.class, () -> start(dir, 2, 0));
        assertTrue(damaged.getMessage().startsWith("shard 1 of 2 (" + layout.shardDir(1) + "): "),
                damaged.getMessage());
        assertEquals(49, damaged.lastReadableSequence());
        assertTrue(damaged.losesAcknowledged());
        for (Path free : List.of(dir, layout.shardDir(0), layout.shardDir(1))) {
            JournalLock.acquire(free).close();
        }
    }

    private JournaledEngine start(Path dir, int shards, long snapshotEvery) {
        return JournaledEngine.builder(dir)
                .shards(shards)
                .snapshotEvery(snapshotEvery)
                // no expiry ticks: the tests count the records their own commands make
                .engine(builder -> builder.clock(clock::incrementAndGet).expireReservationsEvery(Duration.ZERO))
                .start();
    }

    private static void submit(PurestockEngine engine, List<Command> commands) {
        engine.submitAll(commands).forEach(CompletableFuture::join);
        assertTrue(engine.failure().isEmpty());
    }

    /** Lists {@link #SKUS} skus (on every shard) and stocks each at every warehouse below {@code warehouses}. */
    private static List<Command> setup(int warehouses) {
        List<Command> commands = new ArrayList<>();
        for (int sku = 1; sku <= SKUS; sku++) {
            commands.add(new Command.ListProduct(sku, 3));
            for (int warehouse = 0; warehouse < warehouses; warehouse++) {
                commands.add(new Command.ReceiveStock(sku * 100L + warehouse, sku, warehouse, 50));
            }
        }
        return commands;
    }

    /** Purchases, reservations, cancels, confirms and receipts over every warehouse, reproducible from the seed. */
    private static List<Command> workload(int count, int warehouses, long seed) {
        Random random = new Random(seed);
        List<Command> commands = new ArrayList<>(count);
        long orderId = seed * 1_000_000;
        long firstOrderId = orderId + 1;
        for (int i = 0; i < count; i++) {
            long customer = 1 + random.nextInt(40);
            long sku = 1 + random.nextInt(SKUS);
            int warehouse = random.nextInt(warehouses);
            long previous = Math.max(firstOrderId, orderId - random.nextInt(20));
            commands.add(switch (random.nextInt(8)) {
                case 0, 1, 2 -> new Command.Purchase(++orderId, customer, sku, warehouse, 1 + random.nextInt(2));
                case 3 -> new Command.Reserve(++orderId, customer, List.of(new Line(sku, warehouse, 1)),
                        NOW + 1_000 + random.nextInt(10_000));
                case 4 -> new Command.CancelPurchase(previous);
                case 5 -> new Command.ConfirmReservation(previous);
                case 6 -> new Command.ReleaseReservation(previous);
                default -> new Command.ReceiveStock(10_000_000L + i, sku, warehouse, 1 + random.nextInt(3));
            });
        }
        return commands;
    }

    /** Every file under {@code dir} (but the lock files, which a refused start may open) and its size. */
    private static Map<String, Long> files(Path dir) throws IOException {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(file).toString(), Files.size(file));
            }
        }
        return files;
    }
}
