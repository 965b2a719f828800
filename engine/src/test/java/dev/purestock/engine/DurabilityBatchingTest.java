package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A durability stage learns where a batch ends even when the batch ends with a control slot or a failure
 * elsewhere overtakes the command it holds back, and a
 * stage that fails at the end of a batch (a sync that fails) gets none of that batch acknowledged.
 */
class DurabilityBatchingTest {

    @Test
    void theLastCommandBeforeAControlSlotIsDeliveredAsTheEndOfItsBatch() throws Exception {
        Map<Long, Boolean> endOfBatchBySequence = new ConcurrentHashMap<>();
        DurabilityStage recording = (long sequence, long time, Command command, List<Event> events,
                                     boolean endOfBatch) -> endOfBatchBySequence.put(sequence, endOfBatch);
        CountDownLatch allPublished = new CountDownLatch(1);
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> recording)
                .clock(firstCallWaitsFor(allPublished)).build()) {
            List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                outcomes.add(engine.submit(list(i)));
            }
            CompletableFuture<Long> digest = engine.digest(0);
            allPublished.countDown();
            digest.join();
            outcomes.forEach(CompletableFuture::join);

            assertEquals(6, endOfBatchBySequence.size());
            assertTrue(endOfBatchBySequence.get(5L),
                    "the digest slot ended the batch, so the command before it closes the stage's batch");
            long ends = endOfBatchBySequence.values().stream().filter(end -> end).count();
            assertTrue(ends <= 2, "the decision stage handed over at most two batches: " + endOfBatchBySequence);
        }
    }

    @Test
    void aStageThatFailsAtTheEndOfABatchGetsNoCommandOfThatBatchAcknowledged() {
        AtomicLong durableUpTo = new AtomicLong(-1);
        DurabilityStage syncedPerBatch = (long sequence, long time, Command command, List<Event> events,
                                          boolean endOfBatch) -> {
            if (endOfBatch) {
                if (sequence == 5) {
                    throw new IOException("no space left on device");
                }
                durableUpTo.set(sequence);
            }
        };
        CountDownLatch allPublished = new CountDownLatch(1);
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> syncedPerBatch)
                .clock(firstCallWaitsFor(allPublished)).build()) {
            List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                outcomes.add(engine.submit(list(i)));
            }
            allPublished.countDown();

            for (CompletableFuture<Outcome> outcome : outcomes) {
                boolean acknowledged = outcome.handle((answer, thrown) -> thrown == null).join();
                if (acknowledged) {
                    long sequence = outcome.join().sequence();
                    assertTrue(sequence <= durableUpTo.get(), () -> "command sequence " + sequence
                            + " was acknowledged although its batch was never made durable (durable up to "
                            + durableUpTo.get() + ")");
                } else {
                    assertInstanceOf(EngineStoppedException.class, failureOf(outcome));
                }
            }
            assertTrue(outcomes.get(5).isCompletedExceptionally(), "the command whose sync failed was acknowledged");
        }
    }

    @Test
    void aStageWhoseHeldCommandAFailureElsewhereOvertookStillLearnsThatItsBatchEnded() {
        List<String> calls = new ArrayList<>();
        DurabilityStage recording = new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
                calls.add(sequence + (endOfBatch ? " end" : ""));
            }

            @Override
            public void onEndOfBatch() {
                calls.add("end without its last command");
            }
        };
        ShardHealth health = new ShardHealth(0, new Intake());
        JournalHandler journal = new JournalHandler(0, health, recording, new ShardCounters.Durability());
        journal.onEvent(commandSlot(0), 0, false);
        journal.onEvent(commandSlot(1), 1, false);
        journal.onEvent(commandSlot(2), 2, false);
        // another stage of the shard fails at ring slot 2, which the journal stage holds back: 0 and 1 will be
        // acknowledged, and the journal stage must end its batch for them although 2 never reaches it
        health.fail(2, 2, "the replication of shard 0", new IOException("standby gone"));
        journal.onEvent(commandSlot(3), 3, true);

        assertEquals(List.of("0", "1", "end without its last command"), calls);
    }

    private static CommandSlot commandSlot(long sequence) {
        CommandSlot slot = new CommandSlot();
        slot.request.command(new Command.ExpireReservations(), null, null);
        slot.decision.sequenced = true;
        slot.decision.sequence = sequence;
        slot.decision.time = 1_000;
        return slot;
    }

    /**
     * A clock whose first reading, taken by the decision stage for the first command, waits for
     * {@code latch}: every command published meanwhile reaches the stage as one batch.
     */
    private static LongSupplier firstCallWaitsFor(CountDownLatch latch) {
        AtomicBoolean first = new AtomicBoolean(true);
        return () -> {
            if (first.getAndSet(false)) {
                try {
                    latch.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return 1_000;
        };
    }
}
