package dev.purestock.benchmarks.report;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * Runs every JMH benchmark of purestock with settings that fit the machine, with the GC profiler on, and
 * writes the raw JMH JSON, a flat {@code results.tsv} and a {@code machine.properties} describing where
 * it ran. {@link BenchmarkReport} turns one or more such directories into {@code docs/benchmarks.md}.
 */
@CommandLine.Command(name = "suite", mixinStandardHelpOptions = true,
        description = "Runs the JMH suite with settings fit for this machine.")
public final class BenchmarkSuite implements Callable<Integer> {
    /** Every benchmark: those of the package {@code benchmarks}, and those that drive a package-private stage. */
    private static final String ALL = "dev\\.purestock\\.(benchmarks\\.|engine\\.DecisionStageBenchmark).*";
    private static final String HEADER = "benchmark\tparams\tthreads\tmode\tscore\terror\tunit\talloc_bytes_per_op";
    /** A rerun row also says where it was measured: the full run's are described by machine.properties. */
    private static final String PARTIAL_HEADER = HEADER + "\tcode\tdate";
    private static final String PARTIAL_TSV = "results-partial.tsv";
    private static final String PARTIAL_JSON = "jmh-partial.json";

    @Option(names = "--out", required = true, description = "Directory for jmh.json, results.tsv and machine.properties.")
    private Path out;

    @Option(names = "--machine", required = true, description = "A short name for this machine, e.g. dev-2core.")
    private String machine;

    @Option(names = "--include", defaultValue = ALL,
            description = "Benchmarks to run, a regular expression (default: all). A partial run adds its rows to "
                    + "results-partial.tsv, each with its commit and date (a row it measured again replaces the one there; "
                    + "the others stay), whose rows replace the full run's in the report; a full run measures every row "
                    + "again and removes it.")
    private String include;

    @Option(names = "--results", paramLabel = "NAME",
            description = "Base name of the result files, NAME.tsv and NAME.json, instead of results.tsv and jmh.json (or their "
                    + "-partial names); such a run writes no machine.properties. benchmarks/run.sh names each round of its goal "
                    + "ratios so (ratios-1, ratios-2, ...).")
    private String resultsName;

    @Option(names = "--param", paramLabel = "NAME=VALUES",
            description = "Runs the benchmarks that have parameter NAME at these values only (comma-separated), as JMH's -p; "
                    + "repeatable. benchmarks/run.sh runs the rounds of its goal ratios with retainSeconds=forever, the rows "
                    + "the ratios compare.")
    private Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--quick", description = "Shortest settings that still warm up: for checking the suite, not for figures.")
    private boolean quick;

    @Option(names = "--short", description = "Fewer, shorter iterations (2 warmup, 3 measured, 1 s each): for a machine lent for minutes.")
    private boolean brief;

    /** Runs the suite from the command line. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchmarkSuite()).execute(args));
    }

    @Override
    public Integer call() throws IOException, RunnerException {
        Files.createDirectories(out);
        // a partial run's JSON is added to the partial runs' before it, once this run has finished
        Path runJson = out.resolve(resultsName != null ? resultsName + ".json"
                : partial() ? "jmh-partial-run.json" : "jmh.json");
        int cores = Runtime.getRuntime().availableProcessors();
        boolean small = cores <= 4;
        List<String> jvmArgs = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(arg -> arg.startsWith("--add-") || arg.startsWith("--enable-native-access")
                        || arg.startsWith("--sun-misc-unsafe") || arg.startsWith("-Dchronicle"))
                .toList());
        jvmArgs.add("-Xms2g");
        jvmArgs.add("-Xmx" + (small ? "6g" : "16g"));
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .forks(1)
                .warmupIterations(quick ? 1 : brief ? 2 : small ? 3 : 4)
                .warmupTime(TimeValue.seconds(quick || brief ? 1 : 2))
                .measurementIterations(quick ? 1 : brief ? 3 : small ? 4 : 5)
                .measurementTime(TimeValue.seconds(quick || brief ? 1 : 2))
                .param("waitStrategy", wait(small))
                // a benchmark that throws ends the run: JMH would go on and leave its row out of results that look whole
                .shouldFailOnError(true)
                .addProfiler(GCProfiler.class)
                .jvmArgsAppend(jvmArgs.toArray(String[]::new))
                .resultFormat(ResultFormatType.JSON)
                .result(runJson.toString());
        params.forEach((name, values) -> options.param(name, values.split(",")));
        Collection<RunResult> results;
        try {
            results = new Runner(options.build()).run();
        } catch (RunnerException e) {
            // JMH creates its result file before the first benchmark runs and writes it at the end
            if (Files.exists(runJson) && Files.size(runJson) == 0) {
                Files.delete(runJson);
            }
            throw new RunnerException("a benchmark failed (its error is above), so no results were written and the last "
                    + "run's stay: fix it, or leave it out with --include, and run again", e);
        }
        List<String> rows = rows(results);
        if (resultsName != null) {
            writeRows(out.resolve(resultsName + ".tsv"), rows);
            writeRun(out.resolve(resultsName + ".properties"), settings(small));
        } else if (partial()) {
            String measured = "\t" + System.getProperty("purestock.commit", "unknown") + "\t"
                    + LocalDate.now(ZoneOffset.UTC);
            mergeRows(out.resolve(PARTIAL_TSV), rows.stream().map(row -> row + measured).toList());
            mergeJson(runJson, out.resolve(PARTIAL_JSON));
        } else {
            writeRows(out.resolve("results.tsv"), rows);
            writeMachine(cores, small, settings(small));
            // measured again by this run: a rerun row of an older run would stand in for this one's in the report
            Files.deleteIfExists(out.resolve(PARTIAL_TSV));
            Files.deleteIfExists(out.resolve(PARTIAL_JSON));
        }
        return 0;
    }

    /** Writes {@code rows} to {@code tsv} under the header, in place of what it held. */
    static void writeRows(Path tsv, List<String> rows) throws IOException {
        writeRows(tsv, HEADER, rows);
    }

    private static void writeRows(Path tsv, String header, List<String> rows) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(header);
        lines.addAll(rows);
        Files.write(tsv, lines);
    }

    /**
     * Adds {@code rows} to the rows {@code tsv} holds: a row of a benchmark, parameters, threads and mode it holds
     * replaces that row, and the rows of earlier partial runs that this one did not measure stay. Each row ends with
     * the commit and the date of the run that measured it.
     */
    static void mergeRows(Path tsv, List<String> rows) throws IOException {
        Map<String, String> merged = new LinkedHashMap<>();
        if (Files.exists(tsv)) {
            List<String> held = Files.readAllLines(tsv);
            for (String row : held.subList(Math.min(1, held.size()), held.size())) {
                merged.put(key(row), row);
            }
        }
        for (String row : rows) {
            merged.put(key(row), row);
        }
        writeRows(tsv, PARTIAL_HEADER, new ArrayList<>(merged.values()));
    }

    /** A row's benchmark, parameters, threads and mode: what one run of JMH measures once. */
    private static String key(String row) {
        String[] columns = row.split("\t", -1);
        return String.join("\t", List.of(columns).subList(0, Math.min(4, columns.length)));
    }

    /**
     * Appends the results of JMH's JSON array {@code run} to the array in {@code into} (or moves it there): the raw
     * results of every partial run stay, as their rows do.
     */
    static void mergeJson(Path run, Path into) throws IOException {
        if (!Files.exists(run)) {
            return;
        }
        String added = Files.readString(run).strip();
        String held = Files.exists(into) ? Files.readString(into).strip() : "";
        if (held.startsWith("[") && held.endsWith("]") && added.startsWith("[") && added.endsWith("]")
                && !added.substring(1, added.length() - 1).isBlank()) {
            String before = held.substring(0, held.length() - 1).strip();
            String join = before.equals("[") ? "" : ",";
            Files.writeString(into, before + join + "\n" + added.substring(1).strip() + "\n");
            Files.delete(run);
        } else if (!held.startsWith("[")) {
            Files.move(run, into, StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.delete(run);
        }
    }

    private static List<String> rows(Collection<RunResult> results) {
        List<String> rows = new ArrayList<>();
        for (RunResult run : results) {
            BenchmarkResult aggregate = run.getAggregatedResult();
            Result<?> primary = aggregate.getPrimaryResult();
            String benchmark = run.getParams().getBenchmark().replace("dev.purestock.benchmarks.", "")
                    .replace("dev.purestock.engine.", "");
            String params = String.join(",", run.getParams().getParamsKeys().stream()
                    .map(key -> key + "=" + run.getParams().getParam(key)).toList());
            Result<?> alloc = aggregate.getSecondaryResults().get("·gc.alloc.rate.norm");
            if (alloc == null) {
                alloc = aggregate.getSecondaryResults().get("gc.alloc.rate.norm");
            }
            rows.add(String.format(Locale.ROOT, "%s\t%s\t%d\t%s\t%.3f\t%.3f\t%s\t%s", benchmark, params,
                    run.getParams().getThreads(), run.getParams().getMode().shortLabel(), primary.getScore(),
                    primary.getScoreError(), primary.getScoreUnit(),
                    alloc == null ? "" : String.format(Locale.ROOT, "%.1f", alloc.getScore())));
            for (String key : aggregate.getSecondaryResults().keySet()) {
                if (!key.contains("gc.")) {
                    Result<?> r = aggregate.getSecondaryResults().get(key);
                    rows.add(String.format(Locale.ROOT, "%s:%s\t%s\t%d\t%s\t%.3f\t%.3f\t%s\t", benchmark, key,
                            params, run.getParams().getThreads(), run.getParams().getMode().shortLabel(),
                            r.getScore(), r.getScoreError(), r.getScoreUnit()));
                }
            }
        }
        return rows;
    }

    /** A run of some benchmarks only: its rows replace the same rows of the last full run. */
    private boolean partial() {
        return !include.equals(ALL);
    }

    private String settings(boolean small) {
        String iterations = quick ? "1x1s warmup, 1x1s measured" : brief ? "2x1s warmup, 3x1s measured"
                : small ? "3x2s warmup, 4x2s measured" : "4x2s warmup, 5x2s measured";
        return wait(small).toLowerCase(Locale.ROOT) + " wait, " + iterations + ", 1 fork, -prof gc";
    }

    private void writeMachine(int cores, boolean small, String settings) throws IOException {
        Map<String, String> props = new TreeMap<>();
        props.put("machine", machine);
        props.put("cores", Integer.toString(cores));
        props.put("cpu", cpuModel());
        props.put("memory_gib", memoryGib());
        props.put("jdk", System.getProperty("java.vm.name") + " " + Runtime.version());
        props.put("date", LocalDate.now(ZoneOffset.UTC).toString());
        props.put("wait", wait(small));
        props.put("code", System.getProperty("purestock.commit", "unknown"));
        props.put("settings", settings);
        try (PrintStream p = new PrintStream(Files.newOutputStream(out.resolve("machine.properties")), true, "UTF-8")) {
            props.forEach((k, v) -> p.println(k + "=" + v));
        }
    }

    /** Where a named run's results came from: the commit, the date and the settings, beside its {@code .tsv}. */
    private static void writeRun(Path file, String settings) throws IOException {
        try (PrintStream p = new PrintStream(Files.newOutputStream(file), true, "UTF-8")) {
            p.println("code=" + System.getProperty("purestock.commit", "unknown"));
            p.println("date=" + LocalDate.now(ZoneOffset.UTC));
            p.println("settings=" + settings);
        }
    }

    /**
     * Sleeping waits share a small machine best (the Disruptor's blocking strategy spins its downstream
     * stages); with cores to spare, yielding waits cut the hand-off latency.
     */
    private static String wait(boolean small) {
        return small ? "SLEEPING" : "YIELDING";
    }

    private static String memoryGib() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(line -> line.startsWith("MemTotal:"))
                    .map(line -> Long.toString(Long.parseLong(line.replaceAll("\\D", "")) >> 20))
                    .findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst().orElse(System.getProperty("os.arch"));
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }
}
