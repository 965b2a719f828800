package dev.purestock.journal;

import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each snapshot written took a 64 KiB direct {@link java.nio.ByteBuffer} of its own, whose native memory only a
 * garbage collection that found it unreachable gave back: a snapshot every few seconds held native memory long after
 * each write (up to {@code -XX:MaxDirectMemorySize}). A thread that writes snapshots now reuses one buffer for every
 * write, so once it has written one, the JVM's direct buffers hold no more after each later write than before it (a
 * collection may free others' meanwhile).
 */
class SnapshotFileMemoryTest {
    @TempDir
    Path dir;

    @Test
    void aThreadThatWritesSnapshotsAllocatesNoDirectBufferAfterItsFirst() throws Exception {
        MapInventoryStore store = new MapInventoryStore();
        for (long movement = 1; movement <= 10_000; movement++) {
            store.putMovement(movement, movement * 31);
        }
        Path file = dir.resolve("snapshot.bin");
        long first = SnapshotFile.write(file, 9_999, 1_700_000_000_000L, store);
        assertTrue(first > 2L * SnapshotFile.WRITE_CHUNK, "the state spans several chunks: " + first + " bytes");

        long before = directMemoryUsed();
        for (int write = 1; write <= 3; write++) {
            store.putMovement(10_000 + write, write);
            SnapshotFile.write(file, 9_999 + write, 1_700_000_000_000L + write, store);
            long after = directMemoryUsed();
            assertTrue(after <= before, "direct buffers grew from " + before + " to " + after + " bytes by write " + write);
        }
        MapInventoryStore loaded = new MapInventoryStore();
        SnapshotFile.load(file, loaded);
        assertEquals(StateDigest.of(store), StateDigest.of(loaded), "the reused buffer wrote the state, and only it");
    }

    private static long directMemoryUsed() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        throw new AssertionError("this JVM has no direct buffer pool");
    }
}
