package dev.purestock.benchmarks.replication;

import dev.purestock.benchmarks.BenchmarkFiles;
import dev.purestock.benchmarks.journal.JournalFixtures;
import dev.purestock.benchmarks.report.BenchmarkReport;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.replication.Primary;
import dev.purestock.replication.ReplicationMode;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The catch-up rate of a standby: a primary whose journal holds {@code --records} records (the relisting workload of
 * the journal benchmarks) and whose engine is idle, and, {@code --rounds} times, a new standby, in a JVM of its own,
 * started from an empty directory, timed from its start to holding the primary's last sequence. Every record comes
 * from the primary's journal (none is live), so this is the rate a standby that fell behind, or a new one, closes
 * the gap at: read and send on the primary, check, journal and apply on the standby.
 */
@CommandLine.Command(name = "catch-up", mixinStandardHelpOptions = true,
        description = "Records/s a new standby catches up at from a primary's journal.")
public final class CatchUpHarness implements Callable<Integer> {
    @Option(names = "--records", defaultValue = "1000000", description = "Records in the primary's journal (default: ${DEFAULT-VALUE}).")
    private int records;

    @Option(names = "--rounds", defaultValue = "3", description = "Standbys started one after the other (default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--out", description = "Directory for replication-catchup.tsv (its settings line ends with the commit, "
            + "-Dpurestock.commit, and the UTC date).")
    private Path out;

    /** Runs the harness from the command line. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new CatchUpHarness()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        if (records < 1 || rounds < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--records and --rounds must be at least 1");
        }
        return BenchmarkFiles.inJournal(null, "purestock-catchup", this::run);
    }

    private int run(Path dir) throws IOException {
        Path primaryDir = dir.resolve("primary");
        JournalFixtures.writeJournal(primaryDir, records);
        List<double[]> results = new ArrayList<>();
        try (Primary primary = Primary.builder(primaryDir).listen("127.0.0.1:0").mode(ReplicationMode.ASYNC).start();
             JournaledEngine journaled = JournaledEngine.builder(primaryDir).snapshotEvery(0)
                     .engine(primary::configure).start()) {
            long last = primary.status().lastSequence();
            for (int round = 1; round <= rounds; round++) {
                Path standbyDir = dir.resolve("standby-" + round);
                Files.createDirectories(standbyDir);
                long nanos;
                try (StandbyProcess standby = StandbyProcess.start(standbyDir.resolve("journal"), primary.endpoint(),
                        last, standbyDir.resolve("standby.log"))) {
                    nanos = standby.awaitCaughtUp();
                }
                double perSecond = (last + 1) * 1e9 / nanos;
                results.add(new double[] {round, last + 1, nanos / 1e9, perSecond});
                System.out.printf(Locale.ROOT, "round %d: %,d records in %.3f s: %,.0f records/s%n", round, last + 1,
                        nanos / 1e9, perSecond);
                BenchmarkFiles.deleteRecursively(standbyDir);
            }
        }
        double[] rates = results.stream().mapToDouble(r -> r[3]).sorted().toArray();
        double median = BenchmarkReport.median(rates);
        System.out.printf(Locale.ROOT, "catch-up: median %,.0f records/s over %d rounds (%s)%n", median, rounds,
                Arrays.toString(Arrays.stream(rates).mapToLong(Math::round).toArray()));
        if (out != null) {
            Files.createDirectories(out);
            try (PrintStream tsv = new PrintStream(Files.newOutputStream(out.resolve("replication-catchup.tsv")), true,
                    "UTF-8")) {
                tsv.println("# records=" + records + " rounds=" + rounds + " standby in a second JVM, loopback "
                        + BenchmarkFiles.measuredAt());
                tsv.println("round\trecords\tseconds\trecords_per_s");
                for (double[] r : results) {
                    tsv.printf(Locale.ROOT, "%d\t%d\t%.3f\t%.0f%n", (long) r[0], (long) r[1], r[2], r[3]);
                }
            }
        }
        return 0;
    }
}
