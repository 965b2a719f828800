package dev.purestock.cli;

import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalLock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Checks shared by the subcommands, so that every one of them judges a {@code --journal} path alike and
 * says the same line about it.
 */
final class Cli {
    /** The suffix of Chronicle Queue's cycle files, which hold the records. */
    private static final String CYCLE_SUFFIX = ".cq4";
    /** The suffix of Chronicle Queue's own metadata files. */
    private static final String METADATA_SUFFIX = ".cq4t";
    private static final String WHAT_TO_DO = "; --journal takes the directory an engine journals to";

    private Cli() {
    }

    /** What a {@code --journal} path is. */
    enum JournalPath {
        /** Nothing there. */
        MISSING,
        /** Something other than a directory. */
        FILE,
        /** A directory holding nothing. */
        EMPTY_DIRECTORY,
        /** A directory holding files, none of them purestock's. */
        OTHER_DIRECTORY,
        /** A directory purestock created (its lock or queue metadata) with no cycle file: no record yet. */
        EMPTY_JOURNAL,
        /** A directory with cycle files; they may still hold no record. */
        JOURNAL
    }

    /** Judges {@code dir} without changing anything. */
    static JournalPath inspect(Path dir) {
        if (!Files.exists(dir)) {
            return JournalPath.MISSING;
        }
        if (!Files.isDirectory(dir)) {
            return JournalPath.FILE;
        }
        boolean any = false;
        boolean purestock = false;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(CYCLE_SUFFIX)) {
                    return JournalPath.JOURNAL;
                }
                any = true;
                purestock |= name.equals(JournalLock.FILE_NAME) || name.endsWith(METADATA_SUFFIX);
            }
        } catch (IOException e) {
            throw new JournalException("cannot list journal directory " + dir + ": " + e.getMessage(), e);
        }
        return purestock ? JournalPath.EMPTY_JOURNAL : any ? JournalPath.OTHER_DIRECTORY : JournalPath.EMPTY_DIRECTORY;
    }

    /**
     * For the subcommands that read a journal: fails with one line unless {@code dir} is a journal directory.
     *
     * @return whether it holds cycle files to read; {@code false} for a journal with no record yet, which the
     *         caller reports as empty without opening it
     */
    static boolean requireJournal(Path dir) {
        JournalPath path = inspect(dir);
        return switch (path) {
            case MISSING -> throw new JournalException("journal directory " + dir + " does not exist" + WHAT_TO_DO);
            case FILE, EMPTY_DIRECTORY, OTHER_DIRECTORY -> throw notAJournal(dir, path);
            case EMPTY_JOURNAL -> false;
            case JOURNAL -> true;
        };
    }

    /**
     * For the subcommands that write a journal: fails with the same line as {@link #requireJournal} when
     * {@code dir} is a file or a directory holding other files; a missing or empty directory becomes a new
     * journal.
     */
    static void requireJournalOrNew(Path dir) {
        JournalPath path = inspect(dir);
        if (path == JournalPath.FILE || path == JournalPath.OTHER_DIRECTORY) {
            throw notAJournal(dir, path);
        }
    }

    private static JournalException notAJournal(Path dir, JournalPath path) {
        return new JournalException(switch (path) {
            case FILE -> dir + " is a file, not a journal directory";
            case EMPTY_DIRECTORY -> "directory " + dir + " is empty: it holds no purestock journal";
            default -> "directory " + dir + " holds no purestock journal (no " + CYCLE_SUFFIX + " cycle files, no "
                    + JournalLock.FILE_NAME + ")";
        } + WHAT_TO_DO);
    }
}
