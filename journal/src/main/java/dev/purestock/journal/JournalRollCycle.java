package dev.purestock.journal;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

import java.text.ParsePosition;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
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

    /**
     * Whether {@code cycle} is a date and time in this roll cycle's file names. Shaped first, without the exception
     * a name of another roll cycle would cost (every file of an hourly journal is tried against the daily format
     * first), then resolved, which refuses a shape with no such date (a thirteenth month).
     */
    private boolean names(String cycle) {
        ParsePosition position = new ParsePosition(0);
        if (fileNames.parseUnresolved(cycle, position) == null || position.getIndex() != cycle.length()) {
            return false;
        }
        try {
            fileNames.parse(cycle);
            return true;
        } catch (DateTimeParseException noSuchTime) {
            return false;
        }
    }

    /** The Chronicle roll cycle this one stands for (Chronicle stays out of the journal's public API). */
    RollCycle chronicle() {
        return chronicle;
    }
}
