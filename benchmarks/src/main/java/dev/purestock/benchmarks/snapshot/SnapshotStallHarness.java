package dev.purestock.benchmarks.snapshot;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Product;
import dev.purestock.engine.OutcomeCallback;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ShardState;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.SnapshotStore;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * Measures the decision stage's longest stall while a snapshot of a large state is cut. One producer keeps
 * the ring full of purchases; the engine's clock, which the decision thread reads once per command, records
 * the longest gap between two reads. Each run measures that gap over a window with no snapshot (the
 * baseline: scheduling, GC) and over the window from asking for a snapshot to its completion, written by a
 * real {@link SnapshotStore} to a temporary directory.
 *
 * <pre>
 * java $(purestock_jvm_flags) -Xmx4g -cp benchmarks/target/benchmarks.jar \
 *     dev.purestock.benchmarks.snapshot.SnapshotStallHarness --skus 1000000 --runs 5
 * </pre>
 */
@CommandLine.Command(name = "snapshot-stall", mixinStandardHelpOptions = true,
        description = "The decision stage's longest stall while a snapshot is cut.")
public final class SnapshotStallHarness implements Callable<Integer> {
    @Option(names = "--skus", description = "skus in the state (default ${DEFAULT-VALUE})")
    int skus = 1_000_000;
    @Option(names = "--runs", description = "snapshots to cut (default ${DEFAULT-VALUE})")
    int runs = 5;
    @Option(names = "--wait", description = "wait strategy (default ${DEFAULT-VALUE})")
    WaitStrategyKind wait = WaitStrategyKind.SLEEPING;
    @Option(names = "--baseline-ms", description = "length of each window without a snapshot (default ${DEFAULT-VALUE})")
    long baselineMillis = 300;

    /** The engine's clock: epoch milliseconds, and the longest gap between two reads on the decision thread. */
    private static final class GapClock implements LongSupplier {
        private final AtomicLong longestGapNanos = new AtomicLong();
        private long lastNanos;

        @Override
        public long getAsLong() {
            long now = System.nanoTime();
            if (lastNanos != 0 && now - lastNanos > longestGapNanos.getPlain()) {
                longestGapNanos.lazySet(now - lastNanos);
            }
            lastNanos = now;
            return System.currentTimeMillis();
        }

        /** The longest gap since the last call, in microseconds; starts a new window. */
        long takeLongestGapMicros() {
            return TimeUnit.NANOSECONDS.toMicros(longestGapNanos.getAndSet(0));
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SnapshotStallHarness()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("purestock-snapshot-stall");
        GapClock clock = new GapClock();
        PrimitiveInventoryStore store = new PrimitiveInventoryStore(skus);
        for (long sku = 1; sku <= skus; sku++) {
            store.putProduct(new Product(sku, 0));
            store.putAvailable(sku, 0, 1_000_000_000L);
        }
        SnapshotStore snapshots = new SnapshotStore(dir, 1);
        List<long[]> results = new ArrayList<>();
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(1 << 14).waitStrategy(wait).clock(clock)
                .expireReservationsEvery(java.time.Duration.ZERO)
                .initialState(shard -> new ShardState(store, 0, Long.MIN_VALUE))
                .snapshotWriter(shard -> snapshots)
                .build()) {
            Producer producer = new Producer(engine, skus);
            Thread thread = new Thread(producer, "snapshot-stall-producer");
            thread.start();
            Thread.sleep(2_000);
            for (int run = 0; run < runs; run++) {
                clock.takeLongestGapMicros();
                Thread.sleep(baselineMillis);
                long baseline = clock.takeLongestGapMicros();
                long start = System.nanoTime();
                long covered = engine.snapshot(0).join();
                long snapshotMicros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
                long stall = clock.takeLongestGapMicros();
                results.add(new long[] {baseline, stall, snapshotMicros, covered});
                System.out.printf("run %d: snapshot of %,d skus at sequence %,d took %,d us; longest decision gap "
                        + "%,d us while it was cut, %,d us in %d ms without%n",
                        run + 1, skus, covered, snapshotMicros, stall, baseline, baselineMillis);
            }
            producer.stop();
            thread.join();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        long worstStall = results.stream().mapToLong(r -> r[1]).max().orElse(0);
        long worstBaseline = results.stream().mapToLong(r -> r[0]).max().orElse(0);
        System.out.printf("longest decision gap while a snapshot of %,d skus was cut: %,d us (worst of %d); "
                + "without a snapshot: %,d us%n", skus, worstStall, runs, worstBaseline);
        return 0;
    }

    /**
     * Keeps the ring full with purchases round the skus, each order id new: one in a hundred at warehouse 0,
     * which has stock (accepted), the rest at warehouse 1, which has none (rejected, so the state, and with it
     * the snapshot, stays the size of the skus).
     */
    private static final class Producer implements Runnable, OutcomeCallback {
        private final PurestockEngine engine;
        private final int skus;
        private volatile boolean stopped;

        Producer(PurestockEngine engine, int skus) {
            this.engine = engine;
            this.skus = skus;
        }

        @Override
        public void run() {
            long orderId = 0;
            while (!stopped) {
                orderId++;
                int warehouse = orderId % 100 == 0 ? 0 : 1;
                engine.submit(new Command.Purchase(orderId, orderId % 1_000, 1 + orderId % skus, warehouse, 1), this);
            }
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void onOutcome(int shard, long sequence, long time, List<Event> events) {
        }

        @Override
        public void onFailure(Throwable cause) {
        }
    }
}
