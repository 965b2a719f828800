package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Event.Rejected;
import dev.purestock.domain.Line;
import dev.purestock.domain.NextDue;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Product;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.purchase;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every failure path: what is isolated, what stops the engine, and what callers are told. */
class FailureTest {
    private static final long POISONED_SKU = 666;

    /** A store whose reads of one sku throw, so deciding a command about it fails. */
    private static final class DecideBomb extends DelegatingStore {
        @Override
        public Product product(long sku) {
            if (sku == POISONED_SKU) {
                throw new IllegalStateException("product lookup failed for sku " + sku);
            }
            return super.product(sku);
        }
    }

    /** A store whose writes of one sku's stock throw, so applying events about it fails. */
    private static final class EvolveBomb extends DelegatingStore {
        @Override
        public void putAvailable(long sku, int warehouse, long available) {
            if (sku == POISONED_SKU) {
                throw new IllegalStateException("position store is corrupt for sku " + sku);
            }
            super.putAvailable(sku, warehouse, available);
        }
    }

    /** A store whose walk over due reservations fails when a time command walks it, so every time command fails. */
    private static final class TimeBomb extends DelegatingStore {
        @Override
        public void forEachDue(long now, DueVisitor visitor) {
            if (now != NextDue.NEVER) {
                throw new IllegalStateException("the expiry index is corrupt");
            }
            super.forEachDue(now, visitor);
        }
    }

    /**
     * An {@link Error} that cannot be described: its {@code toString} runs out of memory, so building a message that
     * names it throws, as building any message may when memory runs out.
     */
    private static final class Undescribable extends Error {
        private static final long serialVersionUID = 1L;

        Undescribable() {
            super("undescribable");
        }

        @Override
        public String toString() {
            throw new OutOfMemoryError("describing the failure");
        }
    }

    /** An I/O failure that cannot be described, as {@link Undescribable}. */
    private static final class UndescribableIoFailure extends IOException {
        private static final long serialVersionUID = 1L;

        @Override
        public String toString() {
            throw new OutOfMemoryError("describing the failure");
        }
    }

    /** A store whose writes of one sku's stock throw an {@link Undescribable}, so applying events about it fails. */
    private static final class UndescribableEvolveBomb extends DelegatingStore {
        @Override
        public void putAvailable(long sku, int warehouse, long available) {
            if (sku == POISONED_SKU) {
                throw new Undescribable();
            }
            super.putAvailable(sku, warehouse, available);
        }
    }

    /** A durability stage that fails on one command sequence. */
    private record FailingStage(long failAt, DurabilityStage next) implements DurabilityStage {
        @Override
        public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
                throws Exception {
            if (sequence == failAt) {
                throw new IOException("disk full at sequence " + sequence);
            }
            next.onDecided(sequence, time, command, events, endOfBatch);
        }
    }

    @Test
    void aDecideThatThrowsRejectsThatCommandWithInternalErrorAndTheEngineGoesOn() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> journal)
                .initialState(s -> new ShardState(new DecideBomb(), 0, Long.MIN_VALUE)).build()) {
            engine.submit(list(1)).join();
            Outcome broken = engine.submit(new Command.Purchase(9, 1, POISONED_SKU, 0, 1)).join();
            Outcome good = engine.submit(receive(1, 1, 0, 5)).join();

            assertEquals(List.of(new Rejected(EngineRefusal.INTERNAL_ERROR, 9)), broken.events());
            assertFalse(broken.accepted());
            assertEquals(EngineRefusal.INTERNAL_ERROR, broken.reason().orElseThrow());
            assertEquals(23, broken.reason().orElseThrow().code());
            assertEquals(9, broken.rejectionRef());
            assertEquals(List.of(new Rejected(EngineRefusal.INTERNAL_ERROR, 9)), journal.entries().get(1).events());
            assertEquals(1, broken.sequence());
            assertTrue(good.accepted());
            assertEquals(2, good.sequence());
            assertEquals(3, journal.size(), "the internal-error rejection is journaled like any decision");
            assertTrue(engine.failure().isEmpty());
        }
    }

    @Test
    void aHeldCommandWhoseDecideThrowsIsReleasedWithARejectionAndTimeGoesOn() {
        AtomicLong clock = new AtomicLong(1_000);
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                .expireReservationsEvery(Duration.ZERO)
                .initialState(s -> new ShardState(new DecideBomb(), 0, Long.MIN_VALUE)).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 5)).join();
            engine.submitAt(1, 2_000, new Command.Purchase(9, 1, POISONED_SKU, 0, 1)).join();
            engine.submit(new Command.Reserve(3, 1, List.of(new Line(1, 0, 2)), 2_500)).join();

            clock.set(3_000);
            Outcome time = engine.submit(new Command.ExpireReservations()).join();

            assertEquals(List.of(new Event.HoldReleased(1), new Rejected(Reason.HELD_COMMAND_FAILED, 9)),
                    time.events().subList(0, 2));
            assertInstanceOf(Event.ReservationExpired.class, time.events().get(2), "what fell due after it expires");
            assertNull(engine.readModel().heldCommand(1));
            assertEquals(OrderStatus.EXPIRED, engine.readModel().orderStatus(3));
            assertEquals(5, engine.readModel().available(1, 0));
            assertEquals(List.of(), engine.submit(new Command.ExpireReservations()).join().events(),
                    "nothing is left due");
            assertTrue(engine.failure().isEmpty());
        }
    }

    @Test
    void aTimeCommandThatThrowsIsSentAgainASecondLaterOnTheClockNotAtOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            AtomicLong clock = new AtomicLong(1_000);
            InMemoryJournal journal = new InMemoryJournal();
            Semaphore failedTimeCommands = new Semaphore(0);
            // a period of an hour: only due times make the timer send a time command during the test
            try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                    .expireReservationsEvery(Duration.ofHours(1)).journal(s -> journal)
                    .initialState(s -> new ShardState(new TimeBomb(), 0, Long.MIN_VALUE))
                    .consumer((command, outcome) -> {
                        if (command instanceof Command.ExpireReservations
                                && outcome.reason().orElse(null) == EngineRefusal.INTERNAL_ERROR) {
                            failedTimeCommands.release();
                        }
                    }).build()) {
                engine.submit(list(1)).join();
                engine.submit(receive(1, 1, 0, 5)).join();
                engine.submit(new Command.Reserve(3, 1, List.of(new Line(1, 0, 2)), 1_001)).join();

                clock.set(1_001);
                failedTimeCommands.acquire();
                assertEquals(1_001 + DecisionHandler.RETRY_FAILED_TIME_COMMAND_MILLIS, engine.dueTimes().dueAt(0),
                        "the failed time command's shard is due again a second later, not at once");
                engine.submit(list(2)).join();
                assertEquals(1, timeCommands(journal), "not sent again while the clock stands still");

                clock.set(1_001 + DecisionHandler.RETRY_FAILED_TIME_COMMAND_MILLIS);
                failedTimeCommands.acquire();
                engine.submit(list(3)).join();
                assertEquals(2, timeCommands(journal), "sent again once the retry is due");
                assertTrue(engine.failure().isEmpty());
            }
        });
    }

    /**
     * A second after a time command that threw is past the last time a due time can name when the clock is within a
     * second of Long.MAX_VALUE: the retry saturated to Long.MAX_VALUE, which is {@link NextDue#NEVER}, so the timer
     * never sent that shard a time command again and what was due there stayed due. It is now due at the last time
     * that is not NEVER; on a clock already there no later time is left, and it waits for a time command sent for
     * something else rather than being sent again as fast as the shard answers.
     */
    @Test
    void aTimeCommandThatThrowsWithinASecondOfTheEndOfTimeIsSentAgainAtTheLastTimeThatCanBeDue() {
        AtomicLong clock = new AtomicLong(Long.MAX_VALUE - 2_000);
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).keepDueTimes().journal(s -> journal)
                .initialState(s -> new ShardState(new TimeBomb(), 0, Long.MIN_VALUE)).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 5)).join();
            engine.submit(new Command.Reserve(3, 1, List.of(new Line(1, 0, 2)), Long.MAX_VALUE - 900)).join();

            clock.set(Long.MAX_VALUE - 900);
            engine.expireReservations();
            assertEquals(EngineRefusal.INTERNAL_ERROR, lastTimeCommandReason(engine, journal));
            assertEquals(Long.MAX_VALUE - 1, engine.dueTimes().dueAt(0),
                    "due again at the last time a due time can name, not never");
            engine.expireReservations();
            engine.submit(list(2)).join();
            assertEquals(1, timeCommands(journal), "not sent again while the clock stands before the retry");

            clock.set(Long.MAX_VALUE - 1);
            engine.expireReservations();
            engine.submit(list(3)).join();
            assertEquals(2, timeCommands(journal), "sent again once the clock reaches it");
            assertEquals(Long.MAX_VALUE, engine.dueTimes().dueAt(0),
                    "failed at the last time that can be due: no later one is left to retry at");
            engine.expireReservations();
            engine.submit(list(4)).join();
            assertEquals(2, timeCommands(journal), "not sent again at once, as fast as the shard answers");
            assertTrue(engine.failure().isEmpty());
        }
    }

    /** The reason of the last time command journaled, once the shard has answered everything submitted so far. */
    private static RejectionReason lastTimeCommandReason(PurestockEngine engine, InMemoryJournal journal) {
        engine.submit(list(99)).join();
        return journal.entries().stream().filter(e -> e.command() instanceof Command.ExpireReservations)
                .reduce((first, second) -> second).orElseThrow().events().stream()
                .filter(Rejected.class::isInstance).map(e -> ((Rejected) e).reason()).findFirst().orElseThrow();
    }

    private static long timeCommands(InMemoryJournal journal) {
        return journal.entries().stream().filter(e -> e.command() instanceof Command.ExpireReservations).count();
    }

    @Test
    void aViewReadsAnInternalErrorAsItReadsADomainRejection() {
        try (PurestockEngine engine = PurestockEngine.builder()
                .initialState(s -> new ShardState(new DecideBomb(), 0, Long.MIN_VALUE)).build()) {
            engine.submit(list(1)).join();
            CompletableFuture<String> seen = new CompletableFuture<>();
            engine.submitPurchase(9, 1, POISONED_SKU, 0, 1, new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    RejectionReason reason = outcome.reason();
                    seen.complete(outcome.accepted() + " " + reason.code() + " " + reason.description() + " "
                            + (reason instanceof EngineRefusal) + " " + outcome.rejectionRef());
                }

                @Override
                public void onFailure(Throwable cause) {
                    seen.completeExceptionally(cause);
                }
            });

            assertEquals("false 23 deciding the command failed unexpectedly; nothing changed true 9", seen.join());
        }
    }

    @Test
    void anEvolveThatThrowsStopsTheEngineAndNothingFromThereOnIsAcknowledged() {
        InMemoryJournal journal = new InMemoryJournal();
        PurestockEngine engine = PurestockEngine.builder().journal(s -> journal)
                .initialState(s -> new ShardState(new EvolveBomb(), 0, Long.MIN_VALUE)).build();
        try (engine) {
            engine.submit(list(POISONED_SKU)).join();
            Outcome before = engine.submit(list(1)).join();
            CompletableFuture<Outcome> poisoned = engine.submit(receive(1, POISONED_SKU, 0, 5));
            CompletableFuture<ShardDigest> digestAfter = engine.digestWithSequence(0);

            Throwable failure = failureOf(poisoned);
            assertInstanceOf(EngineStoppedException.class, failure);
            assertTrue(failure.getMessage().contains("applying the events failed on command sequence 2"),
                    failure.getMessage());
            assertInstanceOf(IllegalStateException.class, failure.getCause());
            assertSame(failure, engine.failure().orElseThrow());

            Throwable later = failureOf(engine.submit(list(2)));
            assertInstanceOf(EngineStoppedException.class, later);
            assertSame(failure.getCause(), later.getCause());
            // a submission refused at the gate was never taken: its message says so before the stop's own, which
            // tells the callers it failed that their commands may have been journaled
            assertEquals("refused, not taken: " + failure.getMessage(), later.getMessage());
            assertEquals(SubmitResult.STOPPED, engine.trySubmit(list(3), new EngineFixtures.FutureCallback()));
            assertInstanceOf(EngineStoppedException.class, failureOf(engine.digest(0)));
            assertInstanceOf(EngineStoppedException.class, failureOf(digestAfter), "refused in its slot or at the gate");
            assertInstanceOf(EngineStoppedException.class, failureOf(engine.digestWithSequence(0)));
            assertEquals(1, before.sequence());
            assertEquals(2, journal.size(), "the failed command is never journaled");
        }
    }

    /**
     * A failure whose description throws (memory running out as the message is built) still stops the shard: the
     * Disruptor's safety net, which an {@link Error} applying the events reaches, threw as it described it, which ended
     * the decision stage's thread, so the command it failed on and the one after it were never answered and the
     * engine's close waited for ever.
     */
    @Test
    void anErrorApplyingTheEventsThatCannotBeDescribedStillStopsTheShardAndEveryCallerIsAnswered() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            PurestockEngine engine = PurestockEngine.builder().journal(s -> new InMemoryJournal())
                    .initialState(s -> new ShardState(new UndescribableEvolveBomb(), 0, Long.MIN_VALUE)).build();
            try (engine) {
                engine.submit(list(POISONED_SKU)).join();
                CompletableFuture<Outcome> poisoned = engine.submit(receive(1, POISONED_SKU, 0, 5));
            CompletableFuture<ShardDigest> digestAfter = engine.digestWithSequence(0);
                CompletableFuture<Outcome> after = engine.submit(list(2));

                Throwable failure = failureOf(poisoned);
                assertInstanceOf(EngineStoppedException.class, failure);
                assertTrue(failure.getMessage().startsWith("purestock shard 0 stopped: a pipeline stage failed, and "
                        + "describing it failed (see the cause); nothing from there on was acknowledged"),
                        failure.getMessage());
                assertInstanceOf(Undescribable.class, failure.getCause());
                assertInstanceOf(EngineStoppedException.class, failureOf(after));
                assertSame(failure, engine.failure().orElseThrow());
            }
        });
    }

    /**
     * A durability stage's failure whose description throws still stops the shard at the failed batch, for what the
     * stage threw: its report of the failure threw, and the Disruptor's safety net stopped the shard at the slot the
     * stage was handling, for the error describing it, so a command of the failed batch before that slot, never made
     * durable, was acknowledged (seq 1 was, when seq 2 came in the same batch; otherwise it failed for the wrong
     * cause).
     */
    @Test
    void aJournalFailureThatCannotBeDescribedStillStopsTheShardAndEveryCallerIsAnswered() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            DurabilityStage journal = new DurabilityStage() {
                @Override
                public void onDecided(long sequence, long time, Command command, List<Event> events,
                                      boolean endOfBatch) throws IOException {
                    if (sequence == 1) {
                        throw new UndescribableIoFailure();
                    }
                }
            };
            try (PurestockEngine engine = PurestockEngine.builder().journal(s -> journal).build()) {
                assertTrue(engine.submit(list(1)).join().accepted());
                CompletableFuture<Outcome> failed = engine.submit(list(2));
                CompletableFuture<Outcome> after = engine.submit(list(3));

                Throwable failure = failureOf(failed);
                assertInstanceOf(EngineStoppedException.class, failure);
                assertTrue(failure.getMessage().contains("describing it failed"), failure.getMessage());
                assertInstanceOf(UndescribableIoFailure.class, failure.getCause());
                assertInstanceOf(EngineStoppedException.class, failureOf(after));
            }
        });
    }

    @Test
    void aJournalFailureFailsItsBatchAndEveryPendingCommandWhileEarlierBatchesAreAcknowledged() throws Exception {
        InMemoryJournal journal = new InMemoryJournal();
        InMemoryJournal replica = new InMemoryJournal();
        EngineFixtures.StalledStage stalled = new EngineFixtures.StalledStage(new FailingStage(3, journal));
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(64).journal(s -> stalled)
                .replication(s -> replica).build()) {
            List<CompletableFuture<Outcome>> futures = new ArrayList<>();
            futures.add(engine.submit(list(1)));
            stalled.awaitStalled();
            futures.add(engine.submit(receive(1, 1, 0, 100)));
            for (int i = 0; i < 20; i++) {
                futures.add(engine.submit(purchase(i, 1, 0)));
            }
            stalled.release();

            assertTrue(futures.get(0).join().accepted(), "command 0's batch was journaled before the failure");
            int acknowledged = 1;
            while (acknowledged < 3
                    && futures.get(acknowledged).handle((outcome, failure) -> failure == null && outcome.accepted()).join()) {
                acknowledged++;
            }
            for (int i = acknowledged; i < 3; i++) {
                assertInstanceOf(EngineStoppedException.class, failureOf(futures.get(i)),
                        "command " + i + " was in the failed batch, whose end was never made durable");
            }
            for (int i = 3; i < futures.size(); i++) {
                Throwable failure = failureOf(futures.get(i));
                assertInstanceOf(EngineStoppedException.class, failure, "command " + i);
                assertTrue(failure.getMessage().contains("the journal of shard 0 failed on command sequence 3"),
                        failure.getMessage());
                assertInstanceOf(IOException.class, failure.getCause());
            }
            assertEquals(3, journal.size());
            assertInstanceOf(EngineStoppedException.class, failureOf(engine.submit(list(5))));
            assertEquals(acknowledged - 1, engine.readModel().lastSequence(0),
                    "the read model saw only acknowledged commands");
        }
    }

    @Test
    void aReplicationFailureStopsTheEngineLikeAJournalFailure() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> journal)
                .replication(s -> new FailingStage(1, new InMemoryJournal())).build()) {
            assertTrue(engine.submit(list(1)).join().accepted());
            Throwable failure = failureOf(engine.submit(list(2)));
            assertTrue(failure.getMessage().contains("the replication of shard 0 failed on command sequence 1"),
                    failure.getMessage());
            assertInstanceOf(EngineStoppedException.class, failureOf(engine.submit(list(3))));
        }
    }

    /**
     * A stage that serves others from what the shard makes durable (replication's sender waits for the journal to hold
     * a record) learns that the shard stopped, and why, once: a journal that failed holds nothing more.
     */
    @Test
    void eachDurabilityStageIsToldOnceThatAFailureStoppedTheShard() {
        List<EngineStoppedException> told = new CopyOnWriteArrayList<>();
        DurabilityStage replica = new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
            }

            @Override
            public void onShardStopped(EngineStoppedException failure) {
                told.add(failure);
            }
        };
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> new FailingStage(1, new InMemoryJournal()))
                .replication(s -> replica).build()) {
            assertTrue(engine.submit(list(1)).join().accepted());
            assertTrue(told.isEmpty(), "told nothing while the shard runs");
            Throwable failure = failureOf(engine.submit(list(2)));
            assertInstanceOf(EngineStoppedException.class, failureOf(engine.submit(list(3))));
            assertEquals(1, told.size(), "told once");
            assertEquals(failure.getMessage(), told.get(0).getMessage());
        }
    }

    /**
     * A read model that fails stops only the shard's intake: each durability stage is told so, once, and not that the
     * shard stopped, and it is still handed the commands taken before (the one the read model failed on included).
     * Replication's primary says from this that its engine takes no more commands, while it still replicates them.
     */
    @Test
    void eachDurabilityStageIsToldOnceThatTheIntakeStoppedAndNotThatTheShardStopped() {
        List<EngineStoppedException> intakeStopped = new CopyOnWriteArrayList<>();
        List<EngineStoppedException> shardStopped = new CopyOnWriteArrayList<>();
        List<Long> decided = new CopyOnWriteArrayList<>();
        DurabilityStage replica = new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
                decided.add(sequence);
            }

            @Override
            public void onIntakeStopped(EngineStoppedException failure) {
                intakeStopped.add(failure);
            }

            @Override
            public void onShardStopped(EngineStoppedException failure) {
                shardStopped.add(failure);
            }
        };
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> new InMemoryJournal())
                .replication(s -> replica).readModelFault(sequence -> {
                    if (sequence == 1) {
                        throw new IllegalStateException("the read model broke");
                    }
                }).build()) {
            assertTrue(engine.submit(list(1)).join().accepted());
            assertTrue(intakeStopped.isEmpty(), "told nothing while the shard takes commands");
            assertTrue(engine.submit(list(2)).join().accepted(), "the command the read model failed on is answered");
            Throwable refused = failureOf(engine.submit(list(3)));
            assertInstanceOf(EngineStoppedException.class, refused);
            assertEquals(1, intakeStopped.size(), "told once");
            String told = intakeStopped.get(0).getMessage();
            assertTrue(told.contains("updating the read model with command sequence 1"), told);
            assertTrue(refused.getMessage().endsWith(told), "told what a submission is refused with: " + refused);
            assertEquals(List.of(0L, 1L), decided, "the commands taken are still handed to the stage");
            assertTrue(shardStopped.isEmpty(), "the shard did not stop: " + shardStopped);
        }
    }

    /**
     * A stage that throws as it is told the intake stopped, even an {@link Error} (memory running out as it builds
     * what it says, which is how a read model fails as it grows), breaks nothing: the command the read model failed on
     * is answered with its outcome, not as undelivered, and the stage told after it is told all the same.
     */
    @Test
    void aStageThrowingAsItIsToldTheIntakeStoppedLosesNoAnswerAndTheNextStageIsStillTold() {
        List<EngineStoppedException> told = new CopyOnWriteArrayList<>();
        DurabilityStage throwing = new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
            }

            @Override
            public void onIntakeStopped(EngineStoppedException failure) {
                throw new OutOfMemoryError("telling the journal");
            }
        };
        DurabilityStage replica = new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
            }

            @Override
            public void onIntakeStopped(EngineStoppedException failure) {
                told.add(failure);
            }
        };
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> throwing).replication(s -> replica)
                .readModelFault(sequence -> {
                    if (sequence == 1) {
                        throw new IllegalStateException("the read model broke");
                    }
                }).build()) {
            assertTrue(engine.submit(list(1)).join().accepted());
            Outcome failedOn = engine.submit(list(2)).join();
            assertTrue(failedOn.accepted(), "the command the read model failed on is answered with its outcome");
            assertEquals(1, failedOn.sequence());
            assertInstanceOf(EngineStoppedException.class, failureOf(engine.submit(list(3))));
            assertEquals(1, told.size(), "the stage after the one that threw is told: " + told);
        }
    }

    /**
     * A read model failure whose description throws (memory running out as the message is built) still stops the
     * intake: it stayed open, so later commands were taken and decided while the read model, which callers query and
     * a sharded engine routes cancels by, was no longer updated; and the command it failed on was answered as
     * undelivered instead of with its outcome.
     */
    @Test
    void aReadModelFailureThatCannotBeDescribedStillStopsTheIntake() {
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> new InMemoryJournal())
                .readModelFault(sequence -> {
                    if (sequence == 1) {
                        throw new Undescribable();
                    }
                }).build()) {
            assertTrue(engine.submit(list(1)).join().accepted());
            Outcome failedOn = engine.submit(list(2)).join();
            assertTrue(failedOn.accepted(), "the command the read model failed on is answered with its outcome");
            assertEquals(1, failedOn.sequence());

            Throwable refused = failureOf(engine.submit(list(3)));
            assertInstanceOf(EngineStoppedException.class, refused);
            assertTrue(refused.getMessage().contains("purestock shard 0 stopped: a failure that left the state and the "
                    + "journal whole stopped its intake, and describing it failed (see the cause)"), refused.getMessage());
            assertInstanceOf(Undescribable.class, refused.getCause());
        }
    }

    /**
     * A stage that throws an {@link Error} as it is told the shard stopped does not move the stop: the journal fails
     * as it ends a batch of seq 1 to 3 (its sync), so none of the three was made durable and none is acknowledged,
     * though the replication stage, told of the stop, throws.
     */
    @Test
    void aStageThrowingAsItIsToldTheShardStoppedLeavesTheFailedBatchUnacknowledged() throws Exception {
        CountDownLatch replicatedThree = new CountDownLatch(1);
        DurabilityStage syncFailsOnThree = new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
                    throws IOException {
                if (sequence == 3 && endOfBatch) {
                    throw new IOException("sync failed ending the batch of seq 3");
                }
            }
        };
        EngineFixtures.StalledStage journal = new EngineFixtures.StalledStage(syncFailsOnThree);
        DurabilityStage replica = new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
                if (sequence == 3) {
                    replicatedThree.countDown();
                }
            }

            @Override
            public void onShardStopped(EngineStoppedException failure) {
                throw new OutOfMemoryError("telling the replication stage");
            }
        };
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .journal(s -> journal).replication(s -> replica).build()) {
            CompletableFuture<Outcome> first = engine.submit(list(1));
            journal.awaitStalled();
            List<CompletableFuture<Outcome>> batch = List.of(engine.submit(list(2)), engine.submit(list(3)),
                    engine.submit(list(4)));
            replicatedThree.await(); // seq 1 to 3 are decided: the journal takes them as one batch
            journal.release();

            assertTrue(first.join().accepted());
            for (CompletableFuture<Outcome> unsynced : batch) {
                assertInstanceOf(EngineStoppedException.class, failureOf(unsynced),
                        "a command of the batch whose sync failed is not acknowledged");
            }
        }
    }

    @Test
    void aThrowingConsumerOrCallbackIsIsolatedAndTheOthersAndTheCoreGoOn() {
        List<Long> seen = new CopyOnWriteArrayList<>();
        OutcomeCallback throwingCallback = new OutcomeCallback() {
            @Override
            public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                throw new IllegalStateException("callback bug");
            }

            @Override
            public void onFailure(Throwable cause) {
                throw new IllegalStateException("callback bug");
            }
        };
        try (PurestockEngine engine = PurestockEngine.builder()
                .consumer((command, outcome) -> {
                    throw new IllegalStateException("consumer bug");
                })
                .consumer((command, outcome) -> seen.add(outcome.sequence()))
                .build()) {
            engine.submit(list(1), throwingCallback);
            for (int i = 1; i < 5; i++) {
                assertEquals(i, engine.submit(list(1 + i)).join().sequence());
            }
            engine.digest(0).join();
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), seen);
            assertEquals(6, engine.consumerFailures(), "five consumer failures and one callback failure");
            assertTrue(engine.failure().isEmpty());
        }
    }

    /**
     * A {@link VirtualMachineError} from a caller's callback (a {@link StackOverflowError} of its own recursion) is
     * isolated as any other throw: the command it answered was decided, journaled and applied, and so was the one
     * after it, here journaled while the callback ran. The error used to stop the shard at that command, so the next
     * one, durable in the journal, was answered with an {@link EngineStoppedException}, and a retry would have found
     * it applied.
     */
    @Test
    void aStackOverflowInACallbackLeavesTheNextJournaledCommandAcknowledged() {
        CountDownLatch nextJournaled = new CountDownLatch(1);
        InMemoryJournal journal = new InMemoryJournal();
        OutcomeCallback overflowing = new OutcomeCallback() {
            @Override
            public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                awaitUninterruptibly(nextJournaled);
                throw new StackOverflowError();
            }

            @Override
            public void onFailure(Throwable cause) {
            }
        };
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .journal(shard -> countingDownAt(1, journal, nextJournaled)).build()) {
            engine.submit(list(1), overflowing);
            CompletableFuture<Outcome> next = engine.submit(list(2));
            assertTrue(next.join().accepted(), "the command journaled while the callback ran is acknowledged");
            assertEquals(1, engine.consumerFailures(), "the callback's error was counted");
            assertTrue(engine.failure().isEmpty(), "the shard goes on");
            assertTrue(engine.submit(list(3)).join().accepted());
            assertEquals(3, journal.size());
        }
    }

    /** As a callback's, a consumer's {@link VirtualMachineError} (out of memory in what it keeps) is isolated. */
    @Test
    void anOutOfMemoryErrorInAConsumerLeavesTheNextJournaledCommandAcknowledged() {
        CountDownLatch nextJournaled = new CountDownLatch(1);
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .journal(shard -> countingDownAt(1, journal, nextJournaled))
                .consumer((command, outcome) -> {
                    if (outcome.sequence() == 0) {
                        awaitUninterruptibly(nextJournaled);
                        throw new OutOfMemoryError("Java heap space");
                    }
                })
                .build()) {
            CompletableFuture<Outcome> first = engine.submit(list(1));
            CompletableFuture<Outcome> next = engine.submit(list(2));
            assertTrue(first.join().accepted());
            assertTrue(next.join().accepted(), "the command journaled while the consumer ran is acknowledged");
            assertEquals(1, engine.consumerFailures(), "the consumer's error was counted");
            assertTrue(engine.failure().isEmpty(), "the shard goes on");
        }
    }

    /** {@code journal}, counting {@code latch} down once it has journaled command {@code sequence}. */
    private static DurabilityStage countingDownAt(long sequence, InMemoryJournal journal, CountDownLatch latch) {
        return new DurabilityStage() {
            @Override
            public void onDecided(long decided, long time, Command command, List<Event> events, boolean endOfBatch) {
                journal.onDecided(decided, time, command, events, endOfBatch);
                if (decided == sequence) {
                    latch.countDown();
                }
            }

            @Override
            public void close() {
                journal.close();
            }
        };
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A callback the engine runs on the submitting thread (an answer given without sequencing, here an order across
     * shards, and a refusal after close) is isolated as on the stages: the submission returns what it would have,
     * and the failure is counted. It used to throw out of {@code trySubmit}, which then never returned its result.
     */
    @Test
    void aCallbackThatThrowsOnTheSubmittingThreadIsIsolatedAndCounted() {
        OutcomeViewCallback throwing = new OutcomeViewCallback() {
            @Override
            public void onOutcome(OutcomeView outcome) {
                throw new IllegalStateException("callback bug");
            }

            @Override
            public void onFailure(Throwable cause) {
                throw new IllegalStateException("callback bug");
            }
        };
        PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO).build();
        try (engine) {
            Command crossShard = new Command.PlaceOrder(1, 1, List.of(new Line(1, 0, 1), new Line(1, 1, 1)));
            assertEquals(SubmitResult.SUBMITTED, engine.trySubmit(crossShard, throwing));
            assertEquals(1, engine.consumerFailures());
            assertTrue(engine.submit(list(1)).join().accepted(), "the engine goes on");
        }
        engine.submit(list(2), throwing);
        assertEquals(2, engine.consumerFailures(), "the refusal after close too");
    }

    /**
     * An answer given without sequencing (a command across shards) is stamped with the engine's clock on the
     * submitting thread. A clock that threw there (it is the caller's) escaped submitAll half way: the commands
     * before were published and answered, but the caller never got their futures, and the rest were neither
     * submitted nor answered. That command is now failed with the clock's exception and the others go on.
     */
    @Test
    void aClockThatThrowsOnTheSubmittingThreadFailsOnlyTheCommandItStamps() {
        Thread submitter = Thread.currentThread();
        IllegalStateException down = new IllegalStateException("the time service did not answer");
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO)
                .clock(() -> {
                    if (Thread.currentThread() == submitter) {
                        throw down;
                    }
                    return 1_000;
                }).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            Command acrossShards = new Command.PlaceOrder(2, 5, List.of(new Line(1, 0, 1), new Line(1, 1, 1)));

            List<CompletableFuture<Outcome>> outcomes = engine.submitAll(List.of(purchase(1, 1, 0), acrossShards,
                    purchase(3, 1, 0)));

            assertTrue(outcomes.get(0).join().accepted());
            assertSame(down, failureOf(outcomes.get(1)));
            assertTrue(outcomes.get(2).join().accepted());
            assertSame(down, failureOf(engine.submit(acrossShards)));
            assertEquals(8, engine.readModel().available(1, 0));
        }
    }

    @Test
    void aFailingSnapshotWriterFailsThatSnapshotOnlyAndAMissingWriterIsReported() {
        try (PurestockEngine engine = PurestockEngine.builder()
                .snapshotWriter(s -> (lastSequence, time, store) -> {
                    throw new IOException("snapshot directory is read-only");
                }).build()) {
            engine.submit(list(1)).join();
            assertInstanceOf(IOException.class, failureOf(engine.snapshot(0)));
            assertEquals(1, engine.submit(list(2)).join().sequence());
        }
        try (PurestockEngine engine = PurestockEngine.builder().build()) {
            assertInstanceOf(IllegalStateException.class, failureOf(engine.snapshot(0)));
        }
    }
}
