package dev.purestock.micrometer;

import dev.purestock.domain.Command;
import dev.purestock.domain.Line;
import dev.purestock.domain.Limits;
import dev.purestock.engine.OutcomeView;
import dev.purestock.engine.OutcomeViewCallback;
import dev.purestock.engine.PurestockEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A callback that throws on the callback executor raises its shard's {@code purestock.callbacks.failed}; one of a
 * command no shard sequenced raises {@code purestock.callbacks.failed.unsequenced}, so that the meters add up to
 * the engine's own count.
 */
class CallbackFailuresMeterTest {
    @Test
    void aThrowingCallbackOnTheCallbackExecutorRaisesCallbacksFailed() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PurestockEngine engine = PurestockEngine.builder().callbackExecutor(Runnable::run).build()) {
            new PurestockMetrics(engine).bindTo(registry);
            engine.submit(new Command.ListProduct(1, 0), new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    throw new IllegalStateException("a caller's bug");
                }

                @Override
                public void onFailure(Throwable cause) {
                }
            });
            engine.submit(new Command.ReceiveStock(1, 1, 0, 1)).join();
            assertEquals(1, engine.consumerFailures());
            assertEquals(1, registry.get("purestock.callbacks.failed").tags("shard", "0").functionCounter().count(),
                    "README: alert on a rising purestock_callbacks_failed_total");
        }
    }

    @Test
    void aThrowingCallbackOfACommandNoShardSequencedIsCountedToo() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PurestockEngine engine = PurestockEngine.builder().build();
        new PurestockMetrics(engine).bindTo(registry);
        List<Line> tooMany = new ArrayList<>();
        for (int line = 0; line <= Limits.MAX_LINES; line++) {
            tooMany.add(new Line(line + 1, 0, 1));
        }
        engine.submit(new Command.PlaceOrder(1, 1, tooMany), new Throwing());  // refused before sequencing
        engine.close();
        engine.submit(new Command.ListProduct(1, 0), new Throwing());           // refused: closed

        assertEquals(2, engine.consumerFailures());
        assertEquals(0, registry.get("purestock.callbacks.failed").tags("shard", "0").functionCounter().count());
        assertEquals(2, registry.get("purestock.callbacks.failed.unsequenced").functionCounter().count(),
                "every failure the engine counts is on a meter");
    }

    /** A caller's callback that throws whatever it is answered with. */
    private static final class Throwing implements OutcomeViewCallback {
        @Override
        public void onOutcome(OutcomeView outcome) {
            throw new IllegalStateException("a caller's bug");
        }

        @Override
        public void onFailure(Throwable cause) {
            throw new IllegalStateException("a caller's bug, on failure");
        }
    }
}
