package dev.purestock.cli;

import dev.purestock.domain.MapInventoryStore;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalLayout;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.JournalRepair;
import dev.purestock.journal.ReplayProgress;

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
        JOURNAL;

        /**
         * Whether this is a one-shard journal (unless a sharded directory's count file says otherwise), with records
         * or none yet: an engine that ran on it and got no command leaves a journal all the same.
         */
        boolean isJournal() {
            return this == JOURNAL || this == EMPTY_JOURNAL;
        }
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
                purestock |= name.equals(JournalLock.FILE_NAME) || name.equals(JournalEpoch.FILE_NAME)
                        || name.endsWith(METADATA_SUFFIX);
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
     * For the subcommands that change a journal: fails, with one line naming the file, when a cycle file of {@code dir}
     * has no header (it starts with zeros), the newest too, in the journal's words
     * ({@link JournalRepair#requireCycleHeaders}): Chronicle Queue would wait for its header, 10 s at each place it
     * looks, and then fail in words about queue indexes. The subcommands that only read take a newest one as their
     * readers do ({@link JournalTarget#openForReading}).
     */
    static void requireCycleHeaders(Path dir) {
        JournalRepair.requireCycleHeaders(dir);
    }

    /**
     * For the subcommands that read a journal with no cycle file, which they report as empty: fails when its
     * high-water mark says records were acknowledged. Its cycle files were deleted, or a restore left them out, and
     * an empty journal's report (no record, {@code result=ok}) would hide the loss, which recovery refuses.
     *
     * @throws dev.purestock.journal.JournalDamagedException naming the acknowledged records that are unreachable
     */
    static void requireNothingAcknowledged(Path dir) {
        // recovering a directory with no cycle file reads its high-water mark alone, and refuses one at a record
        JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
    }

    /**
     * For the subcommands that read a sharded journal: fails with one line unless shard {@code index}'s
     * directory is a journal directory; a shard with no record yet may also be an empty directory.
     *
     * @return whether it holds cycle files to read
     */
    static boolean requireShard(Path dir, int index, Path shardDir) {
        JournalPath path = inspect(shardDir);
        return switch (path) {
            case MISSING -> throw missingShard(dir, index, shardDir);
            case FILE -> throw new JournalException("shard " + index + " of journal " + dir + ", " + shardDir
                    + ", is a file, not a journal directory");
            case OTHER_DIRECTORY -> throw new JournalException("shard " + index + " of journal " + dir + ", "
                    + shardDir + ", holds no purestock journal (no " + CYCLE_SUFFIX + " cycle files, no "
                    + JournalLock.FILE_NAME + ")");
            case EMPTY_DIRECTORY, EMPTY_JOURNAL -> false;
            case JOURNAL -> true;
        };
    }

    /**
     * For the subcommands that write a journal: fails with the same line as {@link #requireJournal} when
     * {@code dir} is a file or a directory holding other files, and with its own when it is one shard of a sharded
     * directory; a missing or empty directory becomes a new journal.
     */
    static void requireJournalOrNew(Path dir) {
        // one shard of a sharded directory is for reading: refused in the journal's words, as an engine's start is
        JournalLayout.refuseShardAlone(dir);
        if (layout(dir).isSharded()) {
            return;
        }
        JournalPath path = inspect(dir);
        if (path == JournalPath.FILE || path == JournalPath.OTHER_DIRECTORY) {
            throw notAJournal(dir, path);
        }
    }

    /**
     * How {@code dir} is laid out ({@link JournalLayout#of}), checked: a sharded directory must hold every shard
     * directory its count names and no other; a one-shard directory no shard directory.
     *
     * @throws JournalException when a shard directory is missing (or empty beside shards holding journals), one is
     *                          there that the count does not name,
     *                          shard directories are there without the file that counts them, or that file does
     *                          not hold a count, or a {@code .cq4} file lies beside the shard directories
     */
    static JournalLayout layout(Path dir) {
        JournalLayout layout = JournalLayout.of(dir);
        if (!Files.isDirectory(dir)) {
            return layout;
        }
        if (layout.isSharded()) {
            for (int i = 0; i < layout.shards(); i++) {
                if (!Files.exists(layout.shardDir(i))) {
                    throw missingShard(dir, i, layout.shardDir(i));
                }
            }
        }
        // shard directories the count does not name (or with no count), in the journal's words, as an engine's start
        layout.requireShardDirsCounted();
        // an emptied shard directory beside shards holding journals lost its files, as the engine judges it
        layout.requireNoLostShard();
        // a .cq4 file beside the shard directories, which every reader would pass over, in the engine's words
        layout.requireNoCycleFileAtTop();
        return layout;
    }

    private static JournalException missingShard(Path dir, int index, Path shardDir) {
        return new JournalException("journal directory " + dir + " holds shards (" + JournalLayout.SHARDS_FILE
                + ") but shard " + index + "'s directory " + shardDir + " is missing; restore it from a copy (each "
                + "shard directory is a journal of its own, which `--journal` reads alone)");
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
