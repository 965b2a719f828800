package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.InventoryState;
import dev.purestock.domain.Line;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Callbacks, consumers, durability stages and snapshot writers run on the engine's stage threads, which
 * alone free ring space: a call from one of them that would wait for ring space, or {@code close()}, is
 * refused with an exception instead of hanging the engine. (The timeouts only guard against a hang; the
 * assertions are on the exceptions.)
 */
class StageThreadTest {
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);
    private static final int RING = 4;
    private static final String REFUSAL = ", one of this engine's stage threads (a callback, consumer, durability "
            + "stage or snapshot writer runs there): waiting would deadlock the engine, since only its stage "
            + "threads free ring space, so nothing was submitted. From a stage thread use trySubmit and handle "
            + "RING_FULL, or hand the command to a thread of your own";

    /**
     * On a stage thread, {@code submitAll} fails the first command that does not fit and every command after it: a
     * command for every shard (a listing) that one full ring refuses too. It used to fail only the listing and go
     * on submitting the commands after it to shards with room.
     */
    @Test
    void submitAllOnAStageThreadFailsEveryCommandAfterAListingThatDoesNotFit() {
        assertTimeoutPreemptively(HANG_GUARD, this::submitAllAfterAListingThatDoesNotFit);
    }

    private void submitAllAfterAListingThatDoesNotFit() throws Exception {
        EngineFixtures.StalledStage stalled = new EngineFixtures.StalledStage(new InMemoryJournal());
        PurestockEngine engine = PurestockEngine.builder().shards(2).ringSize(RING)
                .expireReservationsEvery(Duration.ZERO)
                .journal(shard -> shard == 1 ? stalled : new InMemoryJournal()).build();
        try {
            engine.submit(receive(1, 1, 1, 5), new EngineFixtures.ViewCallback());
            stalled.awaitStalled();
            while (engine.trySubmit(receive(2, 1, 1, 5), new EngineFixtures.ViewCallback()) == SubmitResult.SUBMITTED) {
                // until shard 1's ring is full: its journal holds the first command
            }
            CompletableFuture<List<CompletableFuture<Outcome>>> fromStage = new CompletableFuture<>();
            engine.submit(receive(3, 1, 0, 5), new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) { // on purestock-shard-0-complete
                    fromStage.complete(engine.submitAll(List.of(list(7), receive(4, 7, 0, 5))));
                }

                @Override
                public void onFailure(Throwable cause) {
                    fromStage.completeExceptionally(cause);
                }
            });
            List<CompletableFuture<Outcome>> futures = fromStage.get();
            String onThread = " on purestock-shard-0-complete";
            assertRefused("submitAll found a shard's ring full" + onThread, failureOf(futures.get(0)));
            assertRefused("submitAll found a shard's ring full" + onThread, failureOf(futures.get(1)));
        } finally {
            stalled.release();
            engine.close();
        }
        assertEquals(InventoryState.NO_POSITION, engine.readModel().available(7, 0),
                "the receipt after the refused listing was not sent");
    }

    @Test
    void aCallbackThatWouldWaitForAFullRingIsRefusedAndOneWithRoomGoesThrough() {
        assertTimeoutPreemptively(HANG_GUARD, this::callbackIntoAFullRing);
    }

    private void callbackIntoAFullRing() throws Exception {
        InMemoryJournal[] journals = {new InMemoryJournal(), new InMemoryJournal()};
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).ringSize(RING)
                .journal(shard -> journals[shard]).snapshotWriter(shard -> (sequence, time, store) -> {
                })
                .expireReservationsEvery(Duration.ZERO).build()) {
            CountDownLatch inCallback = new CountDownLatch(1);
            CountDownLatch ringFull = new CountDownLatch(1);
            CompletableFuture<Outcome> broadcast = new CompletableFuture<>();
            EngineFixtures.FutureCallback routed = new EngineFixtures.FutureCallback();
            CompletableFuture<List<CompletableFuture<Outcome>>> all = new CompletableFuture<>();
            CompletableFuture<CompletableFuture<Long>> digest = new CompletableFuture<>();
            CompletableFuture<CompletableFuture<Long>> snapshot = new CompletableFuture<>();
            CompletableFuture<CompletableFuture<Outcome>> withRoom = new CompletableFuture<>();
            OutcomeCallback blocking = new OutcomeCallback() {
                @Override
                public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                    inCallback.countDown();
                    try {
                        ringFull.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    engine.submit(list(5)).whenComplete((outcome, failure) -> {
                        if (failure != null) {
                            broadcast.completeExceptionally(failure);
                        } else {
                            broadcast.complete(outcome);
                        }
                    });
                    engine.submit(receive(20, 1, 0, 1), routed);
                    all.complete(engine.submitAll(List.of(receive(21, 1, 0, 1), receive(22, 1, 0, 1))));
                    digest.complete(engine.digest(0));
                    snapshot.complete(engine.snapshot(0));
                    withRoom.complete(engine.submit(receive(23, 1, 1, 7)));
                }

                @Override
                public void onFailure(Throwable cause) {
                }
            };
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10), blocking);
            inCallback.await();
            List<EngineFixtures.FutureCallback> fillers = new ArrayList<>();
            for (long movement = 10; ; movement++) {
                EngineFixtures.FutureCallback filler = new EngineFixtures.FutureCallback();
                if (engine.trySubmit(receive(movement, 1, 0, 1), filler) != SubmitResult.SUBMITTED) {
                    break;
                }
                fillers.add(filler);
            }
            assertEquals(RING - 1, fillers.size(), "the blocked callback holds one slot of shard 0's ring");
            ringFull.countDown();

            String onThread = " on purestock-shard-0-complete";
            assertRefused("submit found shard 0's ring full" + onThread, failureOf(broadcast));
            assertRefused("submit found shard 0's ring full" + onThread, failureOf(routed.future));
            for (CompletableFuture<Outcome> future : all.join()) {
                assertRefused("submitAll found shard 0's ring full" + onThread, failureOf(future));
            }
            assertRefused("digest found shard 0's ring full" + onThread, failureOf(digest.join()));
            assertRefused("snapshot found shard 0's ring full" + onThread, failureOf(snapshot.join()));

            Outcome other = withRoom.join().join();
            assertEquals(1, other.shard(), "shard 1's ring had room: submitting from a callback goes through");
            assertTrue(other.accepted());
            for (EngineFixtures.FutureCallback filler : fillers) {
                assertTrue(filler.future.join().accepted());
            }
            assertTrue(engine.submit(receive(30, 1, 0, 1)).join().accepted());
            assertEquals(10 + (RING - 1) + 1, engine.readModel().available(1, 0),
                    "the refused commands changed nothing");
            assertTrue(engine.failure().isEmpty());
            assertEquals(RING + 2, journals[0].size(), "the listing, the blocking receipt, the fillers, the last one");
            assertEquals(2, journals[1].size(), "the listing and the receipt submitted with room");
        }
    }

    @Test
    void closeFromACallbackIsRefusedAndTheEngineGoesOn() {
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
                CompletableFuture<Throwable> closing = new CompletableFuture<>();
                // a callback, not a future's continuation: a continuation may run on this thread instead
                engine.submit(list(1), new OutcomeCallback() {
                    @Override
                    public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                        try {
                            engine.close();
                            closing.complete(null);
                        } catch (Throwable e) {
                            closing.complete(e);
                        }
                    }

                    @Override
                    public void onFailure(Throwable cause) {
                        closing.completeExceptionally(cause);
                    }
                });
                IllegalStateException refused = assertInstanceOf(IllegalStateException.class, closing.join());
                assertEquals("close() was called on purestock-shard-0-complete, one of this engine's stage threads "
                        + "(from a callback, consumer, durability stage or snapshot writer): close waits for those "
                        + "threads to finish, so it would never return; nothing was closed. Close the engine from "
                        + "a thread of your own", refused.getMessage());
                assertEquals(1, engine.submit(list(2)).join().sequence(), "the engine goes on");
            }
        });
    }

    @Test
    void aCallbackReactsBySubmittingWhileTheRingHasRoom() {
        CompletableFuture<CompletableFuture<Outcome>> reaction = new CompletableFuture<>();
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(RING)
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1), new OutcomeCallback() {
                @Override
                public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                    reaction.complete(engine.submit(receive(1, 1, 0, 5)));
                }

                @Override
                public void onFailure(Throwable cause) {
                    reaction.completeExceptionally(cause);
                }
            });
            Outcome received = reaction.join().join();
            assertEquals(1, received.sequence());
            assertEquals(5, engine.readModel().available(1, 0));
        }
    }

    /**
     * A callback or consumer that leaves its stage thread interrupted (it restored an interrupt it caught) kept the
     * thread interrupted for good: every park of the stage's wait returned at once, so the stage spun a whole core
     * while idle for as long as the engine ran (about 95% of a core, measured, with the default wait), and the next
     * caller's callback ran interrupted, so that its own blocking calls failed. The stage clears it as it waits.
     */
    @Test
    void anInterruptACallbackLeavesOnAStageThreadDoesNotReachTheNextCallback() {
        InMemoryJournal journal = new InMemoryJournal();
        Set<Long> journalInterruptedAt = ConcurrentHashMap.newKeySet();
        DurabilityStage interrupting = new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
                    throws Exception {
                if (Thread.currentThread().isInterrupted()) {
                    journalInterruptedAt.add(sequence);
                }
                journal.onDecided(sequence, time, command, events, endOfBatch);
                if (sequence == 0) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void close() {
            }
        };
        Set<Long> interruptedAt = ConcurrentHashMap.newKeySet();
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .journal(shard -> interrupting)
                .consumer((command, outcome) -> {
                    if (Thread.currentThread().isInterrupted()) {
                        interruptedAt.add(outcome.sequence());
                    }
                    if (outcome.sequence() == 0) {
                        Thread.currentThread().interrupt();
                    }
                })
                .build()) {
            engine.submit(list(1)).join();
            CompletableFuture<Boolean> interruptedCallback = new CompletableFuture<>();
            engine.submit(receive(1, 1, 0, 5), new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    interruptedCallback.complete(Thread.currentThread().isInterrupted());
                }

                @Override
                public void onFailure(Throwable cause) {
                    interruptedCallback.completeExceptionally(cause);
                }
            });
            assertFalse(interruptedCallback.join(), "the next callback ran on a thread a consumer left interrupted");
            assertEquals(Set.of(), interruptedAt);
            assertEquals(Set.of(), journalInterruptedAt, "a durability stage that leaves its thread interrupted too");
            assertEquals(2, journal.size());
        }
    }

    /**
     * The engine's clock is the caller's code too, read on the decision thread for every command and on the timer's
     * thread for what falls due. A clock that left either thread interrupted kept it so: the decision thread's parks
     * and the timer's waits returned at once (each spinning a core while idle), and every later reading of the clock
     * ran interrupted. Both threads clear it after they read the clock.
     */
    @Test
    void anInterruptTheClockLeavesOnTheDecisionOrTimerThreadDoesNotReachItsNextReading() throws Exception {
        String decisionThread = StageRole.DECIDE.threadName(0);
        List<Boolean> decisionReadings = new CopyOnWriteArrayList<>();
        List<Boolean> timerReadings = new CopyOnWriteArrayList<>();
        CountDownLatch timerReadTwice = new CountDownLatch(2);
        LongSupplier interruptingClock = () -> {
            String name = Thread.currentThread().getName();
            List<Boolean> readings = name.equals(decisionThread) ? decisionReadings
                    : name.equals(ExpiryTimer.THREAD_NAME) ? timerReadings : null;
            if (readings != null) {
                readings.add(Thread.currentThread().isInterrupted());
                if (readings.size() == 1) {
                    Thread.currentThread().interrupt();
                }
                if (readings == timerReadings) {
                    timerReadTwice.countDown();
                }
            }
            return 1_000;
        };
        try (PurestockEngine engine = PurestockEngine.builder().clock(interruptingClock)
                .expireReservationsEvery(Duration.ofHours(1)).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 5)).join();
            // due long after the test: the timer reads the clock to learn how long to wait for it
            assertTrue(engine.submit(new Command.Reserve(7, 3, List.of(new Line(1, 0, 1)), Long.MAX_VALUE / 2))
                    .join().accepted());
            assertTrue(timerReadTwice.await(1, TimeUnit.MINUTES), "the timer read the clock twice");
        }
        assertEquals(List.of(false, false, false), decisionReadings.subList(0, 3));
        assertEquals(List.of(false, false), timerReadings.subList(0, 2));
    }

    @Test
    void stageThreadsAreNamedByShardAndRole() {
        Set<String> names = ConcurrentHashMap.newKeySet();
        DurabilityStage recordName = (sequence, time, command, events, endOfBatch) ->
                names.add(Thread.currentThread().getName());
        try (PurestockEngine engine = PurestockEngine.builder().shards(2)
                .journal(shard -> recordName)
                .replication(shard -> recordName)
                .snapshotWriter(shard -> (sequence, time, store) -> names.add(Thread.currentThread().getName()))
                .consumer((command, outcome) -> names.add(Thread.currentThread().getName()))
                .build()) {
            engine.submit(list(1)).join();
            engine.snapshot(1).join();
        }
        assertEquals(Set.of("purestock-shard-0-journal", "purestock-shard-0-replicate", "purestock-shard-0-complete",
                "purestock-shard-1-journal", "purestock-shard-1-replicate", "purestock-shard-1-complete",
                "purestock-shard-1-snapshot"), names);
    }

    @Test
    void onlyConfiguredStagesHaveThreads() {
        DurabilityStage none = (sequence, time, command, events, endOfBatch) -> {
        };
        SnapshotWriter discard = (sequence, time, store) -> {
        };
        assertEquals(List.of("purestock-shard-0-decide", "purestock-shard-0-complete"),
                liveStageThreads(PurestockEngine.builder()));
        assertEquals(List.of("purestock-shard-0-decide", "purestock-shard-0-journal", "purestock-shard-0-complete"),
                liveStageThreads(PurestockEngine.builder().journal(shard -> none)));
        assertEquals(List.of("purestock-shard-0-decide", "purestock-shard-0-journal", "purestock-shard-0-replicate",
                        "purestock-shard-0-complete"),
                liveStageThreads(PurestockEngine.builder().journal(shard -> none).replication(shard -> none)));
        assertEquals(List.of("purestock-shard-0-decide", "purestock-shard-0-journal", "purestock-shard-0-apply",
                        "purestock-shard-0-snapshot", "purestock-shard-0-complete",
                        "purestock-shard-1-decide", "purestock-shard-1-journal", "purestock-shard-1-complete"),
                liveStageThreads(PurestockEngine.builder().shards(2).journal(shard -> none)
                        .snapshotWriter(shard -> shard == 0 ? discard : null)));
    }

    /**
     * The stage threads alive in a started engine, sorted by shard, then in pipeline order ({@link StageRole}'s:
     * the snapshot writer's thread is started by the apply stage's, so its creation order varies), and none after
     * close.
     */
    private static List<String> liveStageThreads(PurestockEngine.Builder builder) {
        PurestockEngine engine = builder.expireReservationsEvery(Duration.ZERO).build();
        List<String> live;
        try {
            engine.submit(list(1)).join();
            live = engine.liveStageThreads().stream()
                    .sorted(java.util.Comparator.comparing((String name) -> name.substring(0, 17))
                            .thenComparing(name -> StageRole.valueOf(name.substring(18).toUpperCase(
                                    java.util.Locale.ROOT)))).toList();
        } finally {
            engine.close();
        }
        assertEquals(List.of(), engine.liveStageThreads(), "a closed engine leaves no stage thread behind");
        return live;
    }

    private static void assertRefused(String start, Throwable failure) {
        IllegalStateException refused = assertInstanceOf(IllegalStateException.class, failure);
        assertEquals(start + REFUSAL, refused.getMessage());
    }
}
