package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A read model whose update throws (a bug, or memory running out as it grows) never leaves a caller unanswered and
 * never answers a durable command as failed: every command already taken, the one it failed on included, gets
 * its outcome; the shard takes no more submissions, and the read model is not updated any more. The decision and
 * completion stages are driven on this thread, either one slot at a time or with the decision stage a whole batch
 * ahead, as it usually is.
 */
class ReadModelFailureTest {
    /** A product listed and stocked, then three purchases of it, orders 10 to 12: the read model breaks at seq 3. */
    private static final List<Command> THREE_PURCHASES = List.of(
            new Command.ListProduct(1, 0),
            new Command.ReceiveStock(1, 1, 0, 10),
            new Command.Purchase(10, 7, 1, 0, 1),
            new Command.Purchase(11, 8, 1, 0, 1),
            new Command.Purchase(12, 9, 1, 0, 1));

    /**
     * Shard 0 of a read model of {@code readModelShards} shards, its decision and completion stages wired by hand to
     * be driven on this thread; the completion stage lets go of ids in {@code inFlight} (none where null), and its
     * read-model update counts each call and throws on command sequence 3.
     */
    private record Wired(Intake intake, ShardHealth health, ReadModel readModel, AtomicInteger updates,
                         DecisionHandler decision, AtomicLong isolated, CompletionHandler completion) {
        static Wired failingAtSequence3(int readModelShards, InFlightOrders inFlight) {
            Intake intake = new Intake();
            ShardHealth health = new ShardHealth(0, intake);
            ReadModel readModel = new ReadModel(readModelShards);
            ReadModel.Writer writer = readModel.writer(0);
            AtomicInteger updates = new AtomicInteger();
            ReadModel.Updater failing = (sequence, events) -> {
                updates.incrementAndGet();
                if (sequence == 3) {
                    throw new IllegalStateException("the read model broke");
                }
                writer.apply(sequence, events);
            };
            ShardCounters counters = new ShardCounters(16);
            DecisionHandler decision = new DecisionHandler(0, health, ShardState.empty(), () -> 1L, counters.decision,
                    new DueTimes(1, 86_400_000, 1_000), EngineFixtures.NO_RING);
            AtomicLong isolated = new AtomicLong();
            CompletionHandler completion = new CompletionHandler(0, health, failing, List.of(), isolated,
                    new CallerAnswers(null, isolated, 1), counters.completion, inFlight);
            return new Wired(intake, health, readModel, updates, decision, isolated, completion);
        }
    }


    @ParameterizedTest(name = "decision stage ahead: {0}")
    @ValueSource(booleans = {false, true})
    void everyCommandTakenIsAnsweredWithItsOutcomeAndTheShardTakesNoMore(boolean decisionAhead) {
        Wired shard = Wired.failingAtSequence3(1, null);
        Intake intake = shard.intake();
        ShardHealth health = shard.health();
        ReadModel readModel = shard.readModel();
        AtomicInteger updates = shard.updates();
        DecisionHandler decision = shard.decision();
        AtomicLong isolated = shard.isolated();
        CompletionHandler completion = shard.completion();
        List<Command> commands = THREE_PURCHASES;
        List<Recorder> answers = new ArrayList<>();
        List<CommandSlot> slots = new ArrayList<>();
        for (int ringSequence = 0; ringSequence < commands.size(); ringSequence++) {
            Recorder answer = new Recorder();
            answers.add(answer);
            CommandSlot slot = new CommandSlot();
            slots.add(slot);
            slot.request.command(commands.get(ringSequence), answer, null);
            decision.onEvent(slot, ringSequence, decisionAhead ? ringSequence == commands.size() - 1 : true);
            if (!decisionAhead) {
                completion.onEvent(slot, ringSequence, true);
            }
        }
        if (decisionAhead) {
            for (int ringSequence = 0; ringSequence < commands.size(); ringSequence++) {
                completion.onEvent(slots.get(ringSequence), ringSequence, ringSequence == commands.size() - 1);
            }
        }

        for (int i = 0; i < commands.size(); i++) {
            assertNull(answers.get(i).failure, "command " + i + " is answered with its outcome");
            assertEquals(i, answers.get(i).outcome.sequence());
        }
        assertInstanceOf(Event.PurchaseAccepted.class, answers.get(3).outcome.events().get(0),
                "the purchase whose read-model update threw was accepted, and its caller is told so");
        assertInstanceOf(Event.PurchaseAccepted.class, answers.get(4).outcome.events().get(0),
                "the purchase taken before the failure is decided and answered as usual");
        assertNotNull(health.failure());
        assertTrue(health.failure().getMessage().contains("updating the read model with command sequence 3"),
                health.failure().getMessage());
        assertFalse(intake.enter(), "later submissions are refused");
        assertInstanceOf(EngineStoppedException.class, intake.refusal());
        assertFalse(health.failedAtOrBefore(Long.MAX_VALUE - 1), "no slot is marked failed");
        assertEquals(4, updates.get(), "the read model is not updated after it failed");
        assertEquals(2, readModel.lastSequence(0), "its last sequence is the last command applied to it");
        assertEquals(OrderStatus.PURCHASED, readModel.orderStatus(10));
        assertNull(readModel.orderStatus(12));
        assertEquals(0, isolated.get(), "no callback failed");
    }

    /**
     * In a sharded engine, the router learns a new order's shard from the read model once the command's claim on its
     * id is let go of ({@link InFlightOrders}). A read model that failed records none of the orders its shard accepts
     * from then on: their ids stay claimed for that shard, so that a command with one of them that entered before
     * the intake stopped and is routed to another shard is refused there, as it would be had the read model recorded
     * the order. The order applied before the failure is let go of as usual.
     */
    @Test
    void theIdsOfTheOrdersAFailedReadModelDidNotRecordStayClaimedForItsShard() {
        InFlightOrders inFlight = new InFlightOrders(64);
        Wired shard = Wired.failingAtSequence3(2, inFlight);
        ReadModel readModel = shard.readModel();
        DecisionHandler decision = shard.decision();
        CompletionHandler completion = shard.completion();
        List<Command> commands = THREE_PURCHASES;
        List<Recorder> answers = new ArrayList<>();
        for (int ringSequence = 0; ringSequence < commands.size(); ringSequence++) {
            Command command = commands.get(ringSequence);
            assertTrue(inFlight.claim(command, 0) >= 0, "claimed as the router claims it");
            Recorder answer = new Recorder();
            answers.add(answer);
            CommandSlot slot = new CommandSlot();
            slot.request.command(command, answer, null);
            decision.onEvent(slot, ringSequence, true);
            completion.onEvent(slot, ringSequence, true);
        }

        assertInstanceOf(Event.PurchaseAccepted.class, answers.get(3).outcome.events().get(0));
        assertInstanceOf(Event.PurchaseAccepted.class, answers.get(4).outcome.events().get(0));
        assertEquals(0, readModel.orderOrHeldOrderShard(10), "recorded before the failure");
        assertEquals(-1, inFlight.orderShard(10), "and let go of");
        for (long orderId = 11; orderId <= 12; orderId++) {
            assertEquals(-1, readModel.orderOrHeldOrderShard(orderId), "accepted, but not recorded");
            assertEquals(0, inFlight.orderShard(orderId), "order " + orderId + " stays claimed for its shard");
            assertFalse(inFlight.claim(orderId, 1), "order " + orderId + " is refused on another shard");
        }
    }

    /**
     * The commands still flowing after a read-model failure may meet a failure of their own (the journal's): the
     * slots it fails are answered with its cause, not with the read model's, and it is logged.
     */
    @Test
    void aDurabilityFailureAfterTheReadModelsFailsItsSlotsWithItsOwnCause() {
        ShardHealth health = new ShardHealth(0, new Intake());
        health.stopIntake("updating the read model with command sequence 3", new IllegalStateException("broke"));
        assertFalse(health.failedAtOrBefore(Long.MAX_VALUE - 1));

        health.fail(6, 6, "the journal", new IOException("disk full"));
        health.fail(8, 8, "the replication", new IOException("standby gone"));

        assertFalse(health.failedAtOrBefore(5));
        assertTrue(health.failedAtOrBefore(6));
        assertTrue(health.failure().getMessage().contains("the journal failed on command sequence 6"),
                health.failure().getMessage());
        assertInstanceOf(IOException.class, health.failure().getCause());
    }

    /** Records the one answer a command gets. */
    private static final class Recorder implements OutcomeCallback {
        Outcome outcome;
        Throwable failure;

        @Override
        public void onOutcome(int shard, long sequence, long time, List<Event> events) {
            assertNull(outcome);
            outcome = new Outcome(shard, sequence, time, events);
        }

        @Override
        public void onFailure(Throwable cause) {
            assertNull(failure);
            failure = cause;
        }
    }
}
