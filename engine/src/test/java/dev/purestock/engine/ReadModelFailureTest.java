package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A read model whose update throws (a bug, or memory running out as it grows) never leaves a caller unanswered:
 * the command it failed on is decided and durable, so its caller gets its outcome, and the shard stops from the
 * next command on, as when applying events to the state fails. The decision and completion stages are driven
 * on this thread, one slot at a time.
 */
class ReadModelFailureTest {

    @Test
    void theCommandWhoseReadModelUpdateThrowsIsAnsweredWithItsOutcomeAndTheShardStopsAfterIt() {
        ShardHealth health = new ShardHealth(0, new Intake());
        ReadModel readModel = new ReadModel(1);
        ReadModel.Writer writer = readModel.writer(0);
        long failOn = 3;
        ReadModel.Updater failing = (sequence, events) -> {
            if (sequence == failOn) {
                throw new IllegalStateException("the read model broke");
            }
            writer.apply(sequence, events);
        };
        ShardCounters counters = new ShardCounters(16);
        DecisionHandler decision = new DecisionHandler(0, health, ShardState.empty(), () -> 1L, counters.decision,
                new DueTimes(1));
        AtomicLong isolated = new AtomicLong();
        CompletionHandler completion = new CompletionHandler(0, health, failing, List.of(), isolated,
                new CallerAnswers(null, isolated), counters.completion);
        List<Command> commands = List.of(
                new Command.ListProduct(1, 0),
                new Command.ReceiveStock(1, 1, 0, 10),
                new Command.Purchase(10, 7, 1, 0, 1),
                new Command.Purchase(11, 8, 1, 0, 1),
                new Command.Purchase(12, 9, 1, 0, 1));
        List<Recorder> answers = new ArrayList<>();
        CommandSlot slot = new CommandSlot();
        for (int ringSequence = 0; ringSequence < commands.size(); ringSequence++) {
            Recorder answer = new Recorder();
            answers.add(answer);
            slot.request.command(commands.get(ringSequence), answer, null);
            decision.onEvent(slot, ringSequence, true);
            completion.onEvent(slot, ringSequence, true);
        }

        for (int i = 0; i < 4; i++) {
            assertNull(answers.get(i).failure, "command " + i + " is answered with its outcome");
            assertEquals(i, answers.get(i).outcome.sequence());
        }
        assertInstanceOf(Event.PurchaseAccepted.class, answers.get(3).outcome.events().get(0),
                "the purchase whose read-model update threw was accepted, and its caller is told so");
        assertInstanceOf(EngineStoppedException.class, answers.get(4).failure);
        assertNull(answers.get(4).outcome);
        assertNotNull(health.failure());
        assertTrue(health.failure().getMessage().contains("updating the read model after command sequence 3"),
                health.failure().getMessage());
        assertEquals(OrderStatus.PURCHASED, readModel.orderStatus(10));
        assertEquals(0, isolated.get(), "no callback failed");
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
