package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing from where the engine answers a caller: refused on a stage thread, which close would wait for; allowed on
 * the submitting thread, which answers outside the intake gate. Closing always returns.
 */
class CloseFromCallbacksTest {

    /**
     * A callback the engine runs on the submitting thread (a command refused before sequencing) runs outside the
     * intake gate, so a close from it neither waits for its own submission nor is refused: it closes.
     */
    @Test
    void aCloseFromACallbackAnsweredOnTheSubmittingThreadCloses() {
        List<Line> lines = new ArrayList<>();
        for (int line = 0; line <= Limits.MAX_LINES; line++) {
            lines.add(new Line(line + 1, 0, 1));
        }
        CompletableFuture<Boolean> closed = new CompletableFuture<>();
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(new Command.ListProduct(1, 0)).join();
            SubmitResult submitted = engine.trySubmit(new Command.PlaceOrder(1, 1, lines), new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    try {
                        closed.complete(engine.close(Duration.ofMinutes(1))); // answered right here, refused
                    } catch (RuntimeException e) {
                        closed.completeExceptionally(e);
                    }
                }

                @Override
                public void onFailure(Throwable cause) {
                    closed.completeExceptionally(cause);
                }
            });
            assertEquals(SubmitResult.SUBMITTED, submitted);
            assertTrue(closed.join(), "drained and closed from the callback");
            assertInstanceOf(EngineClosedException.class,
                    EngineFixtures.failureOf(engine.submit(new Command.ListProduct(2, 0))));
        }
    }

    /**
     * Every answer given, but a snapshot write that hangs and a snapshot waiting behind it: {@code close(timeout)}
     * returns {@code false} within its time (the snapshot stage has not stopped), the snapshot waiting is written,
     * and its caller answered, only afterwards, and a later {@code close()} waits for both.
     */
    @Test
    void aBoundedCloseReturnsWithinItsTimeWhileASnapshotWriteHangsAndALaterCloseWaitsForIt() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .snapshotWriter(shard -> (sequence, time, store) -> {
                    writing.countDown();
                    release.await(); // a disk that stopped answering
                })
                .build();
        engine.submit(new Command.ListProduct(1, 0)).join();
        CompletableFuture<Long> snapshot = engine.snapshot(0);
        writing.await();
        CompletableFuture<Outcome> received = engine.submit(new Command.ReceiveStock(1, 1, 0, 10));
        CompletableFuture<Long> waiting = engine.snapshot(0);

        try {
            assertFalse(engine.close(Duration.ofMillis(100)), "answered everything, but the snapshot stage still runs");
            assertTrue(received.join().accepted(), "every command was answered");
            assertFalse(snapshot.isDone());
            assertFalse(waiting.isDone(), "the snapshot waiting is written after the close returned");
        } finally {
            release.countDown();
        }
        engine.close(); // waits for the snapshot stage to stop
        assertEquals(0, snapshot.join(), "the snapshot covers the one command");
        assertEquals(1L, waiting.join(), "written once the stage got to it, before close() returned");
    }

    @Test
    void aCloseWithATimeoutBeyondAnyClockReturnsWithReactionsRegistered() {
        PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .reaction((command, outcome) -> Reaction.none()).build();
        engine.submit(new Command.ListProduct(1, 0)).join();
        assertTrue(engine.close(Duration.ofSeconds(Long.MAX_VALUE)));
    }
}
