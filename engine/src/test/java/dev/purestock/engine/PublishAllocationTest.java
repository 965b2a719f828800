package dev.purestock.engine;

import dev.purestock.domain.Command;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Publishing allocates nothing on the submitting thread: a command record submitted with a reused view callback
 * (through the Disruptor's event translators) and a purchase submitted as its fields (a slot written by hand),
 * ring full or not. Counted with the JVM's per-thread allocation counter on the submitting thread alone; the
 * stages' allocations are theirs. The bound is under one byte per command, as in
 * {@link FieldsDecisionAllocationTest}: any allocation per command fails it.
 */
class PublishAllocationTest {
    private static final int WARMUP = 50_000;
    private static final int MEASURED = 50_000;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Counts answers down, reading nothing from the view. */
    private static final class Counting implements OutcomeViewCallback {
        final CountDownLatch answered = new CountDownLatch(2 * (WARMUP + MEASURED));

        @Override
        public void onOutcome(OutcomeView outcome) {
            answered.countDown();
        }

        @Override
        public void onFailure(Throwable cause) {
            throw new AssertionError(cause);
        }
    }

    @Test
    void submittingARecordOrFieldsAllocatesNothingOnTheSubmittingThread() throws InterruptedException {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        Counting callback = new Counting();
        Command unknownOrder = new Command.CancelPurchase(1); // rejected (UNKNOWN_ORDER): the state never grows
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(256).expireReservationsEvery(Duration.ZERO)
                .build()) {
            submit(engine, unknownOrder, callback, WARMUP);
            long before = THREADS.getCurrentThreadAllocatedBytes();
            submit(engine, unknownOrder, callback, MEASURED);
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            callback.answered.await();
            assertTrue(allocated < MEASURED, allocated + " bytes allocated on the submitting thread by " + MEASURED
                    + " record and " + MEASURED + " field submissions: something is allocated per command");
        }
    }

    private static void submit(PurestockEngine engine, Command command, OutcomeViewCallback callback, int count) {
        for (int i = 0; i < count; i++) {
            engine.submit(command, callback);
            engine.submitCancelPurchase(1, callback);
        }
    }
}
