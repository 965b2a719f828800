package dev.purestock.journal;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which file names in a journal directory are cycle files of some roll cycle. */
class JournalRollCycleTest {
    private static final Instant AT = Instant.parse("2026-11-30T07:25:00Z");

    @Test
    void theFileOfEveryRollCycleIsACycleFile() {
        for (JournalRollCycle rollCycle : JournalRollCycle.values()) {
            String name = DateTimeFormatter.ofPattern(rollCycle.chronicle().format()).withZone(ZoneOffset.UTC)
                    .format(AT) + ".cq4";
            assertTrue(JournalRollCycle.isCycleFileName(name), rollCycle + ": " + name);
        }
    }

    @Test
    void otherNamesAreNot() {
        for (String name : new String[] {"20261130F.cq3", "20261130F", "metadata.cq4t", "20261130F-copy.cq4",
                "20261130.cq4", "x20261130F.cq4", "20261330F.cq4", "20261130-25F.cq4", ".cq4", "directory-listing.cq4"}) {
            assertFalse(JournalRollCycle.isCycleFileName(name), name);
        }
    }

    /**
     * A date and time with no such day or hour was taken for the nearest one (the 31st of November for the 30th,
     * 24:00 for the next day's 00:00), and one inside a cycle for that cycle: such a copy of a cycle file passed
     * every check while Chronicle Queue read one of the two files and passed over the other. A cycle file is named
     * by the time its cycle starts, written as its roll cycle writes it.
     */
    @Test
    void aTimeWithNoSuchDayOrHourOrInsideACycleNamesNoCycle() {
        for (String name : new String[] {"20261131F.cq4", "20260229F.cq4", "20261130-24F.cq4", "20261130-0707V.cq4",
                "20261130-0760V.cq4", "19691231F.cq4"}) {
            assertFalse(JournalRollCycle.isCycleFileName(name), name);
        }
        for (String name : new String[] {"20280229F.cq4", "20261130-23F.cq4", "20261130-0705V.cq4",
                "20261130-235959T.cq4", "19700101F.cq4"}) {
            assertTrue(JournalRollCycle.isCycleFileName(name), name);
        }
    }
}
