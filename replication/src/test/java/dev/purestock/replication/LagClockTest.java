package dev.purestock.replication;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LagClockTest {
    @Test
    void theLagIsTheAgeOfTheOldestSequenceNotHeld() {
        LagClock lag = new LagClock();
        assertEquals(0, lag.lagNanos(-1, 1_000), "nothing marked: caught up");

        lag.mark(10, 100);
        lag.mark(20, 130);
        assertEquals(100, lag.lagNanos(-1, 200), "seq 0 was known at 100");
        assertEquals(100, lag.lagNanos(9, 200), "seq 10 still missing, known since 100");
        assertEquals(70, lag.lagNanos(10, 200), "seq 11 to 20 known since 130");
        assertEquals(0, lag.lagNanos(20, 200), "all held");
        assertEquals(0, lag.lagNanos(20, 10_000), "caught up stays caught up, however long");
    }

    @Test
    void sequencesForgottenAboveAPointNoLongerCountAndAreMarkedAfreshWhenTheyCome() {
        LagClock lag = new LagClock();
        lag.mark(10, 100);
        lag.mark(20, 130);
        lag.mark(30, 160);
        lag.forgetAbove(15);
        assertEquals(0, lag.lagNanos(15, 1_000), "nothing past seq 15 is awaited any more");
        lag.mark(25, 2_000);
        assertEquals(500, lag.lagNanos(15, 2_500), "seq 16 to 25 marked again, at 2000");
        lag.forgetAbove(-1);
        assertEquals(0, lag.lagNanos(-1, 3_000), "nothing is awaited");
        lag.mark(5, 3_000);
        assertEquals(100, lag.lagNanos(-1, 3_100));
    }

    @Test
    void aSteadyStreamWithTheStandbyAFewBehindReadsAsTheirWaitNotTheStreamsLength() {
        LagClock lag = new LagClock();
        long lagAtEnd = 0;
        for (long t = 0; t < 1_000_000; t += 10) {
            lag.mark(t / 10, t);
            // the standby holds everything but the last 30 sequences; the oldest of them was marked 290 ns ago
            lagAtEnd = lag.lagNanos(t / 10 - 30, t);
        }
        assertEquals(290, lagAtEnd);
    }

    @Test
    void aStandbyWhosePositionGoesBackIsBehindFromThenNotCaughtUp() {
        LagClock lag = new LagClock();
        lag.mark(1_000, 0);
        assertEquals(0, lag.lagNanos(1_000, 10), "the old standby held everything");

        // a new standby says hello from an empty journal, 5 s later
        assertEquals(0, lag.lagNanos(-1, 5_000_000_000L), "behind from now on");
        assertEquals(2_000, lag.lagNanos(500, 5_000_002_000L), "still lacking 501 to 1,000");
        lag.mark(1_200, 5_000_003_000L);
        assertEquals(3_000, lag.lagNanos(1_000, 5_000_006_000L), "1,001 to 1,200 marked at their own time");
        assertEquals(0, lag.lagNanos(1_200, 5_000_007_000L));

        lag.mark(1_300, 6_000_000_000L);
        assertEquals(1_000, lag.lagNanos(1_250, 6_000_001_000L));
        assertEquals(2_000, lag.lagNanos(-1, 6_000_002_000L), "back again with a mark kept: counted from that mark");
    }

    @Test
    void repeatedOrOlderSequencesKeepTheFirstMark() {
        LagClock lag = new LagClock();
        lag.mark(5, 100);
        lag.mark(5, 150);
        lag.mark(3, 160);
        assertEquals(100, lag.lagNanos(4, 200));
    }

    @Test
    void aFullRingExtendsItsNewestMarkSoTheLagIsNeverUnderstated() {
        LagClock lag = new LagClock();
        for (int i = 0; i < LagClock.MARKS; i++) {
            lag.mark(i, 1_000 + i);
        }
        lag.mark(5_000, 9_000);
        assertEquals(1_000, lag.lagNanos(-1, 2_000), "the oldest mark is kept");
        long newestMarkTime = 1_000 + LagClock.MARKS - 1;
        assertEquals(10_000 - newestMarkTime, lag.lagNanos(4_999, 10_000),
                "seq 5,000 counts from the newest mark's time, earlier than its own: overstated, not understated");
        assertEquals(0, lag.lagNanos(5_000, 10_000));
    }
}
