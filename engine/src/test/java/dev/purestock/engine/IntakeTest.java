package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The intake gate counts the threads inside it in cells, one per thread; a close waits for every thread inside,
 * whichever cell counts it, and refuses every thread that comes after.
 */
class IntakeTest {
    /** More threads than cells: some share a cell, and every cell a thread picks is waited for. */
    private static final int THREADS = Intake.CELLS + 8;

    @Test
    void aCloseWaitsForEveryThreadInsideTheGateAndRefusesTheThreadsAfter() throws Exception {
        Intake intake = new Intake();
        CountDownLatch inside = new CountDownLatch(THREADS);
        AtomicInteger refused = new AtomicInteger();
        List<CountDownLatch> leave = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            CountDownLatch mayLeave = new CountDownLatch(1);
            leave.add(mayLeave);
            threads.add(Thread.ofPlatform().start(() -> {
                boolean entered = intake.enter();
                if (!entered) {
                    refused.incrementAndGet();
                }
                inside.countDown(); // counted either way, so that a refusal fails the test instead of hanging it
                if (entered) {
                    await(mayLeave);
                    intake.exit();
                }
            }));
        }
        inside.await();
        assertEquals(0, refused.get(), "threads refused by an open gate");
        intake.close();
        assertFalse(intake.enter(), "closed: a thread that comes now is refused");

        for (int i = 0; i < THREADS; i++) {
            assertFalse(intake.awaitPublishers(true, System.nanoTime()), (THREADS - i) + " threads still inside");
            leave.get(i).countDown();
            threads.get(i).join();
        }
        assertTrue(intake.awaitPublishers(true, System.nanoTime()), "every thread left");
    }

    @Test
    void aThreadThatStepsOutHoldsNoCloseUntilItStepsIn() {
        Intake intake = new Intake();
        assertTrue(intake.enter());
        intake.stepOut();
        assertTrue(intake.awaitPublishers(true, System.nanoTime()));
        intake.stepIn();
        assertFalse(intake.awaitPublishers(true, System.nanoTime()));
        intake.exit();
        assertTrue(intake.awaitPublishers(true, System.nanoTime()));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
