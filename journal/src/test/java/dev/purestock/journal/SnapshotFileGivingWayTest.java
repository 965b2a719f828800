package dev.purestock.journal;

import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A snapshot is written a chunk at a time, and its writer gives way between chunks: a writer that ran through a
 * state of tens of megabytes without a break would hold a core for as long as the kernel lets it (about a
 * millisecond a time), while the shard's stage threads it shares the machine with wait to run.
 */
class SnapshotFileGivingWayTest {
    @TempDir
    Path dir;

    @Test
    void theWriterGivesWayAtLeastOnceEveryChunk() throws Exception {
        MapInventoryStore store = new MapInventoryStore();
        for (long movement = 1; movement <= 40_000; movement++) {
            store.putMovement(movement, movement * 31);
        }
        AtomicInteger givenWay = new AtomicInteger();
        Path file = dir.resolve("snapshot.bin");

        long bytes = SnapshotFile.write(file, 39_999, 1_700_000_000_000L, store, givenWay::incrementAndGet);

        assertTrue(bytes > 10L * SnapshotFile.WRITE_CHUNK, "the state spans many chunks: " + bytes + " bytes");
        assertTrue(givenWay.get() >= bytes / SnapshotFile.WRITE_CHUNK,
                "a break after each chunk handed to the file: " + givenWay.get() + " for " + bytes + " bytes");
        MapInventoryStore loaded = new MapInventoryStore();
        SnapshotFile.load(file, loaded);
        assertEquals(StateDigest.of(store), StateDigest.of(loaded), "the chunks make the same file");
    }
}
