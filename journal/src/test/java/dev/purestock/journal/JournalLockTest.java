package dev.purestock.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal lock is the OS's, and the OS keeps one lock per file and process: closing any channel this process
 * has open on the lock file lets go of the lock, whichever channel took it. A second writer in this process, or a
 * check whether the lock is held (a {@code Primary} checks that the engine it replicates holds its directory),
 * must be refused without letting the first writer's lock go to another process.
 */
class JournalLockTest {
    /** What {@link OtherProcess} prints when it got the lock, and when it was refused. */
    private static final String GOT_IT = "got the lock";
    private static final String REFUSED = "refused";

    @TempDir
    Path dir;

    /**
     * Closing a lock is idempotent, also from two threads at once (a journaled engine closed by the application and
     * by its container's shutdown together): both looked whether the channel was still open, and the second then
     * released a lock on a channel the first had closed, which threw a {@link JournalException} ("cannot release the
     * journal lock") out of the second close, and took the directory's entry out of the locks this process holds a
     * second time, after another writer of this process may have taken it again.
     */
    @Test
    void twoThreadsClosingOneLockAtOnceBothReturn() throws Exception {
        for (int round = 0; round < 2_000; round++) {
            JournalLock lock = JournalLock.acquire(dir);
            CyclicBarrier together = new CyclicBarrier(2);
            CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
                await(together);
                lock.close();
            }, runnable -> Thread.ofPlatform().start(runnable));
            await(together);
            lock.close();
            other.get(1, TimeUnit.MINUTES);
        }
        JournalLock.acquire(dir).close(); // the directory is free again
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (InterruptedException | BrokenBarrierException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A journal directory given as the path of a file is refused saying so, by the engine as by the lock: the
     * message was the file system's, which names only the path ("FileAlreadyExistsException: /srv/journal").
     */
    @Test
    void aFileWhereTheJournalDirectoryShouldBeIsNamedAsSuch() throws Exception {
        Path file = Files.writeString(dir.resolve("journal"), "not a directory");
        JournalException refused = assertThrows(JournalException.class, () -> JournalLock.acquire(file));
        assertTrue(refused.getMessage().contains("a file that is not a directory stands at " + file),
                refused.getMessage());
        JournalException notStarted = assertThrows(JournalException.class,
                () -> JournaledEngine.builder(file).start().close());
        assertTrue(notStarted.getMessage().contains("not a directory"), notStarted.getMessage());
    }

    @Test
    void aSecondLockTakenInThisProcessIsRefusedAndTheFirstStillKeepsOtherProcessesOut() throws Exception {
        try (JournalLock held = JournalLock.acquire(dir)) {
            assertThrows(JournalException.class, () -> JournalLock.acquire(dir), "a second writer in this process");
            assertThrows(JournalException.class, () -> JournalLock.acquire(dir.resolve(".").resolve("..")
                    .resolve(dir.getFileName())), "under another name of the same directory");
            assertEquals(REFUSED, otherProcessTakes(dir), "another process is still kept out by the first lock");
        }
        try (JournalLock again = JournalLock.acquire(dir)) {
            assertEquals(REFUSED, otherProcessTakes(dir), "released, the lock is taken again here");
        }
        assertEquals(GOT_IT, otherProcessTakes(dir), "and once released here, by another process");
    }

    private static String otherProcessTakes(Path dir) throws Exception {
        Path log = Files.createTempFile("journal-lock", ".log");
        Process child = ChildJvm.start(OtherProcess.class, log, dir.toString());
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the other process ended");
        String said = Files.readString(log).strip();
        assertTrue(said.equals(GOT_IT) || said.equals(REFUSED), "the other process failed: " + said);
        return said;
    }

    /** Another process: tries to take the lock of the directory it is given. */
    static final class OtherProcess {
        private OtherProcess() {
        }

        public static void main(String[] arguments) {
            String said;
            try (JournalLock lock = JournalLock.acquire(Path.of(arguments[0]))) {
                said = GOT_IT;
            } catch (JournalException refused) {
                said = REFUSED;
            }
            System.out.println(said);
        }
    }
}
