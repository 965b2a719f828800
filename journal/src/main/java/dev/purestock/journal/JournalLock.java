package dev.purestock.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one-writer guard of a journal directory: an exclusive OS lock on {@code DIR/purestock.lock}, held by
 * whatever appends to the journal or changes its snapshots (a {@link JournaledEngine} for its whole life,
 * {@code purestock snapshot} and {@code purestock prune} while they run). Two writers on one journal would
 * write the same sequences twice and sell the same stock twice; the second one fails instead.
 *
 * <p>The lock belongs to the process and goes when the process dies, however it dies, so a crash never leaves
 * a directory locked. The file itself stays; only the lock on it matters.
 */
public final class JournalLock implements AutoCloseable {
    /** The lock file's name inside the journal directory. */
    public static final String FILE_NAME = "purestock.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private JournalLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of the journal in {@code dir} (created when missing).
     *
     * @throws JournalException when another process, or another writer in this one, holds it, or the lock
     *                          file cannot be opened
     */
    public static JournalLock acquire(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw inUse(dir, file);
            }
            return new JournalLock(channel, lock);
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            throw inUse(dir, file);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new JournalException("cannot lock journal " + dir + " (" + file + "): " + e.getMessage(), e);
        } catch (JournalException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** Releases the lock; closing twice does nothing more. */
    @Override
    public void close() {
        if (channel.isOpen()) {
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                throw new JournalException("cannot release the journal lock " + FILE_NAME + ": " + e.getMessage(), e);
            }
        }
    }

    private static JournalException inUse(Path dir, Path file) {
        return new JournalException("journal " + dir + " is in use by another purestock process (lock " + file
                + "); stop it first");
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the lock was not taken; closing the unused channel cannot lose anything
            }
        }
    }
}
