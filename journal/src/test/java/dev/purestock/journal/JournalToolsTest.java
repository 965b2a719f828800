package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.Reason;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.EngineRefusal;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalToolsTest {
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void verifyReDecidesEveryRecordOfADeterministicRun() throws Exception {
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            JournalRecoveryTest.run(shard, Workloads.setup(10, 20, 0));
            JournalRecoveryTest.run(shard, Workloads.mixed(1_000, 10, 7, 1, NOW));
        }
        JournalVerifier.Result result = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(result.matches(), result.divergence());
        assertEquals(1_020, result.records());
        assertEquals("empty", result.startedAt());
    }

    @Test
    void verifyNamesTheFirstRecordWhoseEventsTheDomainWouldNotDecide() throws Exception {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            writer.onDecided(0, NOW, new Command.ListProduct(1, 0), List.of(new Event.ProductListed(1, 0)), true);
            writer.onDecided(1, NOW, new Command.Purchase(5, 1, 1, 1, 1),
                    List.of(new Event.Rejected(Reason.OUT_OF_STOCK, 5)), true);
        }
        JournalVerifier.Result result = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertFalse(result.matches());
        assertEquals(1, result.records());
        assertTrue(result.divergence().startsWith("journal record seq 1 (queue index 0x"), result.divergence());
        assertTrue(result.divergence().contains("UNKNOWN_WAREHOUSE"), result.divergence());
    }

    /** A store whose lookups of {@code poisonedSku} throw, so deciding a command about it fails, as a domain bug would. */
    private static InventoryStore failingToDecide(long poisonedSku) {
        MapInventoryStore store = new MapInventoryStore();
        return (InventoryStore) Proxy.newProxyInstance(InventoryStore.class.getClassLoader(),
                new Class<?>[]{InventoryStore.class}, (proxy, method, args) -> {
                    if (method.getName().matches("product|perCustomerLimit") && args[0].equals(poisonedSku)) {
                        throw new IllegalStateException("product lookup failed for sku " + poisonedSku);
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aRecordWhoseDecideThrewVerifiesWhileDecidingItThrowsAgainAndDivergesOnceItDecides() throws Exception {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            writer.onDecided(0, NOW, new Command.ListProduct(1, 0), List.of(new Event.ProductListed(1, 0)), true);
            writer.onDecided(1, NOW, new Command.Purchase(5, 1, 666, 1, 1),
                    List.of(new Event.Rejected(EngineRefusal.INTERNAL_ERROR, 5)), true);
            writer.onDecided(2, NOW, new Command.ListProduct(2, 0), List.of(new Event.ProductListed(2, 0)), true);
        }

        JournalVerifier.Result failingAgain = JournalVerifier.verify(dir, () -> failingToDecide(666),
                ReplayProgress.NONE);
        assertTrue(failingAgain.matches(), failingAgain.divergence());
        assertEquals(3, failingAgain.records());

        JournalVerifier.Result decidingNow = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertFalse(decidingNow.matches());
        assertEquals(1, decidingNow.records());
        assertTrue(decidingNow.divergence().contains("it decides to [Rejected[reason=UNKNOWN_SKU, ref=5]] but was "
                + "journaled as seq=1"), decidingNow.divergence());
        assertTrue(decidingNow.divergence().contains("events=[Rejected[reason=INTERNAL_ERROR, ref=5]]"),
                decidingNow.divergence());

        JournalStats stats = JournalStats.of(dir);
        assertEquals(1, stats.rejected());
        assertEquals(Map.of(EngineRefusal.INTERNAL_ERROR, 1L), stats.rejections());
    }

    @Test
    void verifyNamesARecordWhoseDecideNowThrows() throws Exception {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            writer.onDecided(0, NOW, new Command.Purchase(5, 1, 666, 1, 1),
                    List.of(new Event.Rejected(Reason.UNKNOWN_SKU, 5)), true);
        }
        JournalVerifier.Result result = JournalVerifier.verify(dir, () -> failingToDecide(666), ReplayProgress.NONE);
        assertFalse(result.matches());
        assertTrue(result.divergence().contains("diverges: deciding it throws java.lang.IllegalStateException: "
                + "product lookup failed for sku 666 but was journaled as seq=0"), result.divergence());
    }

    @Test
    void statsCountRecordsOutcomesAndRejectionsByReason() throws Exception {
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            JournalRecoveryTest.run(shard, Workloads.setup(1, 2, 0));
            shard.submit(new Command.Purchase(1, 1, 1, 1, 2));
            shard.submit(new Command.Purchase(2, 2, 1, 1, 1));
            shard.submit(new Command.Purchase(3, 2, 9, 1, 1));
            shard.snapshot();
        }
        JournalStats stats = JournalStats.of(dir);
        assertEquals(5, stats.records());
        assertEquals(0, stats.firstSequence());
        assertEquals(4, stats.lastSequence());
        assertEquals(3, stats.accepted());
        assertEquals(2, stats.rejected());
        assertEquals(1L, stats.rejections().get(Reason.OUT_OF_STOCK));
        assertEquals(1L, stats.rejections().get(Reason.UNKNOWN_SKU));
        assertEquals(1, stats.cycles());
        assertEquals(1, stats.snapshots().size());
        assertTrue(stats.bytes() > 0);
    }

    @Test
    void jsonLinesCarryEveryField() {
        JournalRecord record = new JournalRecord(3, 4, new Command.Batch(Command.Batch.Mode.ATOMIC,
                List.of(new Command.CancelPurchase(9))), List.of(new Event.Rejected(Reason.UNKNOWN_ORDER, 9)), 1);
        assertEquals("{\"seq\":3,\"time\":4,\"index\":\"0x1f\",\"version\":1,\"epoch\":0,\"command\":{\"type\":\"Batch\","
                + "\"mode\":\"ATOMIC\",\"commands\":[{\"type\":\"CancelPurchase\",\"orderId\":9}]},"
                + "\"events\":[{\"type\":\"Rejected\",\"reason\":\"UNKNOWN_ORDER\",\"ref\":9}]}",
                RecordFormat.json(0x1f, record));
        assertTrue(RecordFormat.text(0x1f, record).startsWith("seq=3 time=4 index=0x1f v=1 epoch=0 command=Batch["));
    }

    @Test
    void pruningDeletesCyclesTheOldestKeptSnapshotCoversAndRecoveryStillWorks() throws Exception {
        long digest = writeFourCycles();

        JournalPruner.Result result = JournalPruner.prune(dir, 1);

        assertEquals(List.of(29L), result.snapshotsKept().stream().map(SnapshotInfo::lastSequence).toList());
        assertEquals(3, result.cyclesDeleted().size());
        assertEquals(30, result.firstSequence());
        result.cyclesDeleted().forEach(file -> assertFalse(Files.exists(file), file + " deleted"));
        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(digest, StateDigest.of(recovered.store()));
        assertEquals(40, recovered.nextSequence());
        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        assertEquals("snapshot@29", verified.startedAt());
    }

    /**
     * A damaged manifest line leaves its snapshot unused, and the next rewrite of the manifest (a start, prune, snapshot
     * or truncate) deleted the file it named: on a pruned journal that file holds the only state before the journal's
     * first record, so a line an operator could mend became a journal nothing recovers. The file is moved aside.
     */
    @Test
    void theSnapshotADamagedManifestLineNamedIsMovedAsideNotDeleted() throws Exception {
        long digest = writeFourCycles();
        assertEquals(30, JournalPruner.prune(dir, 1).firstSequence(), "snapshot 29 kept, the cycles to 29 pruned");
        Path snapshots = dir.resolve("snapshots");
        Path manifest = snapshots.resolve("manifest");
        String listed = Files.readString(manifest);
        String name = "snapshot-00000000000000000029.bin";
        Files.writeString(manifest, listed.replace("\n29 ", "\n2? "));

        JournalPruner.Result pruned = JournalPruner.prune(dir, 1);

        List<Path> kept;
        try (Stream<Path> files = Files.walk(snapshots)) {
            kept = files.filter(file -> file.getFileName().toString().equals(name)).toList();
        }
        assertEquals(1, kept.size(), "the file the damaged line named is kept");
        assertTrue(kept.getFirst().getParent().getFileName().toString().startsWith("unlisted-"), kept.toString());
        assertTrue(pruned.notes().getFirst().contains("line 2 is damaged"), pruned.notes().toString());
        assertTrue(pruned.notes().getFirst().contains(snapshots.resolve("unlisted-").toString()), pruned.notes().toString());
        Files.move(kept.getFirst(), snapshots.resolve(name));
        Files.writeString(manifest, listed);
        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(digest, StateDigest.of(recovered.store()), "the line mended, the journal recovers");
        assertEquals(40, recovered.nextSequence());
    }

    /**
     * verify checks every record's checksum and sequence, those before the snapshot it starts from included, when
     * older cycles were pruned: a record between the journal's first and that snapshot's is what recovery replays
     * when it falls back to an older snapshot, and verify answered ok over one that failed its checksum.
     */
    @Test
    void verifyOfAPrunedJournalChecksTheRecordsBeforeTheSnapshotItStartsFrom() throws Exception {
        writeFourCycles();
        assertEquals(20, JournalPruner.prune(dir, 2).firstSequence(), "snapshots 19 and 29 kept, the cycles to 19 pruned");
        JournalRecordCodec codec = new JournalRecordCodec();
        int length = codec.encode(25, NOW + 25, new Command.ListProduct(26, 2), List.of(new Event.ProductListed(26, 2)));
        byte[] record = java.util.Arrays.copyOf(codec.buffer(), length);
        Path cycle = null;
        long at = -1;
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(SingleChronicleQueue.SUFFIX)).toList()) {
                long found = JournalFiles.indexOf(Files.readAllBytes(file), record);
                if (found >= 0) {
                    cycle = file;
                    at = found;
                }
            }
        }
        assertTrue(at >= 0, "record 25 is in a cycle file");
        JournalRecoveryTest.flipByte(cycle, at + length / 2);

        JournalCorruptException refused = assertThrows(JournalCorruptException.class,
                () -> JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE));
        assertTrue(refused.getMessage().startsWith("journal record seq 25 "), refused.getMessage());
        assertEquals("snapshot@29", JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE).recoveredFrom(),
                "recovery from the newest snapshot needs none of the records before it");
    }

    /**
     * Snapshots 19, 29 and 39 kept and the cycles to 19 pruned, so the journal holds sequences 20 to 39 and its newest
     * snapshot is at its end; the snapshots, oldest first.
     */
    private List<SnapshotInfo> prunedToThreeSnapshots() throws Exception {
        long digest = writeFourCycles();
        RecoveredState end = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(digest, StateDigest.of(end.store()));
        new SnapshotStore(dir, 3).writeSnapshot(39, NOW + 39, end.store());
        JournalPruner.Result pruned = JournalPruner.prune(dir, 3);
        assertEquals(20, pruned.firstSequence(), "the cycles to 19 pruned");
        List<SnapshotInfo> kept = new SnapshotStore(dir).list();
        assertEquals(List.of(19L, 29L, 39L), kept.stream().map(SnapshotInfo::lastSequence).toList());
        return kept;
    }

    /**
     * On a pruned journal whose newest snapshot is at its end, verify started from that snapshot and decided nothing
     * again: it starts from the oldest kept snapshot the journal reaches, re-decides every record after it, and
     * compares each later snapshot with the state it has re-decided at that snapshot's sequence.
     */
    @Test
    void verifyOfAPrunedJournalReDecidesFromTheOldestKeptSnapshotAndChecksEachLaterOne() throws Exception {
        prunedToThreeSnapshots();

        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);

        assertTrue(verified.matches(), verified.divergence());
        assertEquals("snapshot@19", verified.startedAt());
        assertEquals(20, verified.records(), "sequences 20 to 39 decided again");
        assertEquals(2, verified.snapshotsChecked(), "snapshots 29 and 39");
        assertEquals(List.of(), verified.notes());
    }

    /** On a journal that starts at sequence 0, verify decides every record from the empty state and checks every snapshot. */
    @Test
    void verifyFromTheEmptyStateChecksEverySnapshotOnTheWay() throws Exception {
        writeFourCycles();

        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);

        assertTrue(verified.matches(), verified.divergence());
        assertEquals("empty", verified.startedAt());
        assertEquals(40, verified.records());
        assertEquals(2, verified.snapshotsChecked(), "snapshots 19 and 29");
    }

    /** A kept snapshot that passes its checksum but holds another state than the journal's at its sequence is named. */
    @Test
    void verifyNamesAKeptSnapshotThatDiffersFromTheJournalsStateAtItsSequence() throws Exception {
        SnapshotInfo middle = prunedToThreeSnapshots().get(1);
        InventoryStore other = JournalRecovery.recoverUntil(dir, 29, Long.MAX_VALUE, true, MapInventoryStore::new,
                ReplayProgress.NONE).store();
        other.putProduct(new dev.purestock.domain.Product(5, 77)); // listed with limit 0: same size, another state
        assertEquals(middle.bytes(), SnapshotFile.write(middle.file(), 29, NOW + 29, other));

        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);

        assertFalse(verified.matches());
        assertEquals("snapshot@19", verified.startedAt());
        assertEquals(10, verified.records(), "sequences 20 to 29, up to the snapshot that differs");
        assertEquals(0, verified.snapshotsChecked());
        assertTrue(verified.divergence().startsWith("snapshot " + middle.file() + " at sequence 29 differs from the "
                + "journal's state at that sequence"), verified.divergence());
    }

    /**
     * A kept snapshot that fails its checksum is passed over as recovery passes it over, and named in the notes: the
     * oldest one, verify starts from the next; a later one, verify goes on past it.
     */
    @Test
    void verifyPassesOverAnUnusableKeptSnapshotAndNamesIt() throws Exception {
        List<SnapshotInfo> kept = prunedToThreeSnapshots();
        byte[] oldest = Files.readAllBytes(kept.get(0).file());
        JournalRecoveryTest.flipByte(kept.get(0).file(), 40);

        JournalVerifier.Result fromTheNext = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);

        assertTrue(fromTheNext.matches(), fromTheNext.divergence());
        assertEquals("snapshot@29", fromTheNext.startedAt());
        assertEquals(10, fromTheNext.records());
        assertEquals(1, fromTheNext.snapshotsChecked(), "snapshot 39");
        assertEquals(1, fromTheNext.notes().size(), fromTheNext.notes().toString());
        assertTrue(fromTheNext.notes().getFirst().startsWith("snapshot " + kept.get(0).file() + " is unusable ("),
                fromTheNext.notes().toString());

        Files.write(kept.get(0).file(), oldest);
        JournalRecoveryTest.flipByte(kept.get(1).file(), 40);

        JournalVerifier.Result pastIt = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);

        assertTrue(pastIt.matches(), pastIt.divergence());
        assertEquals("snapshot@19", pastIt.startedAt());
        assertEquals(20, pastIt.records());
        assertEquals(1, pastIt.snapshotsChecked(), "snapshot 39");
        assertEquals(1, pastIt.notes().size(), pastIt.notes().toString());
        assertTrue(pastIt.notes().getFirst().startsWith("snapshot " + kept.get(1).file() + " is unusable ("),
                pastIt.notes().toString());
    }

    /**
     * A running engine's retention takes a snapshot out of the manifest and deletes its file while verify runs: verify
     * says so, not that the snapshot is unusable. A snapshot the manifest still lists whose file is missing is.
     */
    @Test
    void verifySaysASnapshotRetentionRemovedWhileItRanWasRemovedNotUnusable() throws Exception {
        List<SnapshotInfo> kept = prunedToThreeSnapshots();
        // the stores are taken in order: snapshot 19 (verify starts there), then snapshot 29 just before it is checked
        int[] taken = {0};
        Supplier<InventoryStore> retainedAway = () -> {
            if (++taken[0] == 2) {
                try {
                    new SnapshotStore(dir).retain(List.of(kept.get(0), kept.get(2)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new MapInventoryStore();
        };

        JournalVerifier.Result removed = JournalVerifier.verify(dir, retainedAway, ReplayProgress.NONE);

        assertTrue(removed.matches(), removed.divergence());
        assertEquals("snapshot@19", removed.startedAt());
        assertEquals(1, removed.snapshotsChecked(), "snapshot 39");
        assertEquals(List.of("snapshot " + kept.get(1).file() + " was removed while verify ran (a running engine keeps "
                + "only its newest snapshots); not checked"), removed.notes());

        Files.delete(kept.get(2).file());

        JournalVerifier.Result missing = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);

        assertEquals(0, missing.snapshotsChecked());
        assertEquals(List.of("snapshot " + kept.get(2).file() + " is unusable (the file is missing); passed over, as "
                + "recovery passes it over"), missing.notes());
    }

    /**
     * A format-1 snapshot holds no order of last changes: loaded, its orders changed at its time, so it never equals
     * the state the records decide when an order changed earlier. verify does not compare it, and goes on from its
     * state as an engine restarted from it did: the snapshot that engine wrote later then equals what verify decides.
     */
    @Test
    void verifyGoesOnFromAFormatOneSnapshotAsAnEngineRestartedFromIt() throws Exception {
        MapInventoryStore live = new MapInventoryStore();
        Path formatOne = dir.resolve("snapshots").resolve(String.format("snapshot-%020d.bin", 3));
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            List<Command> commands = List.of(new Command.ListProduct(1, 0), new Command.ReceiveStock(1, 1, 0, 10),
                    new Command.Purchase(7, 3, 1, 0, 1), new Command.ListProduct(2, 0));
            for (int sequence = 0; sequence < commands.size(); sequence++) {
                decideAndJournal(writer, live, sequence, NOW + 100 * sequence, commands.get(sequence));
            }
            Files.createDirectories(formatOne.getParent());
            byte[] written = formatOne(live, 3, NOW + 300);
            Files.write(formatOne, written);
            Files.writeString(dir.resolve("snapshots").resolve("manifest"), "3 " + (NOW + 300) + " "
                    + formatOne.getFileName() + " " + written.length + "\n");
            live = new MapInventoryStore(); // the engine restarts from the format-1 snapshot
            assertEquals(SnapshotFile.FORMAT_WITHOUT_LAST_CHANGES, SnapshotFile.load(formatOne, live).format());
            decideAndJournal(writer, live, 4, NOW + 400, new Command.ListProduct(3, 0));
            new SnapshotStore(dir, 3).writeSnapshot(4, NOW + 400, live);
        }

        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);

        assertTrue(verified.matches(), verified.divergence());
        assertEquals(5, verified.records());
        assertEquals(1, verified.snapshotsChecked(), "snapshot 4, not the format-1 one");
        assertEquals(List.of("snapshot " + formatOne + " at sequence 3 is of format 1, which holds no order of last "
                + "changes: not compared; verify goes on from its state, as an engine restarted from it did"),
                verified.notes());
    }

    private static void decideAndJournal(JournalWriter writer, MapInventoryStore live, long sequence, long time,
                                         Command command) {
        List<Event> events = dev.purestock.domain.Inventory.decide(command, time, live);
        dev.purestock.domain.Inventory.evolveAll(live, time, events);
        writer.onDecided(sequence, time, command, events, true);
    }

    /** {@code store} as a format-1 snapshot file holds it: no last changes, no held commands, products counting. */
    private static byte[] formatOne(InventoryStore store, long lastSequence, long time) {
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(4_096).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putInt(SnapshotFile.MAGIC).putInt(SnapshotFile.FORMAT_WITHOUT_LAST_CHANGES).putLong(lastSequence).putLong(time);
        long[] counts = new long[6];
        store.forEachProductAndPosition(product -> {
            out.put((byte) 1).putLong(product.sku()).putLong(product.perCustomerLimit());
            counts[1]++;
        }, (sku, warehouse, available) -> {
            out.put((byte) 2).putLong(sku).putShort((short) warehouse).putLong(available);
            counts[2]++;
        });
        store.forEachCustomerUnits((customer, sku, units) -> {
            out.put((byte) 3).putLong(customer).putLong(sku).putLong(units);
            counts[3]++;
        });
        store.forEachOrder(order -> {
            out.put((byte) 4).putLong(order.orderId()).putLong(order.customer()).put((byte) order.status().code())
                    .putLong(order.expiresAt()).putLong(order.fingerprint()).putInt(order.lines().size());
            order.lines().forEach(line -> out.putLong(line.sku()).putShort((short) line.warehouse()).putLong(line.quantity()));
            counts[4]++;
        });
        store.forEachMovement((id, fingerprint) -> {
            out.put((byte) 5).putLong(id).putLong(fingerprint);
            counts[5]++;
        });
        out.put((byte) 0);
        for (int kind = 1; kind <= 5; kind++) {
            out.putLong(counts[kind]);
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    @Test
    void pruningIgnoresASnapshotAheadOfTheJournalAndSetsItAside() throws Exception {
        long digest = writeFourCycles();
        MapInventoryStore ahead = new MapInventoryStore();
        dev.purestock.domain.Inventory.evolve(ahead, NOW + 50, new Event.ProductListed(99, 0));
        new SnapshotStore(dir).write(50, NOW + 50, ahead);
        byte[] aheadBytes = Files.readAllBytes(dir.resolve("snapshots/snapshot-00000000000000000050.bin"));

        JournalPruner.Result result = JournalPruner.prune(dir, 1);

        assertEquals(List.of(29L), result.snapshotsKept().stream().map(SnapshotInfo::lastSequence).toList());
        assertEquals(List.of(29L), new SnapshotStore(dir).list().stream().map(SnapshotInfo::lastSequence).toList());
        assertEquals(3, result.cyclesDeleted().size());
        assertTrue(result.notes().get(0).startsWith("moved snapshot-00000000000000000050.bin to "
                + dir.resolve("snapshots").resolve("ahead-")), result.notes().toString());
        Path aside;
        try (Stream<Path> folders = Files.list(dir.resolve("snapshots"))) {
            aside = folders.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        assertTrue(result.notes().get(0).startsWith("moved snapshot-00000000000000000050.bin to " + aside + ": "));
        assertArrayEquals(aheadBytes, Files.readAllBytes(aside.resolve("snapshot-00000000000000000050.bin")),
                "the snapshot ahead is kept aside as it was");
        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals("snapshot@29", recovered.recoveredFrom());
        assertEquals(digest, StateDigest.of(recovered.store()));
    }

    @Test
    void pruningKeepsTheCyclesAfterTheNewestUsableSnapshotWhenTheNewestIsDamaged() throws Exception {
        long digest = writeFourCycles();
        List<SnapshotInfo> snapshots = new SnapshotStore(dir).list();
        JournalRecoveryTest.flipByte(snapshots.get(1).file(), snapshots.get(1).bytes() / 2);

        JournalPruner.Result result = JournalPruner.prune(dir, 1);

        assertEquals(List.of(19L, 29L), result.snapshotsKept().stream().map(SnapshotInfo::lastSequence).toList(),
                "the damaged newest and the newest usable one");
        assertEquals(2, result.cyclesDeleted().size(), "only the cycles snapshot 19 covers");
        assertEquals(20, result.firstSequence());
        assertTrue(result.notes().get(0).contains("fails its checksum"), result.notes().toString());
        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals("snapshot@19", recovered.recoveredFrom());
        assertEquals(digest, StateDigest.of(recovered.store()));
    }

    @Test
    void pruningWithoutAUsableSnapshotDeletesNoCycle() throws Exception {
        long digest = writeFourCycles();
        for (SnapshotInfo snapshot : new SnapshotStore(dir).list()) {
            JournalRecoveryTest.flipByte(snapshot.file(), snapshot.bytes() / 2);
        }

        JournalPruner.Result result = JournalPruner.prune(dir, 1);

        assertEquals(List.of(), result.cyclesDeleted());
        assertEquals(0, result.firstSequence());
        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals("empty", recovered.recoveredFrom());
        assertEquals(digest, StateDigest.of(recovered.store()));
    }

    @Test
    void pruningPassesOverAnEmptyCycleFileAndKeepsTheCycleAfterIt() throws Exception {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(NOW));
        MapInventoryStore live = new MapInventoryStore();
        SnapshotStore snapshots = new SnapshotStore(dir);
        long sequence = 0;
        for (int cycle = 0; cycle < 5; cycle++) {
            if (cycle == 2) {
                // a cycle file created and left empty, as by a writer killed as it rolled into it
                try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir)
                        .rollCycle(TestRollCycles.TEST_SECONDLY).timeProvider(clock).build()) {
                    queue.closeStore(queue.storeForCycle(queue.cycle(), queue.epoch(), true, null));
                }
            } else {
                try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE,
                        TestRollCycles.TEST_SECONDLY, clock)) {
                    for (int i = 0; i < 10; i++, sequence++) {
                        Event.ProductListed listed = new Event.ProductListed(1 + sequence, cycle);
                        dev.purestock.domain.Inventory.evolve(live, NOW + sequence, listed);
                        writer.onDecided(sequence, NOW + sequence, new Command.ListProduct(listed.sku(), cycle),
                                List.of(listed), true);
                    }
                }
                if (cycle < 2) {
                    snapshots.write(sequence - 1, NOW + sequence - 1, live);
                }
            }
            clock.advanceMillis(1_000);
        }

        JournalPruner.Result result = JournalPruner.prune(dir, 1);

        assertEquals(20, result.firstSequence());
        assertEquals(2, result.cyclesDeleted().size(), "the two cycles snapshot 19 covers: " + result.cyclesDeleted());
        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals("snapshot@19", recovered.recoveredFrom());
        assertEquals(40, recovered.nextSequence());
        assertEquals(StateDigest.of(live), StateDigest.of(recovered.store()));
    }

    @Test
    void aJournaledEngineWithAPruningPolicyPrunesCoveredCyclesBeforeItStarts() throws Exception {
        long digest = writeFourCycles();
        try (JournaledEngine journaled = JournaledEngine.builder(dir)
                .retention(new RetentionPolicy(1, true)).start()) {
            assertEquals("snapshot@29", journaled.recovered().recoveredFrom());
            assertEquals(40, journaled.recovered().nextSequence());
            assertEquals(digest, journaled.engine().digest(0).join());
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            assertEquals(1, reader.cycleCount());
        }
    }

    @Test
    void aJournaledEngineThatPrunesOnStartNeverTrustsASnapshotAheadOfTheJournal() throws Exception {
        long digest = writeFourCycles();
        new SnapshotStore(dir).write(50, NOW + 50, new MapInventoryStore());
        try (JournaledEngine journaled = JournaledEngine.builder(dir)
                .retention(new RetentionPolicy(1, true)).start()) {
            assertEquals("snapshot@29", journaled.recovered().recoveredFrom());
            assertEquals(40, journaled.recovered().nextSequence());
            assertEquals(digest, journaled.engine().digest(0).join());
            assertTrue(journaled.recovered().notes().get(0).startsWith("moved snapshot-00000000000000000050.bin to "
                    + dir.resolve("snapshots").resolve("ahead-")), journaled.recovered().notes().toString());
        }
    }

    private long writeFourCycles() throws Exception {
        return writeFourCycles(dir);
    }

    /** Forty records over four cycle files in {@code dir}, with snapshots after the second and third; the digest. */
    static long writeFourCycles(Path dir) throws Exception {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(NOW));
        MapInventoryStore live = new MapInventoryStore();
        SnapshotStore snapshots = new SnapshotStore(dir);
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE, TestRollCycles.TEST_SECONDLY, clock)) {
            long sequence = 0;
            for (int cycle = 0; cycle < 4; cycle++) {
                for (int i = 0; i < 10; i++, sequence++) {
                    Event.ProductListed listed = new Event.ProductListed(1 + sequence, cycle);
                    dev.purestock.domain.Inventory.evolve(live, NOW + sequence, listed);
                    writer.onDecided(sequence, NOW + sequence, new Command.ListProduct(listed.sku(), cycle),
                            List.of(listed), true);
                }
                if (cycle == 1 || cycle == 2) {
                    snapshots.write(sequence - 1, NOW + sequence - 1, live);
                }
                clock.advanceMillis(1_000);
            }
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            assertEquals(4, reader.cycleCount());
        }
        return StateDigest.of(live);
    }

    @Test
    void aMissingDirectoryIsNamed() {
        JournalException e = assertThrows(JournalException.class, () -> JournalStats.of(dir.resolve("nope")));
        assertEquals("journal directory " + dir.resolve("nope") + " does not exist", e.getMessage());
        JournalException empty = assertThrows(JournalException.class, () -> JournalStats.of(dir));
        assertEquals("directory " + dir + " holds no purestock journal (no .cq4 cycle files, no purestock.lock)",
                empty.getMessage());
        JournalLock.acquire(dir).close();
        JournalException noRecord = assertThrows(JournalException.class, () -> JournalStats.of(dir));
        assertEquals("journal " + dir + " holds no record yet", noRecord.getMessage());
        Path file = dir.resolve(JournalLock.FILE_NAME);
        JournalException notADirectory = assertThrows(JournalException.class, () -> JournalStats.of(file));
        assertEquals(file + " is a file, not a journal directory", notADirectory.getMessage());
    }
}
