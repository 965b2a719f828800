package dev.purestock.benchmarks;

import dev.purestock.benchmarks.journal.JournalFixtures;
import dev.purestock.benchmarks.replication.StandbyProcess;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.replication.Primary;
import dev.purestock.replication.ReplicationMode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What replication costs the journaled engine, in the same run: {@code engine} (commands/s through a one-shard
 * journaled engine, page cache, the relisting workload of {@code JournalBenchmark.engineJournaled}, {@link #BATCH}
 * commands submitted per operation and every answer awaited) with {@code replication=NONE} (no replication stage:
 * the baseline), {@code ASYNC} and {@code SYNC} (answers wait for the standby's acknowledgement; the default
 * {@code WAIT} fallback, so a standby that stops answering fails the run rather than degrade it silently).
 *
 * <p>The standby runs in a JVM of its own on this machine ({@link StandbyProcess}), over loopback: its collector
 * and journal stay out of this JVM, so {@code -prof gc}'s B/op is the primary's alone, while the cores are shared
 * as they are between two processes on one host. The primary starts before the engine, the standby connects, and
 * the trial measures only once the primary reports it connected.
 */
public class ReplicationBenchmark {
    /** Commands per measured operation. */
    public static final int BATCH = 1_000;
    private static final long CONNECT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** A journaled one-shard engine, replicated to a standby in another JVM or not at all. */
    @State(Scope.Benchmark)
    public static class PairState {
        /** {@code NONE} (not replicated), or a {@link ReplicationMode}. */
        @Param({"NONE", "ASYNC", "SYNC"})
        public String replication;

        /** How the engine's stage threads wait. */
        @Param({"BLOCKING"})
        public WaitStrategyKind waitStrategy;

        /** Whether the engine keeps its snapshot stage for snapshots on demand (no periodic ones are cut here). */
        @Param({"true"})
        public boolean snapshotsOnDemand;

        /** The largest datagram the primary sends records in ({@code Primary.Builder.mtu}); {@code 0}: Aeron's. */
        @Param({"0"})
        public int mtu;

        Path dir;
        Path standbyDir;
        Primary primary;
        StandbyProcess standby;
        JournaledEngine journaled;
        long next;

        @Setup(Level.Trial)
        public void start() {
            dir = JournalFixtures.temporaryDirectory("replication-bench-primary");
            if (!replication.equals("NONE")) {
                Primary.Builder settings = Primary.builder(dir).listen("127.0.0.1:0")
                        .mode(ReplicationMode.valueOf(replication));
                primary = (mtu == 0 ? settings : settings.mtu(mtu)).start();
                standbyDir = JournalFixtures.temporaryDirectory("replication-bench-standby");
                standby = StandbyProcess.start(standbyDir.resolve("journal"), primary.endpoint(), -1,
                        standbyDir.resolve("standby.log"));
            }
            journaled = JournaledEngine.builder(dir).snapshotEvery(0).snapshotsOnDemand(snapshotsOnDemand)
                    .engine(builder -> {
                        builder.waitStrategy(waitStrategy);
                        if (primary != null) {
                            primary.configure(builder);
                        }
                    }).start();
            if (primary != null) {
                awaitConnected(primary);
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            journaled.close();
            if (primary != null) {
                primary.close();
                standby.close();
                JournalFixtures.delete(standbyDir);
            }
            JournalFixtures.delete(dir);
        }
    }

    /** Waits until {@code primary}'s standby has said hello and receives its records. */
    public static void awaitConnected(Primary primary) {
        long deadline = System.nanoTime() + CONNECT_TIMEOUT_NANOS;
        while (!primary.status().connected()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no standby connected within 30 s: " + primary.status().describe());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void engine(PairState state) throws InterruptedException {
        state.next = JournalBenchmark.submitBatch(state.journaled.engine(), state.next);
    }
}
