package dev.purestock.journal;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

import java.text.ParsePosition;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalQueries;
import java.util.Optional;

/**
 * How often a journal starts a new cycle file ({@link JournalWriter#open(java.nio.file.Path, Durability,
 * JournalRollCycle)}). A cycle file is the unit that pruning deletes once a snapshot covers it, so shorter cycles
 * free disk sooner, at the cost of more files. A journal keeps the cycle it was created with: a writer or reader
 * opening an existing journal uses the cycle recorded in it.
 */
public enum JournalRollCycle {
    /** A cycle file per day (UTC): the default. */
    DAILY(RollCycles.FAST_DAILY),
    /** A cycle file per hour. */
    HOURLY(RollCycles.FAST_HOURLY),
    /** A cycle file every five minutes. */
    FIVE_MINUTELY(RollCycles.FIVE_MINUTELY),
    /**
     * A cycle file per second, with a small index that holds few records per cycle: for tests of journals with
     * many cycles, never for production.
     */
    TEST_SECONDLY(TestRollCycles.TEST_SECONDLY);

    private final RollCycle chronicle;
    /** How Chronicle Queue names this roll cycle's files, less the suffix. */
    private final DateTimeFormatter fileNames;

    JournalRollCycle(RollCycle chronicle) {
        this.chronicle = chronicle;
        this.fileNames = DateTimeFormatter.ofPattern(chronicle.format()).withZone(ZoneOffset.UTC);
    }

    /**
     * Whether {@code fileName} is named as a cycle file of one of the roll cycles ({@code 20261130F.cq4} for
     * {@link #DAILY}): a {@code .cq4} file named otherwise in a journal directory is none of the journal's, and every
     * reader and writer of the journal refuses to open it there, naming it.
     */
    public static boolean isCycleFileName(String fileName) {
        return ofCycleFileName(fileName).isPresent();
    }

    /**
     * The roll cycle whose files are named as {@code fileName} is ({@code 20261130F.cq4}: {@link #DAILY}), empty when
     * none names its files so. Each roll cycle's names have their own length, so at most one matches.
     */
    static Optional<JournalRollCycle> ofCycleFileName(String fileName) {
        if (!fileName.endsWith(SingleChronicleQueue.SUFFIX)) {
            return Optional.empty();
        }
        String cycle = fileName.substring(0, fileName.length() - SingleChronicleQueue.SUFFIX.length());
        for (JournalRollCycle rollCycle : values()) {
            if (rollCycle.names(cycle)) {
                return Optional.of(rollCycle);
            }
        }
        return Optional.empty();
    }

    private boolean names(String cycle) {
        return namesCycle(chronicle, fileNames, cycle);
    }

    /**
     * Whether {@code cycle} (a file name less its suffix) is the name {@code rollCycle}, whose file names
     * {@code fileNames} writes, gives one of its cycles: the time a cycle starts, written as it writes it. Shaped
     * first, without the exception a name of another roll cycle would cost (every file of an hourly journal is tried
     * against the daily format first), then resolved, which refuses a shape with no such date (a thirteenth month),
     * then written back: resolving takes a day or hour that does not exist for the nearest that does (the 31st of
     * November for the 30th, 24:00 for the next day's 00:00), and Chronicle Queue a time inside a cycle for that
     * cycle, so such a name would be a second file of another name's cycle.
     */
    static boolean namesCycle(RollCycle rollCycle, DateTimeFormatter fileNames, String cycle) {
        ParsePosition position = new ParsePosition(0);
        if (fileNames.parseUnresolved(cycle, position) == null || position.getIndex() != cycle.length()) {
            return false;
        }
        TemporalAccessor parsed;
        try {
            parsed = fileNames.parse(cycle);
        } catch (DateTimeParseException noSuchTime) {
            return false;
        }
        LocalDate date = parsed.query(TemporalQueries.localDate());
        if (date == null) {
            return true; // a format of no day (a week's) has no day or hour to check
        }
        LocalTime time = parsed.query(TemporalQueries.localTime());
        Instant start = LocalDateTime.of(date, time == null ? LocalTime.MIDNIGHT : time).toInstant(ZoneOffset.UTC);
        return start.toEpochMilli() >= 0 && start.toEpochMilli() % rollCycle.lengthInMillis() == 0
                && fileNames.format(start).equals(cycle);
    }

    /** The Chronicle roll cycle this one stands for (Chronicle stays out of the journal's public API). */
    RollCycle chronicle() {
        return chronicle;
    }
}
