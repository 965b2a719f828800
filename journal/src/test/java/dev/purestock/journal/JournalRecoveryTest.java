package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalRecoveryTest {
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void anEmptyDirectoryRecoversToAnEmptyStateAtSequenceZero() {
        RecoveredState recovered = recover(dir.resolve("absent"));
        assertEquals(0, recovered.nextSequence());
        assertEquals(StateDigest.of(new MapInventoryStore()), StateDigest.of(recovered.store()));
        assertEquals("empty", recovered.recoveredFrom());
    }

    @Test
    void aRestartWithoutSnapshotsRecoversTheSameStateAndSequence() throws Exception {
        long digest;
        long next;
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            run(shard, Workloads.setup(20, 30, 0));
            run(shard, Workloads.mixed(2_000, 20, 1, 1, NOW));
            digest = shard.digest();
            next = shard.nextSequence;
        }
        RecoveredState recovered = recover(dir);
        assertEquals(digest, StateDigest.of(recovered.store()));
        assertEquals(next, recovered.nextSequence());
        assertEquals(next, recovered.replayedRecords());
    }

    @Test
    void aRestartFromASnapshotPlusTailEqualsTheLiveStateAndAFullReplay() throws Exception {
        long digest;
        try (ShardHarness shard = new ShardHarness(dir, Durability.SYNC_PER_BATCH)) {
            run(shard, Workloads.setup(20, 30, 0));
            run(shard, Workloads.mixed(1_000, 20, 2, 1, NOW));
            shard.snapshot();
            run(shard, Workloads.mixed(500, 20, 3, 10_000, NOW));
            digest = shard.digest();
        }
        RecoveredState recovered = recover(dir);
        assertEquals(digest, StateDigest.of(recovered.store()));
        assertEquals(1_040 - 1, recovered.snapshotSequence());
        assertEquals(500, recovered.replayedRecords());
        assertEquals(1_540, recovered.nextSequence());

        try (JournalReader reader = JournalReader.open(dir)) {
            RecoveredState full = JournalRecovery.recover(reader, new SnapshotStore(dir.resolve("none")),
                    MapInventoryStore::new, ReplayProgress.NONE);
            assertEquals(digest, StateDigest.of(full.store()));
            assertEquals("empty", full.recoveredFrom());
        }
    }

    @Test
    void recoveryContinuesTheSequenceAndKeepsIdempotencyReservationsAndCustomerCounts() throws Exception {
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            run(shard, Workloads.setup(2, 10, 0));
            shard.submit(new Command.Purchase(1, 7, 1, 1, 3));
            shard.submit(new Command.Reserve(2, 8, List.of(new dev.purestock.domain.Line(2, 1, 2)), NOW + 100));
            shard.snapshot();
            shard.submit(new Command.Purchase(3, 7, 2, 1, 1));
        }
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            assertEquals(7, shard.nextSequence);
            assertEquals(List.of(new Event.AlreadyApplied(1)), shard.submit(new Command.Purchase(1, 7, 1, 1, 3)));
            assertInstanceOf(Event.Rejected.class, shard.submit(new Command.Purchase(4, 7, 1, 1, 1)).get(0),
                    "customer 7 already holds the limit of 3");
            shard.time = NOW + 1_000;
            List<Event> expired = shard.submit(new Command.ExpireReservations());
            assertEquals(2, ((Event.ReservationExpired) expired.get(0)).orderId());
            assertEquals(OrderStatus.EXPIRED, shard.store.order(2).status());
        }
        RecoveredState recovered = recover(dir);
        assertEquals(10, recovered.nextSequence());
        Order order = recovered.store().order(2);
        assertNotNull(order);
        assertEquals(OrderStatus.EXPIRED, order.status());
    }

    @Test
    void aCorruptNewestSnapshotFallsBackToTheOlderOne() throws Exception {
        long digest;
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            run(shard, Workloads.setup(10, 30, 0));
            shard.snapshot();
            run(shard, Workloads.mixed(300, 10, 4, 1, NOW));
            shard.snapshot();
            run(shard, Workloads.mixed(100, 10, 5, 10_000, NOW));
            digest = shard.digest();
        }
        List<SnapshotInfo> snapshots = new SnapshotStore(dir).list();
        assertEquals(2, snapshots.size());
        flipByte(snapshots.get(1).file(), snapshots.get(1).bytes() / 2);

        RecoveredState recovered = recover(dir);
        assertEquals(digest, StateDigest.of(recovered.store()));
        assertEquals(19, recovered.snapshotSequence());
        assertTrue(recovered.notes().get(0).contains("fails its checksum"), recovered.notes().toString());

        flipByte(snapshots.get(0).file(), 40);
        RecoveredState full = recover(dir);
        assertEquals(digest, StateDigest.of(full.store()));
        assertEquals("empty", full.recoveredFrom());
    }

    @Test
    void aSnapshotAheadOfTheJournalIsNotUsed() throws Exception {
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            run(shard, Workloads.setup(3, 30, 0));
            shard.snapshots.write(shard.nextSequence + 5, shard.time, shard.store);
        }
        RecoveredState recovered = recover(dir);
        assertEquals("empty", recovered.recoveredFrom());
        assertEquals(6, recovered.nextSequence());
    }

    @Test
    void snapshotsBeyondTheKeptNumberArePruned() throws Exception {
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            for (int i = 0; i < 4; i++) {
                run(shard, Workloads.setup(2, 1, 100L * i));
                shard.snapshot();
            }
        }
        List<SnapshotInfo> kept = new SnapshotStore(dir).list();
        assertEquals(List.of(11L, 15L), kept.stream().map(SnapshotInfo::lastSequence).toList());
        try (Stream<Path> files = Files.list(dir.resolve("snapshots"))) {
            assertEquals(3, files.count(), "two snapshots and the manifest");
        }
    }

    @Test
    void theNewestSnapshotTheJournalReachedIsKeptWhileNewerOnesAreAheadOfIt() throws Exception {
        AtomicLong journaled = new AtomicLong(150);
        SnapshotStore snapshots = new SnapshotStore(dir, 1, journaled::get);
        MapInventoryStore store = new MapInventoryStore();

        snapshots.write(100, NOW, store);
        snapshots.write(200, NOW, store);
        assertEquals(List.of(100L, 200L), sequences(snapshots), "200 is ahead of the journal: 100 stays");
        journaled.set(250);
        snapshots.write(300, NOW, store);
        assertEquals(List.of(200L, 300L), sequences(snapshots));
        journaled.set(400);
        snapshots.write(400, NOW, store);
        assertEquals(List.of(400L), sequences(snapshots));
        try (Stream<Path> files = Files.list(dir.resolve("snapshots"))) {
            assertEquals(2, files.count(), "one snapshot and the manifest");
        }
    }

    private static List<Long> sequences(SnapshotStore snapshots) {
        return snapshots.list().stream().map(SnapshotInfo::lastSequence).toList();
    }

    @Test
    void aFlippedByteInTheMiddleIsDetectedAndNamed() throws Exception {
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            run(shard, Workloads.setup(10, 30, 0));
            run(shard, Workloads.mixed(200, 10, 6, 1, NOW));
        }
        long[] target = new long[2];
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.read((index, record) -> {
                if (record.sequence() == 100) {
                    target[0] = index;
                    return false;
                }
                return true;
            });
        }
        Path cycle = cycleFile(dir);
        long offset = offsetOfSequence(cycle, 100);
        flipByte(cycle, offset + 20);

        JournalCorruptException e = assertThrows(JournalCorruptException.class, () -> recover(dir));
        assertTrue(e.getMessage().startsWith("journal record seq 100 (queue index 0x"
                + Long.toHexString(target[0]) + ")"), e.getMessage());
        assertTrue(e.getMessage().contains("fails its checksum"), e.getMessage());
        assertTrue(e.getMessage().contains("purestock dump --journal " + dir + " --from 100 --to 100"), e.getMessage());
    }

    @Test
    void aGapInSequencesStopsRecoveryWithItsPlace() throws Exception {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            for (int s = 0; s < 5; s++) {
                writer.onDecided(s, NOW, new Command.ListProduct(s + 1, 0), List.of(new Event.ProductListed(s + 1, 0)), true);
            }
        }
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            writer.onDecided(7, NOW, new Command.ListProduct(9, 0), List.of(new Event.ProductListed(9, 0)), true);
        }
        JournalCorruptException e = assertThrows(JournalCorruptException.class, () -> recover(dir));
        assertTrue(e.getMessage().startsWith("journal record seq 7 "), e.getMessage());
        assertTrue(e.getMessage().contains("follows sequence 4"), e.getMessage());
    }

    @Test
    void theWriterRefusesToWriteAGap() throws Exception {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            writer.onDecided(0, NOW, new Command.ExpireReservations(), List.of(), true);
            assertThrows(JournalException.class,
                    () -> writer.onDecided(2, NOW, new Command.ExpireReservations(), List.of(), true));
        }
    }

    @Test
    void aMillionCommandsReplay() throws Exception {
        int count = 1_000_000;
        MapInventoryStore live = new MapInventoryStore();
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            for (int s = 0; s < count; s++) {
                Event.ProductListed listed = new Event.ProductListed(1 + s % 1_000, s % 7);
                List<Event> events = List.of(listed);
                dev.purestock.domain.Inventory.evolve(live, NOW + s, listed);
                writer.onDecided(s, NOW + s, new Command.ListProduct(listed.sku(), listed.perCustomerLimit()), events,
                        s % 64 == 63);
            }
        }
        List<Long> progress = new ArrayList<>();
        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, (done, total) -> progress.add(done));
        assertEquals(count, recovered.nextSequence());
        assertEquals(count, recovered.replayedEvents());
        assertEquals(NOW + count - 1, recovered.lastTime());
        assertEquals(StateDigest.of(live), StateDigest.of(recovered.store()));
        assertEquals(count, progress.get(progress.size() - 1));
    }

    static RecoveredState recover(Path dir) {
        return JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
    }

    static void run(ShardHarness shard, List<Command> commands) throws Exception {
        for (Command command : commands) {
            shard.submit(command);
        }
    }

    static Path cycleFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
    }

    /** Where in the cycle file the record with {@code sequence} starts: its header's sequence field - 8. */
    static long offsetOfSequence(Path cycle, long sequence) throws IOException {
        byte[] bytes = Files.readAllBytes(cycle);
        byte[] needle = new byte[8];
        for (int i = 0; i < 8; i++) {
            needle[i] = (byte) (sequence >>> (8 * i));
        }
        for (int at = 8; at + 8 <= bytes.length; at++) {
            boolean match = true;
            for (int i = 0; i < 8 && match; i++) {
                match = bytes[at + i] == needle[i];
            }
            if (match && bytes[at - 4] == JournalRecordDescriptor.CURRENT_VERSION && bytes[at - 3] == 0) {
                return at - JournalRecordDescriptor.SEQUENCE_OFFSET;
            }
        }
        throw new AssertionError("sequence " + sequence + " not found in " + cycle);
    }

    static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0x5A);
        }
    }
}
