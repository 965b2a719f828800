package dev.purestock.replication;

import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalException;
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
 * epochs go up by one a promotion, so only an epoch file written by hand (or damaged) holds one, and reading the file
 * refuses it ({@link JournalEpoch#read}) before a standby or a primary's engine recovers.
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
        JournalException refused = assertThrows(JournalException.class,
                () -> Standby.builder(standbyDir).primary("127.0.0.1:40999").start().close());
        assertRefusalNames(refused, standbyDir);
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
            JournalException refused = assertThrows(JournalException.class, () -> {
                try (JournaledEngine started = engine(primaryDir, primary)) {
                    assertTrue(started != null);
                }
            });
            assertRefusalNames(refused, primaryDir);
        }
    }

    private static void assertRefusalNames(JournalException refused, Path dir) {
        assertTrue(refused.getMessage().contains("epoch file " + dir.resolve(JournalEpoch.FILE_NAME) + " holds epoch="
                + BEYOND + ", past the largest") && refused.getMessage().contains("from 0 to " + Integer.MAX_VALUE),
                refused.getMessage());
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
