package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A close on a thread whose interrupt status is set (a service loop that runs until interrupted and then closes the
 * engine, as a worker that restores the interrupt it caught does) closes as on any other thread, and leaves the
 * thread interrupted. It used to take the interrupt for a reason to stop waiting: {@code close(timeout)} returned
 * {@code false} as soon as a stage thread had not yet stopped, so a journaled engine kept its directory locked although
 * everything was answered, and {@code close()} returned while a reaction was still running.
 */
class InterruptedCloseTest {
    private static final Duration LONG_ENOUGH = Duration.ofMinutes(1);

    /** Whether {@code thread} is, right now, inside a method {@code method} of {@code type}. */
    private static boolean inside(Thread thread, Class<?> type, String method) {
        return Arrays.stream(thread.getStackTrace())
                .anyMatch(frame -> frame.getClassName().equals(type.getName()) && frame.getMethodName().equals(method));
    }

    /** Waits until {@code closer} waits in {@code type.method}, or has ended: what the close does with the interrupt. */
    private static void awaitWaitingIn(AtomicReference<Thread> closer, Class<?> type, String method) {
        Thread closing;
        while ((closing = closer.get()) == null || closing.isAlive() && !inside(closing, type, method)) {
            Thread.onSpinWait();
        }
    }

    /** Runs {@code close} on a thread of its own that interrupts itself first; what it returned, and its interrupt. */
    private static Thread interruptedCloser(AtomicReference<Thread> closer, Runnable close) {
        Thread thread = Thread.ofPlatform().unstarted(() -> {
            Thread.currentThread().interrupt();
            close.run();
        });
        closer.set(thread);
        return thread;
    }

    @Test
    void aTimedCloseOnAnInterruptedThreadWaitsForTheStagesToStop() throws Exception {
        AtomicReference<Thread> closer = new AtomicReference<>();
        InMemoryJournal journal = new InMemoryJournal();
        // the journal stage closes as its thread stops, and takes until the close waits for that thread
        DurabilityStage slowToClose = new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
                    throws Exception {
                journal.onDecided(sequence, time, command, events, endOfBatch);
            }

            @Override
            public void close() {
                awaitWaitingIn(closer, StageThreads.class, "joinUntil");
            }
        };
        PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .journal(shard -> slowToClose).build();
        assertTrue(engine.submit(list(1)).join().accepted());

        CompletableFuture<Boolean> drained = new CompletableFuture<>();
        CompletableFuture<Boolean> interruptKept = new CompletableFuture<>();
        Thread closing = interruptedCloser(closer, () -> {
            drained.complete(engine.close(LONG_ENOUGH));
            interruptKept.complete(Thread.currentThread().isInterrupted());
        });
        closing.start();

        assertTrue(drained.get(1, TimeUnit.MINUTES), "everything was answered and every stage stopped in time");
        assertTrue(interruptKept.join(), "the closing thread is left interrupted");
        assertEquals(List.of(), engine.liveStageThreads());
        assertEquals(1, journal.size());
    }

    @Test
    void aCloseOnAnInterruptedThreadWaitsForTheReactionRunning() throws Exception {
        AtomicReference<Thread> closer = new AtomicReference<>();
        AtomicReference<Thread> reacting = new AtomicReference<>();
        CountDownLatch entered = new CountDownLatch(1);
        PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .reaction((command, outcome) -> {
                    if (command instanceof Command.ReceiveStock) {
                        reacting.set(Thread.currentThread());
                        entered.countDown();
                        // runs until the close waits for it (or returned without waiting)
                        awaitWaitingIn(closer, Reactions.class, "stop");
                    }
                    return Reaction.none();
                })
                .build();
        engine.submit(list(1)).join();
        engine.submit(receive(1, 1, 0, 10)).join();
        entered.await();

        CompletableFuture<Boolean> reactionAliveAfterClose = new CompletableFuture<>();
        CompletableFuture<Boolean> interruptKept = new CompletableFuture<>();
        Thread closing = interruptedCloser(closer, () -> {
            engine.close();
            reactionAliveAfterClose.complete(reacting.get().isAlive());
            interruptKept.complete(Thread.currentThread().isInterrupted());
        });
        closing.start();

        assertFalse(reactionAliveAfterClose.get(1, TimeUnit.MINUTES), "close returned while a reaction still ran");
        assertTrue(interruptKept.join(), "the closing thread is left interrupted");
    }
}
