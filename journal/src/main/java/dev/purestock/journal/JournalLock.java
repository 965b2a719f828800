package dev.purestock.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one-writer guard of a journal directory: an exclusive OS lock on {@code DIR/purestock.lock}, held by
 * whatever appends to the journal or changes its snapshots (a {@link JournaledEngine} for its whole life,
 * {@code purestock snapshot} and {@code purestock prune} while they run). Two writers on one journal would
 * write the same sequences twice and sell the same stock twice; the second one fails instead.
 *
 * <p>The lock belongs to the process and goes when the process dies, however it dies, so a crash never leaves
 * a directory locked. The file itself stays; only the lock on it matters.
 *
 * <p>The OS keeps one such lock per file and process, and closing any channel the process has open on the file lets
 * it go, whichever channel took it. So a second {@link #acquire} in a process that holds the lock is refused before
 * it opens the file: had it opened and closed a channel of its own, the first holder would have kept writing
 * without a lock, and another process could have taken it.
 */
public final class JournalLock implements AutoCloseable {
    /** The lock file's name inside the journal directory. */
    public static final String FILE_NAME = "purestock.lock";

    /** The lock files this process holds the lock of, by real path: none of them is opened a second time. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final FileChannel channel;
    private final FileLock lock;
    private final Path held;

    private JournalLock(FileChannel channel, FileLock lock, Path held) {
        this.channel = channel;
        this.lock = lock;
        this.held = held;
    }

    /**
     * Takes the lock of the journal in {@code dir} (created when missing).
     *
     * @throws JournalException when another process, or another writer in this one, holds it, or the lock
     *                          file cannot be opened
     */
    public static JournalLock acquire(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        Path held = null;
        FileChannel channel = null;
        try {
            Directories.createDurably(dir);
            Path real = dir.toRealPath().resolve(FILE_NAME);
            if (!HELD.add(real)) {
                throw inUse(dir, file); // held here: opening the file again would let that lock go when closed
            }
            held = real;
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw inUse(dir, file);
            }
            return new JournalLock(channel, lock, real);
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel, held);
            throw inUse(dir, file);
        } catch (IOException e) {
            closeQuietly(channel, held);
            throw new JournalException("cannot lock journal " + dir + " (" + file + "): " + reason(e), e);
        } catch (JournalException e) {
            closeQuietly(channel, held);
            throw e;
        }
    }

    /**
     * Releases the lock; closing twice does nothing more, also from two threads at once (one waits for the other: a
     * second release on the channel the first closed would throw, and take the directory out of the locks this
     * process holds after another writer of it may have taken the lock again).
     */
    @Override
    public synchronized void close() {
        if (channel.isOpen()) {
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                throw new JournalException("cannot release the journal lock " + FILE_NAME + ": " + e.getMessage(), e);
            } finally {
                HELD.remove(held);
            }
        }
    }

    /**
     * What went wrong, in words: the file system's exceptions often carry only the path, which says nothing of a
     * file standing where the directory should be or of a directory this process may not write.
     */
    private static String reason(IOException e) {
        String what = switch (e) {
            case FileAlreadyExistsException f -> "a file that is not a directory stands at " + f.getFile()
                    + "; give the journal a directory";
            case AccessDeniedException a -> "permission denied on " + a.getFile() + "; the process must be able to "
                    + "create and write files in the journal directory";
            case NotDirectoryException n -> n.getFile() + " is not a directory";
            case FileSystemException f when f.getReason() != null -> f.getFile() + ": " + f.getReason();
            default -> e.getMessage();
        };
        return what + " (" + e.getClass().getSimpleName() + ")";
    }

    private static JournalException inUse(Path dir, Path file) {
        return new JournalException("journal " + dir + " is in use by another purestock process (lock " + file
                + "); stop it first");
    }

    /** Closes the channel of a lock not taken, and lets this process take it again ({@code held} may be null). */
    private static void closeQuietly(FileChannel channel, Path held) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the lock was not taken; closing the unused channel cannot lose anything
            }
        }
        if (held != null) {
            HELD.remove(held);
        }
    }
}
