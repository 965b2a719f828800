package dev.purestock.benchmarks.snapshot;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The snapshot stall harness's probe clock measures the decision stage alone: the engine also reads its clock on the
 * expiry timer's thread (every period) and on a submitting thread (a command answered without being sequenced), and
 * such a read in the middle of a stall must neither split the stall in two nor count as a command.
 */
class ProbeClockTest {
    private final AtomicLong nanos = new AtomicLong();
    private final SnapshotStallHarness.ProbeClock clock = new SnapshotStallHarness.ProbeClock(1, nanos::get);

    @Test
    void aReadOnAnotherThreadDuringAStallDoesNotSplitIt() throws Exception {
        clock.onDecisionThread();
        clock.window(0);
        at(1_000_000);
        clock.getAsLong();
        at(4_000_000);
        readOnTheTimerThread();
        at(9_000_000);
        clock.getAsLong();

        assertEquals(8.0, clock.longestGapMillis(0));
    }

    @Test
    void readsOnOtherThreadsAreNoGapsOfTheirOwn() throws Exception {
        clock.onDecisionThread();
        clock.window(0);
        at(1_000_000);
        clock.getAsLong();
        at(2_000_000);
        clock.getAsLong();
        at(7_000_000);
        readOnTheTimerThread();
        at(8_000_000);
        readOnTheTimerThread();

        assertEquals(1.0, clock.longestGapMillis(0));
    }

    private void at(long nanoTime) {
        nanos.set(nanoTime);
    }

    private void readOnTheTimerThread() throws InterruptedException {
        Thread timer = new Thread(clock::getAsLong, "purestock-expire-reservations");
        timer.start();
        timer.join();
    }
}
