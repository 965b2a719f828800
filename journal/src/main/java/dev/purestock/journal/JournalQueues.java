package dev.purestock.journal;

import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.RollingResourcesCache;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.Wires;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Opens the Chronicle queues of a journal directory the same way everywhere. */
final class JournalQueues {
    /** Daily cycle files; one file holds up to 2^32 records. */
    static final RollCycle DEFAULT_ROLL_CYCLE = JournalRollCycle.DAILY.chronicle();
    /** How long an appender waits for a header left unfinished by a dead writer before taking over. */
    static final long TAKE_OVER_TIMEOUT_MS = 500;
    /** What {@link #headerMissingOrGone} says of a cycle file that is not there. */
    static final String GONE = "gone";

    private JournalQueues() {
    }

    static SingleChronicleQueue forWriting(Path dir, Durability durability, RollCycle rollCycle) {
        return forWriting(dir, durability, rollCycle, SystemTimeProvider.INSTANCE);
    }

    static SingleChronicleQueue forWriting(Path dir, Durability durability, RollCycle rollCycle, TimeProvider clock) {
        SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir)
                .rollCycle(rollCycle)
                .timeProvider(clock)
                .timeoutMS(TAKE_OVER_TIMEOUT_MS)
                .syncMode(durability == Durability.SYNC_PER_BATCH ? SyncMode.SYNC : SyncMode.NONE)
                .build();
        return requireCycleFileNames(queue, dir);
    }

    /**
     * A read-only queue on the journal in {@code dir}. It refuses a cycle file with no header before the newest
     * ({@link #headerlessCycle}). When the newest has none ({@link #unfinishedNewestCycle}), the queue does not wait
     * for a header to appear in it: Chronicle Queue's read-only store then takes the file for one not there yet, so
     * that every look at it (finding the last record, moving past the one before it) answers at once instead of after
     * the queue's header timeout, 10 s each. A read-only queue never moves, renames or writes the file.
     */
    static SingleChronicleQueue forReading(Path dir) {
        requireJournal(dir);
        SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder.binary(dir).readOnly(true);
        if (unfinishedNewestCycle(dir) != null) {
            builder.timeoutMS(0);
        }
        SingleChronicleQueue queue = requireCycleFileNames(builder.build(), dir);
        // the newest may be one a writer is creating this moment; a start moves it aside when nobody writes it
        String headerless = headerlessCycle(dir, false);
        if (headerless != null) {
            queue.close();
            throw new JournalException(headerless);
        }
        queue.refreshDirectoryListing();
        return queue;
    }

    /**
     * What is wrong with the first cycle file of {@code dir} (in cycle order) that has no header: its first bytes
     * are zeros (or it is shorter than a header) or a header still marked not complete, what a writer stopped as it
     * created the file leaves, or a file written over. Chronicle Queue takes such a file for one whose writer is about
     * to write or finish its header, and a reader
     * waits for it, 10 s at each of the several places it looks, before failing with words about queue indexes.
     * {@code null} when every one has a header. Files not named as cycle files are left to
     * {@link #strayCycleFile}.
     *
     * @param newestToo whether to look at the newest cycle file as well: a writer rolling into it this moment is the
     *                  one writer that would still write its header, and an engine's start moves it aside when
     *                  nobody does ({@link JournalRepair#setAsideUnopenableTrailingCycles})
     */
    static String headerlessCycle(Path dir, boolean newestToo) {
        List<Path> cycles = cycleFiles(dir);
        int looked = newestToo ? cycles.size() : cycles.size() - 1;
        for (int i = 0; i < looked; i++) {
            Path cycle = cycles.get(i);
            String start = headerMissing(cycle);
            if (start == null) {
                continue;
            }
            String name = cycle.getFileName().toString();
            String what = "cycle file " + name + " of journal " + dir + " has no header (it starts with " + start
                    + "): a writer stopped as it created it, or the file was written over, and no reader can open it; ";
            int later = cycles.size() - 1 - i;
            if (later == 0) {
                return what + "it is the newest cycle file, which the next engine start on the directory moves aside "
                        + "(refused if the journal acknowledged records that are not before it, or keeps no high-water "
                        + "mark to tell)";
            }
            long mark = markOrUnknown(dir);
            return what + later + " later cycle file" + (later == 1 ? " holds" : "s hold") + " later records, so it "
                    + "held records that no reader can find: restore it from a copy of the directory or a standby's "
                    + "journal. No cut is offered around it: one before it would drop its records and every later "
                    + "file's" + (mark >= 0 ? ", the acknowledged ones among them (the journal acknowledged records up "
                    + "to seq " + mark + ")" : "") + ", and none after it can keep the records that follow without "
                    + "its own; only to accept that loss, move " + name + " and every later cycle file out of the "
                    + "directory: `purestock repair --journal " + dir + "` then names the records lost, and its "
                    + "--truncate --accept-loss cuts there";
        }
        return null;
    }

    /**
     * The newest cycle file of {@code dir} when it has no header ({@link #headerMissing}): a writer stopped as it
     * created it, the file written over, or a writer creating it this moment; {@code null} when it has one, or when
     * {@code dir} holds no cycle file. It holds no record that any reader can read.
     */
    static Path unfinishedNewestCycle(Path dir) {
        List<Path> cycles = cycleFiles(dir);
        return !cycles.isEmpty() && headerMissing(cycles.getLast()) != null ? cycles.getLast() : null;
    }

    /** The journal's high-water mark, or {@code -1} when it has none or it cannot be read. */
    private static long markOrUnknown(Path dir) {
        try {
            return JournalHighWaterMark.read(dir);
        } catch (JournalException unreadable) {
            return JournalHighWaterMark.NONE;
        }
    }

    /** The cycle files of {@code dir}, in cycle order (oldest first); files not named as cycle files are left out. */
    static List<Path> cycleFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> JournalRollCycle.isCycleFileName(file.getFileName().toString())).sorted()
                    .toList();
        } catch (IOException e) {
            throw new JournalException("cannot list journal directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The cycles of {@code queue}'s cycle files, oldest first, from the files in its directory. Chronicle Queue lists
     * them between the lowest and highest cycle its listing ({@code metadata.cq4t}) names, and fails ("'file not
     * found' for the upperCycle") when either names a file that is gone: a start killed after it moved a cycle file
     * aside and before it relisted, or a prune killed after it deleted one. A writer's start rebuilds the listing
     * ({@link JournalRepair#relistCycles}), but a read-only queue takes it as it finds it, and a tool that reads a
     * journal an engine may be writing must not rewrite it.
     */
    static NavigableSet<Long> cycles(SingleChronicleQueue queue) {
        Path dir = queue.file().toPath();
        RollingResourcesCache names = names(queue);
        NavigableSet<Long> cycles = new TreeSet<>();
        for (Path file : cycleFiles(dir)) {
            try {
                cycles.add(names.toLong(file.toFile()));
            } catch (RuntimeException otherRollCycle) {
                // named as another roll cycle's files are, and put there since the queue opened (which refuses one)
                String stray = strayCycleFile(dir, queue.rollCycle());
                throw new JournalException(stray != null ? stray : "cycle file " + file.getFileName() + " of journal "
                        + dir + " cannot be read as one of its cycles: " + otherRollCycle.getMessage(), otherRollCycle);
            }
        }
        return cycles;
    }

    /** The names of {@code queue}'s cycle files, to and from their cycles. */
    private static RollingResourcesCache names(SingleChronicleQueue queue) {
        File dir = queue.file();
        return new RollingResourcesCache(queue.rollCycle(), queue.epoch(),
                name -> new File(dir, name + SingleChronicleQueue.SUFFIX),
                file -> file.getName().substring(0, file.getName().length() - SingleChronicleQueue.SUFFIX.length()));
    }

    /**
     * What is wrong with {@code queue}'s listing of its cycle files ({@code metadata.cq4t}) that a reader cannot get
     * past, or {@code null}: a cycle file there lies past the listing's highest cycle (a {@code metadata.cq4t} put
     * back from an older copy) or before its lowest. Chronicle Queue's read-only readers read no record in such a file
     * and take the journal for ending (or starting) short, and only a writer lists the files afresh. A writer rolling
     * into a new cycle file creates it before it lists it: the listing is read again before it is taken for stale.
     * A listing whose lowest or highest cycle names a file that is gone is not: a reader starts at the oldest file
     * there ({@link JournalReader}), and Chronicle Queue stops at the newest. Nor is one that leaves out a newest cycle
     * file with no header ({@link #unfinishedNewestCycle}), what a writer stopped after it created the file and before
     * it listed it leaves: no reader reads a record in that file, listed or not.
     */
    static String staleListing(SingleChronicleQueue queue) {
        NavigableSet<Long> cycles = cycles(queue);
        if (!cycles.isEmpty() && unfinishedNewestCycle(queue.file().toPath()) != null) {
            cycles.pollLast();
        }
        if (cycles.isEmpty() || covers(queue, cycles)) {
            return null;
        }
        queue.refreshDirectoryListing();
        if (covers(queue, cycles)) {
            return null;
        }
        RollingResourcesCache names = names(queue);
        boolean past = cycles.last() > queue.lastCycle();
        String listed = names.resourceFor(past ? queue.lastCycle() : queue.firstCycle()).path.getName();
        String outside = names.resourceFor(past ? cycles.last() : cycles.first()).path.getName();
        return "the listing of the cycle files of journal " + queue.file() + " ("
                + SingleChronicleQueue.QUEUE_METADATA_FILE + ") is stale: it " + (past ? "ends" : "starts")
                + " at cycle file " + listed + " but " + outside + " is there too, and Chronicle Queue reads no record "
                + (past ? "past" : "before") + " the listing. "
                + "No record is lost: do not cut the journal on this. An engine's start on the directory lists the "
                + "cycle files afresh from those there" + (past ? " (if an engine is writing the journal, it was "
                + "creating that file: run this again)" : "");
    }

    private static boolean covers(SingleChronicleQueue queue, NavigableSet<Long> cycles) {
        return cycles.first() >= queue.firstCycle() && cycles.last() <= queue.lastCycle();
    }

    /**
     * How {@code cycle} starts when it does not start with a finished header, {@code null} when it does. Chronicle
     * Queue's first word is the header's length and flags, little-endian: zero before the header is written, its top
     * bit set while it is written; a reader waits for either to change, and a file left so never changes.
     */
    static String headerMissing(Path cycle) {
        String start = headerMissingOrGone(cycle);
        if (GONE.equals(start)) {
            throw moved(cycle);
        }
        return start;
    }

    /**
     * As {@link #headerMissing}, or {@link #GONE} when {@code cycle} is not there: moved aside (or removed) since the
     * directory was listed, what an engine start does to a newest cycle file with no header while a reader opens.
     */
    static String headerMissingOrGone(Path cycle) {
        byte[] first;
        try (InputStream in = Files.newInputStream(cycle)) {
            first = in.readNBytes(Integer.BYTES);
        } catch (NoSuchFileException gone) {
            return GONE;
        } catch (IOException e) {
            throw new JournalException("cannot read cycle file " + cycle + ": " + e.getMessage(), e);
        }
        if (first.length < Integer.BYTES) {
            return "zeros";
        }
        int word = ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).getInt();
        return word == 0 ? "zeros" : (word & Wires.NOT_COMPLETE) != 0 ? "one a writer never finished" : null;
    }

    /** What a reader says of {@code cycle} when it went between the listing and the look at it ({@link #GONE}). */
    static JournalException moved(Path cycle) {
        return new JournalException("cycle file " + cycle.getFileName() + " of journal " + cycle.getParent()
                + " was moved while the journal was opened (an engine start sets a newest cycle file with no header "
                + "aside): run the command again");
    }

    /**
     * Returns {@code queue}, or closes it and fails naming the file, when a {@code .cq4} file of {@code dir} is not
     * named as the queue's cycle files are: Chronicle Queue takes every {@code .cq4} file of the directory for a
     * cycle, and listing the cycles fails on that name with a bare date-parsing error ("Text 'backup' could not be
     * parsed at index 0"), while reading in order passes over it; a copy kept beside the journal, or a cycle file
     * renamed by hand, would stop an engine's start, pruning and the tools that count cycles in those words.
     */
    private static SingleChronicleQueue requireCycleFileNames(SingleChronicleQueue queue, Path dir) {
        try {
            String stray = strayCycleFile(dir, queue.rollCycle());
            if (stray != null) {
                throw new JournalException(stray);
            }
            return queue;
        } catch (RuntimeException e) {
            queue.close();
            throw e;
        }
    }

    /**
     * What is wrong with the first {@code .cq4} file of {@code dir} (by name) that is not named as a cycle file of
     * {@code rollCycle} ({@link JournalRollCycle#namesCycle}), or {@code null} when every one is.
     */
    static String strayCycleFile(Path dir, RollCycle rollCycle) {
        DateTimeFormatter cycleName = DateTimeFormatter.ofPattern(rollCycle.format()).withZone(ZoneOffset.UTC);
        List<String> names;
        try (Stream<Path> files = Files.list(dir)) {
            names = files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(SingleChronicleQueue.SUFFIX)).sorted().toList();
        } catch (IOException e) {
            throw new JournalException("cannot list journal directory " + dir + ": " + e.getMessage(), e);
        }
        String example = null;
        String stray = null;
        for (String name : names) {
            if (JournalRollCycle.namesCycle(rollCycle, cycleName,
                    name.substring(0, name.length() - SingleChronicleQueue.SUFFIX.length()))) {
                example = example == null ? name : example;
            } else {
                stray = stray == null ? name : stray;
            }
        }
        if (stray == null) {
            return null;
        }
        return "file " + stray + " in journal " + dir + " is named as a cycle file (" + SingleChronicleQueue.SUFFIX
                + ") but not as this journal's cycle files are (such as " + (example != null ? example
                : cycleName.format(Instant.now()) + SingleChronicleQueue.SUFFIX) + "): Chronicle Queue takes every "
                + SingleChronicleQueue.SUFFIX + " file in the directory for a cycle and cannot list the journal's "
                + "cycles with it there, so no engine starts on the journal and no tool reads it; if it is one of the "
                + "journal's cycle files renamed, give it back its name, otherwise move it out of the directory";
    }

    /**
     * What is wrong with the header of the newest cycle file of {@code queue}, or {@code null} when nothing is: its
     * write position (where the last document starts, and where Chronicle Queue's appender takes up) must lie inside
     * the file. Every record may still read in order past such damage, but a bit flipped high in that position sends
     * the appender petabytes past the data, and Chronicle, mapping its way there, fills a list with a slot per chunk
     * until the heap runs out.
     */
    static String damagedWritePosition(SingleChronicleQueue queue) {
        NavigableSet<Long> cycles = cycles(queue);
        if (cycles.isEmpty()) {
            return null;
        }
        SingleChronicleQueueStore store = queue.storeForCycle(cycles.last().intValue(), queue.epoch(), false, null);
        if (store == null) {
            return null;
        }
        try {
            long position = store.writePosition();
            long size = store.file().length();
            return position >= 0 && position < size ? null
                    : "the header of cycle file " + store.file().getName() + " is damaged: it puts the last document "
                    + "at byte " + position + ", outside the file's " + size + " bytes";
        } finally {
            queue.closeStore(store);
        }
    }

    /** Whether {@code dir} holds a journal: at least one cycle file. */
    static boolean hasJournal(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(SingleChronicleQueue.SUFFIX));
        } catch (IOException e) {
            throw new JournalException("cannot list journal directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fails, with one line naming what {@code dir} is instead, unless it holds at least one cycle file: a
     * missing path, a file, a journal with no record yet (the lock of an engine that never wrote), or a
     * directory with no journal at all.
     */
    static void requireJournal(Path dir) {
        if (Files.isRegularFile(dir)) {
            throw new JournalException(dir + " is a file, not a journal directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new JournalException("journal directory " + dir + " does not exist");
        }
        if (!hasJournal(dir)) {
            throw new JournalException(Files.exists(dir.resolve(JournalLock.FILE_NAME))
                    ? "journal " + dir + " holds no record yet"
                    : "directory " + dir + " holds no purestock journal (no " + SingleChronicleQueue.SUFFIX
                    + " cycle files, no " + JournalLock.FILE_NAME + ")");
        }
    }
}
