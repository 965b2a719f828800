package dev.purestock.journal;

import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Snapshots at their edges: pruning on start keeps the snapshot recovery loaded (and the journal after it) when a
 * newer one passes its checksum but does not load, and a snapshot of an engine that decided nothing writes nothing.
 */
class SnapshotEdgesTest {
    @TempDir
    Path dir;

    @Test
    void pruneOnStartKeepsTheSnapshotRecoveryActuallyLoaded() throws Exception {
        long digest = JournalToolsTest.writeFourCycles(dir);
        SnapshotInfo newest = new SnapshotStore(dir).list().get(1);
        // the newest snapshot's entry counts are wrong under a valid CRC (a writer's mistake): check() passes,
        // load() refuses it, and recovery falls back to snapshot@19
        damageUnderValidCrc(newest);
        try (JournaledEngine journaled = JournaledEngine.builder(dir).retention(new RetentionPolicy(1, true))
                .start()) {
            assertEquals("snapshot@19", journaled.recovered().recoveredFrom());
            assertEquals(digest, journaled.engine().digest(0).join());
        }
        // the next start must still recover what this one did
        RecoveredState again = assertDoesNotThrow(
                () -> JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE));
        assertEquals(digest, StateDigest.of(again.store()));
    }

    @Test
    void aSnapshotOfAFreshEngineLeavesNoDamagedManifestLine() throws Exception {
        AtomicLong clock = new AtomicLong(1_700_000_000_000L);
        try (JournaledEngine journaled = JournaledEngine.builder(dir)
                .engine(b -> b.clock(clock::incrementAndGet).expireReservationsEvery(Duration.ZERO)).start()) {
            assertEquals(-1L, journaled.engine().snapshot(0).join(), "no command: the snapshot covers none");
        }
        List<String> notes = new ArrayList<>();
        assertEquals(List.of(), new SnapshotStore(dir).list(notes));
        assertEquals(List.of(), notes, "nothing was listed, so nothing reads as damage");
    }

    @Test
    void aSnapshotAgainAtAListedSequenceLeavesTheListedOneStanding() throws Exception {
        long digest = JournalToolsTest.writeFourCycles(dir);
        RecoveredState atEnd = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        // the newest snapshot, at the journal's end, as a purestock of snapshot format 3 wrote it: one byte a product
        // shorter than this one writes the same state
        SnapshotInfo older = toFormatThree(new SnapshotStore(dir).writeSnapshot(39, atEnd.lastTime(), atEnd.store()));
        assertEquals(3, JournalPruner.prune(dir, 1).cyclesDeleted().size(), "the journal now starts at 30");
        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals("snapshot@39", recovered.recoveredFrom());

        // the same sequence again (`purestock snapshot` after the upgrade, or an engine's on-demand snapshot before
        // its first command) while the manifest cannot be rewritten (a full disk; a kill there leaves the same)
        Files.createDirectories(dir.resolve("snapshots").resolve("manifest.tmp"));
        SnapshotInfo again = assertDoesNotThrow(() -> new SnapshotStore(dir, 1)
                .writeSnapshot(39, recovered.lastTime(), recovered.store()));
        assertEquals(older, again, "the listed snapshot of that sequence stands");

        RecoveredState restarted = assertDoesNotThrow(
                () -> JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE));
        assertEquals("snapshot@39", restarted.recoveredFrom(), restarted.notes().toString());
        assertEquals(digest, StateDigest.of(restarted.store()));
    }

    @Test
    void aSnapshotAgainAtAListedSequenceStillKeepsOnlyAsManyAsAsked() throws Exception {
        JournalToolsTest.writeFourCycles(dir);
        SnapshotInfo newest = new SnapshotStore(dir).list().get(1);
        SnapshotStore.Loaded loaded = new SnapshotStore(dir)
                .loadNewest(newest.lastSequence(), MapInventoryStore::new, new ArrayList<>()).orElseThrow();

        assertEquals(newest, new SnapshotStore(dir, 1).writeSnapshot(newest.lastSequence(), newest.time(),
                loaded.store()));
        assertEquals(List.of(newest), new SnapshotStore(dir).list(), "keep 1: the older snapshot goes, as after any");
    }

    /**
     * Rewrites {@code info}'s file in snapshot format 3 (no counting byte after a product) and lists its size, as a
     * purestock of that format wrote it.
     */
    private static SnapshotInfo toFormatThree(SnapshotInfo info) throws Exception {
        byte[] current = Files.readAllBytes(info.file());
        ByteBuffer in = ByteBuffer.wrap(current).order(ByteOrder.LITTLE_ENDIAN);
        int products = (int) in.getLong(current.length - 4 - 7 * 8);
        int productBytes = 1 + 8 + 8 + 1;
        byte[] older = new byte[current.length - products];
        System.arraycopy(current, 0, older, 0, 24);
        for (int i = 0; i < products; i++) {
            System.arraycopy(current, 24 + i * productBytes, older, 24 + i * (productBytes - 1), productBytes - 1);
        }
        int rest = 24 + products * productBytes;
        System.arraycopy(current, rest, older, rest - products, current.length - rest);
        ByteBuffer out = ByteBuffer.wrap(older).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(4, SnapshotFile.FORMAT_WITHOUT_CUSTOMER_COUNTING);
        CRC32C crc = new CRC32C();
        crc.update(older, 0, older.length - 4);
        out.putInt(older.length - 4, (int) crc.getValue());
        Files.write(info.file(), older);
        SnapshotInfo listed = new SnapshotInfo(info.lastSequence(), info.time(), info.file(), older.length);
        SnapshotStore snapshots = new SnapshotStore(dir(info));
        List<SnapshotInfo> kept = new ArrayList<>(snapshots.list());
        kept.replaceAll(s -> s.lastSequence() == info.lastSequence() ? listed : s);
        snapshots.retain(kept);
        assertEquals(SnapshotFile.FORMAT_WITHOUT_CUSTOMER_COUNTING, SnapshotFile.check(info.file()).format());
        return listed;
    }

    /** The journal directory of a snapshot file ({@code DIR/snapshots/FILE}). */
    private static Path dir(SnapshotInfo info) {
        return info.file().getParent().getParent();
    }

    private static void damageUnderValidCrc(SnapshotInfo info) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(info.file().toFile(), "rw")) {
            int length = (int) file.length();
            byte[] bytes = new byte[length];
            file.readFully(bytes);
            ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int productCountAt = length - 4 - 7 * 8;
            buffer.putLong(productCountAt, buffer.getLong(productCountAt) + 1);
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, length - 4);
            buffer.putInt(length - 4, (int) crc.getValue());
            file.seek(0);
            file.write(bytes);
        }
    }
}
