package dev.purestock.benchmarks.latency;

import dev.purestock.benchmarks.BenchmarkFiles;
import dev.purestock.benchmarks.ReplicationBenchmark;
import dev.purestock.benchmarks.replication.StandbyProcess;
import dev.purestock.domain.Command;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.OutcomeView;
import dev.purestock.engine.OutcomeViewCallback;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ShardDigest;
import dev.purestock.engine.StoreCapacity;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.JournalVerifier;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.RecoveredState;
import dev.purestock.journal.ReplayProgress;
import dev.purestock.replication.Primary;
import dev.purestock.replication.ReplicationMode;
import dev.purestock.replication.ReplicationStatus;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Offers purchases to a journaled engine at fixed rates, stepping up until the engine saturates, and
 * reports latency percentiles per rate. Stepping stops at the first rate the engine cannot take: its answers,
 * from the first intended send to the last answer, come at less than 98% of the rate (the achieved rate; the
 * ring takes up to its size in commands on schedule however slowly the engine answers them).
 *
 * <p>Open loop: the send time of command {@code i} is scheduled as {@code start + i / rate}, whether or
 * not the engine has answered earlier commands, and its latency is measured from that scheduled time to
 * the moment its answer arrives (after the journal wrote it). When the engine or the sender stalls,
 * every command scheduled during the stall counts the stall: coordinated omission is corrected rather
 * than hidden.
 *
 * <p>{@code --snapshot-every N} has the engine cut a snapshot of its state every {@code N} commands while it
 * runs (on whichever thread the engine cuts them), so the tables show what periodic snapshots cost the
 * tails. {@code --replication ASYNC} or {@code SYNC} replicates the engine to a standby in a JVM of its own on this
 * machine, over loopback ({@link StandbyProcess}), and samples the primary's status every
 * {@value #LAG_SAMPLE_MILLIS} ms while a step is measured: the standby's lag in records and in microseconds (how
 * long the oldest record it lacked had waited), median and largest of the samples. Each step also reports the collector's stop-the-world pauses that started while it was measured
 * (their count and the longest, from JFR; see {@link GcPauses}).
 *
 * <p>After the run the harness checks correctness: no sku sold more than it received, the journal
 * verifies (every record re-decided by the pure domain gives the journaled events) and the state
 * recovered from the journal up to the last sequence of the live engine's digest
 * ({@link PurestockEngine#digestWithSequence}) has that digest: the engine's timer goes on journaling time commands
 * until the engine closes, which forget orders when the retention window is shorter than the run, so the journal
 * may end past the digest. Replicated, the standby
 * acknowledged the last sequence, its journal verifies and its state up to that sequence has the live engine's digest
 * too. It exits non-zero when a check fails.
 */
@CommandLine.Command(name = "latency", mixinStandardHelpOptions = true,
        description = "Open-loop latency of the journaled engine at stepped offered rates.")
public final class LatencyHarness implements Callable<Integer> {
    private static final int WAREHOUSE = 0;
    /**
     * The most entries the harness sizes a table for ahead; beyond it the state grows as it must, within a measured
     * step (the settings line names the first such step, {@code state-grows-from}).
     */
    private static final long MAX_PRESIZED = 1L << 22;
    /** {@link #growsFrom} of a run whose purchases fit what the state was sized ahead for. */
    static final long NO_GROWTH = -1;
    private static final int INTENDED_SLOTS = 1 << 21;
    private static final long SPIN_BELOW_NANOS = 50_000;
    /**
     * With few cores a spinning sender takes a core the engine needs, and one that yields is always runnable: on
     * 2 cores at 50,000/s it kept the machine 60-65% in the kernel. It parks until each send is due instead (the
     * lateness of its wake-up counts in the latency, which is measured from the intended send time).
     */
    private static final boolean SENDER_PARKS = Runtime.getRuntime().availableProcessors() <= 4;
    private static final long LAG_SAMPLE_MILLIS = 10;
    private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Whether and how the engine is replicated to a standby. */
    enum Replication {
        /** Not replicated: the journaled engine alone. */
        NONE,
        /** {@link ReplicationMode#ASYNC}. */
        ASYNC,
        /** {@link ReplicationMode#SYNC}, waiting for the standby (the {@code WAIT} fallback). */
        SYNC
    }

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--rates", split = ",", description = "Offered rates in commands/s, stepped in order (default: ${DEFAULT-VALUE}).",
            defaultValue = "100000,250000,500000,1000000,2000000")
    private long[] rates;

    @Option(names = "--seconds", defaultValue = "5", description = "Measured seconds per rate (default: ${DEFAULT-VALUE}).")
    private double seconds;

    @Option(names = "--warmup-seconds", defaultValue = "2", description = "Unmeasured seconds before each rate (default: ${DEFAULT-VALUE}).")
    private double warmupSeconds;

    @Option(names = "--skus", defaultValue = "100000", description = "Skus on sale (default: ${DEFAULT-VALUE}).")
    private int skus;

    @Option(names = "--stock", defaultValue = "1000000", description = "Units received per sku (default: ${DEFAULT-VALUE}).")
    private long stock;

    @Option(names = "--wait", defaultValue = "BLOCKING", description = "Engine wait strategy: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private WaitStrategyKind wait;

    @Option(names = "--ring", defaultValue = "65536", description = "Ring size, a power of two up to 2^20 (default: ${DEFAULT-VALUE}).")
    private int ring;

    @Option(names = "--durability", defaultValue = "PAGE_CACHE", description = "Journal durability: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private Durability durability;

    @Option(names = "--p99-threshold-us", defaultValue = "1000",
            description = "A rate is sustainable when the sender kept its schedule and p99 stayed at or under this (default: ${DEFAULT-VALUE} µs).")
    private double p99ThresholdMicros;

    @Option(names = "--journal", description = "Journal directory (default: a new temporary directory, deleted afterwards).")
    private Path journal;

    @Option(names = "--out", description = "Directory for NAME.tsv (its settings line ends with the commit, "
            + "-Dpurestock.commit, and the UTC date) and one NAME-RATE.hgrm percentile file per rate.")
    private Path out;

    @Option(names = "--name", defaultValue = "latency",
            description = "Base name of the files written under --out (default: ${DEFAULT-VALUE}).")
    private String name;

    @Option(names = "--retain-seconds", defaultValue = "3600",
            description = "How long the engine remembers an order after its last change (its retention window), in "
                    + "seconds; the state is sized ahead for the orders of that window at the highest rate (or of the "
                    + "whole run, if fewer) and for every customer count of the run, up to 4,194,304 of each: a run "
                    + "that offers more purchases grows the state while a step is measured, and its settings line "
                    + "names the first such step (state-grows-from). "
                    + "A window shorter than the run has orders forgotten while it runs, and after the last purchase "
                    + "too; the final check compares the live state with the journal's up to the last sequence the "
                    + "live digest covers (default: ${DEFAULT-VALUE}).")
    private long retainSeconds;

    @Option(names = "--settle-heap", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "After filling the state and before the first rate, run one full collection, so that the "
                    + "state sized ahead is tenured before anything is measured (default: ${DEFAULT-VALUE}).")
    private boolean settleHeap;

    @Option(names = "--snapshot-every", defaultValue = "0",
            description = "Cut a snapshot every this many commands while the rates run; 0: none (default: ${DEFAULT-VALUE}).")
    private long snapshotEvery;

    @Option(names = "--replication", defaultValue = "NONE",
            description = "Replicate to a standby in a second JVM over loopback: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private Replication replication;

    /** Runs the harness from the command line. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new LatencyHarness()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (rates.length == 0 || Arrays.stream(rates).anyMatch(rate -> rate < 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rates must be 1 or more commands/s each");
        }
        if (!(seconds > 0) || !Double.isFinite(seconds)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seconds must be more than 0");
        }
        if (!(warmupSeconds >= 0) || !Double.isFinite(warmupSeconds)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--warmup-seconds must be 0 or more");
        }
        if (skus < 1 || stock < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--skus and --stock must be at least 1");
        }
        if (ring > INTENDED_SLOTS / 2 || Integer.bitCount(ring) != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--ring must be a power of two up to 2^20");
        }
        if (retainSeconds < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--retain-seconds must be at least 1");
        }
        if (snapshotEvery < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--snapshot-every must be 0 or more");
        }
        return BenchmarkFiles.inJournal(journal, "purestock-latency", this::run);
    }

    private int run(Path dir) throws IOException {
        if (replication == Replication.NONE) {
            return run(dir, null);
        }
        // the standby's journal goes whether the run passed, failed its checks or threw
        return BenchmarkFiles.inJournal(null, "purestock-latency-standby", standbyDir -> run(dir, standbyDir));
    }

    private int run(Path dir, Path standbyDir) throws IOException {
        Recording recording = new Recording(skus);
        Offered offered = offerRates(dir, recording, standbyDir);
        printTable(offered.results());
        writeOut(offered.results());
        boolean ok = checkCorrectness(dir, recording, offered.liveDigest());
        if (standbyDir != null) {
            ok &= offered.drained() & checkStandby(standbyDir.resolve("journal"), offered.liveDigest());
        }
        return ok ? 0 : 1;
    }

    /**
     * Runs the engine through every rate and closes it. Its own method so that the engine, closed, is no longer
     * reachable when the checks start: a local of the frame that held it stays a root of the collector for as long
     * as that frame runs (the interpreter does not track which locals are dead), and the checks build two more
     * stores of the whole journal, so a live engine of millions of orders (its state, the snapshot stage's copy
     * and the read model) would stay on the heap beside them.
     */
    private Offered offerRates(Path dir, Recording recording, Path standbyDir) throws IOException {
        List<RateResult> results = new ArrayList<>();
        ShardDigest liveDigest;
        long drainMicros = 0;
        boolean drained = true;
        try (GcPauses gc = GcPauses.start();
             Replica replica = standbyDir == null ? null : Replica.start(dir, standbyDir, replication);
             JournaledEngine journaled = JournaledEngine.builder(dir)
                .durability(durability)
                .snapshotEvery(snapshotEvery)
                .engine(builder -> {
                    builder.ringSize(ring).waitStrategy(wait)
                            .retainOrdersFor(Duration.ofSeconds(retainSeconds)).storeCapacity(capacity());
                    if (replica != null) {
                        replica.primary().configure(builder);
                    }
                })
                .start()) {
            PurestockEngine engine = journaled.engine();
            if (replica != null) {
                ReplicationBenchmark.awaitConnected(replica.primary());
            }
            stockUp(engine);
            if (settleHeap) {
                // the state sized ahead was born young; tenure it now, as a service would once after its start,
                // rather than have every young pause of the first steps copy it through the survivor spaces
                System.gc();
            }
            long nextOrderId = 1;
            for (long rate : rates) {
                nextOrderId = offer(engine, recording, rate, warmupSeconds, nextOrderId).nextOrderId();
                LagSampler lag = replica == null ? null : LagSampler.start(replica.primary());
                Phase measured = offer(engine, recording, rate, seconds, nextOrderId);
                nextOrderId = measured.nextOrderId();
                RateResult result = RateResult.of(rate, measured, p99ThresholdMicros)
                        .withLag(lag == null ? Lag.NONE : lag.stop());
                results.add(result);
                System.out.println(result.line());
                if (!result.keptUp()) {
                    break;
                }
            }
            liveDigest = engine.digestWithSequence(0).join();
            if (replica != null) {
                long drainStart = System.nanoTime();
                drained = replica.awaitAcknowledged();
                drainMicros = (System.nanoTime() - drainStart) / 1_000;
                System.out.printf(Locale.ROOT, "check: standby acknowledged the last sequence %s (%d µs after the "
                        + "last answer): %s%n", drained ? "yes" : "NO", drainMicros, replica.primary().status().describe());
            }
            gc.stop();
            results.replaceAll(result -> result.withGc(gc.between(result.from(), result.to())));
        }
        return new Offered(results, liveDigest, drained);
    }

    /**
     * What the rates left for the checks: each rate's result, the live state's digest with the last sequence it
     * covers, whether the standby drained.
     */
    private record Offered(List<RateResult> results, ShardDigest liveDigest, boolean drained) {
    }

    /**
     * The standby's journal, once its JVM stopped: it verifies, and its state up to the live digest's last sequence
     * is the live engine's then.
     */
    private static boolean checkStandby(Path standbyJournal, ShardDigest liveDigest) {
        JournalVerifier.Result verified = JournalVerifier.verify(standbyJournal, PrimitiveInventoryStore::new,
                ReplayProgress.NONE);
        RecoveredState recovered = upTo(standbyJournal, liveDigest);
        long digest = StateDigest.of(recovered.store());
        System.out.printf(Locale.ROOT, "check: standby journal records=%d verified=%s state-hash=%s up to seq %d%n",
                verified.records(), verified.matches(), StateDigest.format(digest), recovered.nextSequence() - 1);
        boolean ok = verified.matches() && reached(recovered, liveDigest) && digest == liveDigest.digest();
        System.out.println(ok ? "check: standby PASSED" : "check: standby FAILED");
        return ok;
    }

    /** The state of the journal in {@code dir} up to the last sequence {@code live} covers, from its snapshots. */
    private static RecoveredState upTo(Path dir, ShardDigest live) {
        return JournalRecovery.recoverUntil(dir, live.lastSequence(), Long.MAX_VALUE, true,
                PrimitiveInventoryStore::new, ReplayProgress.NONE);
    }

    /** The sequence of the last record of the journal in {@code dir}. */
    private static long lastSequence(Path dir) {
        try (JournalReader reader = JournalReader.open(dir)) {
            return reader.lastSequence();
        }
    }

    /** Whether {@code recovered} got as far as the last sequence {@code live} covers: the journal held it. */
    private static boolean reached(RecoveredState recovered, ShardDigest live) {
        return recovered.nextSequence() == live.lastSequence() + 1;
    }

    /**
     * The state the run needs, sized ahead: the orders of one retention window (plus the timer's period) at the
     * highest rate, and a customer count for every purchase of the run (each buys a random sku).
     */
    private StoreCapacity capacity() {
        long highest = 0;
        long purchases = 0;
        for (long rate : rates) {
            highest = Math.max(highest, rate);
            purchases += phaseCount(rate, warmupSeconds) + phaseCount(rate, seconds);
        }
        long orders = Math.min(purchases, highest * (retainSeconds + 2));
        return new StoreCapacity(2 * skus, (int) Math.min(orders, MAX_PRESIZED),
                (int) Math.min(purchases, MAX_PRESIZED));
    }

    /**
     * The first offered rate whose steps (its warm-up, then its measured seconds) take the run's purchases past
     * {@code presized}, or {@link #NO_GROWTH}: each purchase is a new order (kept for the retention window, an hour
     * by default) and nearly always a new customer count (a random customer of 2^20 and a random sku), so from that
     * step on the state grows past what it was sized ahead for, and the steps measure its growth too.
     */
    static long growsFrom(long[] rates, double warmupSeconds, double seconds, long presized) {
        long purchases = 0;
        for (long rate : rates) {
            purchases += phaseCount(rate, warmupSeconds) + phaseCount(rate, seconds);
            if (purchases > presized) {
                return rate;
            }
        }
        return NO_GROWTH;
    }

    private void stockUp(PurestockEngine engine) {
        List<CompletableFuture<?>> pending = new ArrayList<>(skus * 2);
        for (int sku = 0; sku < skus; sku++) {
            pending.add(engine.submit(new Command.ListProduct(sku, 0)));
            pending.add(engine.submit(new Command.ReceiveStock(sku, sku, WAREHOUSE, stock)));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
    }

    Phase offer(PurestockEngine engine, Recording recording, long rate, double phaseSeconds, long firstOrderId) {
        long count = phaseCount(rate, phaseSeconds);
        Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        recording.begin(histogram);
        Instant from = Instant.now();
        long completedBefore = recording.completed.get();
        long start = System.nanoTime() + 1_000_000;
        long maxLag = 0;
        for (long i = 0; i < count; i++) {
            long intended = start + (long) (i * 1e9 / rate);
            long now = waitUntil(intended);
            maxLag = Math.max(maxLag, now - intended);
            long orderId = firstOrderId + i;
            recording.intended[(int) (orderId & (INTENDED_SLOTS - 1))] = intended;
            int sku = (int) ((orderId * 0x9E3779B97F4A7C15L >>> 1) % skus);
            recording.checkFailure();
            engine.submitPurchase(orderId, orderId & 0xFFFFF, sku, WAREHOUSE, 1, recording);
        }
        while (recording.completed.get() - completedBefore < count) {
            recording.checkFailure();
            LockSupport.parkNanos(100_000);
        }
        return new Phase(histogram, count, recording.lastAnswered - start, maxLag, firstOrderId + count, from,
                Instant.now());
    }

    /** The commands one phase offers: the rate times its seconds, and at least one. */
    private static long phaseCount(long rate, double phaseSeconds) {
        return Math.max(1, (long) (rate * phaseSeconds));
    }

    private static long waitUntil(long intended) {
        long now = System.nanoTime();
        while (now < intended) {
            if (SENDER_PARKS) {
                LockSupport.parkNanos(intended - now);
            } else if (intended - now > SPIN_BELOW_NANOS) {
                LockSupport.parkNanos(intended - now - SPIN_BELOW_NANOS);
            } else {
                Thread.onSpinWait();
            }
            now = System.nanoTime();
        }
        return now;
    }

    private boolean checkCorrectness(Path dir, Recording recording, ShardDigest liveDigest) {
        boolean ok = true;
        long oversold = 0;
        for (int sku = 0; sku < skus; sku++) {
            oversold += Math.max(0, recording.acceptedPerSku[sku] - stock);
        }
        System.out.printf(Locale.ROOT, "check: accepted=%d rejected=%d oversold-units=%d%n",
                recording.accepted, recording.rejected, oversold);
        ok &= oversold == 0;
        JournalVerifier.Result verified = JournalVerifier.verify(dir, PrimitiveInventoryStore::new, ReplayProgress.NONE);
        System.out.printf(Locale.ROOT, "check: journal records=%d verified=%s%s%n", verified.records(),
                verified.matches(), verified.matches() ? "" : " first-divergence=" + verified.divergence());
        ok &= verified.matches();
        // the timer journals time commands after the digest until the engine closes: recover up to the digest's
        RecoveredState recovered = upTo(dir, liveDigest);
        long recoveredDigest = StateDigest.of(recovered.store());
        System.out.printf(Locale.ROOT, "check: live state-hash=%s recovered state-hash=%s up to seq %d (the live "
                        + "digest's; the journal goes on to seq %d)%n", liveDigest.stateHash(),
                StateDigest.format(recoveredDigest), recovered.nextSequence() - 1, lastSequence(dir));
        ok &= reached(recovered, liveDigest) && liveDigest.digest() == recoveredDigest;
        System.out.println(ok ? "check: PASSED" : "check: FAILED");
        return ok;
    }

    private void printTable(List<RateResult> results) {
        System.out.println();
        System.out.println(settings());
        System.out.println(RateResult.HEADER);
        results.forEach(r -> System.out.println(r.row()));
        results.stream().filter(RateResult::sustainable).max(Comparator.comparingLong(RateResult::rate))
                .ifPresentOrElse(
                        r -> System.out.printf(Locale.ROOT, "sustainable rate: %d commands/s (p99 <= %.0f µs)%n", r.rate(), p99ThresholdMicros),
                        () -> System.out.printf(Locale.ROOT, "sustainable rate: none of the offered rates (p99 <= %.0f µs)%n", p99ThresholdMicros));
    }

    private void writeOut(List<RateResult> results) throws IOException {
        if (out == null) {
            return;
        }
        Files.createDirectories(out);
        try (PrintStream tsv = new PrintStream(Files.newOutputStream(out.resolve(name + ".tsv")), true, "UTF-8")) {
            tsv.println("# " + settings() + " " + BenchmarkFiles.measuredAt());
            tsv.println(RateResult.TSV_HEADER);
            results.forEach(r -> tsv.println(r.tsv()));
        }
        for (RateResult r : results) {
            try (PrintStream hgrm = new PrintStream(Files.newOutputStream(out.resolve(name + "-" + r.rate() + ".hgrm")), true, "UTF-8")) {
                r.histogram().outputPercentileDistribution(hgrm, 1000.0);
            }
        }
    }

    private String settings() {
        long grows = growsFrom(rates, warmupSeconds, seconds, MAX_PRESIZED);
        return "wait=" + wait + " durability=" + durability + " ring=" + ring + " skus=" + skus
                + " retain-seconds=" + retainSeconds + " settle-heap=" + settleHeap + " snapshot-every=" + snapshotEvery
                + " presized=" + MAX_PRESIZED + " state-grows-from=" + (grows == NO_GROWTH ? "none" : grows)
                + " p99-threshold-us=" + p99ThresholdMicros
                + (replication == Replication.NONE ? "" : " replication=" + replication + " standby=second-jvm");
    }

    /**
     * Answers arrive here, on the engine's completion thread: one writer for every field. It reads the answer
     * through the engine's reused view, as a garbage-free caller does, so the harness itself allocates nothing per
     * command and the collector's pauses in the tables are the engine's.
     */
    static final class Recording implements OutcomeViewCallback {
        final long[] intended = new long[INTENDED_SLOTS];
        final long[] acceptedPerSku;
        final AtomicLong completed = new AtomicLong();
        long accepted;
        long rejected;
        /** When the last answer arrived ({@link System#nanoTime}): written before {@link #completed}, read after it. */
        long lastAnswered;
        private volatile Histogram histogram;
        /**
         * The first failure: the engine's, or an answer the harness did not expect. The engine isolates a callback
         * that throws (it logs and counts it and goes on), so the sender, waiting for its answers, learns of it here.
         */
        private volatile Throwable failure;

        Recording(int skus) {
            acceptedPerSku = new long[skus];
        }

        void begin(Histogram next) {
            histogram = next;
        }

        @Override
        public void onOutcome(OutcomeView outcome) {
            long answered = System.nanoTime();
            // one sender, one shard: purchases are answered in the order sent, and order ids count from 1
            long orderId = completed.get() + 1;
            if (outcome.accepted()) {
                if (outcome.lineCount() != 1) {
                    fail(new IllegalStateException("a purchase was answered with " + outcome.events()));
                    return;
                }
                accepted++;
                acceptedPerSku[(int) outcome.lineSku(0)]++;
            } else {
                if (outcome.rejectionRef() != orderId) {
                    fail(new IllegalStateException("expected the answer to order " + orderId + ", got "
                            + outcome.events()));
                    return;
                }
                rejected++;
            }
            histogram.recordValue(Math.max(0, answered - intended[(int) (orderId & (INTENDED_SLOTS - 1))]));
            lastAnswered = answered;
            completed.lazySet(orderId);
        }

        @Override
        public void onFailure(Throwable cause) {
            fail(cause);
        }

        private void fail(Throwable cause) {
            if (failure == null) {
                failure = cause;
            }
        }

        /** Throws when the engine failed or answered unexpectedly: the run cannot go on, nor its figures stand. */
        void checkFailure() {
            Throwable cause = failure;
            if (cause != null) {
                throw new IllegalStateException("the engine failed during the latency run after " + completed.get()
                        + " answers", cause);
            }
        }
    }

    /**
     * One phase of offered commands, the time from its first intended send to its last answer, and the wall-clock
     * window from its first send to its last answer.
     */
    record Phase(Histogram histogram, long count, long answerNanos, long maxLagNanos, long nextOrderId,
                         Instant from, Instant to) {
        /**
         * Commands answered a second, from the first intended send to the last answer: what the engine kept up with.
         * The rate the sender got its commands into the ring can be higher by as many commands as the ring holds
         * (65,536 by default: 1.3 s of a 50,000/s step), answered after the last send.
         */
        double achievedRate() {
            return count * 1e9 / Math.max(1, answerNanos);
        }
    }

    private record RateResult(long rate, Histogram histogram, double achievedRate, double maxLagMicros,
                              boolean keptUp, boolean sustainable, Instant from, Instant to, GcPauses.Summary gc,
                              Lag lag) {
        static final String HEADER = String.format(Locale.ROOT, "%12s %12s %10s %10s %10s %10s %10s %10s %12s %11s %9s %s",
                "offered/s", "achieved/s", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "p99.99 µs", "max µs", "max lag µs",
                "sustainable", "GC pauses", "longest GC pause ms");
        static final String TSV_HEADER = "offered_per_s\tachieved_per_s\tp50_us\tp90_us\tp99_us\tp99_9_us\tp99_99_us\tmax_us"
                + "\tmax_send_lag_us\tsustainable\tgc_pauses\tgc_longest_pause_ms\tgc_pause_total_ms"
                + "\tstandby_lag_records_p50\tstandby_lag_records_max\tstandby_lag_us_p50\tstandby_lag_us_max";

        static RateResult of(long rate, Phase phase, double p99ThresholdMicros) {
            double achieved = phase.achievedRate();
            double lagMicros = phase.maxLagNanos() / 1000.0;
            boolean keptUp = achieved >= rate * 0.98;
            boolean sustainable = keptUp && micros(phase.histogram(), 99.0) <= p99ThresholdMicros;
            return new RateResult(rate, phase.histogram(), achieved, lagMicros, keptUp, sustainable, phase.from(),
                    phase.to(), GcPauses.Summary.UNKNOWN, Lag.NONE);
        }

        RateResult withGc(GcPauses.Summary pauses) {
            return new RateResult(rate, histogram, achievedRate, maxLagMicros, keptUp, sustainable, from, to, pauses,
                    lag);
        }

        RateResult withLag(Lag standbyLag) {
            return new RateResult(rate, histogram, achievedRate, maxLagMicros, keptUp, sustainable, from, to, gc,
                    standbyLag);
        }

        static double micros(Histogram h, double percentile) {
            return h.getValueAtPercentile(percentile) / 1000.0;
        }

        String line() {
            return String.format(Locale.ROOT, "rate %d/s: p50=%.1fµs p99=%.1fµs p99.9=%.1fµs p99.99=%.1fµs max=%.1fµs achieved=%.0f/s%s%s",
                    rate, micros(histogram, 50), micros(histogram, 99), micros(histogram, 99.9), micros(histogram, 99.99),
                    histogram.getMaxValue() / 1000.0, achievedRate,
                    keptUp ? sustainable ? "" : " (p99 over the threshold)" : " (saturated: the offered rate was not kept)",
                    lag.known() ? String.format(Locale.ROOT, " standby lag: records p50=%d max=%d, µs p50=%d max=%d",
                            lag.recordsP50(), lag.recordsMax(), lag.microsP50(), lag.microsMax()) : "");
        }

        String row() {
            return String.format(Locale.ROOT, "%12d %12.0f %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f %12.1f %11s %9s %s",
                    rate, achievedRate, micros(histogram, 50), micros(histogram, 90), micros(histogram, 99),
                    micros(histogram, 99.9), micros(histogram, 99.99), histogram.getMaxValue() / 1000.0,
                    maxLagMicros, sustainable ? "yes" : "no", gc.known() ? Integer.toString(gc.count()) : "?",
                    gc.known() ? String.format(Locale.ROOT, "%.3f", gc.longestMillis()) : "?");
        }

        String tsv() {
            return String.format(Locale.ROOT, "%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%s\t%s",
                    rate, achievedRate, micros(histogram, 50), micros(histogram, 90), micros(histogram, 99),
                    micros(histogram, 99.9), micros(histogram, 99.99), histogram.getMaxValue() / 1000.0,
                    maxLagMicros, sustainable, gc.tsv(), lag.tsv());
        }
    }

    /** The primary and its standby's JVM, for a replicated run; closed after the engine. */
    private record Replica(Primary primary, StandbyProcess standby) implements AutoCloseable {
        static Replica start(Path dir, Path standbyDir, Replication replication) {
            Primary primary = Primary.builder(dir).listen("127.0.0.1:0")
                    .mode(ReplicationMode.valueOf(replication.name())).start();
            try {
                return new Replica(primary, StandbyProcess.start(standbyDir.resolve("journal"), primary.endpoint(), -1,
                        standbyDir.resolve("standby.log")));
            } catch (RuntimeException e) {
                primary.close();
                throw e;
            }
        }

        /** Waits until the standby acknowledged the last sequence the primary handed over; whether it did. */
        boolean awaitAcknowledged() {
            long deadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
            while (true) {
                ReplicationStatus status = primary.status();
                if (status.peerSequence() >= status.lastSequence()) {
                    return true;
                }
                if (System.nanoTime() > deadline || status.failure() != null) {
                    return false;
                }
                LockSupport.parkNanos(100_000);
            }
        }

        @Override
        public void close() {
            try {
                primary.close();
            } finally {
                standby.close();
            }
        }
    }

    /**
     * The standby's lag over a measured step, from the primary's status sampled every {@value #LAG_SAMPLE_MILLIS}
     * ms: records behind (decided minus acknowledged) and the age of the oldest of them in µs, median and largest.
     */
    private record Lag(long recordsP50, long recordsMax, long microsP50, long microsMax) {
        static final Lag NONE = new Lag(-1, -1, -1, -1);

        boolean known() {
            return recordsMax >= 0;
        }

        String tsv() {
            return known() ? recordsP50 + "\t" + recordsMax + "\t" + microsP50 + "\t" + microsMax : "\t\t\t";
        }
    }

    /** Samples a primary's status on a thread of its own until stopped. */
    private static final class LagSampler implements Runnable {
        private final Primary primary;
        private final Histogram records = new Histogram(3);
        private final Histogram micros = new Histogram(3);
        private final Thread thread;
        private volatile boolean running = true;

        private LagSampler(Primary primary) {
            this.primary = primary;
            this.thread = new Thread(this, "latency-lag-sampler");
            thread.setDaemon(true);
        }

        static LagSampler start(Primary primary) {
            LagSampler sampler = new LagSampler(primary);
            sampler.thread.start();
            return sampler;
        }

        @Override
        public void run() {
            while (running) {
                ReplicationStatus status = primary.status();
                records.recordValue(Math.max(0, status.lagRecords()));
                micros.recordValue(Math.max(0, status.lagMicros()));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(LAG_SAMPLE_MILLIS));
            }
        }

        Lag stop() {
            running = false;
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Lag(records.getValueAtPercentile(50), records.getMaxValue(), micros.getValueAtPercentile(50),
                    micros.getMaxValue());
        }
    }
}
