package dev.purestock.replication;

import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static dev.purestock.replication.ReplicationTest.engine;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Timeouts meant as "no limit" ({@code Duration.ofSeconds(Long.MAX_VALUE)}), longer than a long of nanoseconds. */
class TimeoutBoundaryTest {
    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    /**
     * A {@code SYNC}+{@code WAIT} primary told to wait for its standby without limit: its start threw an
     * ArithmeticException (the timeout in milliseconds, for its log line) after its sender thread had started, which
     * nothing closed then, and its first wait would have thrown another (the timeout in nanoseconds).
     */
    @Test
    void aSyncPrimaryWithoutATimeLimitWaitsForItsStandby() throws Exception {
        Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
        try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).fallback(SyncFallback.WAIT)
                .syncTimeout(forever).start();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            stock(journaled.engine(), 100);
            long last = purchases(journaled.engine(), 1, 20).sequence();
            assertTrue(standby.lastSequence() >= last, "answered once the standby held it: " + standby.status());
            assertNull(primary.status().failure(), primary.status().describe());
        }
    }

    /** A wait for a sequence with {@code ofSeconds(MAX)} threw an ArithmeticException, even for one held. */
    @Test
    void aStandbyWaitWithoutATimeLimitForASequenceItHoldsReturnsAtOnce() throws Exception {
        try (Standby standby = Standby.builder(standbyDir).primary("127.0.0.1:9").start()) {
            assertTrue(standby.awaitSequence(-1, Duration.ofSeconds(Long.MAX_VALUE)));
        }
    }
}
