package dev.purestock.replication;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A standby closed while a caller waits for a sequence tells that caller at once. */
class StandbyCloseTest {
    @TempDir
    Path standbyDir;

    /**
     * A caller waiting in {@code awaitSequence} for a record that will never come now (the standby is closed) waited
     * its whole timeout and was told "not yet", as if the standby were still receiving.
     */
    @Test
    void closingAStandbyEndsTheWaitsForItsSequences() throws Exception {
        Standby standby = Standby.builder(standbyDir).primary("127.0.0.1:9").start();
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return standby.awaitSequence(10, Duration.ofMinutes(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        standby.close();
        ExecutionException ended = assertThrows(ExecutionException.class,
                () -> waiting.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the wait ended with the standby");
        assertInstanceOf(ReplicationException.class, ended.getCause());
        assertTrue(ended.getCause().getMessage().contains("closed"), ended.getCause().getMessage());
        assertThrows(ReplicationException.class, () -> standby.awaitSequence(10, WAIT));
    }
}
