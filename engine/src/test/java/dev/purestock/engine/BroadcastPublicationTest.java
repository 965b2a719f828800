package dev.purestock.engine;

import dev.purestock.domain.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A command for every shard, submitted by a thread that may wait, is published one shard after another: what its
 * caller is told when the publication stops part way (a publication that throws, a close that timed out while it
 * waited for a later shard's ring), and that it says which shards it reached.
 */
class BroadcastPublicationTest {

    /** Counts, per shard, the outcomes of listings of {@code sku} the consumers saw. */
    private static OutcomeConsumer countingListingsOf(long sku, AtomicIntegerArray seen) {
        return (command, outcome) -> {
            if (command instanceof Command.ListProduct listing && listing.sku() == sku) {
                seen.incrementAndGet(outcome.shard());
            }
        };
    }

    @ParameterizedTest(name = "an Error: {0}")
    @ValueSource(booleans = {false, true})
    void aPublicationThatThrowsAtALaterShardAnswersTheCallerOnceWithTheShardsItReached(boolean error) {
        Throwable failure = error ? new OutOfMemoryError("Java heap space") : new IllegalStateException("no room");
        AtomicBoolean failNext = new AtomicBoolean();
        AtomicIntegerArray seen = new AtomicIntegerArray(3);
        CountingCallback callback = new CountingCallback();
        try (PurestockEngine engine = PurestockEngine.builder().shards(3).expireReservationsEvery(Duration.ZERO)
                .consumer(countingListingsOf(1, seen)).consumer(countingListingsOf(2, seen))
                .publicationFault(EngineFixtures.failingOnceAt(2, failNext, failure)).build()) {
            failNext.set(true);
            Throwable told = failureOf(engine.submit(list(1)));
            assertSame(failure, told.getCause(), "the caller is told what the publication threw");
            assertEquals("this command for every shard was published to shards 0..1 of 3 when its publication "
                    + "threw (" + failure + "); it was not published to any later shard and was not acknowledged (the "
                    + "shards it reached apply it: resubmit it, which changes nothing where it was applied)",
                    told.getMessage());

            failNext.set(true);
            engine.submit(list(2), callback);
            engine.submit(list(3)).join(); // the engine goes on
        }
        assertEquals(1, callback.failures.get(), "the callback caller is answered once");
        assertEquals(0, callback.outcomes.get());
        assertSame(failure, callback.failure.get().getCause());
        // the shards each was published to applied it (the close drained them); the last shard never got either
        assertEquals(2, seen.get(0), "shard 0");
        assertEquals(2, seen.get(1), "shard 1");
        assertEquals(0, seen.get(2), "shard 2");
    }

    /**
     * Shard 1's ring is full behind a journal that stalls; the broadcast reached shard 0, which answered it, and
     * waits for room in shard 1's ring when a close runs out of time and abandons the wait. The caller is told that
     * shard 0 has the command, not that nothing was submitted.
     */
    @Test
    void aCloseThatAbandonsTheWaitForALaterShardsRingTellsTheCallerWhichShardsHaveIt() throws Exception {
        EngineFixtures.StalledStage stalled = new EngineFixtures.StalledStage(new InMemoryJournal());
        CountDownLatch shardZeroAnswered = new CountDownLatch(1);
        AtomicReference<Thread> closer = new AtomicReference<>();
        AtomicReference<PurestockEngine> built = new AtomicReference<>();
        PurestockEngine engine = PurestockEngine.builder().shards(2).ringSize(2).expireReservationsEvery(Duration.ZERO)
                .journal(shard -> shard == 1 ? stalled : new InMemoryJournal())
                .consumer((command, outcome) -> {
                    if (command instanceof Command.ListProduct && outcome.shard() == 0) {
                        shardZeroAnswered.countDown(); // its slot was claimed and answered before the consumers ran
                    }
                })
                .publicationFault(shard -> {
                    if (shard == 1) {
                        try {
                            shardZeroAnswered.await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        closer.set(Thread.ofPlatform().start(() -> built.get().close(Duration.ZERO)));
                    }
                }).build();
        built.set(engine);
        try {
            EngineFixtures.ViewCallback first = new EngineFixtures.ViewCallback();
            assertEquals(SubmitResult.SUBMITTED, engine.trySubmit(receive(1, 1, 1, 1), first));
            stalled.awaitStalled();
            int taken = 1;
            while (engine.trySubmit(receive(1 + taken, 1, 1, 1), new EngineFixtures.ViewCallback())
                    == SubmitResult.SUBMITTED) {
                taken++;
                assertTrue(taken <= 4, "shard 1's ring of 2 holds 2 commands besides the stalled one at most");
            }

            Throwable told = failureOf(engine.submit(list(1)));
            assertInstanceOf(EngineClosedException.class, told);
            assertEquals("the purestock engine's close timed out while this command for every shard was published "
                    + "to shard 0 of 2 and waited for room in shard 1's ring; it was not published to any later shard "
                    + "and was not acknowledged (the shards it reached may have applied it: after a "
                    + "restart, resubmit it, which changes nothing where it was applied)", told.getMessage());
        } finally {
            stalled.release();
            Thread closing = closer.get();
            assertNotNull(closing, "the close was started");
            closing.join();
            engine.close();
        }
    }

    /** Counts how it was answered. */
    private static final class CountingCallback implements OutcomeViewCallback {
        final AtomicInteger outcomes = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        @Override
        public void onOutcome(OutcomeView outcome) {
            outcomes.incrementAndGet();
        }

        @Override
        public void onFailure(Throwable cause) {
            failure.set(cause);
            failures.incrementAndGet();
        }
    }
}
