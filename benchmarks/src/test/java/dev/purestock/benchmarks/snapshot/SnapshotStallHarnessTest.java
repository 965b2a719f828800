package dev.purestock.benchmarks.snapshot;

import dev.purestock.benchmarks.FailingEngines;
import dev.purestock.domain.Command;
import dev.purestock.engine.PurestockEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The snapshot stall harness's sender on a small in-memory engine: what it does when the engine fails under it. */
class SnapshotStallHarnessTest {

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // the sender used to wait for its answers forever
    void anEngineThatFailsWhileTheSenderWaitsForItsAnswersEndsTheRunWithItsFailure() {
        SnapshotStallHarness harness = new SnapshotStallHarness();
        new CommandLine(harness).parseArgs("--skus", "1");
        IOException diskFull = new IOException("no space left on device");
        try (PurestockEngine engine = FailingEngines.failingPurchases(diskFull)) {
            SnapshotStallHarness.Answers answers = new SnapshotStallHarness.Answers(2);
            engine.submit(new Command.ListProduct(0, 0), answers);
            engine.submit(new Command.ReceiveStock(1, 0, 0, 1_000), answers);
            SnapshotStallHarness.Sender sender = harness.new Sender(engine, answers, 10_000, 2);

            // as a snapshot's window does: send until every purchase sent so far is answered
            IllegalStateException failed = assertThrows(IllegalStateException.class,
                    () -> sender.sendFor(Double.MAX_VALUE, () -> sender.sent() >= 12 && answers.answered() >= sender.sent()));

            Throwable cause = failed.getCause();
            while (cause != null && cause != diskFull) {
                cause = cause.getCause();
            }
            assertSame(diskFull, cause, "the run ends with the engine's failure: " + failed);
        }
    }
}
