package dev.purestock.benchmarks.replication;

import dev.purestock.benchmarks.BenchmarkFiles;
import dev.purestock.domain.Command;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.replication.Primary;
import dev.purestock.replication.ReplicationMode;
import dev.purestock.replication.Standby;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Promotion time: a standby's journal of {@code --records} purchases, then, timed, {@link Standby#promote()}, a
 * {@link Primary} and a journaled engine started on the promoted directory (recovery replays the journal after the
 * newest snapshot, or all of it) and the first command accepted: from the decision to promote to the first
 * acknowledged command of the new epoch. Prints one line per round.
 *
 * <p>With {@code --standby-snapshot-every 0} (the default) the journal is written straight to the standby's
 * directory, without snapshots, and a standby started on it: a standby that cuts none. With {@code N > 0} the
 * records go through a primary to a standby cutting a snapshot every {@code N} records
 * ({@code Standby.Builder.snapshotEvery}), which is promoted as soon as it holds the last one, wherever its
 * snapshots stand then (a snapshot being cut when the promotion starts is finished first, inside the timing).
 */
@CommandLine.Command(name = "promotion", mixinStandardHelpOptions = true,
        description = "Milliseconds from Standby.promote() to the first command the promoted engine accepts.")
public final class PromotionHarness implements Callable<Integer> {
    @Option(names = "--records", defaultValue = "1000000",
            description = "Records in the standby's journal (default: ${DEFAULT-VALUE}).")
    private int records;

    @Option(names = "--rounds", defaultValue = "3", description = "Promotions, each of a fresh journal "
            + "(default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--standby-snapshot-every", defaultValue = "0", description = "Records between the standby's "
            + "snapshots; 0: a journal with none (default: ${DEFAULT-VALUE}).")
    private long standbySnapshotEvery;

    @Option(names = "--retain-orders-for", defaultValue = "0", description = "Orders are forgotten this many "
            + "purchases after they were made (the engine's clock advances a millisecond a purchase, and a time "
            + "command with this retention window follows every 100 purchases), so the state stays bounded while the "
            + "journal grows, as under a retention window; 0: every order is kept (default: ${DEFAULT-VALUE}).")
    private long retainOrdersFor;

    /** Runs the harness from the command line. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new PromotionHarness()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        for (int round = 1; round <= rounds; round++) {
            Path work = Files.createTempDirectory("purestock-promotion");
            try {
                promote(round, work);
            } finally {
                // a million records a round: the rounds' journals would fill the temporary directory
                BenchmarkFiles.deleteRecursively(work);
            }
        }
        return 0;
    }

    /** One round in {@code work}: the standby's journal, then the promotion, timed. */
    private void promote(int round, Path work) throws Exception {
        Path dir = Files.createDirectories(work.resolve("standby"));
        Standby standby;
        if (standbySnapshotEvery == 0) {
            write(dir, b -> { });
            standby = Standby.builder(dir).primary("localhost:9").start();
        } else {
            standby = replicated(dir, Files.createDirectories(work.resolve("primary")));
        }
        long start = System.nanoTime();
        JournalEpoch.Promotion promotion = standby.promote();
        long promoted = System.nanoTime();
        try (Primary primary = Primary.builder(dir).listen("localhost:0").start();
             JournaledEngine journaled = JournaledEngine.builder(dir)
                     .engine(b -> primary.configure(b.waitStrategy(WaitStrategyKind.BLOCKING))).start()) {
            long started = System.nanoTime();
            long sequence = journaled.engine().submit(new Command.Purchase(1, 1, 1, 0, 1)).join().sequence();
            long accepted = System.nanoTime();
            long snapshot = journaled.recovered().snapshotSequence();
            System.out.printf("round=%d records=%d promote=%.1f ms start=%.1f ms first-command=%.1f ms "
                            + "total=%.1f ms epoch=%d seq=%d snapshot-seq=%d replayed=%d%n", round, records,
                    millis(promoted - start), millis(started - promoted), millis(accepted - started),
                    millis(accepted - start), promotion.epoch(), sequence, snapshot,
                    sequence - 1 - Math.max(snapshot, -1));
        }
    }

    /**
     * A standby in {@code dir} cutting a snapshot every {@link #standbySnapshotEvery} records, fed the records by a
     * primary in a directory of its own, and left running once it holds them all (its primary gone).
     */
    private Standby replicated(Path dir, Path primaryDir) throws Exception {
        try (Primary primary = Primary.builder(primaryDir).listen("localhost:0").mode(ReplicationMode.ASYNC).start()) {
            Standby standby = Standby.builder(dir).primary(primary.endpoint()).snapshotEvery(standbySnapshotEvery)
                    .start();
            long last = write(primaryDir, primary::configure);
            if (!standby.awaitSequence(last, Duration.ofMinutes(5))) {
                throw new IllegalStateException("the standby did not catch up: " + standby.status().describe());
            }
            return standby;
        }
    }

    /** Writes the journal in {@code dir} with an engine set up by {@code setup}; returns the last sequence. */
    private long write(Path dir, Consumer<PurestockEngine.Builder> setup) {
        long last;
        AtomicLong clock = new AtomicLong(1);
        try (JournaledEngine journaled = JournaledEngine.builder(dir).snapshotEvery(0)
                .engine(b -> setup.accept(retainOrdersFor > 0 ? b.waitStrategy(WaitStrategyKind.BLOCKING)
                        .clock(clock::get) : b.waitStrategy(WaitStrategyKind.BLOCKING))).start()) {
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.ListProduct(1, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 1, 0, 1_000_000_000L)).join();
            List<CompletableFuture<?>> pending = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                if (retainOrdersFor > 0) {
                    clock.incrementAndGet();
                    if (i % 100 == 99) {
                        pending.add(engine.submit(new Command.ExpireReservations(retainOrdersFor)));
                    }
                }
                pending.add(engine.submit(new Command.Purchase(i + 10, i % 1_000, 1, 0, 1)));
                if (pending.size() == 10_000) {
                    pending.forEach(CompletableFuture::join);
                    pending.clear();
                }
            }
            pending.forEach(CompletableFuture::join);
            last = engine.submit(new Command.ListProduct(2, 0)).join().sequence();
        }
        return last;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
