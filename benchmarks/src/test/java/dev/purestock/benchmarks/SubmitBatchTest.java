package dev.purestock.benchmarks;

import dev.purestock.engine.PurestockEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The batch of {@code JournalBenchmark.engineJournaled} and {@code ReplicationBenchmark.engine}: a command the engine
 * fails ends the operation with its failure.
 */
class SubmitBatchTest {
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // it waited for the failed answers forever
    void aCommandTheEngineFailsEndsTheBatchWithTheFailure() {
        IOException diskFull = new IOException("no space left on device");
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(64).expireReservationsEvery(Duration.ZERO)
                .journal(shard -> (sequence, time, command, events, endOfBatch) -> {
                    throw diskFull;
                })
                .build()) {
            IllegalStateException failed = assertThrows(IllegalStateException.class,
                    () -> JournalBenchmark.submitBatch(engine, 0));

            Throwable cause = failed.getCause();
            while (cause != null && cause != diskFull) {
                cause = cause.getCause();
            }
            assertSame(diskFull, cause, "the batch ends with the engine's failure: " + failed);
        }
    }
}
