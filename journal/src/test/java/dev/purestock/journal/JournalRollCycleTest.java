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
}
