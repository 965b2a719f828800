package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Line;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Reason;
import dev.purestock.domain.ReleasedHold;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reactions turn outcomes into follow-up commands, submitted through the engine like any other command: journaled,
 * seen by consumers and by the reactions again, and never run on a stage thread.
 */
class ReactionsTest {
    private static final Duration IDLE = Duration.ofSeconds(30);
    private static final long EXPIRES_AT = Long.MAX_VALUE / 2;

    private static Command.Reserve reserve(long orderId, long customer, long quantity) {
        return new Command.Reserve(orderId, customer, List.of(new Line(1, 0, quantity)), EXPIRES_AT);
    }

    private static PurestockEngine.Builder engine(InMemoryJournal journal) {
        return PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).journal(shard -> journal);
    }

    private static boolean reserved(Outcome outcome) {
        return outcome.events().stream().anyMatch(Event.StockReserved.class::isInstance);
    }

    @Test
    void aFollowUpIsSubmittedJournaledAndSeenByConsumers() throws Exception {
        InMemoryJournal journal = new InMemoryJournal();
        Map<Long, Integer> consumed = new ConcurrentHashMap<>();
        try (PurestockEngine engine = engine(journal)
                .consumer((command, outcome) -> {
                    if (command instanceof Command.ReleaseReservation release && outcome.accepted()) {
                        consumed.merge(release.orderId(), 1, Integer::sum);
                    }
                })
                .reaction((command, outcome) -> command instanceof Command.Reserve r && reserved(outcome)
                        && r.customer() % 2 == 1
                        ? Reaction.followUps(new Command.ReleaseReservation(r.orderId())) : Reaction.none())
                .build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 100)).join();
            for (long order = 1; order <= 10; order++) {
                assertTrue(engine.submit(reserve(order, order, 5)).join().accepted());
            }
            assertTrue(engine.reactions().awaitIdle(IDLE));

            for (long order = 1; order <= 10; order++) {
                assertEquals(order % 2 == 1 ? OrderStatus.RELEASED : OrderStatus.RESERVED,
                        engine.readModel().orderStatus(order), "order " + order);
            }
            assertEquals(75, engine.readModel().available(1, 0), "five releases gave their 5 units back");
            assertEquals(5, engine.reactions().followUpsSubmitted());
            assertEquals(Map.of(1L, 1, 3L, 1, 5L, 1, 7L, 1, 9L, 1), consumed);
            assertEquals(5, journal.entries().stream()
                    .filter(e -> e.command() instanceof Command.ReleaseReservation).count(), "journaled");
            assertEquals(12 + 5, engine.reactions().reacted(), "every sequenced command, follow-ups included");
        }
    }

    @Test
    void aReactionSeesWhatBecameOfEachHeldCommandInTheTimeCommandsOutcome() throws Exception {
        AtomicLong clock = new AtomicLong(1_000);
        List<Long> waitlisted = new CopyOnWriteArrayList<>();
        try (PurestockEngine engine = engine(new InMemoryJournal()).clock(clock::get)
                .reaction((command, outcome) -> {
                    // a held purchase that found no stock when it fell due: the hold id says whose it was
                    if (command instanceof Command.ExpireReservations) {
                        for (ReleasedHold released : ReleasedHold.in(outcome.events())) {
                            released.rejection().filter(rejected -> rejected.reason() == Reason.OUT_OF_STOCK)
                                    .ifPresent(rejected -> waitlisted.add(released.holdId()));
                        }
                    }
                    return Reaction.none();
                }).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 3)).join();
            engine.submitAt(10, 2_000, new Command.Purchase(1, 7, 1, 0, 2)).join();
            engine.submitAt(11, 2_000, new Command.Purchase(2, 8, 1, 0, 2)).join();
            engine.submitAt(12, 2_001, new Command.Purchase(3, 9, 1, 0, 1)).join();

            clock.set(2_001);
            engine.submit(new Command.ExpireReservations()).join();
            assertTrue(engine.reactions().awaitIdle(IDLE));

            assertEquals(List.of(11L), waitlisted, "hold 11 wanted 2 of the 1 left; hold 12 took it");
            assertEquals(0, engine.readModel().available(1, 0));
        }
    }

    @Test
    void followUpsOfFollowUpsFormAChain() throws Exception {
        try (PurestockEngine engine = engine(new InMemoryJournal())
                .reaction((command, outcome) -> command instanceof Command.Reserve r && reserved(outcome)
                        ? Reaction.followUps(new Command.ConfirmReservation(r.orderId())) : Reaction.none())
                .reaction((command, outcome) -> command instanceof Command.ConfirmReservation c && outcome.accepted()
                        ? Reaction.followUps(new Command.CancelPurchase(c.orderId())) : Reaction.none())
                .build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.submit(reserve(7, 1, 4)).join().accepted());
            assertTrue(engine.reactions().awaitIdle(IDLE));

            assertEquals(OrderStatus.CANCELLED, engine.readModel().orderStatus(7));
            assertEquals(10, engine.readModel().available(1, 0));
            assertEquals(2, engine.reactions().followUpsSubmitted());
        }
    }

    @Test
    void aFailingReactionIsIsolatedAndCounted() throws Exception {
        try (PurestockEngine engine = engine(new InMemoryJournal())
                .reaction((command, outcome) -> {
                    throw new IllegalStateException("broken reaction");
                })
                .reaction((command, outcome) -> CompletableFuture.failedFuture(new IllegalStateException("late")))
                .reaction((command, outcome) -> command instanceof Command.Reserve r && reserved(outcome)
                        ? Reaction.followUps(new Command.ReleaseReservation(r.orderId())) : Reaction.none())
                .build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.submit(reserve(7, 1, 4)).join().accepted());
            assertTrue(engine.reactions().awaitIdle(IDLE));

            assertEquals(OrderStatus.RELEASED, engine.readModel().orderStatus(7), "the third reaction still ran");
            assertEquals(2 * 4, engine.reactions().failures(), "two failures on each of four outcomes");
            assertEquals(0, engine.consumerFailures(), "the engine's consumers were not disturbed");
        }
    }

    /**
     * Submitting a follow-up that throws (an {@link Error} too: memory running out as the engine publishes it) fails
     * that follow-up, counted and logged, and the reactions go on: the throw ended the reaction thread, so no
     * reaction ran again, and the follow-up stayed pending, so {@code awaitIdle} never returned {@code true}.
     */
    @ParameterizedTest(name = "an Error: {0}")
    @ValueSource(booleans = {false, true})
    void aFollowUpWhosePublicationThrowsIsCountedAndTheReactionsGoOn(boolean error) throws Exception {
        Throwable failure = error ? new OutOfMemoryError("Java heap space") : new IllegalStateException("no room");
        AtomicBoolean failOnce = new AtomicBoolean(true);
        try (PurestockEngine engine = engine(new InMemoryJournal())
                .reaction((command, outcome) -> command instanceof Command.Reserve r && reserved(outcome)
                        ? Reaction.followUps(new Command.ReleaseReservation(r.orderId()),
                        new Command.ConfirmReservation(r.orderId())) : Reaction.none())
                .publicationFault(shard -> {
                    if (Thread.currentThread().getName().equals("purestock-reactions") && failOnce.getAndSet(false)) {
                        EngineFixtures.rethrow(failure);
                    }
                })
                .build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.submit(reserve(7, 1, 4)).join().accepted());
            assertTrue(engine.reactions().awaitIdle(IDLE), "nothing is left pending");
            assertEquals(OrderStatus.CONFIRMED, engine.readModel().orderStatus(7),
                    "the release failed to publish; the confirmation after it was submitted");

            assertTrue(engine.submit(reserve(8, 2, 4)).join().accepted());
            assertTrue(engine.reactions().awaitIdle(IDLE));
            assertEquals(OrderStatus.RELEASED, engine.readModel().orderStatus(8), "the reactions still run");
            assertEquals(4, engine.reactions().followUpsSubmitted());
            assertEquals(1, engine.reactions().followUpsFailed());
        }
    }

    /**
     * A reaction's list of follow-ups whose iteration throws (a list its code still changes) fails that reaction,
     * counted and logged, after the follow-ups before the throw were submitted, and the reactions go on: the throw
     * ended the reaction thread, and the reaction stayed pending, so {@code awaitIdle} never returned {@code true}.
     */
    @Test
    void aListOfFollowUpsWhoseIterationThrowsFailsItsReactionAndTheReactionsGoOn() throws Exception {
        try (PurestockEngine engine = engine(new InMemoryJournal())
                .reaction((command, outcome) -> {
                    if (!(command instanceof Command.Reserve r) || !reserved(outcome)) {
                        return Reaction.none();
                    }
                    if (r.orderId() == 8) {
                        return Reaction.followUps(new Command.ReleaseReservation(8));
                    }
                    return CompletableFuture.completedFuture(new AbstractList<>() {
                        @Override
                        public Command get(int index) {
                            if (index == 1) {
                                throw new ConcurrentModificationException("the reaction's code changed the list");
                            }
                            return new Command.ConfirmReservation(r.orderId());
                        }

                        @Override
                        public int size() {
                            return 2;
                        }
                    });
                })
                .build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.submit(reserve(7, 1, 4)).join().accepted());
            assertTrue(engine.reactions().awaitIdle(IDLE), "nothing is left pending");
            assertEquals(OrderStatus.CONFIRMED, engine.readModel().orderStatus(7), "the follow-up before the throw");
            assertEquals(1, engine.reactions().failures());

            assertTrue(engine.submit(reserve(8, 2, 4)).join().accepted());
            assertTrue(engine.reactions().awaitIdle(IDLE));
            assertEquals(OrderStatus.RELEASED, engine.readModel().orderStatus(8), "the reactions still run");
        }
    }

    @Test
    void reactionsRunOffTheStageThreadsSoAFullRingNeverDeadlocks() throws Exception {
        int orders = 2_000;
        Map<String, Boolean> threads = new ConcurrentHashMap<>();
        try (PurestockEngine engine = engine(new InMemoryJournal()).ringSize(4)
                .reaction((command, outcome) -> {
                    threads.put(Thread.currentThread().getName(), true);
                    return command instanceof Command.Reserve r && reserved(outcome)
                            ? Reaction.followUps(new Command.ReleaseReservation(r.orderId())) : Reaction.none();
                })
                .build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, orders)).join();
            List<CompletableFuture<Outcome>> reserves = new ArrayList<>();
            for (long order = 1; order <= orders; order++) {
                reserves.add(engine.submit(reserve(order, order, 1)));
            }
            reserves.forEach(f -> assertTrue(f.join().accepted()));
            assertTrue(engine.reactions().awaitIdle(IDLE));

            assertEquals(orders, engine.reactions().followUpsSubmitted());
            for (long order = 1; order <= orders; order++) {
                assertEquals(OrderStatus.RELEASED, engine.readModel().orderStatus(order));
            }
            assertEquals(orders, engine.readModel().available(1, 0));
            assertEquals(Map.of("purestock-reactions", true), threads);
            assertEquals(0, engine.reactions().dropped());
        }
    }

    @Test
    void aFullQueueDropsTheReactionsItCannotHoldAndCountsThem() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger seen = new AtomicInteger();
        try (PurestockEngine engine = engine(new InMemoryJournal()).reactionQueue(1)
                .reaction((command, outcome) -> {
                    if (seen.incrementAndGet() == 1) {
                        entered.countDown();
                        release.await();
                    }
                    return Reaction.none();
                })
                .build()) {
            try {
                engine.submit(list(1)).join();
                entered.await();
                for (long movement = 1; movement <= 3; movement++) {
                    engine.submit(receive(movement, 1, 0, 1)).join();
                }
                long deadline = System.nanoTime() + IDLE.toNanos();
                while (engine.reactions().queued() + engine.reactions().dropped() < 3
                        && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // the completion stage offers each outcome just after answering it
                }
                assertEquals(1, engine.reactions().queued());
                assertEquals(2, engine.reactions().dropped(), "the queue held one; the other two were dropped");
            } finally {
                release.countDown(); // else a failed assertion leaves the reaction waiting, and close with it
            }
            assertTrue(engine.reactions().awaitIdle(IDLE));
            assertEquals(2, engine.reactions().reacted());
            assertEquals(2, seen.get());
        }
    }

    @Test
    void aFollowUpTheDomainRejectsIsAnOutcomeNotAFailure() throws Exception {
        Map<Long, Reason> rejected = new ConcurrentHashMap<>();
        try (PurestockEngine engine = engine(new InMemoryJournal())
                .reaction((command, outcome) -> command instanceof Command.Reserve r && reserved(outcome)
                        ? Reaction.followUps(new Command.ReleaseReservation(r.orderId()),
                        new Command.ReleaseReservation(r.orderId()))
                        : Reaction.none())
                .reaction((command, outcome) -> {
                    if (command instanceof Command.ReleaseReservation r && !outcome.accepted()) {
                        rejected.put(r.orderId(), (Reason) outcome.reason().orElseThrow());
                    }
                    return Reaction.none();
                })
                .build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.submit(reserve(7, 1, 4)).join().accepted());
            assertTrue(engine.reactions().awaitIdle(IDLE));

            assertEquals(Map.of(7L, Reason.ALREADY_RELEASED), rejected);
            assertEquals(10, engine.readModel().available(1, 0), "released once");
            assertEquals(0, engine.reactions().failures());
        }
    }

    @Test
    void onCloseFollowUpsNotYetSubmittedAreRefusedAndCounted() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CompletableFuture<List<Command>> payment = new CompletableFuture<>();
        PurestockEngine engine = engine(new InMemoryJournal())
                .reaction((command, outcome) -> {
                    if (command instanceof Command.Reserve r && reserved(outcome)) {
                        entered.countDown();
                        return payment;
                    }
                    return Reaction.none();
                })
                .build();
        engine.submit(list(1)).join();
        engine.submit(receive(1, 1, 0, 10)).join();
        assertTrue(engine.submit(reserve(7, 1, 4)).join().accepted());
        entered.await();
        assertEquals(false, engine.reactions().awaitIdle(Duration.ZERO), "a payment is on its way");
        engine.close();
        payment.complete(List.of(new Command.ReleaseReservation(7)));

        assertEquals(OrderStatus.RESERVED, engine.readModel().orderStatus(7), "the follow-up came too late");
        // the reaction thread is gone: the follow-up is refused where the stage completes, and counted (it used to
        // wait in a queue nobody read)
        assertEquals(1, engine.reactions().followUpsFailed(), "refused by the closed engine, and counted");
    }

    /**
     * A reaction that leaves its thread interrupted (it restored an interrupt it caught, as a blocking client's call
     * teaches) ended the reaction thread, which took the interrupt for a reason to stop as it waited for the next
     * outcome: no reaction ran again, outcomes filled the queue and were dropped, and nothing said why. The interrupt
     * is the reaction's own, and the thread reacts on.
     */
    @Test
    void aReactionThatLeavesItsThreadInterruptedDoesNotEndTheReactions() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AtomicBoolean interruptedOnEntry = new AtomicBoolean();
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .reaction((command, outcome) -> {
                    interruptedOnEntry.compareAndSet(false, Thread.currentThread().isInterrupted());
                    if (calls.incrementAndGet() == 1) {
                        Thread.currentThread().interrupt();
                    }
                    return Reaction.none();
                })
                .build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.reactions().awaitIdle(Duration.ofSeconds(10)), "the reaction thread reacts on");
            assertEquals(2, calls.get());
            assertEquals(false, interruptedOnEntry.get(), "one reaction's interrupt does not reach the next");
            assertEquals(0, engine.reactions().failures());
        }
    }

    /** A reaction that recurses without end is one failing reaction: counted, and the thread reacts on. */
    @Test
    void aReactionThatOverflowsTheStackIsCountedAndTheOthersGoOn() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .reaction((command, outcome) -> {
                    if (calls.incrementAndGet() == 1) {
                        recurse(0);
                    }
                    return Reaction.none();
                })
                .build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.reactions().awaitIdle(IDLE), "the reaction thread reacts on");
            assertEquals(2, calls.get());
            assertEquals(1, engine.reactions().failures());
        }
    }

    /**
     * A reaction that runs out of memory (building its follow-ups, keeping what it saw) rethrew the
     * {@link OutOfMemoryError}, which ended the reaction thread: no reaction ran again, outcomes filled the queue
     * and were dropped, nothing counted the failure, and {@code awaitIdle} never saw the reactions idle. It is now
     * one failing reaction, as a consumer's or a callback's {@link Error} is: counted, and the thread reacts on.
     */
    @Test
    void aReactionThatRunsOutOfMemoryIsCountedAndTheOthersGoOn() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .reaction((command, outcome) -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new OutOfMemoryError("Java heap space");
                    }
                    return Reaction.none();
                })
                .build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.reactions().awaitIdle(Duration.ofSeconds(5)), "the reaction thread reacts on");
            assertEquals(2, calls.get());
            assertEquals(1, engine.reactions().failures());
        }
    }

    /**
     * A follow-up answered without sequencing (a command across shards) is stamped with the engine's clock on the
     * reaction thread, as it is submitted. A clock that threw an {@link Error} there (a {@link StackOverflowError}
     * in the caller's clock) escaped the submission and ended the reaction thread: no reaction ran again and
     * {@code awaitIdle} never saw the reactions idle. The follow-up is now failed with the Error, counted as one the
     * engine did not take, and the thread reacts on.
     */
    @Test
    void aClockThatThrowsAnErrorAsAFollowUpIsSubmittedFailsThatFollowUpOnly() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Command acrossShards = new Command.PlaceOrder(2, 5, List.of(new Line(1, 0, 1), new Line(1, 1, 1)));
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO)
                .clock(() -> {
                    if (Thread.currentThread().getName().equals("purestock-reactions")) {
                        throw new StackOverflowError();
                    }
                    return 1_000;
                })
                .reaction((command, outcome) -> calls.incrementAndGet() == 1 ? Reaction.followUps(acrossShards)
                        : Reaction.none())
                .build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.reactions().awaitIdle(Duration.ofSeconds(5)), "the reaction thread reacts on");
            assertEquals(3, calls.get(), "the listing's outcome on each shard, and the receipt's");
            assertEquals(1, engine.reactions().followUpsFailed());
        }
    }

    /**
     * A reaction may return a stage of its own making. One whose {@code whenComplete} threw (a hand-written stage
     * with a bug, or one out of memory as it registers the callback) threw out of the reaction thread's task and
     * ended the thread: no reaction ran again and {@code awaitIdle} never saw the reactions idle. The reaction now
     * fails, counted and logged, once, and the thread reacts on. A stage that ran the callback before it threw has its
     * follow-ups submitted all the same, and still counts as failed.
     */
    @ParameterizedTest(name = "the callback ran first: {0}")
    @ValueSource(booleans = {false, true})
    void aStageWhoseWhenCompleteThrowsFailsItsReactionAndTheReactionsGoOn(boolean callbackFirst) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (PurestockEngine engine = engine(new InMemoryJournal())
                .reaction((command, outcome) -> {
                    if (calls.incrementAndGet() > 1) {
                        return Reaction.none();
                    }
                    return new CompletableFuture<List<Command>>() {
                        @Override
                        public CompletableFuture<List<Command>> whenComplete(
                                BiConsumer<? super List<Command>, ? super Throwable> action) {
                            if (callbackFirst) {
                                action.accept(List.of(receive(2, 1, 0, 5)), null);
                            }
                            throw new OutOfMemoryError("Java heap space");
                        }
                    };
                })
                .build()) {
            engine.submit(list(1)).join();
            assertTrue(engine.reactions().awaitIdle(Duration.ofSeconds(5)), "the reaction thread reacts on");
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.reactions().awaitIdle(Duration.ofSeconds(5)), "the reaction thread reacts on");
            assertEquals(1, engine.reactions().failures(), "the reaction failed once");
            assertEquals(callbackFirst ? 3 : 2, calls.get(), "every outcome was reacted to");
            assertEquals(callbackFirst ? 15 : 10, engine.readModel().available(1, 0),
                    "the follow-up of a callback that ran was submitted");
        }
    }

    /**
     * A stage that calls back with a failure and then throws from {@code whenComplete}: one reaction that failed, counted
     * once. The callback counted the failure and the throw counted it again, two failures for one reaction.
     */
    @Test
    void aStageThatFailsItsCallbackAndThenThrowsCountsOneFailure() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (PurestockEngine engine = engine(new InMemoryJournal())
                .reaction((command, outcome) -> {
                    if (calls.incrementAndGet() > 1) {
                        return Reaction.none();
                    }
                    return new CompletableFuture<List<Command>>() {
                        @Override
                        public CompletableFuture<List<Command>> whenComplete(
                                BiConsumer<? super List<Command>, ? super Throwable> action) {
                            action.accept(null, new IllegalStateException("the reaction's own failure"));
                            throw new OutOfMemoryError("Java heap space");
                        }
                    };
                })
                .build()) {
            engine.submit(list(1)).join();
            assertTrue(engine.reactions().awaitIdle(Duration.ofSeconds(5)), "the reaction thread reacts on");
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.reactions().awaitIdle(Duration.ofSeconds(5)), "the reaction thread reacts on");
            assertEquals(1, engine.reactions().failures(), "the reaction failed once");
            assertEquals(2, calls.get(), "every outcome was reacted to");
        }
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    /** With a reaction, one producer is not the only one: the reaction thread submits too. */
    @Test
    void aSingleProducerEngineRefusesReactions() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> PurestockEngine.builder().producerMode(ProducerMode.SINGLE).expireReservationsEvery(Duration.ZERO)
                        .reaction((command, outcome) -> Reaction.none()).build());
        assertTrue(refused.getMessage().contains("reactions"), refused.getMessage());
    }

    /** {@code awaitIdle} waits for the completion stages with or without reactions registered. */
    @Test
    void awaitIdleWithoutReactionsWaitsForTheCompletionStages() throws Exception {
        EngineFixtures.StalledStage stalled = new EngineFixtures.StalledStage(new InMemoryJournal());
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .journal(shard -> stalled).build()) {
            CompletableFuture<Outcome> listed = engine.submit(list(1));
            stalled.awaitStalled();
            try {
                assertEquals(false, engine.reactions().awaitIdle(Duration.ofMillis(200)),
                        "the command is still held by the journal stage");
            } finally {
                stalled.release();
            }
            listed.join();
            assertTrue(engine.reactions().awaitIdle(IDLE));
        }
    }
}
