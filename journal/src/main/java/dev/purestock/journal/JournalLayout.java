package dev.purestock.journal;

import dev.purestock.domain.InventoryStore;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How a journal directory is laid out: one shard, or several. A one-shard journal is the directory itself (its
 * cycle files, {@code purestock.lock}, high-water mark and snapshots directly in it), as every purestock journal
 * was before shards. A sharded journal records its shard count once, when it is created, in
 * {@code DIR/purestock-shards.properties} ({@code shards=N}, N at least 2, never rewritten), and holds each
 * shard as a complete one-shard journal directory of its own, {@code DIR/shard-0} to {@code DIR/shard-(N-1)};
 * {@code DIR/purestock.lock} is then the lock of the whole engine and each shard directory has its own.
 * A record's shard is the directory it is in; warehouse {@code w} belongs to shard {@code w % N}.
 *
 * <p>The shard count of a directory never changes: opening it with another count is a {@link JournalException}
 * naming both counts. Resharding is not supported; replay the journal into a new directory instead.
 */
public final class JournalLayout {
    /** The file, directly in a sharded journal directory, that records its shard count. */
    public static final String SHARDS_FILE = "purestock-shards.properties";
    /** The property of {@link #SHARDS_FILE} holding the shard count. */
    public static final String SHARDS_PROPERTY = "shards";
    private static final String SHARD_DIR_PREFIX = "shard-";
    private static final Pattern SHARD_DIR_NAME = Pattern.compile("shard-(0|[1-9][0-9]{0,17})");
    private static final String COMMENT = "purestock sharded journal: shard-0 .. shard-(shards-1) each hold the "
            + "journal of one engine shard; written once when the directory was created, never rewritten";

    private final Path dir;
    private final int shards;

    private JournalLayout(Path dir, int shards) {
        this.dir = dir;
        this.shards = shards;
    }

    /**
     * The layout of the journal directory {@code dir} as it is: sharded when it holds {@link #SHARDS_FILE},
     * otherwise one shard (also for a directory that holds nothing yet, or does not exist). Reads, never writes.
     *
     * @throws JournalException when the shards file cannot be read or does not hold a shard count of at least 2
     */
    public static JournalLayout of(Path dir) {
        Path file = dir.resolve(SHARDS_FILE);
        if (!Files.exists(file)) {
            return new JournalLayout(dir, 1);
        }
        return new JournalLayout(dir, readShards(file));
    }

    /**
     * The layout of {@code dir} for a writer that runs {@code shards} shards on it, creating it when the directory
     * holds no journal yet: with two or more shards, writes {@link #SHARDS_FILE} (to a temporary file, forced to
     * the device, then renamed) and creates the shard directories; with one, writes nothing (today's flat layout).
     * Call it holding the directory's {@link JournalLock}, so that two writers never create it at once.
     *
     * @param dir    the journal directory (created when missing)
     * @param shards the shard count the writer runs, at least 1
     * @throws JournalException         when {@code dir} records another shard count, or holds a one-shard journal
     *                                  and {@code shards} is 2 or more: the message names both counts; resharding
     *                                  is not supported; when it holds shard directories its count does not
     *                                  name, or shard directories without a count, or a {@code .cq4} file beside
     *                                  its shard directories ({@link #requireNoCycleFileAtTop}); when {@code dir}
     *                                  is a shard of a sharded journal
     * @throws IllegalArgumentException when {@code shards} is below 1
     */
    public static JournalLayout create(Path dir, int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("a journal has at least one shard, got " + shards);
        }
        refuseShardAlone(dir);
        JournalLayout existing = of(dir);
        if (existing.isSharded()) {
            existing.requireShards(shards);
            existing.requireNoLostShard();
            existing.requireShardDirsCounted();
            existing.requireNoCycleFileAtTop();
            existing.createShardDirs();
            return existing;
        }
        existing.requireShardDirsCounted();
        if (shards == 1) {
            return existing;
        }
        if (holdsOneShardJournal(dir)) {
            throw new ShardCountMismatchException(mismatch(dir, "holds a one-shard journal (no " + SHARDS_FILE
                    + ")", shards) + "; start it with shards(1), or give the engine a new directory", 1, shards);
        }
        writeShards(dir, shards);
        JournalLayout created = new JournalLayout(dir, shards);
        created.createShardDirs();
        return created;
    }

    /**
     * Fails unless this directory holds {@code expected} shards.
     *
     * @throws ShardCountMismatchException naming both counts when it holds another number of shards
     */
    public void requireShards(int expected) {
        if (expected == shards) {
            return;
        }
        if (!isSharded()) {
            throw new ShardCountMismatchException(mismatch(dir, "holds a one-shard journal (no " + SHARDS_FILE + ")",
                    expected) + "; start it with shards(1)", 1, expected);
        }
        throw new ShardCountMismatchException(mismatch(dir, "holds " + shards + " shards (" + SHARDS_FILE + ")",
                expected) + "; start it with shards(" + shards + ")", shards, expected);
    }

    /** The journal directory. */
    public Path dir() {
        return dir;
    }

    /** How many shards the directory holds: 1 for a one-shard (flat) journal. */
    public int shards() {
        return shards;
    }

    /** Whether the directory is sharded (holds {@link #SHARDS_FILE} and the {@code shard-N} directories). */
    public boolean isSharded() {
        return shards > 1;
    }

    /**
     * The one-shard journal directory of shard {@code shard}: {@code DIR/shard-N} when sharded, {@code DIR} itself
     * when not.
     *
     * @throws IndexOutOfBoundsException when {@code shard} is not below {@link #shards()}
     */
    public Path shardDir(int shard) {
        if (shard < 0 || shard >= shards) {
            throw new IndexOutOfBoundsException("shard " + shard + " of a journal with " + shards + " shard"
                    + (shards == 1 ? "" : "s") + " (" + dir + ")");
        }
        return isSharded() ? dir.resolve(SHARD_DIR_PREFIX + shard) : dir;
    }

    /** Every shard's journal directory, shard 0 first. */
    public List<Path> shardDirs() {
        List<Path> dirs = new ArrayList<>(shards);
        for (int shard = 0; shard < shards; shard++) {
            dirs.add(shardDir(shard));
        }
        return List.copyOf(dirs);
    }

    @Override
    public String toString() {
        return dir + (isSharded() ? " (" + shards + " shards)" : " (one shard)");
    }

    private static String mismatch(Path dir, String holds, int opened) {
        return "journal directory " + dir + " " + holds + "; this engine was built with " + opened + " shard"
                + (opened == 1 ? "" : "s") + ": resharding is not supported";
    }

    /** Whether {@code dir} holds something of a one-shard journal: cycle files, a high-water mark, snapshots. */
    private static boolean holdsOneShardJournal(Path dir) {
        return JournalQueues.hasJournal(dir) || Files.exists(dir.resolve(JournalHighWaterMark.FILE_NAME))
                || Files.exists(dir.resolve("snapshots"));
    }

    private static int readShards(Path file) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new JournalException("cannot read the shard count of journal " + file.getParent() + " from " + file
                    + ": " + e.getMessage(), e);
        }
        String value = properties.getProperty(SHARDS_PROPERTY);
        try {
            int shards = Integer.parseInt(value == null ? "" : value.trim());
            if (shards >= 2) {
                return shards;
            }
        } catch (NumberFormatException notANumber) {
            // reported below with the value found
        }
        throw new JournalException(file + " must hold " + SHARDS_PROPERTY + "=N with N at least 2 (the shard count of "
                + "journal " + file.getParent() + "), holds " + (value == null ? "no " + SHARDS_PROPERTY : "'"
                + value + "'") + "; restore it from a copy of the directory");
    }

    private static void writeShards(Path dir, int shards) {
        try {
            DurablePropertyFile.write(dir, SHARDS_FILE, COMMENT, SHARDS_PROPERTY, Integer.toString(shards));
        } catch (IOException e) {
            throw new JournalException("cannot record the shard count of journal " + dir + " in "
                    + dir.resolve(SHARDS_FILE) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a sharded directory where a shard directory is missing, or empty, while another holds a journal: that
     * shard may have held acknowledged commands, and starting it empty would lose them quietly. Missing shard
     * directories beside empty ones are a creation that stopped half-way (the count file is written first), and
     * are created by {@link #create}. Every start leaves at least its lock file in each shard directory, so an empty
     * one beside shards holding journals lost its files. Nothing to check for a one-shard journal.
     *
     * @throws JournalException naming the missing or empty shard directories
     */
    public void requireNoLostShard() {
        List<Path> missing = shardDirs().stream().filter(JournalLayout::missingOrEmpty).toList();
        if (missing.isEmpty()) {
            return;
        }
        List<Path> holding = shardDirs().stream().filter(Files::isDirectory)
                .filter(JournalLayout::holdsOneShardJournal).toList();
        if (!holding.isEmpty()) {
            throw new JournalException("journal directory " + dir + " records " + shards + " shards but "
                    + missing.stream().map(shardDir -> shardDir.getFileName().toString()).toList()
                    + " is missing or empty while " + holding.size() + " other shard(s) hold journals: starting it "
                    + "empty could lose the commands it acknowledged; restore it from a copy of the directory");
        }
    }

    /**
     * Whether a shard directory is missing, or holds nothing at all: every start leaves at least its lock file there,
     * so an empty one beside shards holding journals lost its files.
     */
    private static boolean missingOrEmpty(Path shardDir) {
        if (!Files.isDirectory(shardDir)) {
            return true;
        }
        try (Stream<Path> files = Files.list(shardDir)) {
            return files.findAny().isEmpty();
        } catch (IOException e) {
            throw new JournalException("cannot list shard directory " + shardDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * What shard {@code shard} of {@code shards} holds that is another shard's, described: the first of its stock
     * positions at a warehouse of another shard (warehouse {@code w} belongs to shard {@code w % shards}), or
     * {@code null} when each is its own. A shard directory that holds some holds another shard's journal (shard
     * directories restored into each other's places) or one of a journal with another shard count: the engine's start
     * refuses it, and {@code verify} fails it.
     */
    static String stockOfAnotherShard(InventoryStore store, int shard, int shards) {
        StringBuilder found = new StringBuilder();
        store.forEachPosition((sku, warehouse, available) -> {
            if (found.isEmpty() && warehouse % shards != shard) {
                found.append("stock at warehouse ").append(warehouse).append(", which belongs to shard ")
                        .append(warehouse % shards).append(" (warehouse w belongs to shard w % ").append(shards)
                        .append("; sku ").append(sku).append(")");
            }
        });
        return found.isEmpty() ? null : found.toString();
    }

    /** What to do about a shard directory that holds {@link #stockOfAnotherShard}, said after what it holds. */
    static final String ANOTHER_SHARDS_JOURNAL = "the directory holds another shard's journal, or one of a journal "
            + "with another shard count; put each shard directory back in its place (restore them from a copy of the "
            + "directory)";

    /**
     * Refuses to write to one shard of a sharded journal as a journal of its own: the sharded engine routes warehouse
     * {@code w} to shard {@code w % N}, so a command journaled straight into a shard could belong to another, where
     * the sharded engine never looks for it (a purchase there would not have taken the stock it sold). {@link #create}
     * calls it, and so does whatever else writes commands to a directory it is given (the command line's {@code demo},
     * {@code submit} and {@code standby}), so that all refuse in the same words. Reading a shard alone, and repairing
     * or cutting one, do not go through here.
     *
     * @param dir the directory about to be written to
     * @throws JournalException naming the sharded journal when {@code dir} is a {@code shard-N} directory beside a
     *                          {@link #SHARDS_FILE}
     */
    public static void refuseShardAlone(Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        Path name = absolute.getFileName();
        if (parent != null && name != null && SHARD_DIR_NAME.matcher(name.toString()).matches()
                && Files.exists(parent.resolve(SHARDS_FILE))) {
            throw new JournalException(dir + " is a shard of the sharded journal " + parent + " (" + SHARDS_FILE
                    + "); commands go through " + parent + " as a whole, which routes each to its shard: one written "
                    + "to a shard alone could belong to another, where the sharded journal never sees it (a shard "
                    + "alone is for reading)");
        }
    }

    /**
     * Refuses shard directories ({@code shard-N}) that the directory's count does not name. Without
     * {@link #SHARDS_FILE}, any: the count file is written before any shard directory, so these are a sharded
     * journal's that lost it, and another count would leave shards out, or route warehouses to shards that never
     * held their stock. With it, those at or above the count: a count file written again by hand with too few shards
     * would have the engine start without them, leaving out the commands they acknowledged. {@link #create} checks
     * it, and so does whatever reads a directory as a whole (the command line's subcommands), so that all refuse in
     * the same words.
     *
     * @throws JournalException naming the shard directories and what to restore
     */
    public void requireShardDirsCounted() {
        List<String> shardDirNames = shardDirNames(dir);
        if (!isSharded()) {
            if (!shardDirNames.isEmpty()) {
                throw new JournalException("journal directory " + dir + " holds shard directories ("
                        + String.join(", ", shardDirNames) + ") but no " + SHARDS_FILE + ", where a sharded journal "
                        + "records how many shards it holds: restore the file from a copy of the directory (a line "
                        + SHARDS_PROPERTY + "=N) before starting an engine on it; meanwhile each shard directory "
                        + "reads as a journal of its own (" + dir.resolve(shardDirNames.getFirst()) + ")");
            }
            return;
        }
        List<String> beyond = shardDirNames.stream()
                .filter(name -> shardNumber(name) >= shards).toList();
        if (!beyond.isEmpty()) {
            throw new JournalException("journal directory " + dir + " records " + shards + " shards (" + SHARDS_FILE
                    + ") yet also holds " + beyond + ", which that count does not name: starting without them would "
                    + "leave out what they acknowledged; restore the count the directory was created with, or move "
                    + "them out");
        }
    }

    /**
     * Refuses a {@code .cq4} file at the top of a sharded directory ({@code DIR/garbage.cq4} beside the
     * {@code shard-N} directories): a sharded journal keeps its cycle files in its shard directories, and the engine
     * and every reader would pass over one there without a word, so a shard's cycle file moved there by hand would
     * be left out of that shard's journal. {@link #create} checks it, and so does whatever reads a directory as a
     * whole (the command line's subcommands), so that all refuse in the same words. Nothing to check for a one-shard
     * journal, whose readers and writers name a {@code .cq4} file not named as its cycle files are.
     *
     * @throws JournalException naming the first such file (by name) and what to do with it
     */
    public void requireNoCycleFileAtTop() {
        if (!isSharded() || !Files.isDirectory(dir)) {
            return;
        }
        String first;
        try (Stream<Path> files = Files.list(dir)) {
            first = files.filter(Files::isRegularFile).map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(SingleChronicleQueue.SUFFIX)).sorted().findFirst().orElse(null);
        } catch (IOException e) {
            throw new JournalException("cannot list journal directory " + dir + ": " + e.getMessage(), e);
        }
        if (first != null) {
            throw new JournalException("file " + first + " in journal " + dir + " is named as a cycle file ("
                    + SingleChronicleQueue.SUFFIX + "), but the journal is sharded (" + SHARDS_FILE + ") and keeps "
                    + "its cycle files in its shard directories (" + SHARD_DIR_PREFIX + "0 .. " + SHARD_DIR_PREFIX
                    + (shards - 1) + "), none at its top level, where the engine and every tool would pass over it: "
                    + "if it is a cycle file of one of the shards, put it back in that shard's directory, otherwise "
                    + "move it out of the directory");
        }
    }

    /** The names of {@code dir}'s shard directories ({@code shard-N}), in shard order; none when it does not exist. */
    private static List<String> shardDirNames(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isDirectory).map(file -> file.getFileName().toString())
                    .filter(name -> SHARD_DIR_NAME.matcher(name).matches())
                    .sorted(Comparator.comparingLong(JournalLayout::shardNumber))
                    .toList();
        } catch (IOException e) {
            throw new JournalException("cannot list journal directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static long shardNumber(String shardDirName) {
        return Long.parseLong(shardDirName.substring(SHARD_DIR_PREFIX.length()));
    }

    private void createShardDirs() {
        for (Path shardDir : shardDirs()) {
            try {
                Directories.createDurably(shardDir);
            } catch (IOException e) {
                throw new JournalException("cannot create shard directory " + shardDir + " of journal " + dir + ": "
                        + e.getMessage(), e);
            }
        }
    }
}
