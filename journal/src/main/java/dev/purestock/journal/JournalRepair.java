package dev.purestock.journal;

import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds where a journal stops being trustworthy and cuts it there, keeping every record before the damage
 * and moving the damaged files aside, never deleting them.
 *
 * <p>{@link #diagnose} reads every record with every check (checksum, sequence continuity, decoding, and
 * reaching the end the journal had, see {@link JournalReader}) and reports the first failure.
 * {@link #truncateAfter} keeps the records up to a sequence: the cycle file holding that sequence is
 * rewritten with those records (at the same queue indexes), and that file and every later one are moved to
 * {@code DIR/damaged-<time>/}. A batch document that holds the sequence and later records is rewritten as the
 * document of its records up to the sequence, so a cut keeps every record before it whatever document it
 * shares; the rewrite is part of the cycle file that replaces the original in one rename. The high-water mark
 * is set to the last record kept.
 *
 * <p>What a cut inside a batch document means for acknowledgement: the records of a batch are acknowledged
 * only after the whole batch is appended and the mark moved past it, so a record the mark does not cover was
 * never acknowledged, whichever document it is in; cutting after the last good record loses only records after
 * it, and {@link Diagnosis#losesAcknowledged} says whether the mark covers any of those.
 *
 * <p>The caller holds the directory's {@link JournalLock}: nothing may write to the journal meanwhile.
 */
public final class JournalRepair {
    /** The time in the name of a folder things are moved aside to: {@code damaged-<time>}, {@code ahead-<time>}. */
    static final DateTimeFormatter ASIDE = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")
            .withZone(ZoneOffset.UTC);
    private static final String REWRITE_DIR = "repair.tmp";
    /**
     * Added to the name of an unfinished newest cycle file while a start decides whether to set it aside: Chronicle
     * Queue and purestock take no file so named for a cycle, and the next start puts it back.
     */
    static final String UNDECIDED = ".undecided";

    private JournalRepair() {
    }

    /**
     * What {@link #diagnose} found.
     *
     * @param lastGoodSequence the last record that passed every check ({@code -1}: none)
     * @param records          records that passed every check
     * @param highWaterMark    the journal's high-water mark ({@code -1}: none kept)
     * @param damage           the first failure, empty when the whole journal reads
     */
    public record Diagnosis(long lastGoodSequence, long records, long highWaterMark,
                            Optional<JournalCorruptException> damage) {
        /**
         * Whether the read stopped at a record or document of a newer purestock ({@link JournalTooNewException}):
         * nothing is damaged, and nothing may be cut; a newer purestock reads on.
         */
        public boolean writtenByNewer() {
            return damage.filter(JournalTooNewException.class::isInstance).isPresent();
        }

        /**
         * Whether the read stopped at the journal's high-water mark file, which is damaged, before reading any record:
         * the records may all be whole, and a cut after {@link #lastGoodSequence} ({@code -1}) would drop every one of
         * them for damage that is not theirs. Nothing may be cut; the exception's message says what to do.
         */
        public boolean markDamaged() {
            return damage.filter(DamagedMarkException.class::isInstance).isPresent();
        }

        /** Whether cutting after {@link #lastGoodSequence} drops records that may have been acknowledged. */
        public boolean losesAcknowledged() {
            return damage.isPresent() && (highWaterMark == JournalHighWaterMark.NONE
                    || lastGoodSequence < highWaterMark);
        }
    }

    /** Reads the whole journal in {@code dir} with every check and reports the first failure. */
    public static Diagnosis diagnose(Path dir) {
        long[] good = {-1, 0};
        long mark = JournalHighWaterMark.NONE;
        try (JournalReader reader = JournalReader.open(dir)) {
            mark = reader.highWaterMark();
            reader.read((index, record) -> {
                good[0] = record.sequence();
                good[1]++;
                return true;
            });
            String header = reader.damagedWritePosition();
            return new Diagnosis(good[0], good[1], mark, header == null ? Optional.empty()
                    : Optional.of(new JournalCorruptException("journal " + dir + " reads whole, but " + header
                    + "; a writer cannot append to it until a cut after seq " + good[0] + " rewrites that file")));
        } catch (JournalDamagedException e) {
            if (good[1] > 0 || e.lastReadableSequence() < 0) {
                return new Diagnosis(good[0], good[1], e.highWaterMark(), Optional.of(e));
            }
            // found as the reader opened, looking for the journal's end: it read and checked every record from the
            // first up to the last readable one, in order and without a gap, before any reached the visitor
            long first = firstSequence(dir);
            return new Diagnosis(e.lastReadableSequence(), first < 0 ? 0 : e.lastReadableSequence() - first + 1,
                    e.highWaterMark(), Optional.of(e));
        } catch (JournalCorruptException e) {
            return new Diagnosis(good[0], good[1], mark, Optional.of(e));
        }
    }

    /**
     * The sequence of the first record of the journal in {@code dir}, from the first document of its oldest cycle file
     * that holds one, unchecked; {@code -1} when it cannot be read.
     */
    private static long firstSequence(Path dir) {
        try (SingleChronicleQueue queue = JournalQueues.forReading(dir);
             ExcerptTailer tailer = queue.createTailer()) {
            for (Long cycle : JournalQueues.cycles(queue)) {
                if (tailer.moveToCycle(cycle.intValue())) {
                    try (DocumentContext document = tailer.readingDocument()) {
                        if (document.isPresent()) {
                            return JournalReader.firstSequenceOf(document.wire().bytes());
                        }
                    }
                }
            }
            return -1;
        } catch (InternalError | RuntimeException unreadable) {
            return -1;
        }
    }

    /**
     * Fails, with one line naming the file and what to do, when a cycle file of {@code dir} has no header: its first
     * bytes are zeros or a header still marked not complete, what a writer stopped as it created the file leaves, or a
     * file written over. Chronicle Queue takes such a file for one whose writer is about to write or finish its header
     * and waits for it, 10 s at each place it looks; every opening of a journal already refuses one before the newest
     * cycle file this way, and a tool that changes a journal no engine may be writing calls this to name the newest
     * at once too. (An engine rolling into a new cycle file that very moment is the one writer that would still write
     * it: look again.) A tool that only reads leaves the newest to {@link JournalReader}, which reads the records
     * before it ({@link JournalReader#unreadNewestCycle}).
     *
     * @throws JournalException naming the file: the newest is moved aside by the next engine start on the
     *                          directory; an earlier one held records no reader can find, restored from a copy
     */
    public static void requireCycleHeaders(Path dir) {
        String headerless = JournalQueues.headerlessCycle(dir, true);
        if (headerless != null) {
            throw new JournalException(headerless);
        }
    }

    /**
     * Keeps the records of the journal in {@code dir} up to {@code lastKept} and moves what follows aside.
     *
     * @return one line per thing done
     * @throws JournalException when the journal does not hold {@code lastKept}
     */
    public static List<String> truncateAfter(Path dir, long lastKept) {
        try {
            return cut(dir, lastKept, "damaged", step -> { });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot repair journal " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Where a cut stands: called before each step that changes the directory, so a test can stop the cut there
     * as a crash would.
     */
    @FunctionalInterface
    interface Steps {
        void before(String step) throws IOException;
    }

    /**
     * Keeps the records up to {@code lastKept} and moves the cycle files after them to {@code DIR/<aside>-<time>/}.
     *
     * @return one line per thing done
     */
    static List<String> cut(Path dir, long lastKept, String asidePrefix, Steps steps) throws IOException {
        List<String> done = new ArrayList<>();
        Path rewrite = dir.resolve(REWRITE_DIR);
        deleteTree(rewrite);
        // a cut stopped half-way (killed) may have moved cycle files the queue's listing still names: list afresh
        relist(dir);
        RollCycle rollCycle;
        int keptCycle;
        List<Integer> cycles;
        long copied;
        try (SingleChronicleQueue damaged = JournalQueues.forReading(dir)) {
            rollCycle = damaged.rollCycle();
            cycles = damaged.listCyclesBetween(damaged.firstCycle(), damaged.lastCycle()).stream()
                    .map(Long::intValue).toList();
            keptCycle = cycleHolding(damaged, cycles, lastKept, dir);
            long[] copy = keptCycle < 0
                    ? new long[]{0, -1}
                    : copyCycle(damaged, keptCycle, lastKept, rewrite, rollCycle);
            if (keptCycle >= 0 && copy[1] != lastKept) {
                throw new JournalException("journal " + dir + " cannot be cut after seq " + lastKept
                        + ": its cycle file reads in order only up to seq " + copy[1]
                        + "; run `purestock repair --journal " + dir + "` to find the first damage and cut there");
            }
            copied = copy[0];
        }
        // Crash-safe order: later cycles move aside newest first, then the damaged original of the kept cycle is
        // linked aside and the rewritten file replaces it in one rename, and the mark moves last. Killed at any
        // point, the directory is a prefix of the journal that still holds the damage, or the cut journal with
        // the old mark, and running the repair again finishes it.
        Path aside = dir.resolve(asidePrefix + "-" + ASIDE.format(Instant.now()));
        steps.before("set aside " + aside.getFileName());
        Files.createDirectories(aside);
        List<Integer> newestFirst = new ArrayList<>(cycles);
        Collections.reverse(newestFirst);
        for (int cycle : newestFirst) {
            if (cycle < keptCycle) {
                continue;
            }
            Path file = cycleFile(dir, rollCycle, cycle);
            if (!Files.exists(file)) {
                continue;
            }
            if (cycle == keptCycle) {
                Path rewritten = cycleFile(rewrite, rollCycle, keptCycle);
                steps.before("replace " + file.getFileName());
                force(rewritten);
                Files.createLink(aside.resolve(file.getFileName()), file);
                Files.move(rewritten, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                done.add("rewrote " + file.getFileName() + " with its " + copied + " records up to seq " + lastKept
                        + "; its original is in " + aside);
            } else {
                steps.before("move " + file.getFileName());
                Files.move(file, aside.resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                done.add("moved " + file.getFileName() + " to " + aside);
            }
        }
        Directories.force(aside);
        Directories.force(dir);
        steps.before("relist the cycles");
        deleteTree(rewrite);
        relist(dir, rollCycle);
        steps.before("set the high-water mark");
        try (JournalHighWaterMark mark = JournalHighWaterMark.open(dir)) {
            mark.reset(lastKept);
        }
        done.add("the journal now ends at seq " + lastKept);
        return done;
    }

    /**
     * Rebuilds Chronicle Queue's listing of the cycle files of {@code dir} ({@code metadata.cq4t}) from the files
     * there, in place, when it holds any. A start killed after it moved a cycle file aside
     * ({@link #setAsideUnfinishedNewestCycle}, {@link #setAsideUnopenableTrailingCycles}) and before it relisted left a
     * listing that names the file moved, and Chronicle Queue fails where it lists the cycles ("'file not found' for
     * the upperCycle"), start after start; a writer's start calls this first, holding the directory's
     * {@link JournalLock}. A cycle file that a start killed while it decided whether to set it aside left out of
     * the listing ({@link #UNDECIDED}) is put back first, so that this start decides again.
     */
    static void relistCycles(Path dir) throws IOException {
        putBackUndecided(dir);
        List<Path> cycles = JournalQueues.cycleFiles(dir);
        if (cycles.isEmpty()) {
            return;
        }
        RollCycle rollCycle = JournalRollCycle.ofCycleFileName(cycles.getLast().getFileName().toString())
                .orElseThrow().chronicle();
        // a .cq4 file not named as a cycle file fails the listing in Chronicle Queue's words: named here instead
        String stray = JournalQueues.strayCycleFile(dir, rollCycle);
        if (stray != null) {
            throw new JournalException(stray);
        }
        relist(dir, rollCycle);
    }

    /**
     * Moves aside, to {@code DIR/damaged-<time>/}, the newest cycle file when its first header was never finished: its
     * first word is zero or still carries Chronicle Queue's not-complete bit, what a writer stopped as it created the
     * file leaves. Chronicle Queue takes such a file for one a writer is about to finish and a reader waits for it,
     * for ever when the bit is set, so this runs before the journal is read, holding the directory's
     * {@link JournalLock} (no writer can be creating it). It is moved only when the records before it reach the
     * journal's high-water mark: then it holds no acknowledged record. A journal with no mark file cannot tell (every
     * writer makes it before its first cycle file, so it was lost, left out of a restore, or the journal was written
     * before purestock kept one), and is refused.
     *
     * @return one line per file moved
     * @throws JournalDamagedException when acknowledged records may be in it (the records before it end below the
     *                                 high-water mark, or the journal has no mark file); it is put back, and nothing
     *                                 is changed
     */
    static List<String> setAsideUnfinishedNewestCycle(Path dir) throws IOException {
        return setAsideUnfinishedNewestCycle(dir, step -> { });
    }

    /** As {@link #setAsideUnfinishedNewestCycle(Path)}, telling {@code steps} where it stands. */
    static List<String> setAsideUnfinishedNewestCycle(Path dir, Steps steps) throws IOException {
        List<Path> cycles = JournalQueues.cycleFiles(dir);
        if (cycles.isEmpty()) {
            return List.of();
        }
        Path newest = cycles.getLast();
        String start = JournalQueues.headerMissing(newest);
        if (start == null) {
            return List.of();
        }
        String name = newest.getFileName().toString();
        if (!Files.isRegularFile(dir.resolve(JournalHighWaterMark.FILE_NAME))) {
            throw unfinishedNewestWithoutMark(dir, newest, start);
        }
        RollCycle rollCycle = JournalRollCycle.ofCycleFileName(name).orElseThrow().chronicle();
        // out of the listing while the records before it are read, under a name a start killed meanwhile puts back
        Path undecided = dir.resolve(name + UNDECIDED);
        Files.move(newest, undecided, StandardCopyOption.ATOMIC_MOVE);
        boolean kept = false;
        long mark;
        try {
            relist(dir, rollCycle);
            steps.before("decide");
            mark = JournalHighWaterMark.read(dir);
            long last = lastSequence(dir);
            if (mark != JournalHighWaterMark.NONE && last < mark) {
                throw acknowledgedInUnfinishedNewest(dir, newest, start, last, mark);
            }
            kept = true;
        } finally {
            if (!kept) {
                Files.move(undecided, newest, StandardCopyOption.ATOMIC_MOVE);
                relist(dir, rollCycle);
            }
        }
        Path aside = dir.resolve("damaged-" + ASIDE.format(Instant.now()));
        Files.createDirectories(aside);
        Files.move(undecided, aside.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        Directories.force(aside);
        Directories.force(dir);
        return List.of("moved " + name + " to " + aside + ": the newest cycle file, whose header was never finished "
                + "(it starts with " + start + "): a writer stopped as it created it, and "
                + (mark == JournalHighWaterMark.NONE ? "the journal's high-water mark says it acknowledged no record"
                : "the records before it reach the journal's high-water mark"));
    }

    /**
     * The refusal of {@link #setAsideUnfinishedNewestCycle}, and of every reader, when the newest cycle file
     * {@code newest}, whose header starts with {@code start}, is in a journal that keeps no high-water mark: every
     * writer makes the mark before its first cycle file, so it was lost, left out of a restore, or the journal was
     * written before purestock kept one, and nothing tells whether acknowledged records are in the file.
     */
    static JournalDamagedException unfinishedNewestWithoutMark(Path dir, Path newest, String start) {
        return new JournalDamagedException("cycle file " + newest.getFileName() + " of journal " + dir + " has no "
                + "header (it starts with " + start + "), and no reader can open it: the journal keeps no high-water "
                + "mark (" + JournalHighWaterMark.FILE_NAME + "), so records that were acknowledged may be in it. "
                + "Nothing was changed; restore it (and the mark) from a copy of the directory or a standby's journal, "
                + "or, only to accept losing what it holds, move it out of the directory", -1,
                JournalHighWaterMark.NONE);
    }

    /**
     * The refusal of {@link #setAsideUnfinishedNewestCycle}, and of every reader, when acknowledged records may be in
     * the newest cycle file {@code newest}, whose header starts with {@code start}: the cycle files before it end at
     * {@code last} ({@code -1}: no record), below the journal's high-water mark {@code mark}.
     */
    static JournalDamagedException acknowledgedInUnfinishedNewest(Path dir, Path newest, String start, long last,
                                                                  long mark) {
        return new JournalDamagedException("cycle file " + newest.getFileName() + " of journal " + dir + " has no "
                + "header (it starts with " + start + "), and no reader can open it: the journal acknowledged records "
                + "up to seq " + mark + ", and the cycle files before it end at "
                + (last < 0 ? "no record" : "seq " + last) + ", so records " + (last + 1) + ".." + mark
                + " may be in it. Nothing was changed; restore it from a copy of the directory or a standby's "
                + "journal", last, mark);
    }

    /**
     * Renames each cycle file of {@code dir} left under its name with {@link #UNDECIDED} back to its own name: a start
     * killed while it decided whether to set the file aside. A file whose own name is taken again is left as it is.
     */
    private static void putBackUndecided(Path dir) throws IOException {
        List<Path> left;
        try (Stream<Path> files = Files.list(dir)) {
            left = files.filter(file -> file.getFileName().toString().endsWith(UNDECIDED)).toList();
        }
        for (Path file : left) {
            String name = file.getFileName().toString();
            Path cycle = dir.resolve(name.substring(0, name.length() - UNDECIDED.length()));
            if (!Files.exists(cycle)) {
                Files.move(file, cycle, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    /** The sequence of the last record of the journal in {@code dir}, {@code -1} when it holds none. */
    private static long lastSequence(Path dir) {
        if (!JournalQueues.hasJournal(dir)) {
            return -1;
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            return JournalBounds.of(reader).lastSequence();
        }
    }

    /**
     * Moves aside, to {@code DIR/damaged-<time>/}, the newest cycle files that Chronicle Queue cannot open (those after
     * the newest that opens): what a writer killed (or a power loss) while it created the next cycle file leaves,
     * a file whose header was never written. It holds no record, and readers pass over it, but a writer that rolls
     * past it first writes the end of that cycle into it and fails, so an engine started on the journal would stop
     * at its first command, restart after restart. Call it after the journal read to its end (every acknowledged
     * record is before such a file), holding the directory's {@link JournalLock}.
     *
     * <p>It decides at once. Chronicle Queue waits for a header only where the file's first word is zero or still
     * marked not complete (the queue's timeout, {@link JournalQueues#TAKE_OVER_TIMEOUT_MS} here, for a writer about to
     * finish it), and a start meets no such file here: a newest one went before the journal was read
     * ({@link #setAsideUnfinishedNewestCycle}), and one before the newest is refused first
     * ({@link JournalRecovery#requireRecoverable}). The files left are those whose first word is a finished header
     * and whose header is cut short or written over behind it, which Chronicle Queue refuses without waiting; no
     * other process writes them while the lock is held.
     *
     * <p>Any failure to open counts (what a damaged header throws varies with the damage), also one that says nothing
     * of the header: too many open files, a mapping the kernel refuses, a read error. So it never looks at the cycle
     * file holding the last record recovery read ({@code lastRecovered}), nor any before it: it finds that file anew,
     * and refuses, setting nothing aside, when the journal no longer reads to that record.
     *
     * @param lastRecovered the sequence of the last record recovery read, {@code -1} when none
     * @return one line per file moved
     * @throws JournalException when the journal no longer reads to {@code lastRecovered}
     */
    static List<String> setAsideUnopenableTrailingCycles(Path dir, long lastRecovered) throws IOException {
        if (!JournalQueues.hasJournal(dir)) {
            return List.of();
        }
        JournalBounds bounds;
        try (JournalReader reader = JournalReader.open(dir)) {
            bounds = JournalBounds.of(reader);
        } catch (JournalException e) {
            // not the damage a start may cut at: the same journal read whole a moment ago
            throw readsOtherwise(dir, lastRecovered, e.getMessage(), e);
        }
        if (bounds.lastSequence() != lastRecovered) {
            throw readsOtherwise(dir, lastRecovered, "it now reads to " + (bounds.isEmpty() ? "no record"
                    : "seq " + bounds.lastSequence()), null);
        }
        List<Path> unopenable = new ArrayList<>();
        RollCycle rollCycle;
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).readOnly(true)
                .timeoutMS(JournalQueues.TAKE_OVER_TIMEOUT_MS).build()) {
            queue.refreshDirectoryListing();
            rollCycle = queue.rollCycle();
            long lastRecordCycle = bounds.isEmpty() ? Long.MIN_VALUE : rollCycle.toCycle(bounds.lastIndex());
            // newest first, up to the first that opens: a file that does not open shows no record to any reader; and
            // never the file holding the last record read, whatever opening it says now
            for (Long cycle : queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle()).descendingSet()) {
                if (cycle <= lastRecordCycle || opens(queue, cycle.intValue())) {
                    break;
                }
                unopenable.add(cycleFile(dir, rollCycle, cycle.intValue()));
            }
        }
        if (unopenable.isEmpty()) {
            return List.of();
        }
        List<String> done = new ArrayList<>();
        Path aside = dir.resolve("damaged-" + ASIDE.format(Instant.now()));
        Files.createDirectories(aside);
        for (Path file : unopenable) {
            Files.move(file, aside.resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
            done.add("moved " + file.getFileName() + " to " + aside + ": a cycle file after the journal's last record "
                    + "that cannot be opened (its header was never written: a writer stopped as it created it)");
        }
        Directories.force(aside);
        Directories.force(dir);
        relist(dir, rollCycle);
        return done;
    }

    /**
     * The refusal of {@link #setAsideUnopenableTrailingCycles} when the journal no longer reads to
     * {@code lastRecovered}, where recovery read it a moment before: a cycle file it read no longer opens, for
     * {@code why}.
     */
    private static JournalException readsOtherwise(Path dir, long lastRecovered, String why, Throwable cause) {
        return new JournalException("cannot decide which cycle files of journal " + dir + " to set aside: recovery "
                + "read it to " + (lastRecovered < 0 ? "no record" : "seq " + lastRecovered) + " a moment before, and "
                + "a cycle file it read no longer opens (" + why + "). Nothing was set aside or cut; start again, and "
                + "if it fails again, see what the journal holds (`purestock verify --journal " + dir + "`)", cause);
    }

    /**
     * Whether Chronicle Queue opens the file of {@code cycle}: its header was written. A header cut short, or bytes
     * written over it behind a first word that looks finished, fail with a {@code StreamCorruptedException} that
     * Chronicle Queue throws unchecked though it is checked: caught here with the rest, so that such a file is set
     * aside, not taken for a failure of the start.
     */
    private static boolean opens(SingleChronicleQueue queue, int cycle) {
        try {
            SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
            if (store == null) {
                return false;
            }
            queue.closeStore(store);
            return true;
        } catch (Exception unreadable) {
            return false;
        }
    }

    /** Rebuilds the queue's listing of its cycle files from the files in {@code dir}, in place. */
    private static void relist(Path dir) {
        RollCycle rollCycle;
        try (SingleChronicleQueue queue = JournalQueues.forReading(dir)) {
            rollCycle = queue.rollCycle();
        }
        relist(dir, rollCycle);
    }

    /**
     * Rebuilds the listing in place: a queue that may write lists the files and sets the listing's lowest and highest
     * cycle in {@code metadata.cq4t} to theirs (a read-only queue never does). The file stays where it is, so a tool
     * opening the journal meanwhile always finds it, with the bounds before or after.
     */
    private static void relist(Path dir, RollCycle rollCycle) {
        try (SingleChronicleQueue relisted = SingleChronicleQueueBuilder.binary(dir).rollCycle(rollCycle).build()) {
            relisted.refreshDirectoryListing();
        }
    }

    /** The cycle whose records include {@code lastKept}: the last cycle starting at or before it; -1: none. */
    private static int cycleHolding(SingleChronicleQueue queue, List<Integer> cycles, long lastKept, Path dir) {
        int holding = -1;
        try (var tailer = queue.createTailer()) {
            for (int cycle : cycles) {
                if (!tailer.moveToCycle(cycle)) {
                    continue;
                }
                try (DocumentContext document = tailer.readingDocument()) {
                    if (!document.isPresent()) {
                        continue;
                    }
                    long first = JournalReader.firstSequenceOf(document.wire().bytes());
                    if (first > lastKept) {
                        break;
                    }
                    holding = cycle;
                }
            }
        }
        if (holding < 0 && lastKept >= 0) {
            throw new JournalException("journal " + dir + " holds no record at or before seq " + lastKept
                    + "; nothing to keep");
        }
        return holding;
    }

    /**
     * Copies the records of {@code cycle} up to {@code lastKept} into a fresh queue at {@code into}, each document
     * at the queue index it had. A batch document that holds {@code lastKept} and later records is copied as
     * the document of its records up to {@code lastKept} (a record document when that is one record).
     *
     * @return how many records it copied and the sequence of the last one ({@code -1}: none)
     */
    private static long[] copyCycle(SingleChronicleQueue from, int cycle, long lastKept, Path into,
                                    RollCycle rollCycle) {
        long cycleStart = (long) cycle * rollCycle.lengthInMillis();
        TimeProvider inCycle = () -> cycleStart;
        long copied = 0;
        long lastCopied = -1;
        byte[] bytes = new byte[512];
        JournalDocumentCodec.Decoder document = new JournalDocumentCodec.Decoder();
        JournalDocumentCodec.Encoder prefix = new JournalDocumentCodec.Encoder();
        try (SingleChronicleQueue to = SingleChronicleQueueBuilder.binary(into).rollCycle(rollCycle)
                .timeProvider(inCycle).build();
             ExcerptAppender appender = to.createAppender();
             var tailer = from.createTailer()) {
            if (!tailer.moveToCycle(cycle)) {
                return new long[]{0, -1};
            }
            boolean reachedLastKept = false;
            while (!reachedLastKept) {
                try (DocumentContext in = tailer.readingDocument()) {
                    if (!in.isPresent() || rollCycle.toCycle(in.index()) != cycle) {
                        break;
                    }
                    var content = in.wire().bytes();
                    int length = (int) content.readRemaining();
                    if (length > bytes.length) {
                        bytes = new byte[Math.max(length, bytes.length * 2)];
                    }
                    content.read(bytes, 0, length);
                    document.wrap(bytes, length);
                    prefix.clear();
                    while (document.next()) {
                        long sequence = JournalRecordCodec.sequenceOf(bytes, document.offset(), document.length());
                        if (sequence > lastKept) {
                            break;
                        }
                        prefix.add(bytes, document.offset(), document.length(), sequence);
                        copied++;
                        lastCopied = sequence;
                        if (sequence == lastKept) {
                            reachedLastKept = true;
                            break;
                        }
                    }
                    if (prefix.isEmpty()) {
                        break;
                    }
                    int offset = prefix.finish();
                    try (DocumentContext out = appender.writingDocument()) {
                        out.wire().bytes().write(prefix.buffer(), offset, prefix.end() - offset);
                    }
                }
            }
            appender.sync();
        }
        return new long[]{copied, lastCopied};
    }

    private static Path cycleFile(Path dir, RollCycle rollCycle, int cycle) {
        String name = DateTimeFormatter.ofPattern(rollCycle.format()).withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochMilli((long) cycle * rollCycle.lengthInMillis()));
        return dir.resolve(name + SingleChronicleQueue.SUFFIX);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }
}
