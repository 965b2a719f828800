package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.engine.DurabilityStage;
import dev.purestock.engine.ProducerMode;
import dev.purestock.engine.StoreCapacity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A start the engine refuses touches nothing: settings the engine refuses together are refused before the directory
 * is locked or laid out (a refused two-shard start used to fix the directory at two shards), and the durability
 * stages opened for earlier shards before a later one failed are closed.
 */
class RefusedStartTest {
    @TempDir
    Path root;

    @Test
    void aSettingTheEngineRefusesWritesNothingAndTheCorrectedStartGoesAhead() {
        Path fresh = root.resolve("fresh");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> JournaledEngine.builder(fresh).shards(2)
                        .engine(builder -> builder.producerMode(ProducerMode.SINGLE)).start());
        assertTrue(refused.getMessage().contains("producerMode(SINGLE)"), refused.getMessage());
        assertFalse(Files.exists(fresh), "a refused start creates nothing");

        JournaledEngine.builder(fresh).start().close();
        assertFalse(Files.exists(fresh.resolve(JournalLayout.SHARDS_FILE)), "a one-shard directory, as asked");
    }

    /**
     * The engine counts the stores it makes in the heap a start needs, but a journaled engine makes them itself, in
     * recovery, after the engine's check had passed them as the caller's: a capacity beyond the heap took the lock,
     * laid the directory out and ran out of memory recovering into the stores.
     */
    @Test
    void aStoreCapacityBeyondTheHeapIsRefusedBeforeTheDirectoryIsTouched() {
        Path fresh = root.resolve("huge");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> JournaledEngine.builder(fresh)
                        .engine(builder -> builder.storeCapacity(new StoreCapacity(Integer.MAX_VALUE, 1, 1))).start());
        assertTrue(refused.getMessage().contains("more than this JVM's maximum heap"), refused.getMessage());
        assertFalse(Files.exists(fresh), "a refused start creates nothing");
    }

    @Test
    void aShardCountBeyondTheEnginesIsRefusedWhenSet() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> JournaledEngine.builder(root.resolve("many")).shards(70_000));
        assertTrue(refused.getMessage().contains("shards must be between 1 and 65536"), refused.getMessage());
    }

    @Test
    void aBuildThatFailsOnALaterShardClosesTheStagesItOpenedForEarlierOnes() {
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        Path dir = root.resolve("repl");
        assertThrows(IllegalStateException.class, () -> JournaledEngine.builder(dir).shards(2)
                .engine(builder -> builder.replication(shard -> {
                    if (shard == 1) {
                        throw new IllegalStateException("cannot open shard 1's replication");
                    }
                    opened.incrementAndGet();
                    return new DurabilityStage() {
                        @Override
                        public void onDecided(long sequence, long time, Command command, List<Event> events,
                                              boolean endOfBatch) {
                        }

                        @Override
                        public void close() {
                            closed.incrementAndGet();
                        }
                    };
                })).start());
        assertEquals(1, opened.get());
        assertEquals(1, closed.get(), "shard 0's replication stage was closed");
        JournalLock.acquire(dir).close();
    }
}
