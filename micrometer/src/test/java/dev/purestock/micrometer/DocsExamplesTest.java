package dev.purestock.micrometer;

import dev.purestock.domain.Command;
import dev.purestock.engine.PurestockEngine;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example of micrometer/README.md, as written there, compiled and run, so that an example that drifts from the
 * API fails the build (the engine's and the starter's examples: their modules' DocsExamplesTest).
 */
class DocsExamplesTest {

    /** The README's binding: the engine's meters carry its tag, and closing the binder takes them out again. */
    @Test
    void theReadmeBindsAnEnginesMetersUnderItsTagAndClosingTheBinderRemovesThem() {
        SimpleMeterRegistry meterRegistry = new SimpleMeterRegistry();

        PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build();
        PurestockMetrics metrics = new PurestockMetrics(engine, Tags.of("engine", "orders"));
        metrics.bindTo(meterRegistry);
        engine.submit(new Command.ListProduct(1, 0)).join();
        assertEquals(1, meterRegistry.get("purestock.commands.sequenced").tags("engine", "orders", "shard", "0")
                .functionCounter().count());
        engine.close();
        metrics.close(); // its meters leave the registry

        assertTrue(meterRegistry.getMeters().isEmpty(), "every meter left with the binder: " + meterRegistry.getMeters());
    }
}
