package dev.purestock.journal;

import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.stream.Stream;

/** Opens the Chronicle queues of a journal directory the same way everywhere. */
final class JournalQueues {
    /** Daily cycle files; one file holds up to 2^32 records. */
    static final RollCycle DEFAULT_ROLL_CYCLE = JournalRollCycle.DAILY.chronicle();
    /** How long an appender waits for a header left unfinished by a dead writer before taking over. */
    static final long TAKE_OVER_TIMEOUT_MS = 500;

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

    static SingleChronicleQueue forReading(Path dir) {
        requireJournal(dir);
        SingleChronicleQueue queue = requireCycleFileNames(SingleChronicleQueueBuilder.binary(dir).readOnly(true)
                .build(), dir);
        queue.refreshDirectoryListing();
        return queue;
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
     * {@code rollCycle}, or {@code null} when every one is.
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
            try {
                cycleName.parse(name.substring(0, name.length() - SingleChronicleQueue.SUFFIX.length()));
                example = example == null ? name : example;
            } catch (DateTimeParseException notACycle) {
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
        int cycle = queue.lastCycle();
        if (cycle == Integer.MIN_VALUE) {
            return null;
        }
        SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
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
