package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Metrics at their edges: a callback that throws on the callback executor counts for its shard (the engine figure
 * sums the shards), a shard that takes no commands because another shard stopped the engine reads STOPPED with that
 * failure, and the journal's timings count the commands journaled, not an end of batch that carried none.
 */
class MetricsEdgesTest {

    private static final OutcomeViewCallback THROWING = new OutcomeViewCallback() {
        @Override
        public void onOutcome(OutcomeView outcome) {
            throw new IllegalStateException("a caller's bug");
        }

        @Override
        public void onFailure(Throwable cause) {
        }
    };

    /** README: per shard callbackFailures counts the shard's callbacks; the engine figure "sums the shards". */
    @Test
    void aCallbackOnTheCallbackExecutorThatThrowsIsCountedForItsShard() {
        try (PurestockEngine engine = PurestockEngine.builder().callbackExecutor(Runnable::run).build()) {
            engine.submit(receive(1, 1, 0, 1), THROWING);                 // shard 0
            engine.submit(receive(2, 1, 0, 1)).join();                   // answered after the first, same thread

            assertEquals(1, engine.consumerFailures());
            assertEquals(1, engine.metrics().callbackFailures());
            long sumOfShards = engine.metrics().allShards().stream().mapToLong(ShardMetrics::callbackFailures).sum();
            assertEquals(engine.metrics().callbackFailures(), sumOfShards,
                    "EngineMetrics.callbackFailures() sums the shards; shard 0's callback threw");
        }
    }

    /** Health RUNNING: "It takes and acknowledges commands"; Micrometer shard.running: 1 while it takes commands. */
    @Test
    void aShardThatTakesNoMoreCommandsIsNotReportedRunning() {
        DurabilityStage ok = (sequence, time, command, events, endOfBatch) -> { };
        DurabilityStage failing = (sequence, time, command, events, endOfBatch) -> {
            throw new IOException("disk full");
        };
        try (PurestockEngine engine = PurestockEngine.builder().shards(2)
                .journal(shard -> shard == 1 ? failing : ok).build()) {
            CompletableFuture<Outcome> onShard1 = engine.submit(receive(1, 1, 1, 1));   // warehouse 1: shard 1
            assertTrue(EngineFixtures.failureOf(onShard1) instanceof EngineStoppedException);

            CompletableFuture<Outcome> onShard0 = engine.submit(receive(2, 1, 0, 1));   // warehouse 0: shard 0
            assertTrue(EngineFixtures.failureOf(onShard0) instanceof EngineStoppedException,
                    "shard 0 refuses commands now");
            assertEquals(SubmitResult.STOPPED, engine.trySubmit(receive(3, 1, 0, 1), THROWING));
            assertEquals(ShardMetrics.Health.STOPPED, engine.metrics().shard(0).health());
            assertTrue(engine.metrics().shard(0).failureMessage().orElseThrow().contains("disk full"),
                    engine.metrics().shard(0).failureMessage().toString());
            assertTrue(engine.metrics().shard(0).health() != ShardMetrics.Health.RUNNING,
                    "shard 0 takes no commands, yet reads " + engine.metrics().shard(0).health());
        }
    }

    /**
     * README: "appendLatency(JOURNAL).count() + syncLatency(JOURNAL).count() is the number of commands journaled".
     * Another stage fails at the slot the journal holds back: the end-of-batch call has no command, yet is timed.
     */
    @Test
    void anEndOfBatchWithoutItsLastCommandIsNotCountedAsAJournaledCommand() {
        ShardCounters counters = new ShardCounters(8);
        ShardCounters.Durability times = new ShardCounters.Durability();
        ShardHealth health = new ShardHealth(0, new Intake());
        List<Long> journaled = new ArrayList<>();
        DurabilityStage stage = (sequence, time, command, events, endOfBatch) -> journaled.add(sequence);
        DecisionHandler decision = new DecisionHandler(0, health, ShardState.empty(StoreCapacity.DEFAULT),
                () -> 1L, counters.decision, new DueTimes(1, 86_400_000, 1_000), EngineFixtures.NO_RING);
        JournalHandler journal = new JournalHandler(0, health, stage, times);
        CommandSlot a = new CommandSlot();
        CommandSlot b = new CommandSlot();
        CommandSlot c = new CommandSlot();
        a.request.command(list(1), null, null);
        b.request.command(list(2), null, null);
        c.request.command(list(3), null, null);
        decision.onEvent(a, 0, false);
        decision.onEvent(b, 1, false);
        decision.onEvent(c, 2, true);
        journal.onEvent(a, 0, false);
        journal.onEvent(b, 1, false);                                    // journals a, holds b back
        health.fail(1, 1, "the replication", new IOException("replica gone")); // another stage fails at b
        journal.onEvent(c, 2, true);                                      // end of batch: b and c are failed

        assertEquals(List.of(0L), journaled, "only a was journaled");
        Percentiles append = times.append.read();
        Percentiles sync = times.sync.read();
        assertEquals(journaled.size(), append.count() + sync.count(),
                "append " + append.count() + " + sync " + sync.count() + " is the number of commands journaled");
    }
}
