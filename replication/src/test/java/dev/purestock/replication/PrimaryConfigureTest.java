package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A primary replicates a one-shard engine: a sharded one is refused as the primary configures its builder, before
 * a journaled engine touches its directory, so the corrected start on the same directory, with the same primary,
 * goes ahead. (It used to be refused as the engine was built: the directory then held a two-shard layout and the
 * primary counted itself attached to an engine that never ran.)
 */
class PrimaryConfigureTest {
    @TempDir
    Path root;

    @Test
    void aShardedEngineIsRefusedBeforeTheDirectoryIsTouchedAndThePrimaryStaysFree() {
        Path dir = root.resolve("primary");
        try (Primary primary = Primary.builder(dir).listen("localhost:0").termLength(1 << 20).start()) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> JournaledEngine.builder(dir).shards(2).engine(primary::configure).start());
            assertTrue(refused.getMessage().contains("one-shard engine"), refused.getMessage());
            assertFalse(Files.exists(dir.resolve("purestock-shards.properties")), "no layout was written");

            JournaledEngine.builder(dir).engine(primary::configure).start().close();
        }
    }

    /**
     * A primary on one directory and an engine journaling into another: the primary would ship its own directory's
     * journal (or nothing) to the standby while the engine's records went elsewhere. Refused as the engine is built,
     * naming the primary's directory; the same primary then goes with an engine on its directory.
     */
    @Test
    void anEngineJournalingIntoAnotherDirectoryThanThePrimarysIsRefused() {
        Path primaryDir = root.resolve("primary");
        Path engineDir = root.resolve("engine");
        JournaledEngine.builder(primaryDir).start().close(); // a journal of its own, and its lock file
        try (Primary primary = Primary.builder(primaryDir).listen("localhost:0").termLength(1 << 20).start()) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> JournaledEngine.builder(engineDir).engine(primary::configure).start());
            assertTrue(refused.getMessage().contains("does not journal into this primary's directory " + primaryDir),
                    refused.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> JournaledEngine.builder(root.resolve("new")).engine(primary::configure).start());

            try (JournaledEngine journaled = JournaledEngine.builder(primaryDir).engine(primary::configure).start()) {
                assertEquals(0, journaled.engine().submit(new Command.ListProduct(1, 0)).join().sequence());
            }
        }
    }

    /**
     * The primary's directory locked by another engine of this process, and an engine on another directory
     * configured with that primary: the lock does not tell them apart, the sequences do. The engine's first record
     * does not follow the last of the primary's journal, so it stops instead of replicating records the primary's
     * journal does not hold.
     */
    @Test
    void anEngineWhoseSequencesDoNotFollowThePrimarysJournalStopsAtItsFirstCommand() {
        Path primaryDir = root.resolve("primary");
        Path engineDir = root.resolve("engine");
        try (JournaledEngine other = JournaledEngine.builder(primaryDir).start();
             Primary primary = Primary.builder(primaryDir).listen("localhost:0").termLength(1 << 20).start()) {
            other.engine().submit(new Command.ListProduct(1, 0)).join();
            other.engine().submit(new Command.ListProduct(2, 0)).join();
            try (JournaledEngine journaled = JournaledEngine.builder(engineDir).engine(primary::configure).start()) {
                CompletionException stopped = assertThrows(CompletionException.class,
                        () -> journaled.engine().submit(new Command.ListProduct(3, 0)).join());
                Throwable cause = stopped.getCause().getCause();
                assertInstanceOf(ReplicationException.class, cause, String.valueOf(stopped.getCause()));
                assertTrue(cause.getMessage().contains("does not follow"), cause.getMessage());
            }
        }
    }

    /**
     * The primary's check that the engine holds its directory's journal lock must leave it held: the OS keeps one
     * lock per file and process, and a probe that opened and closed the lock file of its own released the engine's,
     * so another process (a second engine, {@code purestock snapshot} or {@code prune}) could write into the journal
     * beside it.
     */
    @Test
    void theEngineStillHoldsItsJournalLockAgainstOtherProcessesOnceThePrimaryCheckedIt() throws Exception {
        Path dir = root.resolve("primary");
        try (Primary primary = Primary.builder(dir).listen("localhost:0").termLength(1 << 20).start();
             JournaledEngine journaled = JournaledEngine.builder(dir).engine(primary::configure).start();
             ChildJvm other = ChildJvm.start(OtherProcess.class, root.resolve("other.log"), dir.toString())) {
            assertEquals(0, journaled.engine().submit(new Command.ListProduct(1, 0)).join().sequence());
            assertEquals("refused", other.awaitMessage("lock: ", Duration.ofMinutes(1)),
                    "another process cannot take the lock of the journal the engine writes");
        }
    }

    /** Another process: tries to take the journal lock of the directory it is given, and says how it went. */
    static final class OtherProcess {
        private OtherProcess() {
        }

        public static void main(String[] arguments) {
            String said;
            try (JournalLock lock = JournalLock.acquire(Path.of(arguments[0]))) {
                said = "taken";
            } catch (JournalException refused) {
                said = "refused";
            }
            System.out.println("lock: " + said);
        }
    }
}
