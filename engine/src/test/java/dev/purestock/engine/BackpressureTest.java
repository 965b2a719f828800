package dev.purestock.engine;

import dev.purestock.domain.Command;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.purchase;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A full ring refuses {@code trySubmit} at once and loses nothing once the stalled stage resumes. */
class BackpressureTest {
    private static final int RING = 16;

    @Test
    void aFullRingRefusesTrySubmitAndLosesNothingOnceTheStageResumes() throws Exception {
        InMemoryJournal journal = new InMemoryJournal();
        EngineFixtures.StalledStage stalled = new EngineFixtures.StalledStage(journal);
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(RING).journal(shard -> stalled).build()) {
            List<EngineFixtures.FutureCallback> callbacks = new ArrayList<>();
            EngineFixtures.FutureCallback first = new EngineFixtures.FutureCallback();
            assertEquals(SubmitResult.SUBMITTED, engine.trySubmit(list(7), first));
            callbacks.add(first);
            stalled.awaitStalled();

            for (int i = 1; i < RING; i++) {
                EngineFixtures.FutureCallback callback = new EngineFixtures.FutureCallback();
                SubmitResult result = engine.trySubmit(i == 1 ? receive(1, 7, 0, 100) : purchase(i, 7, 0), callback);
                assertEquals(SubmitResult.SUBMITTED, result, "slot " + i);
                callbacks.add(callback);
            }
            EngineFixtures.FutureCallback refused = new EngineFixtures.FutureCallback();
            assertEquals(SubmitResult.RING_FULL, engine.trySubmit(purchase(100, 7, 0), refused));
            assertEquals(SubmitResult.RING_FULL, engine.trySubmit(list(8), refused));
            CompletableFuture<CompletableFuture<Outcome>> waiting = new CompletableFuture<>();
            Thread waiter = Thread.ofPlatform().start(() -> waiting.complete(engine.submit(purchase(101, 7, 0))));
            assertFalse(refused.future.isDone(), "a refused submission is never answered");
            assertTrue(callbacks.stream().noneMatch(c -> c.future.isDone()), "nothing answered while stalled");

            stalled.release();
            for (int i = 0; i < RING; i++) {
                Outcome outcome = callbacks.get(i).future.join();
                assertEquals(i, outcome.sequence());
                assertTrue(outcome.accepted(), "command " + i);
            }
            waiter.join();
            assertEquals(RING, waiting.join().join().sequence());
            assertEquals(RING + 1, journal.size());
            assertEquals(100 - (RING - 2) - 1, engine.readModel().available(7, 0));
            assertFalse(refused.future.isDone());
        }
    }

    /**
     * A producer that keeps the ring from ever emptying (one of its commands always waits in the ring, as under a
     * sale's load) must not starve {@code submitAll}: a run as long as the ring used to wait for the whole ring to
     * be free at once, which never happened, so it waited until the load stopped.
     */
    @Test
    void submitAllGetsInWhileAnotherProducerKeepsTheRingFromEmptying() throws Exception {
        int ring = 4;
        long held = 1_000;
        int mostOthers = 2_000;
        BlockingQueue<Long> reached = new LinkedBlockingQueue<>();
        Semaphore permits = new Semaphore(0);
        PurestockEngine engine = PurestockEngine.builder().ringSize(ring).expireReservationsEvery(Duration.ZERO)
                .consumer((command, outcome) -> {
                    if (command instanceof Command.Purchase p && p.orderId() >= held) {
                        reached.put(p.orderId());
                        permits.acquire(); // the other producer's command stays in the ring until let go
                    }
                }).build();
        try {
            engine.submit(list(7)).join();
            // stock for every purchase either producer can send, so none is refused however long the run waits
            long stock = mostOthers + ring;
            engine.submit(receive(1, 7, 0, stock)).join();
            List<CompletableFuture<Outcome>> others = new ArrayList<>();
            others.add(engine.submit(purchase(held, 7, 0)));
            assertEquals(held, reached.take());
            List<Command> run = new ArrayList<>();
            for (int i = 0; i < ring; i++) {
                run.add(purchase(i + 1, 7, 0));
            }
            CompletableFuture<List<CompletableFuture<Outcome>>> all = new CompletableFuture<>();
            Thread submitter = Thread.ofPlatform().start(() -> all.complete(engine.submitAll(run)));
            // the other producer's next command is in the ring before its previous one leaves it, so the ring never
            // empties; it sends until the run has taken the room it leaves (at least two free slots throughout)
            boolean runGotIn = false;
            for (long next = held + 1; next < held + mostOthers && !runGotIn; next++) {
                EngineFixtures.FutureCallback callback = new EngineFixtures.FutureCallback();
                runGotIn = engine.trySubmit(purchase(next, 7, 0), callback) != SubmitResult.SUBMITTED;
                awaitParkedOrDone(submitter); // it had its turn at the room this command leaves
                permits.release();
                if (!runGotIn) {
                    others.add(callback.future);
                    assertEquals(next, reached.take());
                    runGotIn = all.isDone();
                }
            }
            assertTrue(runGotIn, "submitAll got in while the other producer kept the ring from emptying");
            permits.release(10_000);
            submitter.join();
            for (CompletableFuture<Outcome> outcome : all.join()) {
                assertTrue(outcome.join().accepted());
            }
            others.forEach(CompletableFuture::join);
            assertEquals(stock - ring - others.size(), engine.readModel().available(7, 0));
        } finally {
            permits.release(10_000);
            engine.close();
        }
    }

    /**
     * Waits until {@code thread} has ended or is parked: a submitter waiting for ring space has taken what room there
     * was. Without this, a busy machine could leave it unscheduled for every turn of the loop above.
     */
    private static void awaitParkedOrDone(Thread thread) {
        while (thread.isAlive() && thread.getState() != Thread.State.WAITING
                && thread.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
    }
}
