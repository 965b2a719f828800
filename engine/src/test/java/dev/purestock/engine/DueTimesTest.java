package dev.purestock.engine;

import dev.purestock.domain.NextDue;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each shard's due time is written by its own decision thread: the entries sit on cache lines of their own, and
 * each keeps its own value, waking the timer only when it comes down.
 */
class DueTimesTest {
    @Test
    void eachShardsEntryHasCacheLinesOfItsOwn() {
        int shards = 5;
        DueTimes dueTimes = new DueTimes(shards, 86_400_000, 1_000);
        for (int shard = 0; shard < shards; shard++) {
            int index = DueTimes.index(shard);
            assertTrue(index * Long.BYTES >= 128, "room before shard " + shard + "'s entry");
            assertTrue((dueTimes.length() - 1 - index) * Long.BYTES >= 128, "room after shard " + shard + "'s entry");
            for (int other = 0; other < shards; other++) {
                int apart = Math.abs(index - DueTimes.index(other)) * Long.BYTES;
                assertTrue(other == shard || apart >= 128, "shards " + shard + " and " + other + ": " + apart
                        + " bytes apart");
            }
        }
    }

    @Test
    void eachShardKeepsItsOwnDueTimeAndOnlyAnEarlierOneWakesTheTimer() {
        int shards = 3;
        DueTimes dueTimes = new DueTimes(shards, 86_400_000, 1_000);
        AtomicInteger wakes = new AtomicInteger();
        dueTimes.onEarlier(wakes::incrementAndGet);
        assertEquals(shards, dueTimes.shards());
        for (int shard = 0; shard < shards; shard++) {
            assertEquals(NextDue.NEVER, dueTimes.dueAt(shard));
        }

        dueTimes.scheduled(1, 500);
        dueTimes.scheduled(1, 700); // later than what is due: no change, no wake
        dueTimes.recomputed(2, 900);
        dueTimes.recomputed(2, 950); // later: set, no wake

        assertEquals(NextDue.NEVER, dueTimes.dueAt(0));
        assertEquals(500, dueTimes.dueAt(1));
        assertEquals(950, dueTimes.dueAt(2));
        assertEquals(2, wakes.get());
    }
}
