package dev.purestock.benchmarks.latency;

import dev.purestock.domain.Command;
import dev.purestock.engine.PurestockEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.IOException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The latency harness on a small in-memory engine: what it does when the engine fails under it. */
class LatencyHarnessTest {

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // the harness used to wait for its answers forever
    void anEngineThatFailsWhileARateIsOfferedEndsTheRunWithItsFailure() {
        LatencyHarness harness = new LatencyHarness();
        new CommandLine(harness).parseArgs("--skus", "1");
        IOException diskFull = new IOException("no space left on device");
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(64).expireReservationsEvery(Duration.ZERO)
                .journal(shard -> (sequence, time, command, events, endOfBatch) -> {
                    if (command instanceof Command.Purchase) {
                        throw diskFull;
                    }
                })
                .build()) {
            engine.submit(new Command.ListProduct(0, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 0, 0, 1_000)).join();

            IllegalStateException failed = assertThrows(IllegalStateException.class,
                    () -> harness.offer(engine, new LatencyHarness.Recording(1), 10_000, 0.01, 1));

            Throwable cause = failed.getCause();
            while (cause != null && cause != diskFull) {
                cause = cause.getCause();
            }
            assertSame(diskFull, cause, "the run ends with the engine's failure: " + failed);
        }
    }
}
