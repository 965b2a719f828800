package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Line;
import dev.purestock.domain.Limits;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.purchase;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@link EngineMetrics} reports for commands a real engine decided, journaled, snapshotted and answered. */
class EngineMetricsTest {

    @Test
    void everyReasonAnOutcomeMayCarryIsCountedTheDomainsAndTheEnginesByCode() {
        List<Integer> codes = EngineMetrics.reasons().stream().map(RejectionReason::code).toList();
        assertEquals(Reason.values().length + EngineRefusal.values().length, codes.size());
        assertEquals(codes.stream().sorted().toList(), codes);
        assertTrue(EngineMetrics.reasons().containsAll(List.of(EngineRefusal.values())));
        assertTrue(EngineMetrics.reasons().containsAll(List.of(Reason.values())));
    }

    @Test
    void countsSequencedAcceptedAndRejectedCommandsByReasonPerShard() {
        InMemoryJournal[] journals = {new InMemoryJournal(), new InMemoryJournal()};
        EngineMetrics metrics;
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).journal(shard -> journals[shard])
                .expireReservationsEvery(Duration.ZERO).build()) {
            metrics = engine.metrics();
            join(engine, list(1), receive(1, 1, 0, 3));                       // shard 0: 2 accepted
            join(engine, LongStream.rangeClosed(1, 5).mapToObj(order -> purchase(order, 1, 0)).toList()); // 3 + 2 OUT_OF_STOCK
            join(engine, List.of(purchase(6, 2, 0)));                          // UNKNOWN_SKU
            join(engine, List.of(purchase(7, 1, 1)));                          // shard 1: no stock there
            List<Line> tooMany = new ArrayList<>();
            for (int line = 0; line <= Limits.MAX_LINES; line++) {
                tooMany.add(new Line(line + 1, 0, 1));
            }
            Outcome refused = engine.submit(new Command.PlaceOrder(8, 1, tooMany)).join();
            assertEquals(Outcome.NOT_SEQUENCED, refused.sequence(), "refused before any shard sequenced it");
            Outcome across = engine.submit(new Command.PlaceOrder(9, 1, List.of(new Line(1, 0, 1), new Line(1, 1, 1))))
                    .join();
            assertEquals(Optional.of(EngineRefusal.CROSS_SHARD), across.reason(), "warehouses 0 and 1 are two shards");

            ShardMetrics shard0 = metrics.shard(0);
            assertEquals(8, shard0.commandsSequenced());
            assertEquals(5, shard0.commandsAccepted());
            assertEquals(3, shard0.commandsRejected());
            assertEquals(Map.of(Reason.OUT_OF_STOCK, 2L, Reason.UNKNOWN_SKU, 1L), shard0.rejectedByReason());
            assertEquals(2, shard0.rejected(Reason.OUT_OF_STOCK));
            assertEquals(0, shard0.rejected(Reason.LIMIT_EXCEEDED));
            ShardMetrics shard1 = metrics.shard(1);
            assertEquals(2, shard1.commandsSequenced(), "the listing goes to every shard, and the purchase");
            assertEquals(1, shard1.commandsAccepted());
            assertEquals(Map.of(Reason.UNKNOWN_WAREHOUSE, 1L), shard1.rejectedByReason());
            assertEquals(Map.of(Reason.TOO_MANY_LINES, 1L, EngineRefusal.CROSS_SHARD, 1L),
                    metrics.rejectedUnsequencedByReason());
            assertEquals(1, metrics.rejectedUnsequenced(Reason.TOO_MANY_LINES));
            assertEquals(1, metrics.rejectedUnsequenced(EngineRefusal.CROSS_SHARD));
            assertEquals(ShardMetrics.Health.RUNNING, shard0.health());
            assertEquals(EnumSet.of(StageRole.DECIDE, StageRole.JOURNAL, StageRole.COMPLETE),
                    shard0.stages());
        }
        // closed: every stage has passed every slot, the ring is empty, and the figures stay readable
        for (ShardMetrics shard : metrics.allShards()) {
            assertEquals(ShardMetrics.Health.CLOSED, shard.health());
            assertEquals(shard.ringSize(), shard.ringRemainingCapacity());
            for (StageRole stage : shard.stages()) {
                assertEquals(0, shard.lag(stage), stage + " of shard " + shard.shard());
            }
            Percentiles append = shard.appendLatency(StageRole.JOURNAL);
            Percentiles sync = shard.syncLatency(StageRole.JOURNAL);
            assertEquals(shard.commandsSequenced(), append.count() + sync.count(),
                    "each journaled command was timed once: as an append, or as the end of its batch");
            assertTrue(sync.count() >= 1 && sync.min() <= sync.p50() && sync.p50() <= sync.p99()
                    && sync.p99() <= sync.max(), sync.toString());
            Percentiles batches = shard.batchSizes();
            assertTrue(batches.count() >= 1 && batches.max() <= shard.ringSize(), batches.toString());
        }
        assertEquals(journals[0].size(), metrics.shard(0).commandsSequenced());
    }

    @Test
    void countsPeriodicSnapshotsSkippedForALaterOne() throws Exception {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch firstMayEnd = new CountDownLatch(1);
        List<Long> written = new CopyOnWriteArrayList<>();
        SnapshotWriter writer = (lastSequence, time, store) -> {
            if (written.isEmpty()) {
                firstStarted.countDown();
                firstMayEnd.await();
            }
            written.add(lastSequence);
        };
        try (PurestockEngine engine = PurestockEngine.builder().snapshotEvery(1).snapshotWriter(shard -> writer)
                .build()) {
            engine.submit(list(1)).join();
            firstStarted.await(); // the snapshot after sequence 0 is being written, and held
            for (int sku = 2; sku <= 4; sku++) {
                engine.submit(list(sku)).join(); // those after 1 and 2 wait; the one after 3 takes the place of 2
            }
            assertEquals(1, engine.metrics().shard(0).snapshotsSkipped());
            firstMayEnd.countDown();
        }
        assertEquals(List.of(0L, 1L, 3L), written, "close writes the snapshots still waiting");
    }

    @Test
    void countsSnapshotsWrittenAndFailedAndTheirDuration() {
        List<Long> written = new ArrayList<>();
        boolean[] failNext = {false};
        SnapshotWriter writer = (lastSequence, time, store) -> {
            if (failNext[0]) {
                throw new IOException("disk full");
            }
            written.add(lastSequence);
        };
        try (PurestockEngine engine = PurestockEngine.builder().snapshotWriter(shard -> writer).build()) {
            join(engine, list(1), receive(1, 1, 0, 3));
            engine.snapshot(0).join();
            failNext[0] = true;
            assertThrows(Exception.class, () -> engine.snapshot(0).join());

            ShardMetrics shard = engine.metrics().shard(0);
            assertEquals(1, shard.snapshotsWritten());
            assertEquals(1, shard.snapshotsFailed());
            assertEquals(1, shard.snapshotDuration().count());
            assertEquals(List.of(1L), written);
            assertTrue(shard.stages().contains(StageRole.APPLY));
            assertThrows(IllegalArgumentException.class, () -> shard.appendLatency(StageRole.JOURNAL),
                    "no journal is wired");
            assertThrows(IllegalArgumentException.class, () -> shard.lag(StageRole.REPLICATE));
        }
    }

    @Test
    void countsIsolatedCallbackFailuresPerShard() {
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).build()) {
            OutcomeViewCallback throwing = new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    throw new IllegalStateException("a caller's bug");
                }

                @Override
                public void onFailure(Throwable cause) {
                }
            };
            engine.submit(receive(1, 1, 0, 1), throwing);                 // warehouse 0: shard 0
            engine.submit(receive(2, 1, 0, 1), throwing);
            // a shard answers in order: once a later command of it is answered, the failures were counted
            engine.submit(receive(3, 1, 0, 1)).join();

            assertEquals(2, engine.metrics().shard(0).callbackFailures());
            assertEquals(0, engine.metrics().shard(1).callbackFailures());
            assertEquals(2, engine.metrics().callbackFailures());
            assertEquals(2, engine.consumerFailures());
        }
    }

    @Test
    void aFailedJournalShowsTheShardStoppedWithItsCause() {
        DurabilityStage failing = (sequence, time, command, events, endOfBatch) -> {
            throw new IOException("disk full at sequence " + sequence);
        };
        try (PurestockEngine engine = PurestockEngine.builder().journal(shard -> failing).build()) {
            CompletableFuture<Outcome> answer = engine.submit(list(1));
            assertTrue(EngineFixtures.failureOf(answer) instanceof EngineStoppedException);

            ShardMetrics shard = engine.metrics().shard(0);
            assertEquals(ShardMetrics.Health.STOPPED, shard.health());
            assertTrue(shard.failureMessage().orElseThrow().contains("disk full at sequence 0"),
                    shard.failureMessage().toString());
            assertEquals(1, shard.commandsSequenced(), "decided, though never acknowledged");
            assertEquals(0, shard.syncLatency(StageRole.JOURNAL).count(), "a call that threw is not timed");
        }
    }

    /**
     * A {@link RejectionReason} of the service's own (docs of that interface: whoever runs the domain may refuse with
     * one, under a code no {@link Reason} has) was never given by this engine: asking how often threw an
     * {@code ArrayIndexOutOfBoundsException} for any code outside the engine's table, so that a dashboard listing its
     * own reasons beside the engine's failed as it asked.
     */
    @Test
    void aReasonTheEngineNeverGivesCountsZeroWhateverItsCode() {
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            join(engine, list(1), purchase(1, 1, 0));
            ShardMetrics shard = engine.metrics().shard(0);
            assertEquals(1, shard.rejected(Reason.UNKNOWN_WAREHOUSE), "no stock was ever received at warehouse 0");
            for (int code : new int[] {1_000, 64, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
                RejectionReason own = new OwnReason(code);
                assertEquals(0, shard.rejected(own), "code " + code);
                assertEquals(0, engine.metrics().rejectedUnsequenced(own), "code " + code);
            }
            assertEquals(1, shard.commandsRejected());
        }
    }

    /** A service's own rejection reason, as {@link RejectionReason} allows. */
    private record OwnReason(int code) implements RejectionReason {
        @Override
        public String description() {
            return "the service's own refusal";
        }

        @Override
        public String name() {
            return "OWN_" + code;
        }
    }

    /**
     * Every command a shard sequenced is counted once, as its outcome says: accepted when no event is a rejection,
     * else by the reason of the first one. A batch counts as one command (an independent batch with one rejected
     * member counts as rejected, though its other members stand), a hold as one when it is held, and a held command's
     * outcome is part of the time command that decides it, which is counted by it.
     */
    @Test
    void eachCommandIsCountedOnceAsItsOutcomeSaysHeldAndBatchedOnesToo() {
        AtomicLong clock = new AtomicLong(1);
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get).expireReservationsEvery(Duration.ZERO)
                .build()) {
            List<Outcome> outcomes = new ArrayList<>();
            outcomes.add(engine.submit(list(1)).join());
            outcomes.add(engine.submit(receive(1, 1, 0, 2)).join());
            outcomes.add(engine.submitAt(10, 100, new Command.Purchase(1, 1, 1, 0, 1)).join());
            outcomes.add(engine.submitAt(11, 100, new Command.Purchase(2, 2, 1, 0, 5)).join()); // more than there is
            outcomes.add(engine.submit(new Command.Batch(Command.Batch.Mode.INDEPENDENT,
                    List.of(new Command.Purchase(3, 3, 1, 0, 1), new Command.Purchase(4, 4, 1, 0, 100)))).join());
            outcomes.add(engine.submit(new Command.Batch(Command.Batch.Mode.ATOMIC,
                    List.of(new Command.Purchase(5, 5, 1, 0, 1), new Command.Purchase(6, 6, 1, 0, 100)))).join());
            clock.set(100);
            Outcome due = engine.submit(new Command.ExpireReservations(Limits.DEFAULT_RETAIN_ORDERS_FOR)).join();
            outcomes.add(due);
            outcomes.add(engine.cancelHold(12).join());

            assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(1), "hold 10's purchase was accepted");
            assertEquals(Optional.of(Reason.OUT_OF_STOCK), due.reason(), "hold 11's purchase was not");
            assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(3), "the independent batch's first member");
            long accepted = outcomes.stream().filter(Outcome::accepted).count();
            Map<RejectionReason, Long> byReason = outcomes.stream().filter(outcome -> !outcome.accepted())
                    .collect(Collectors.groupingBy(outcome -> outcome.reason().orElseThrow(), Collectors.counting()));
            ShardMetrics shard = engine.metrics().shard(0);
            assertEquals(outcomes.size(), shard.commandsSequenced());
            assertEquals(accepted, shard.commandsAccepted());
            assertEquals(byReason, shard.rejectedByReason());
            assertEquals(4, accepted, "the listing, the receipt, the two holds");
            assertEquals(Map.of(Reason.OUT_OF_STOCK, 3L, Reason.UNKNOWN_HOLD, 1L), byReason);
        }
    }

    /**
     * The decision stage counts a command as it decides it: a durability failure that then fails the command's whole
     * batch leaves it counted, accepted or rejected by what was decided, while its caller gets an
     * {@link EngineStoppedException}. So sequenced = accepted + rejected exactly, but not the commands answered with
     * their outcome; the figures' docs said "answered".
     */
    @Test
    void aCommandAFailureThenFailsIsCountedAsItWasDecided() throws Exception {
        InMemoryJournal journal = new InMemoryJournal();
        DurabilityStage failingAtThree = (sequence, time, command, events, endOfBatch) -> {
            if (sequence == 3) {
                throw new IOException("disk full at sequence 3");
            }
            journal.onDecided(sequence, time, command, events, endOfBatch);
        };
        EngineFixtures.StalledStage stalled = new EngineFixtures.StalledStage(failingAtThree);
        try (PurestockEngine engine = PurestockEngine.builder().journal(shard -> stalled)
                .expireReservationsEvery(Duration.ZERO).build()) {
            CompletableFuture<Outcome> listed = engine.submit(list(1));
            stalled.awaitStalled();
            List<CompletableFuture<Outcome>> failed = engine.submitAll(List.of(receive(1, 1, 0, 1), purchase(1, 1, 0),
                    purchase(2, 1, 0), purchase(3, 1, 0)));
            ShardMetrics shard = engine.metrics().shard(0);
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                while (shard.commandsSequenced() < 5) {
                    Thread.onSpinWait(); // the decision stage decides on while the journal waits
                }
            });
            stalled.release();

            assertTrue(listed.join().accepted());
            for (CompletableFuture<Outcome> answer : failed) {
                assertInstanceOf(EngineStoppedException.class, failureOf(answer), "in the batch the journal failed");
            }
            assertEquals(3, journal.size(), "the batch's commands before sequence 3 reached the journal, unacknowledged");
            assertEquals(5, shard.commandsSequenced());
            assertEquals(3, shard.commandsAccepted(), "the listing, the receipt and the first purchase, as decided");
            assertEquals(Map.of(Reason.OUT_OF_STOCK, 2L), shard.rejectedByReason());
            assertEquals(shard.commandsSequenced(), shard.commandsAccepted() + shard.commandsRejected());
            assertEquals(ShardMetrics.Health.STOPPED, shard.health());
        }
    }

    @Test
    void anUnknownShardIsRefusedWithTheRangeThereIs() {
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine.metrics().shard(2));
            assertTrue(e.getMessage().contains("0..1"), e.getMessage());
        }
    }

    private static void join(PurestockEngine engine, Command... commands) {
        join(engine, List.of(commands));
    }

    private static void join(PurestockEngine engine, List<Command> commands) {
        for (CompletableFuture<Outcome> answer : engine.submitAll(commands)) {
            answer.join();
        }
    }
}
