package dev.purestock.replication;

import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.purestock.replication.ReplicationTest.engine;
import static dev.purestock.replication.ReplicationTest.primary;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A journal of an epoch past the largest the replication header carries (an int32, {@value Integer#MAX_VALUE}):
 * epochs go up by one a promotion, so only an epoch file written by hand (or damaged) holds one.
 */
class EpochLimitTest {
    private static final long BEYOND = Integer.MAX_VALUE + 1L;

    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    /**
     * The standby started, and its receiver's hello failed to write the header on every turn of its thread: the
     * same error and stack trace logged without pause, the standby's status saying nothing of it.
     */
    @Test
    void aStandbyOfAnEpochTheHeaderCannotCarryIsRefusedAtStartNamingTheEpoch() {
        epochFileBeyond(standbyDir);
        ReplicationException refused = assertThrows(ReplicationException.class,
                () -> Standby.builder(standbyDir).primary("127.0.0.1:40999").start().close());
        assertTrue(refused.getMessage().contains("epoch " + BEYOND) && refused.getMessage().contains(standbyDir
                + "") && refused.getMessage().contains("purestock-epoch.properties"), refused.getMessage());
        try (JournalLock free = JournalLock.acquire(standbyDir)) {
            assertTrue(free != null, "the directory's lock was let go");
        }
    }

    /**
     * The engine started, and the sender failed to write the header of every heartbeat to its standby, on every
     * turn of its thread: the same error logged without pause, and the standby never answered.
     */
    @Test
    void aPrimaryOfAnEpochTheHeaderCannotCarryRefusesItsEngineNamingTheEpoch() {
        epochFileBeyond(primaryDir);
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start()) {
            ReplicationException refused = assertThrows(ReplicationException.class, () -> {
                try (JournaledEngine started = engine(primaryDir, primary)) {
                    assertTrue(started != null);
                }
            });
            assertTrue(refused.getMessage().contains("epoch " + BEYOND) && refused.getMessage().contains(primaryDir
                    + ""), refused.getMessage());
        }
    }

    /** Writes an epoch file of epoch {@link #BEYOND} in {@code dir}, by hand: no promotion starts such an epoch. */
    private static void epochFileBeyond(Path dir) {
        try {
            Files.writeString(dir.resolve(JournalEpoch.FILE_NAME), JournalEpoch.EPOCH_PROPERTY + "=" + BEYOND + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
