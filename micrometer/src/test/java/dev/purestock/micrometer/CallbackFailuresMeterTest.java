package dev.purestock.micrometer;

import dev.purestock.domain.Command;
import dev.purestock.engine.OutcomeView;
import dev.purestock.engine.OutcomeViewCallback;
import dev.purestock.engine.PurestockEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A callback that throws on the callback executor raises its shard's {@code purestock.callbacks.failed}. */
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
}
