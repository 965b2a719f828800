package dev.purestock.journal;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

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

    JournalRollCycle(RollCycle chronicle) {
        this.chronicle = chronicle;
    }

    /** The Chronicle roll cycle this one stands for (Chronicle stays out of the journal's public API). */
    RollCycle chronicle() {
        return chronicle;
    }
}
