package dev.purestock.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The replication results of one machine, as {@code benchmarks/run.sh --only replication} leaves them: rounds of
 * {@code ReplicationBenchmark} ({@code replication-jmh-ROUND.csv}), rounds of the latency harness at one rate per
 * configuration ({@code replication-latency-CONFIG-ROUND.tsv}) and the catch-up harness
 * ({@code replication-catchup.tsv}). Every figure is the median of the rounds; ratios compare medians of the same
 * run.
 */
final class ReplicationReport {
    static final List<String> CONFIGURATIONS = List.of("NONE", "ASYNC", "SYNC");
    /** ASYNC may cost at most this share of the unreplicated throughput. */
    private static final double ASYNC_THROUGHPUT_GOAL = 0.90;
    /** SYNC's p99 may be at most this many times the unreplicated p99. */
    private static final double SYNC_P99_GOAL = 2.0;
    private static final Pattern JMH_FILE = Pattern.compile("replication-jmh-(\\d+)\\.csv");
    private static final Pattern LATENCY_FILE = Pattern.compile("replication-latency-([A-Z]+)-(\\d+)\\.tsv");

    /** One JMH round's row: configuration, commands/s, B/op. */
    private record Throughput(int round, String configuration, double perSecond, double bytesPerOp) {
    }

    /** One latency round of one configuration. */
    private record Latency(int round, String configuration, long rate, double achieved, double p50, double p99, double p999,
                           double max, boolean sustainable, String lagRecordsP50, String lagRecordsMax,
                           String lagMicrosP50, String lagMicrosMax) {
    }

    private final List<Throughput> throughput = new ArrayList<>();
    private final List<Latency> latency = new ArrayList<>();
    private final List<double[]> catchUp = new ArrayList<>();
    private int jmhRounds;
    private String latencySettings = "";
    private String catchUpSettings = "";
    /** The settings lines of the harnesses' files, for where they were measured. */
    private final List<SettingsLine> measured = new ArrayList<>();

    private ReplicationReport() {
    }

    /** The replication results under {@code dir}, if it holds any. */
    static Optional<ReplicationReport> load(Path dir) throws IOException {
        ReplicationReport report = new ReplicationReport();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.sorted().toList();
        }
        for (Path file : files) {
            String name = file.getFileName().toString();
            Matcher jmh = JMH_FILE.matcher(name);
            Matcher lat = LATENCY_FILE.matcher(name);
            if (jmh.matches()) {
                report.jmhRounds++;
                report.loadJmh(file, Integer.parseInt(jmh.group(1)));
            } else if (lat.matches()) {
                report.loadLatency(file, lat.group(1), Integer.parseInt(lat.group(2)));
            }
        }
        Path catchUp = dir.resolve("replication-catchup.tsv");
        if (Files.exists(catchUp)) {
            for (String line : Files.readAllLines(catchUp)) {
                if (line.startsWith("# ")) {
                    SettingsLine settings = SettingsLine.parse(line.substring(2));
                    report.measured.add(settings);
                    report.catchUpSettings = settings.settings();
                } else if (!line.startsWith("round")) {
                    report.catchUp.add(Arrays.stream(line.split("\t")).mapToDouble(Double::parseDouble).toArray());
                }
            }
        }
        boolean any = !report.throughput.isEmpty() || !report.latency.isEmpty() || !report.catchUp.isEmpty();
        return any ? Optional.of(report) : Optional.empty();
    }

    /**
     * One round's JMH CSV. Its columns are found by name: JMH writes one column per parameter, in the order of the
     * parameters' names, so the replication's column moves as the benchmark gains parameters. A row's B/op is the
     * one of the row with all its parameters.
     */
    private void loadJmh(Path csv, int round) throws IOException {
        List<String[]> lines = Files.readAllLines(csv).stream()
                .map(line -> line.replace("\"", "").split(",", -1)).toList();
        List<String> header = List.of(lines.getFirst());
        int score = header.indexOf("Score");
        int replication = header.indexOf("Param: replication");
        int firstParam = (int) header.stream().takeWhile(column -> !column.startsWith("Param: ")).count();
        if (score < 0 || replication < 0) {
            throw new IllegalArgumentException(csv + " has no Score or no Param: replication column: " + header);
        }
        List<String[]> rows = lines.subList(1, lines.size());
        for (String[] row : rows) {
            if (row[0].endsWith("ReplicationBenchmark.engine")) {
                List<String> params = Arrays.asList(row).subList(firstParam, row.length);
                double bytes = rows.stream()
                        .filter(r -> r[0].endsWith("ReplicationBenchmark.engine:gc.alloc.rate.norm")
                                && Arrays.asList(r).subList(firstParam, r.length).equals(params))
                        .mapToDouble(r -> Double.parseDouble(r[score])).findFirst().orElse(Double.NaN);
                throughput.add(new Throughput(round, row[replication], Double.parseDouble(row[score]), bytes));
            }
        }
    }

    private void loadLatency(Path tsv, String configuration, int round) throws IOException {
        for (String line : Files.readAllLines(tsv)) {
            if (line.startsWith("# ")) {
                SettingsLine settings = SettingsLine.parse(line.substring(2));
                measured.add(settings);
                latencySettings = settings.settings().replaceAll(" replication=\\S+", "").replaceAll(" standby=\\S+", "");
            } else if (!line.startsWith("offered")) {
                String[] c = line.split("\t", -1);
                latency.add(new Latency(round, configuration, Long.parseLong(c[0]), Double.parseDouble(c[1]),
                        Double.parseDouble(c[2]), Double.parseDouble(c[4]), Double.parseDouble(c[5]),
                        Double.parseDouble(c[7]), c[9].equals("true"), cell(c, 13), cell(c, 14), cell(c, 15),
                        cell(c, 16)));
            }
        }
    }

    private static String cell(String[] row, int index) {
        return index < row.length ? row[index] : "";
    }

    /**
     * Appends this machine's tables to {@code md}, under where they were measured: the commits and days the harnesses'
     * files name ({@code run.sh} runs the JMH rounds in the same part, published with them).
     */
    void render(StringBuilder md, String machine) {
        md.append("### ").append(machine).append("\n\n").append(SettingsLine.measuredAt(measured)).append("\n\n");
        if (!throughput.isEmpty()) {
            md.append(String.format(Locale.ROOT, "Throughput, `ReplicationBenchmark` (median of %d alternating rounds; "
                    + "each round's rows in the log beside it):%n%n", jmhRounds));
            md.append("| configuration | commands/s | rounds (commands/s) | vs unreplicated | same-round ratio | B/op | goal "
                    + "| machine |\n|---|---|---|---|---|---|---|---|\n");
            double baseline = median(throughput, "NONE", Throughput::perSecond);
            for (String configuration : CONFIGURATIONS) {
                double value = median(throughput, configuration, Throughput::perSecond);
                if (Double.isNaN(value)) {
                    continue;
                }
                double ratio = value / baseline;
                String goal = configuration.equals("ASYNC") ? String.format(Locale.ROOT, "≥ %.2f× %s",
                        ASYNC_THROUGHPUT_GOAL, verdict(pairedMedian(throughput, configuration, Throughput::perSecond)
                                        >= ASYNC_THROUGHPUT_GOAL,
                                spread(throughput, "NONE", Throughput::perSecond), 1 / ASYNC_THROUGHPUT_GOAL)) : "";
                md.append(String.format(Locale.ROOT, "| %s | %,.0f | %s | %.2f× | %s | %.1f | %s | %s |%n", configuration,
                        value, rounds(throughput, configuration, Throughput::perSecond), ratio,
                        pairedRatio(throughput, configuration, Throughput::perSecond),
                        median(throughput, configuration, Throughput::bytesPerOp), goal, machine));
            }
            md.append('\n');
        }
        if (!latency.isEmpty()) {
            long rate = latency.getFirst().rate();
            md.append(String.format(Locale.ROOT, "Open-loop latency at %,d commands/s, `LatencyHarness --replication` "
                    + "(each percentile the median of the rounds; %s): the standby's lag is the primary's status sampled "
                    + "every 10 ms while measured (records decided but not yet acknowledged; the age in µs of the "
                    + "oldest of them).%n%n", rate, latencySettings));
            md.append("| configuration | rounds | p50 µs | p99 µs | p99.9 µs | max µs | p99 vs unreplicated | same-round p99 ratio "
                    + "| rounds' p99 µs | lag records p50 / max | lag µs p50 / max | goal | machine |\n"
                    + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            double baseline = median(latency, "NONE", Latency::p99);
            for (String configuration : CONFIGURATIONS) {
                List<Latency> runs = latency.stream().filter(l -> l.configuration().equals(configuration)).toList();
                if (runs.isEmpty()) {
                    continue;
                }
                double p99 = median(latency, configuration, Latency::p99);
                double ratio = p99 / baseline;
                String goal = configuration.equals("SYNC") ? String.format(Locale.ROOT, "≤ %.0f× %s", SYNC_P99_GOAL,
                        verdict(pairedMedian(latency, configuration, Latency::p99) <= SYNC_P99_GOAL, spread(latency, "NONE", Latency::p99), SYNC_P99_GOAL)) : "";
                md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.2f× | %s | %s | %s | %s "
                                + "| %s | %s |%n", configuration, runs.size(), median(latency, configuration, Latency::p50), p99,
                        median(latency, configuration, Latency::p999), median(latency, configuration, Latency::max), ratio,
                        pairedRatio(latency, configuration, Latency::p99),
                        rounds(latency, configuration, Latency::p99),
                        lag(runs, Latency::lagRecordsP50, Latency::lagRecordsMax),
                        lag(runs, Latency::lagMicrosP50, Latency::lagMicrosMax), goal, machine));
            }
            md.append('\n');
        }
        if (!catchUp.isEmpty()) {
            double[] rates = catchUp.stream().mapToDouble(r -> r[3]).sorted().toArray();
            md.append(String.format(Locale.ROOT, "Catch-up, `CatchUpHarness` (%s): a new standby from an empty "
                            + "directory to the primary's last sequence, %,d records, median %,.0f records/s (rounds: %s), "
                            + "%s.%n%n", catchUpSettings, (long) catchUp.getFirst()[1], BenchmarkReport.median(rates),
                    Arrays.stream(rates).mapToObj(r -> String.format(Locale.ROOT, "%,.0f", r))
                            .reduce((a, b) -> a + ", " + b).orElse(""), machine));
        }
    }

    /**
     * ✓ or ✗, unless the baseline's own rounds differ by more than the margin the goal allows (largest over
     * smallest above {@code margin}): then the rounds cannot tell a met goal from a missed one, and the verdict says
     * so rather than pass or fail on noise.
     */
    private static String verdict(boolean met, double baselineSpread, double margin) {
        if (baselineSpread > margin) {
            return String.format(Locale.ROOT, "? (unreplicated rounds %.1f× apart: noise)", baselineSpread);
        }
        return met ? "✓" : "✗";
    }

    private static <T> double spread(List<T> rows, String configuration, ToDoubleFunction<T> value) {
        double[] values = rows.stream().filter(r -> configurationOf(r).equals(configuration)).mapToDouble(value)
                .sorted().toArray();
        return values.length == 0 ? Double.NaN : values[values.length - 1] / values[0];
    }

    /**
     * The median over rounds of {@code configuration}'s figure divided by the unreplicated one of the same round
     * (measured minutes apart rather than across the whole run), with each round's ratio.
     */
    private static <T> String pairedRatio(List<T> rows, String configuration, ToDoubleFunction<T> value) {
        double[] ratios = pairedRatios(rows, configuration, value);
        if (ratios.length == 0) {
            return "";
        }
        String each = Arrays.stream(ratios).mapToObj(r -> String.format(Locale.ROOT, "%.2f", r))
                .reduce((a, b) -> a + ", " + b).orElse("");
        return String.format(Locale.ROOT, "%.2f× (%s)", pairedMedian(rows, configuration, value), each);
    }

    private static <T> double pairedMedian(List<T> rows, String configuration, ToDoubleFunction<T> value) {
        return BenchmarkReport.median(pairedRatios(rows, configuration, value));
    }

    private static <T> double[] pairedRatios(List<T> rows, String configuration, ToDoubleFunction<T> value) {
        return rows.stream().filter(r -> configurationOf(r).equals(configuration))
                .flatMap(r -> rows.stream().filter(b -> configurationOf(b).equals("NONE") && roundOf(b) == roundOf(r))
                        .map(b -> value.applyAsDouble(r) / value.applyAsDouble(b)))
                .mapToDouble(Double::doubleValue).toArray();
    }

    private static int roundOf(Object row) {
        return row instanceof Throughput t ? t.round() : ((Latency) row).round();
    }

    private static <T> double median(List<T> rows, String configuration, ToDoubleFunction<T> value) {
        return BenchmarkReport.median(rows.stream().filter(r -> configurationOf(r).equals(configuration))
                .mapToDouble(value).toArray());
    }

    private static <T> String rounds(List<T> rows, String configuration, ToDoubleFunction<T> value) {
        return rows.stream().filter(r -> configurationOf(r).equals(configuration))
                .map(r -> String.format(Locale.ROOT, "%,.0f", value.applyAsDouble(r)))
                .reduce((a, b) -> a + ", " + b).orElse("");
    }

    private static String configurationOf(Object row) {
        return row instanceof Throughput t ? t.configuration() : ((Latency) row).configuration();
    }

    /** The median of the rounds' p50 and the largest of their maxima, or empty when the runs had no standby. */
    private static String lag(List<Latency> runs, Function<Latency, String> p50,
                              Function<Latency, String> max) {
        double[] medians = runs.stream().map(p50).filter(s -> !s.isEmpty()).mapToDouble(Long::parseLong).toArray();
        long largest = runs.stream().map(max).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).max().orElse(-1);
        return medians.length == 0 ? ""
                : String.format(Locale.ROOT, "%,.0f / %,d", BenchmarkReport.median(medians), largest);
    }
}
