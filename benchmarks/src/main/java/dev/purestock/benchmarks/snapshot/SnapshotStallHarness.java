package dev.purestock.benchmarks.snapshot;

import dev.purestock.benchmarks.BenchmarkFiles;
import dev.purestock.benchmarks.latency.GcPauses;
import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Limits;
import dev.purestock.engine.OutcomeCallback;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ShardDigest;
import dev.purestock.engine.StageRole;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournaledEngine;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * How long a snapshot of a large state stops the single writer: fills a journaled engine with
 * {@code --skus} skus (a million by default) through the public submit API, then keeps offering purchases
 * at a fixed rate while it asks for {@code --snapshots} snapshots ({@link PurestockEngine#snapshot}), one
 * every {@code --interval-seconds}, and reports for each:
 * <ul>
 *   <li>the <b>decision stage's longest gap</b>: the longest time between two consecutive commands being
 *   stamped. The engine calls its clock ({@link PurestockEngine.Builder#clock}) once per command as it
 *   sequences it on the decision thread, so a probe clock that counts the reads on that thread (and no other:
 *   the expiry timer reads the clock too) sees every command the single writer takes and every stop between
 *   two of them, wherever the snapshot is cut;</li>
 *   <li>the <b>longest gap between answers</b>, seen by the submit callback on the completion thread: what
 *   a caller sees, including any stall downstream of the decision stage;</li>
 *   <li>the snapshot's <b>duration</b>, from the request to its future's completion;</li>
 *   <li>the collector's pauses in the same window (a pause stops every thread and shows as a gap too).</li>
 * </ul>
 * The same two gaps are measured over an equal stretch before each snapshot, with no snapshot, as the
 * baseline: what the machine's scheduling, the wait strategy and the collector give on their own. With
 * {@code --cut DIGEST} each window asks for a state digest ({@link PurestockEngine#digestWithSequence}) instead, which
 * walks the same state.
 *
 * <p>A snapshot's window closes once it is complete and every command sent before then is answered, so the
 * answer gap includes the backlog's catching up. At 50,000 purchases a second, one command arrives every 20 µs, so a gap far beyond that is a stall,
 * not an idle decision stage. The harness writes {@code snapshot-stall.tsv} under {@code --out}.
 */
@CommandLine.Command(name = "snapshot-stall", mixinStandardHelpOptions = true,
        description = "The decision stage's longest stall while a snapshot of a large state is cut.")
public final class SnapshotStallHarness implements Callable<Integer> {
    private static final int WAREHOUSE = 0;
    private static final long SPIN_BELOW_NANOS = 50_000;
    private static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    @Option(names = "--skus", defaultValue = "1000000", description = "Skus listed and stocked before the snapshots (default: ${DEFAULT-VALUE}).")
    private int skus;

    @Option(names = "--rate", defaultValue = "50000", description = "Purchases offered per second throughout (default: ${DEFAULT-VALUE}).")
    private long rate;

    @Option(names = "--snapshots", defaultValue = "5", description = "Snapshots to cut (default: ${DEFAULT-VALUE}).")
    private int snapshots;

    @Option(names = "--interval-seconds", defaultValue = "1",
            description = "Seconds of purchases with no snapshot before each snapshot: the baseline window (default: ${DEFAULT-VALUE}).")
    private double intervalSeconds;

    @Option(names = "--warmup-seconds", defaultValue = "2", description = "Unmeasured seconds of purchases first (default: ${DEFAULT-VALUE}).")
    private double warmupSeconds;

    @Option(names = "--wait", defaultValue = "BLOCKING", description = "Engine wait strategy: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private WaitStrategyKind wait;

    @Option(names = "--ring", defaultValue = "65536", description = "Ring size, a power of two (default: ${DEFAULT-VALUE}).")
    private int ring;

    @Option(names = "--durability", defaultValue = "PAGE_CACHE", description = "Journal durability: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private Durability durability;

    @Option(names = "--journal", description = "Journal and snapshot directory (default: a new temporary directory, deleted afterwards).")
    private Path journal;

    @Option(names = "--cut", defaultValue = "SNAPSHOT",
            description = "What each window asks for: ${COMPLETION-CANDIDATES}: a snapshot, or a state digest "
                    + "(digestWithSequence), which walks the same state (default: ${DEFAULT-VALUE}).")
    private Cut cut;

    @Option(names = "--out", description = "Directory for snapshot-stall.tsv (its settings line ends with the commit, "
            + "-Dpurestock.commit, and the UTC date).")
    private Path out;

    /** Runs the harness from the command line. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new SnapshotStallHarness()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (skus < 1 || rate < 1 || snapshots < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--skus, --rate and --snapshots must be positive");
        }
        return BenchmarkFiles.inJournal(journal, "purestock-snapshot-stall", this::run);
    }

    private int run(Path dir) throws IOException {
        ProbeClock clock = new ProbeClock(2 * snapshots, System::nanoTime);
        Answers answers = new Answers(2 * snapshots);
        List<Result> results = new ArrayList<>();
        try (GcPauses gc = GcPauses.start();
             JournaledEngine journaled = JournaledEngine.builder(dir).durability(durability)
                     .engine(builder -> builder.ringSize(ring).waitStrategy(wait).clock(clock)
                             .onStageThreadStart((shard, role) -> {
                                 if (role == StageRole.DECIDE) {
                                     clock.onDecisionThread();
                                 }
                             })).start()) {
            PurestockEngine engine = journaled.engine();
            long filling = System.nanoTime();
            fill(engine, answers);
            System.out.printf(Locale.ROOT, "filled %,d skus in %.1f s; the decision stage's clock is read on thread %s%n", skus,
                    (System.nanoTime() - filling) / 1e9, clock.thread());
            Sender sender = new Sender(engine, answers, rate, 2L * skus);
            sender.sendFor(warmupSeconds, () -> false);
            for (int k = 0; k < snapshots; k++) {
                Instant baselineFrom = Instant.now();
                window(clock, answers, 2 * k);
                sender.sendFor(intervalSeconds, () -> false);
                Instant snapshotFrom = Instant.now();
                window(clock, answers, 2 * k + 1);
                long requested = System.nanoTime();
                CompletableFuture<Long> snapshot = cut == Cut.SNAPSHOT ? engine.snapshot(0)
                        : engine.digestWithSequence(0).thenApply(ShardDigest::lastSequence);
                long[] done = {0, 0};
                sender.sendFor(Double.MAX_VALUE, () -> {
                    if (done[0] == 0 && snapshot.isDone()) {
                        done[0] = System.nanoTime();
                        done[1] = sender.sent();
                    }
                    return done[0] != 0 && answers.answered() >= done[1] && System.nanoTime() - done[0] >= SETTLE_NANOS;
                });
                window(clock, answers, -1);
                long covered = snapshot.join();
                Instant snapshotTo = Instant.now();
                results.add(new Result(k + 1, covered, (done[0] - requested) / 1e6, baselineFrom, snapshotFrom, snapshotTo));
            }
            engine.digest(0).join();
            gc.stop();
            for (int i = 0; i < results.size(); i++) {
                Result r = results.get(i);
                results.set(i, r.measured(clock.longestGapMillis(2 * i), answers.longestGapMillis(2 * i),
                        clock.longestGapMillis(2 * i + 1), answers.longestGapMillis(2 * i + 1),
                        gc.between(r.baselineFrom(), r.snapshotFrom()), gc.between(r.snapshotFrom(), r.snapshotTo())));
            }
            if (answers.failure() != null || answers.rejected() != 0) {
                throw new IllegalStateException("the engine refused " + answers.rejected() + " purchases or failed during "
                        + "the run; the run measured the wrong thing", answers.failure());
            }
        }
        print(results);
        write(results);
        return 0;
    }

    private static void window(ProbeClock clock, Answers answers, int window) {
        clock.window(window);
        answers.window(window);
    }

    /** Lists and stocks every sku through the engine, then waits until the last one is decided. */
    private void fill(PurestockEngine engine, Answers answers) {
        for (int sku = 0; sku < skus; sku++) {
            engine.submit(new Command.ListProduct(sku, 0), answers);
            engine.submit(new Command.ReceiveStock(sku, sku, WAREHOUSE, Limits.MAX_QUANTITY), answers);
        }
        engine.digest(0).join();
        if (answers.rejected() != 0 || answers.failure() != null) {
            throw new IllegalStateException("the engine refused " + answers.rejected() + " of the commands that list and "
                    + "stock the skus; the run would measure the wrong thing", answers.failure());
        }
    }

    private String settings() {
        return "skus=" + skus + " rate=" + rate + " wait=" + wait + " durability=" + durability + " ring=" + ring
                + " interval-seconds=" + intervalSeconds + (cut == Cut.SNAPSHOT ? "" : " cut=" + cut);
    }

    private void print(List<Result> results) {
        System.out.println();
        System.out.println(settings());
        System.out.println(Result.HEADER);
        results.forEach(r -> System.out.println(r.row()));
        Result worst = results.stream().max(Comparator.comparingDouble(Result::decisionGapMillis)).orElseThrow();
        System.out.printf(Locale.ROOT, "longest decision-stage stall during a %s of %,d skus: %.3f ms (goal <= 1 ms: %s);"
                        + " longest without one: %.3f ms%n", cut.name().toLowerCase(Locale.ROOT), skus,
                worst.decisionGapMillis(),
                worst.decisionGapMillis() <= 1.0 ? "met" : "missed",
                results.stream().mapToDouble(Result::baselineDecisionGapMillis).max().orElse(0));
    }

    private void write(List<Result> results) throws IOException {
        if (out == null) {
            return;
        }
        Files.createDirectories(out);
        try (PrintStream tsv = new PrintStream(Files.newOutputStream(out.resolve("snapshot-stall.tsv")), true, "UTF-8")) {
            tsv.println("# " + settings() + " " + BenchmarkFiles.measuredAt());
            tsv.println(Result.TSV_HEADER);
            results.forEach(r -> tsv.println(r.tsv()));
        }
    }

    /** What each window asks the engine for. */
    enum Cut {
        /** A snapshot ({@link PurestockEngine#snapshot}). */
        SNAPSHOT,
        /** A state digest ({@link PurestockEngine#digestWithSequence}), which walks the whole state too. */
        DIGEST
    }

    /**
     * The engine's clock, with a probe: each call on the decision thread is one command being stamped, and
     * the time since the previous one is the gap the decision stage left between two commands. The engine reads
     * its clock on other threads too (the expiry timer's, every period; a submitter's, for a command it answers
     * without sequencing it): those reads are neither commands nor the end of a gap, so they are left out, or a
     * timer's read in the middle of a stall would halve it. The longest gap that ends in each window is kept;
     * outside every window ({@code -1}) nothing is kept.
     */
    static final class ProbeClock implements LongSupplier {
        private final AtomicLongArray longestGap;
        private final LongSupplier nanoTime;
        private volatile int window = -1;
        private volatile Thread decisionThread;
        private long last;

        /** A probe of {@code windows} windows, reading the time in nanoseconds from {@code nanoTime}. */
        ProbeClock(int windows, LongSupplier nanoTime) {
            longestGap = new AtomicLongArray(windows);
            this.nanoTime = nanoTime;
        }

        /** Called on the decision thread as it starts ({@link StageRole#DECIDE}): the thread whose reads count. */
        void onDecisionThread() {
            decisionThread = Thread.currentThread();
        }

        void window(int next) {
            window = next;
        }

        @Override
        public long getAsLong() {
            if (Thread.currentThread() == decisionThread) {
                long now = nanoTime.getAsLong();
                int w = window;
                if (w >= 0 && last != 0 && now - last > longestGap.getPlain(w)) {
                    longestGap.setRelease(w, now - last);
                }
                last = now;
            }
            return System.currentTimeMillis();
        }

        String thread() {
            Thread thread = decisionThread;
            return thread == null ? "none (no decision thread started)" : thread.getName();
        }

        double longestGapMillis(int w) {
            return longestGap.getAcquire(w) / 1e6;
        }
    }

    /** The submit callback: counts answers and keeps the longest gap between two, per window. */
    static final class Answers implements OutcomeCallback {
        private final AtomicLongArray longestGap;
        private volatile int window = -1;
        private volatile Throwable failure;
        private volatile long rejected;
        private final AtomicLong answered = new AtomicLong();
        private long last;

        Answers(int windows) {
            longestGap = new AtomicLongArray(windows);
        }

        void window(int next) {
            window = next;
        }

        @Override
        public void onOutcome(int shard, long sequence, long time, List<Event> events) {
            long now = System.nanoTime();
            int w = window;
            if (w >= 0 && last != 0 && now - last > longestGap.getPlain(w)) {
                longestGap.setRelease(w, now - last);
            }
            last = now;
            if (Inventory.anyRejected(events)) {
                rejected++;
            }
            answered.setRelease(answered.getPlain() + 1);
        }

        @Override
        public void onFailure(Throwable cause) {
            failure = cause;
        }

        Throwable failure() {
            return failure;
        }

        long rejected() {
            return rejected;
        }

        /** Purchases answered so far (the fill's commands included). */
        long answered() {
            return answered.getAcquire();
        }

        double longestGapMillis(int w) {
            return longestGap.getAcquire(w) / 1e6;
        }
    }

    /** Offers purchases on a fixed schedule (open loop: a stalled engine does not slow the schedule). */
    final class Sender {
        private final PurestockEngine engine;
        private final Answers answers;
        private final long intervalNanos;
        private long nextOrderId = 1;
        private long nextSend;
        private long sent;

        Sender(PurestockEngine engine, Answers answers, long rate, long sentBefore) {
            this.sent = sentBefore;
            this.engine = engine;
            this.answers = answers;
            this.intervalNanos = Math.max(1, 1_000_000_000L / rate);
        }

        /**
         * Sends for {@code seconds} or until {@code stop} says so, checking it between sends; throws once the engine
         * failed a command, whose answer {@code stop} may be waiting for.
         */
        void sendFor(double seconds, BooleanSupplier stop) {
            long now = System.nanoTime();
            if (nextSend == 0 || nextSend < now - intervalNanos * 1000) {
                nextSend = now;
            }
            long end = seconds >= Double.MAX_VALUE / 2 ? Long.MAX_VALUE : now + (long) (seconds * 1e9);
            while (nextSend < end && !stop.getAsBoolean()) {
                if (answers.failure() != null) {
                    throw new IllegalStateException("the engine failed during the run after " + answers.answered()
                            + " answers", answers.failure());
                }
                waitUntil(nextSend);
                long orderId = nextOrderId++;
                int sku = (int) ((orderId * 0x9E3779B97F4A7C15L >>> 1) % skus);
                engine.submit(new Command.Purchase(orderId, orderId & 0xFFFFF, sku, WAREHOUSE, 1), answers);
                nextSend += intervalNanos;
                sent++;
            }
        }

        /** Commands submitted so far, the fill's included: the count {@link Answers#answered} reaches. */
        long sent() {
            return sent;
        }

        private static void waitUntil(long intended) {
            long now = System.nanoTime();
            while (now < intended) {
                if (intended - now > SPIN_BELOW_NANOS) {
                    LockSupport.parkNanos(intended - now - SPIN_BELOW_NANOS);
                } else {
                    Thread.yield();
                }
                now = System.nanoTime();
            }
        }
    }

    /** One snapshot: its window, its duration, and the gaps and pauses in it and in the baseline before it. */
    private record Result(int index, long coveredSequence, double durationMillis, Instant baselineFrom,
                          Instant snapshotFrom, Instant snapshotTo, double baselineDecisionGapMillis,
                          double baselineAnswerGapMillis, double decisionGapMillis, double answerGapMillis,
                          GcPauses.Summary baselineGc, GcPauses.Summary snapshotGc) {
        static final String HEADER = String.format(Locale.ROOT, "%8s %12s %14s %14s %14s %14s %9s %12s",
                "snapshot", "duration ms", "decision gap", "answer gap", "base decision", "base answer",
                "GC pauses", "longest GC ms");
        static final String TSV_HEADER = "snapshot\tcovered_sequence\tduration_ms\tdecision_gap_ms\tanswer_gap_ms"
                + "\tbaseline_decision_gap_ms\tbaseline_answer_gap_ms\tgc_pauses\tgc_longest_pause_ms\tgc_pause_total_ms"
                + "\tbaseline_gc_pauses\tbaseline_gc_longest_pause_ms\tbaseline_gc_pause_total_ms";

        Result(int index, long coveredSequence, double durationMillis, Instant baselineFrom, Instant snapshotFrom,
               Instant snapshotTo) {
            this(index, coveredSequence, durationMillis, baselineFrom, snapshotFrom, snapshotTo, 0, 0, 0, 0,
                    GcPauses.Summary.UNKNOWN, GcPauses.Summary.UNKNOWN);
        }

        Result measured(double baselineDecision, double baselineAnswer, double decision, double answer,
                        GcPauses.Summary baseline, GcPauses.Summary during) {
            return new Result(index, coveredSequence, durationMillis, baselineFrom, snapshotFrom, snapshotTo,
                    baselineDecision, baselineAnswer, decision, answer, baseline, during);
        }

        String row() {
            return String.format(Locale.ROOT, "%8d %12.3f %14.3f %14.3f %14.3f %14.3f %9s %12s", index, durationMillis,
                    decisionGapMillis, answerGapMillis, baselineDecisionGapMillis, baselineAnswerGapMillis,
                    snapshotGc.known() ? Integer.toString(snapshotGc.count()) : "?",
                    snapshotGc.known() ? String.format(Locale.ROOT, "%.3f", snapshotGc.longestMillis()) : "?");
        }

        String tsv() {
            return String.format(Locale.ROOT, "%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%s\t%s", index, coveredSequence,
                    durationMillis, decisionGapMillis, answerGapMillis, baselineDecisionGapMillis, baselineAnswerGapMillis,
                    snapshotGc.tsv(), baselineGc.tsv());
        }
    }
}
