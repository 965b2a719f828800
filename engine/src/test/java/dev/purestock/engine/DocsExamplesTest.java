package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.HeldCommand;
import dev.purestock.domain.Line;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;
import dev.purestock.domain.ReleasedHold;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java examples of engine/README.md, docs/reactions.md and the engine's javadoc, as written there (the names they
 * take as given are the fields and helpers below), compiled and run: an example that no longer compiles against the
 * API, or does not do what its text says, fails here. docs/reactions.md's recovery recipe and the README's
 * JournaledEngine example are run in the journal module's DocsExamplesTest.
 */
class DocsExamplesTest {
    private final long orderId = 1;
    private final long customer = 7;
    private final long sku = 1;
    private final int warehouse = 0;
    private final List<Long> waitlisted = new CopyOnWriteArrayList<>();
    private final List<Long> waitlistedHolds = new CopyOnWriteArrayList<>();
    private final List<Long> charged = new CopyOnWriteArrayList<>();
    private final Waitlist waitlist = new Waitlist();
    private final Payments payments = new Payments();

    /** The service's own waitlist the reaction examples call. */
    private final class Waitlist {
        void add(long customer, long sku) {
            waitlisted.add(customer);
        }

        void addHold(long holdId) {
            waitlistedHolds.add(holdId);
        }
    }

    /** A payment service that pays every even order id and declines the others. */
    private final class Payments {
        CompletionStage<Boolean> charge(long orderId) {
            charged.add(orderId);
            return CompletableFuture.completedFuture(orderId % 2 == 0);
        }
    }

    private static void stock(PurestockEngine engine, long sku, int warehouse, long units) {
        engine.submit(new Command.ListProduct(sku, 0)).join();
        engine.submit(new Command.ReceiveStock(sku * 1_000 + warehouse, sku, warehouse, units)).join();
    }

    /** engine/README.md, "Embedding": every builder setting and every way to submit. */
    @Test
    void engineReadmeEmbedding() throws Exception {
        List<Outcome> recorded = new CopyOnWriteArrayList<>();
        List<Outcome> answered = new CopyOnWriteArrayList<>();
        InMemoryJournal replica = new InMemoryJournal();
        ShardState[] recovered = {ShardState.empty()};
        List<Long> snapshots = new CopyOnWriteArrayList<>();
        OutcomeCallback callback = new OutcomeCallback() {
            @Override
            public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                answered.add(new Outcome(shard, sequence, time, events));
            }

            @Override
            public void onFailure(Throwable cause) {
                throw new AssertionError(cause);
            }
        };
        Command command = new Command.Purchase(2, customer, sku, warehouse, 1);
        List<Command> commands = List.of(new Command.Purchase(3, customer, sku, warehouse, 1),
                new Command.Purchase(4, customer, sku, warehouse, 1));
        Metrics metrics = new Metrics(recorded);

        InMemoryJournal journal = new InMemoryJournal();            // or the Chronicle journal, per shard
        try (PurestockEngine engine = PurestockEngine.builder()
                .ringSize(1024)                                     // power of two, per shard
                .waitStrategy(WaitStrategyKind.BLOCKING)            // the default; see "Wait strategies"
                .producerMode(ProducerMode.MULTI)                   // the default: any number of submitting threads
                .shards(1)                                          // warehouse w belongs to shard w % shards
                .journal(shard -> journal)                          // default: none (nothing is durable)
                .replication(shard -> replica)                      // default: none
                .consumer((cmd, outcome) -> metrics.record(outcome))
                .initialState(shard -> recovered[shard])            // default: empty store at sequence 0
                .snapshotWriter(shard -> (lastSequence, time, store) -> snapshots.add(lastSequence))
                .snapshotEvery(1_000_000)                           // 0 (default): no periodic snapshots
                .clock(System::currentTimeMillis)
                .expireReservationsEvery(Duration.ofSeconds(1))      // the default; Duration.ZERO: off
                .retainOrdersFor(Duration.ofHours(24))              // the default; see "Order retention"
                .build()) {                                         // build() returns a started engine
            stock(engine, sku, warehouse, 10);

            // 1. a future; waits for ring space when the ring is full
            Outcome outcome = engine.submit(new Command.Purchase(orderId, customer, sku, warehouse, 1)).join();
            if (outcome.accepted()) {
                assertEquals(0, outcome.shard());
            } else {
                RejectionReason why = outcome.reason().orElseThrow();
                throw new AssertionError(why.code() + " " + why.description());
            }

            // 2. a callback; waits for ring space
            engine.submit(command, callback);                       // onOutcome(OutcomeView) / onFailure

            // 3. never waits, never queues
            SubmitResult result = engine.trySubmit(new Command.Purchase(5, customer, sku, warehouse, 1), callback);

            // 4. several commands
            List<CompletableFuture<Outcome>> outcomes = engine.submitAll(commands);

            // 5. the hot fixed-shape commands as their fields
            engine.submitPurchase(6, customer, sku, warehouse, 1, callback);  // and trySubmitPurchase
            engine.submitCancelPurchase(6, callback);       // submitConfirmReservation, submitReleaseReservation

            // snapshots and digests are cut through the ring, at the sequence of the last command before them
            long lastCovered = engine.snapshot(0).join();
            long digest = engine.digest(0).join();                  // StateDigest of shard 0's state
            ShardDigest covered = engine.digestWithSequence(0).join(); // it and the last sequence it covers (see "Time")

            assertEquals(SubmitResult.SUBMITTED, result);
            assertTrue(outcomes.stream().allMatch(f -> f.join().accepted()));
            assertEquals(List.of(lastCovered), snapshots);
            assertEquals(engine.readModel().lastSequence(0), lastCovered);
            assertEquals(digest, engine.digest(0).join());
            // the timer may sequence a time command between the slots; with a window of a day it changes no state
            assertEquals(digest, covered.digest());
            assertTrue(covered.lastSequence() >= lastCovered, covered + " after " + lastCovered);
            assertEquals(4, answered.size());
            assertTrue(answered.stream().allMatch(Outcome::accepted));
            assertEquals(recorded.size(), journal.entries().size());
            assertEquals(journal.entries().size(), replica.entries().size());
        }
    }

    /** The consumer the README's builder records its outcomes with. */
    private record Metrics(List<Outcome> recorded) {
        void record(Outcome outcome) {
            recorded.add(outcome);
        }
    }

    /** engine/README.md, "Pinning stage threads". */
    @Test
    void engineReadmePinning() {
        List<String> pinned = new CopyOnWriteArrayList<>();
        Affinity affinity = pinned::add;
        try (PurestockEngine engine = PurestockEngine.builder()
                .waitStrategy(WaitStrategyKind.BUSY_SPIN)                   // dedicated cores only
                .onStageThreadStart((shard, role) -> affinity.pin(coreFor(shard, role)))
                .build()) {
            assertEquals(List.of("-1-EXPIRE_RESERVATIONS", "0-COMPLETE", "0-DECIDE"), pinned.stream().sorted().toList());
            assertEquals(1, engine.shards());
        }
    }

    /** What the pinning example pins with. */
    private interface Affinity {
        void pin(String core);
    }

    private static String coreFor(int shard, StageRole role) {
        return shard + "-" + role;
    }

    /** engine/README.md, "Reactions: follow-up commands", and the {@link Reaction} javadoc. */
    @Test
    void engineReadmeReaction() throws Exception {
        PurestockEngine engine = PurestockEngine.builder()
                .reaction((command, outcome) -> command instanceof Command.Reserve r   // a repeat (AlreadyApplied) has no StockReserved
                        && outcome.events().stream().anyMatch(Event.StockReserved.class::isInstance)
                        ? payments.charge(r.orderId()).thenApply(paid -> List.of(paid
                                ? new Command.ConfirmReservation(r.orderId())
                                : new Command.ReleaseReservation(r.orderId())))
                        : Reaction.none())
                .reactionQueue(65_536)                                  // the default
                .build();
        try (engine) {
            stock(engine, sku, warehouse, 10);
            engine.submit(new Command.Reserve(10, customer, List.of(new Line(sku, warehouse, 1)), Long.MAX_VALUE / 2)).join();
            engine.submit(new Command.Reserve(11, customer, List.of(new Line(sku, warehouse, 1)), Long.MAX_VALUE / 2)).join();
            engine.reactions().awaitIdle(Duration.ofSeconds(10));           // before close: let follow-ups get in
            assertEquals(dev.purestock.domain.OrderStatus.CONFIRMED, engine.readModel().orderStatus(10));
            assertEquals(dev.purestock.domain.OrderStatus.RELEASED, engine.readModel().orderStatus(11));
        }
    }

    /** engine/README.md, "Time: expiry, held commands and retention". */
    @Test
    void engineReadmeHeldCommand() {
        AtomicLong now = new AtomicLong(1_000);
        LongSupplier clock = now::get;
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock).expireReservationsEvery(Duration.ZERO).build()) {
            stock(engine, 1, 0, 10);
            Outcome held = engine.submitAt(42, clock.getAsLong() + 60_000, new Command.Purchase(7, 3, 1, 0, 2)).join(); // hold 42
            HeldCommand shown = engine.readModel().heldCommand(42);  // HeldCommand[holdId=42, at=..., command=Purchase[...]] while held
            Outcome cancelled = engine.cancelHold(42).join();        // HoldCancelled, or UNKNOWN_HOLD once it was decided
            assertTrue(held.accepted());
            assertNotNull(shown);
            assertEquals(new Command.Purchase(7, 3, 1, 0, 2), shown.command());
            assertTrue(cancelled.events().stream().anyMatch(Event.HoldCancelled.class::isInstance));
            assertEquals(Reason.UNKNOWN_HOLD, engine.cancelHold(42).join().reason().orElseThrow());
        }
    }

    /** engine/README.md, "The garbage-free answer path" and "Submitting without garbage". */
    @Test
    void engineReadmeViewCallback() throws Exception {
        List<Long> left = new CopyOnWriteArrayList<>();
        List<RejectionReason> refused = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        try (PurestockEngine engine = PurestockEngine.builder().build()) {
            stock(engine, sku, warehouse, 1);
            engine.submit(new Command.Purchase(orderId, customer, sku, warehouse, 1), new OutcomeViewCallback() {
                public void onOutcome(OutcomeView outcome) {
                    if (outcome.accepted()) {
                        left.add(outcome.lineAvailable(0));
                    } else {
                        refused.add(outcome.reason());
                    }
                    done.complete(null);
                }

                public void onFailure(Throwable cause) {
                    done.completeExceptionally(cause);
                }
            });
            done.join();
            assertEquals(List.of(0L), left);

            CountDownLatch twoAnswers = new CountDownLatch(2);
            OutcomeViewCallback answers = new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    refused.add(outcome.reason());
                    twoAnswers.countDown();
                }

                @Override
                public void onFailure(Throwable cause) {
                    throw new AssertionError(cause);
                }
            };                                                          // one object, reused for every call
            engine.submitPurchase(2, customer, sku, warehouse, 1, answers);
            SubmitResult result = engine.trySubmitReleaseReservation(orderId, answers);  // RING_FULL instead of waiting
            assertEquals(SubmitResult.SUBMITTED, result);
            twoAnswers.await();
            assertEquals(List.of(Reason.OUT_OF_STOCK, Reason.NOT_A_RESERVATION), refused);
        }
    }

    /** engine/README.md, "Metrics". */
    @Test
    void engineReadmeMetrics() {
        try (PurestockEngine engine = PurestockEngine.builder().journal(shard -> new InMemoryJournal()).build()) {
            stock(engine, sku, warehouse, 1);
            engine.submit(new Command.Purchase(1, customer, sku, warehouse, 1)).join();
            engine.submit(new Command.Purchase(2, customer, sku, warehouse, 1)).join();
            ShardMetrics shard = engine.metrics().shard(0);
            long rejected = shard.rejected(Reason.OUT_OF_STOCK);
            long behind = shard.lag(StageRole.JOURNAL);
            Percentiles sync = shard.syncLatency(StageRole.JOURNAL);     // nanoseconds: count, sum, min, p50 ... max
            assertEquals(1, rejected);
            assertTrue(behind >= 0);
            assertEquals(4, sync.count() + shard.appendLatency(StageRole.JOURNAL).count());
        }
    }

    /** docs/reactions.md, the first example: a waitlist and a payment. */
    @Test
    void reactionsFirstExample() throws Exception {
        PurestockEngine engine = PurestockEngine.builder()
                .reaction((command, outcome) -> {
                    if (command instanceof Command.Purchase p && outcome.reason().orElse(null) == Reason.OUT_OF_STOCK) {
                        waitlist.add(p.customer(), p.sku());               // the service's own, not a domain command
                    }
                    return Reaction.none();
                })
                .reaction((command, outcome) -> command instanceof Command.Reserve r
                        && outcome.events().stream().anyMatch(Event.StockReserved.class::isInstance)
                        ? payments.charge(r.orderId()).thenApply(paid -> List.of(paid    // a CompletionStage<Boolean>
                                ? new Command.ConfirmReservation(r.orderId())
                                : new Command.ReleaseReservation(r.orderId())))
                        : Reaction.none())
                .build();
        try (engine) {
            stock(engine, sku, warehouse, 1);
            engine.submit(new Command.Reserve(2, customer, List.of(new Line(sku, warehouse, 1)), Long.MAX_VALUE / 2)).join();
            engine.submit(new Command.Purchase(3, 9, sku, warehouse, 1)).join();
            assertTrue(engine.reactions().awaitIdle(Duration.ofSeconds(10)));
            assertEquals(List.of(9L), waitlisted);
            assertEquals(List.of(2L), charged);
            assertEquals(dev.purestock.domain.OrderStatus.CONFIRMED, engine.readModel().orderStatus(2));
        }
    }

    /** docs/reactions.md, "Held commands". */
    @Test
    void reactionsHeldCommands() throws Exception {
        AtomicLong now = new AtomicLong(1_000);
        try (PurestockEngine engine = PurestockEngine.builder().clock(now::get).expireReservationsEvery(Duration.ZERO)
                .reaction((command, outcome) -> {
                    if (command instanceof Command.ExpireReservations) {           // the time command that decided them
                        for (ReleasedHold released : ReleasedHold.in(outcome.events())) {
                            released.rejection().filter(rejected -> rejected.reason() == Reason.OUT_OF_STOCK)
                                    .ifPresent(rejected -> waitlist.addHold(released.holdId()));
                        }
                    }
                    return Reaction.none();
                })
                .build()) {
            stock(engine, sku, warehouse, 1);
            engine.submit(new Command.Purchase(9, customer, sku, warehouse, 1)).join();
            engine.submitAt(42, 2_000, new Command.Purchase(1, customer, sku, warehouse, 1)).join();
            now.set(2_000);
            engine.submit(new Command.ExpireReservations(Duration.ofHours(24).toMillis())).join();
            assertTrue(engine.reactions().awaitIdle(Duration.ofSeconds(10)));
            assertEquals(List.of(42L), waitlistedHolds);
        }
    }

    /** docs/reactions.md, "Retries and idempotency", and the {@link Retry} javadoc. */
    @Test
    void reactionsRetry() throws Exception {
        Command purchase = new Command.Purchase(orderId, customer, sku, warehouse, 1);
        try (PurestockEngine engine = PurestockEngine.builder().build()) {
            stock(engine, sku, warehouse, 1);
            try (Retry retry = Retry.withBackoff(5, Duration.ofMillis(10), Duration.ofSeconds(1), 0.2)) {
                Outcome outcome = retry.submit(() -> engine.submit(purchase),
                        o -> false,                                      // no outcome is worth retrying here
                        TimeoutException.class::isInstance).join();      // the caller's own timeout is
                assertTrue(outcome.accepted());
            }
            try (Retry retry = Retry.withBackoff(5, Duration.ofMillis(10), Duration.ofSeconds(1), 0.2)) {
                Outcome outcome = retry.submit(() -> engine.submit(purchase)).join();
                assertEquals(List.of(new Event.AlreadyApplied(orderId)), outcome.events());
            }
        }
    }

    /** docs/reactions.md, the worked example's reaction (its engine and payment service are PaymentFlowTest's). */
    @Test
    void reactionsWorkedExample() throws Exception {
        List<Command> followUps = new CopyOnWriteArrayList<>();
        try (Retry retry = Retry.withBackoff(2, Duration.ofMillis(1), Duration.ofMillis(1), 0)) {
            Reaction payForReservation = (command, outcome) -> {
                if (!(command instanceof Command.Reserve reserve)
                        || outcome.events().stream().noneMatch(Event.StockReserved.class::isInstance)) {
                    return Reaction.none();                        // a repeat (AlreadyApplied) or a rejection starts no payment
                }
                long orderId = reserve.orderId();
                return retry.call(() -> payments.charge(orderId), paid -> false, TimeoutException.class::isInstance)
                        .handle((paid, failure) -> failure != null ? List.<Command>of()          // unknown: let it expire
                                : List.of(paid ? new Command.ConfirmReservation(orderId)
                                               : new Command.ReleaseReservation(orderId)));
            };
            try (PurestockEngine engine = PurestockEngine.builder().consumer((command, outcome) -> {
                if (!(command instanceof Command.Reserve)) {
                    followUps.add(command);
                }
            }).reaction(payForReservation).build()) {
                stock(engine, sku, warehouse, 5);
                engine.submit(new Command.Reserve(4, customer, List.of(new Line(sku, warehouse, 1)), Long.MAX_VALUE / 2)).join();
                engine.submit(new Command.Reserve(5, customer, List.of(new Line(sku, warehouse, 1)), Long.MAX_VALUE / 2)).join();
                assertTrue(engine.reactions().awaitIdle(Duration.ofSeconds(10)));
            }
        }
        assertTrue(followUps.contains(new Command.ConfirmReservation(4)));
        assertTrue(followUps.contains(new Command.ReleaseReservation(5)));
    }
}
