package dev.purestock.journal;

import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
