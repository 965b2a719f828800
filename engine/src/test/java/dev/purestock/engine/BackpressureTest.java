package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
}
