package dev.purestock.benchmarks.replication;

import dev.purestock.domain.Command;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.replication.Primary;
import dev.purestock.replication.Standby;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * Promotion time: a standby's journal of {@code --records} purchases (written without snapshots, as a standby's
 * is), a standby started on it, then, timed, {@link Standby#promote()}, a {@link Primary} and a journaled engine
 * started on the promoted directory (recovery replays the journal) and the first command accepted: from the
 * decision to promote to the first acknowledged command of the new epoch. Prints one line per round.
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

    /** Runs the harness from the command line. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new PromotionHarness()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        for (int round = 1; round <= rounds; round++) {
            Path dir = Files.createTempDirectory("purestock-promotion");
            write(dir);
            Standby standby = Standby.builder(dir).primary("localhost:9").start();
            long start = System.nanoTime();
            JournalEpoch.Promotion promotion = standby.promote();
            long promoted = System.nanoTime();
            try (Primary primary = Primary.builder(dir).listen("localhost:0").start();
                 JournaledEngine journaled = JournaledEngine.builder(dir)
                         .engine(b -> primary.configure(b.waitStrategy(WaitStrategyKind.BLOCKING))).start()) {
                long started = System.nanoTime();
                long sequence = journaled.engine().submit(new Command.Purchase(1, 1, 1, 0, 1)).join().sequence();
                long accepted = System.nanoTime();
                System.out.printf("round=%d records=%d promote=%.1f ms start=%.1f ms first-command=%.1f ms "
                                + "total=%.1f ms epoch=%d seq=%d%n", round, records, millis(promoted - start),
                        millis(started - promoted), millis(accepted - started), millis(accepted - start),
                        promotion.epoch(), sequence);
            }
        }
        return 0;
    }

    private void write(Path dir) {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).snapshotEvery(0)
                .engine(b -> b.waitStrategy(WaitStrategyKind.BLOCKING)).start()) {
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.ListProduct(1, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 1, 0, 1_000_000_000L)).join();
            List<CompletableFuture<?>> pending = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                pending.add(engine.submit(new Command.Purchase(i + 10, i % 1_000, 1, 0, 1)));
                if (pending.size() == 10_000) {
                    pending.forEach(CompletableFuture::join);
                    pending.clear();
                }
            }
            pending.forEach(CompletableFuture::join);
        }
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
