package dev.purestock.engine;

import dev.purestock.domain.NextDue;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The expiry timer's own loop, driven with a tick that counts its runs. */
class ExpiryTimerTest {

    /**
     * A shard stopped, so the engine takes no commands, while a shard has something due: no time command can get
     * in to move that due time, and the timer used to run again at once, on a core of its own, until the engine
     * was closed. It now waits for its regular run. A spinning timer thread is never seen parked.
     */
    @Test
    void whileTheEngineRefusesCommandsTheTimerParksUntilItsRegularRun() {
        DueTimes dueTimes = new DueTimes(1, 86_400_000, 1_000);
        ExpiryTimer.Answer[] answers = ExpiryTimer.answers(dueTimes, 1024);
        AtomicInteger runs = new AtomicInteger();
        ExpiryTimer timer = ExpiryTimer.start(Duration.ofHours(1), () -> {
            runs.incrementAndGet();
            return false;
        }, answers, dueTimes, () -> 1_000, new StageThreads((shard, role) -> { }), () -> true);
        try {
            dueTimes.scheduled(0, 10);
            assertTrue(parkedWithin(timer.thread(), TimeUnit.SECONDS.toNanos(10)), "the timer thread parks");
            assertEquals(0, runs.get(), "no run before the regular one, an hour away");
        } finally {
            timer.stop();
        }
    }

    @Test
    void whileTheEngineTakesCommandsADueTimeRunsTheTimerAtOnce() throws InterruptedException {
        DueTimes dueTimes = new DueTimes(1, 86_400_000, 1_000);
        ExpiryTimer.Answer[] answers = ExpiryTimer.answers(dueTimes, 1024);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch ran = new CountDownLatch(1);
        ExpiryTimer timer = ExpiryTimer.start(Duration.ofHours(1), () -> {
            runs.incrementAndGet();
            ran.countDown();
            return false;
        }, answers, dueTimes, () -> 1_000, new StageThreads((shard, role) -> { }), () -> false);
        try {
            dueTimes.scheduled(0, 10);
            assertTrue(ran.await(10, TimeUnit.SECONDS), "a due time runs the timer");
        } finally {
            timer.stop();
        }
    }

    /**
     * A wake that comes while the timer runs is not lost: the next run goes at once, with no regular run or due time
     * within the hour. Nor does it unpark the running timer, which only waits when it has looked at the wake: an
     * unpark there left the thread a permit, so that its next park returned at once into a third run with nothing
     * new, and every answer of a backlog paid for an unpark.
     */
    @Test
    void aWakeDuringARunRunsTheTimerOnceMoreAtOnceAndLeavesItNoSpuriousRun() throws InterruptedException {
        DueTimes dueTimes = new DueTimes(1, 86_400_000, 1_000);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch inFirstRun = new CountDownLatch(1);
        AtomicBoolean endFirstRun = new AtomicBoolean(); // spun on: a park in the run would take the unpark's permit
        CountDownLatch secondRun = new CountDownLatch(1);
        ExpiryTimer timer = ExpiryTimer.start(Duration.ofHours(1), () -> {
            if (runs.incrementAndGet() == 1) {
                inFirstRun.countDown();
                while (!endFirstRun.get()) {
                    Thread.onSpinWait();
                }
            } else {
                secondRun.countDown();
            }
            return false;
        }, ExpiryTimer.answers(dueTimes, 1024), dueTimes, () -> 1_000, new StageThreads((shard, role) -> { }), () -> false);
        long twoHoursAway = 1_000 + Duration.ofHours(2).toMillis(); // due beyond the period: no run of its own
        try {
            // the first wake only once the timer waits for one, so that it cannot race the timer's start
            assertTrue(parkedWithin(timer.thread(), TimeUnit.SECONDS.toNanos(10)), "the timer parks at first");
            dueTimes.scheduled(0, twoHoursAway);
            assertTrue(inFirstRun.await(10, TimeUnit.SECONDS), "a wake runs the timer");
            dueTimes.scheduled(0, twoHoursAway - 1); // a wake while it runs
            endFirstRun.set(true);
            assertTrue(secondRun.await(10, TimeUnit.SECONDS), "the wake during the run is not lost");
            assertTrue(parkedWithin(timer.thread(), TimeUnit.SECONDS.toNanos(10)), "the timer parks");
        } finally {
            timer.stop();
        }
        assertEquals(2, runs.get(), "no run after the wake's but for a wake, a due time or the period");
    }

    /**
     * No wake is lost, wherever in the timer's loop it lands: each of many wakes lowers a due time that lies beyond
     * the period (so nothing but the wake runs the timer), and a run must then see what was written before it. The
     * waker looks again only once a run has seen the last wake, spinning a while first and after it a varying number
     * of spins, so that the next wake lands in a run, between a run and the park, or in the park. A timer that said
     * it waits only after it had looked at the wake flag missed such a wake within a few thousand and slept the hour.
     */
    @Test
    void noWakeIsLostWhereverInTheTimersLoopItLands() throws InterruptedException {
        DueTimes dueTimes = new DueTimes(1, 86_400_000, 1_000);
        AtomicLong written = new AtomicLong();
        long[] seenUpTo = {0}; // the timer thread's
        Semaphore seen = new Semaphore(0);
        ExpiryTimer timer = ExpiryTimer.start(Duration.ofHours(1), () -> {
            long wake = written.get();
            if (wake > seenUpTo[0]) {
                seenUpTo[0] = wake;
                seen.release();
            }
            return false;
        }, ExpiryTimer.answers(dueTimes, 1024), dueTimes, () -> 1_000, new StageThreads((shard, role) -> { }), () -> false);
        long beyondThePeriod = 1_000 + Duration.ofHours(2).toMillis();
        SplittableRandom random = new SplittableRandom(11);
        try {
            for (long wake = 1; wake <= 20_000; wake++) {
                written.set(wake);
                dueTimes.recomputed(0, NextDue.NEVER);
                dueTimes.recomputed(0, beyondThePeriod); // comes down: a wake
                int spins = 0;
                while (!seen.tryAcquire()) {
                    if (++spins == 100_000) {
                        assertTrue(seen.tryAcquire(10, TimeUnit.SECONDS), "wake " + wake + " runs the timer");
                        break;
                    }
                    Thread.onSpinWait();
                }
                for (int spin = random.nextInt(200); spin > 0; spin--) {
                    Thread.onSpinWait();
                }
            }
        } finally {
            timer.stop();
        }
    }

    /**
     * The builder takes any positive period; one past what {@link System#nanoTime()} arithmetic holds (about 292
     * years) used to throw from {@code build()} after the stage threads had started, and leave them running. It now
     * runs as the longest period the timer keeps, and what comes due still runs the timer.
     */
    @Test
    void aPeriodOfCenturiesIsKeptAsTheLongestAndDueTimesStillRunTheTimer() throws InterruptedException {
        Duration millennium = Duration.ofDays(365L * 1_000);
        assertEquals(ExpiryTimer.LONGEST_PERIOD_NANOS, ExpiryTimer.periodNanos(millennium));
        assertEquals(ExpiryTimer.LONGEST_PERIOD_NANOS, ExpiryTimer.periodNanos(ChronoUnit.FOREVER.getDuration()));
        assertEquals(3_600_000_000_000L, ExpiryTimer.periodNanos(Duration.ofHours(1)));

        DueTimes dueTimes = new DueTimes(1, 86_400_000, 1_000);
        CountDownLatch ran = new CountDownLatch(1);
        ExpiryTimer timer = ExpiryTimer.start(millennium, () -> {
            ran.countDown();
            return false;
        }, ExpiryTimer.answers(dueTimes, 1024), dueTimes, () -> 1_000, new StageThreads((shard, role) -> { }), () -> false);
        try {
            dueTimes.scheduled(0, 10);
            assertTrue(ran.await(10, TimeUnit.SECONDS), "a due time runs the timer");
        } finally {
            timer.stop();
        }

        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(millennium).build()) {
            assertEquals(0, engine.submit(EngineFixtures.list(1)).join().sequence());
        }
    }

    /**
     * A clock below zero (the engine's clock is an input) and something due in the far future, a reservation that
     * expires at the end of time: the wait until it, taken as the due time minus now, overflowed to a negative
     * delay, so the timer never parked and ran again and again, on a core of its own, sending nothing. It now parks
     * until its regular run.
     */
    @Test
    void aDueTimeBeyondALongOfMillisecondsFromNowLetsTheTimerPark() {
        DueTimes dueTimes = new DueTimes(1, 86_400_000, 1_000);
        AtomicInteger runs = new AtomicInteger();
        ExpiryTimer timer = ExpiryTimer.start(Duration.ofHours(1), () -> {
            runs.incrementAndGet();
            return false;
        }, ExpiryTimer.answers(dueTimes, 1024), dueTimes, () -> -1_000, new StageThreads((shard, role) -> { }), () -> false);
        try {
            dueTimes.scheduled(0, Long.MAX_VALUE - 1); // wakes the timer, which looks (a run) and then parks
            assertTrue(parkedWithin(timer.thread(), TimeUnit.SECONDS.toNanos(10)), "the timer thread parks after "
                    + runs.get() + " runs");
        } finally {
            timer.stop();
        }
    }

    /**
     * The engine's clock is the caller's, and the timer reads it on its own thread to see what falls due. A clock
     * that threw once (a time service that failed for a moment) ended that thread, outside the run's guard, so
     * nothing ever expired, no held command was decided and no order was forgotten again, with one stack trace on
     * stderr to say so. The timer now logs the failure, pauses and looks again, and a due time still runs it; a
     * clock that keeps failing leaves it parked between tries, alive, rather than spinning.
     */
    @Test
    void aClockThatThrowsNeitherEndsTheTimerNorSpinsIt() throws InterruptedException {
        DueTimes dueTimes = new DueTimes(1, 86_400_000, 1_000);
        CountDownLatch ran = new CountDownLatch(1);
        AtomicInteger reads = new AtomicInteger();
        ExpiryTimer timer = ExpiryTimer.start(Duration.ofHours(1), () -> {
            ran.countDown();
            return false;
        }, ExpiryTimer.answers(dueTimes, 1024), dueTimes, () -> {
            if (reads.getAndIncrement() == 0) {
                throw new IllegalStateException("the time service did not answer");
            }
            return 1_000;
        }, new StageThreads((shard, role) -> { }), () -> false);
        try {
            dueTimes.scheduled(0, 10);
            assertTrue(ran.await(10, TimeUnit.SECONDS), "the timer runs for what is due once its clock answers");
            assertTrue(timer.thread().isAlive());
        } finally {
            timer.stop();
        }

        DueTimes broken = new DueTimes(1, 86_400_000, 1_000);
        AtomicInteger runs = new AtomicInteger();
        ExpiryTimer failing = ExpiryTimer.start(Duration.ofHours(1), () -> {
            runs.incrementAndGet();
            return false;
        }, ExpiryTimer.answers(broken, 1024), broken, () -> {
            throw new IllegalStateException("the time service is gone");
        }, new StageThreads((shard, role) -> { }), () -> false);
        try {
            broken.scheduled(0, 10);
            assertTrue(parkedWithin(failing.thread(), TimeUnit.SECONDS.toNanos(10)), "the timer parks between tries");
            assertTrue(failing.thread().isAlive(), "the timer thread goes on");
        } finally {
            failing.stop();
        }
    }

    /**
     * The timer guarded its clock reads and its runs against a {@link RuntimeException} only: an {@link Error}
     * (a {@link StackOverflowError} in the caller's clock, memory running out as a run publishes) ended its thread
     * as an exception once did, and nothing expired, no held command was decided and no order was forgotten again
     * until the engine was closed. The timer now logs an Error as it does an exception, pauses and goes on.
     */
    @Test
    void anErrorFromTheClockOrARunDoesNotEndTheTimer() throws InterruptedException {
        DueTimes dueTimes = new DueTimes(1, 86_400_000, 1_000);
        // the first run leaves 10 due; the timer reads the clock to wait for it (an Error), and its next run fails
        CountDownLatch ranAgain = new CountDownLatch(3);
        AtomicInteger reads = new AtomicInteger();
        ExpiryTimer timer = ExpiryTimer.start(Duration.ofHours(1), () -> {
            ranAgain.countDown();
            if (ranAgain.getCount() == 1) {
                throw new OutOfMemoryError("Java heap space");
            }
            return false;
        }, ExpiryTimer.answers(dueTimes, 1024), dueTimes, () -> {
            if (reads.getAndIncrement() == 0) {
                throw new StackOverflowError();
            }
            return 1_000;
        }, new StageThreads((shard, role) -> { }), () -> false);
        try {
            dueTimes.scheduled(0, 10);
            assertTrue(ranAgain.await(10, TimeUnit.SECONDS), "the timer runs again after a run that threw an Error");
            assertTrue(timer.thread().isAlive(), "the timer thread goes on");
        } finally {
            timer.stop();
        }
    }

    /** Whether {@code thread} is seen parked with a timeout before {@code timeoutNanos} pass. */
    private static boolean parkedWithin(Thread thread, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (System.nanoTime() < deadline) {
            if (thread.getState() == Thread.State.TIMED_WAITING) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }
}
