package dev.purestock.benchmarks;

import dev.purestock.domain.OrderStatus;
import dev.purestock.engine.WaitStrategyKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The producer of {@code JournalBenchmark.engineJournaledPurchaseFieldsPipelined}: two batches in flight while an
 * iteration runs, every purchase answered once its end has waited, and a run that measured a refusal refused.
 */
class PipelinedEngineStateTest {
    private final JournalBenchmark.PipelinedEngineState state = new JournalBenchmark.PipelinedEngineState();

    /** The row's journaled engine, every order kept: the row's own state is sized for millions of them. */
    @BeforeEach
    void start() {
        state.purchases.waitStrategy = WaitStrategyKind.BLOCKING;
        state.purchases.retainSeconds = "forever";
        state.purchases.start();
    }

    @AfterEach
    void stop() {
        state.stop();
    }

    @Test
    void anIterationsEndLeavesEveryPurchaseItSubmittedAnswered() throws InterruptedException {
        state.fill();
        for (int operation = 0; operation < 5; operation++) {
            state.next();
        }
        state.drain();

        assertEquals(6L * JournalBenchmark.BATCH, state.purchases.next);
        assertEquals(OrderStatus.PURCHASED, state.purchases.engine.readModel().orderStatus(state.purchases.next - 1));
    }

    @Test
    void aPurchaseTheEngineDidNotAcceptRefusesTheRun() throws InterruptedException {
        state.fill();
        state.drain();
        state.purchases.engine.close();

        state.fill();
        IllegalStateException refused = assertThrows(IllegalStateException.class, state::drain);

        assertTrue(refused.getMessage().contains("refused"), refused.getMessage());
    }
}
