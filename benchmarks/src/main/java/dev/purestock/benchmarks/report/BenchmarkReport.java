package dev.purestock.benchmarks.report;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes {@code docs/benchmarks.md} from the result directories that {@link BenchmarkSuite}, the latency
 * harness and the snapshot stall harness leave under {@code docs/bench/<machine>/}: the machines, each
 * headline figure beside its ceiling or baseline from the same run as a ratio (with both B/op), the
 * allocation per command of each path against its goal, the decision stage's stall during a snapshot,
 * the latency tables (journal on, then with periodic snapshots on; each step with its GC pauses) and
 * plots, replication's cost ({@link ReplicationReport}), and every raw JMH row. Machines are put side by side; nothing in the file is typed by hand.
 * Each harness's table names the commit and the day it was measured at, which the harness wrote at the end of the
 * settings line atop its {@code .tsv} ({@link SettingsLine}).
 */
@CommandLine.Command(name = "report", mixinStandardHelpOptions = true,
        description = "Writes docs/benchmarks.md from docs/bench/<machine>/ result directories.")
public final class BenchmarkReport implements Callable<Integer> {

    /** A headline figure: a JMH row, the row it is judged against, and the goal. */
    private record Figure(String name, String value, String baseline, String goal, double goalRatio) {
        /** Whether the ratio meets the goal; only for figures whose goal is a ratio. */
        String verdict(double ratio) {
            return goalRatio == 0 ? "" : ratio >= goalRatio ? " ✓" : " ✗";
        }
    }

    private static final List<Figure> FIGURES = List.of(
            new Figure("pure domain: decide + evolve, 1 thread, 100k skus, the engine's primitive store vs decide alone",
                    "DomainBenchmark.decideAndEvolve|storeKind=primitive", "DomainBenchmark.decideOnly|storeKind=primitive", "≥ 5 M commands/s", 0),
            new Figure("pure domain: decide + evolve, the domain's reference map store vs the primitive store",
                    "DomainBenchmark.decideAndEvolve|storeKind=map", "DomainBenchmark.decideAndEvolve|storeKind=primitive", "", 0),
            new Figure("decision stage, batches of 64 purchases, 10 M customer counts: reading ahead vs one at a time",
                    "DecisionStageBenchmark.decideABatch|readAhead=true", "DecisionStageBenchmark.decideABatch|readAhead=false", "", 0),
            new Figure("engine in memory, 1 producer vs raw Disruptor (same ring size and stages, no-op handlers; no intake, "
                    + "router or command record)",
                    "EngineBenchmark.oneProducer|waitStrategy=$WAIT|retainSeconds=forever", "RawDisruptorBenchmark.oneProducer|waitStrategy=$WAIT", "≥ 0.5×", 0.5),
            new Figure("engine in memory, 4 producers vs raw Disruptor",
                    "EngineBenchmark.fourProducers|waitStrategy=$WAIT|retainSeconds=forever", "RawDisruptorBenchmark.fourProducers|waitStrategy=$WAIT", "≥ 0.5×", 0.5),
            new Figure("engine in memory, 1 producer vs lock-based service",
                    "EngineBenchmark.oneProducer|waitStrategy=$WAIT|retainSeconds=forever", "LockBasedBaselineBenchmark.oneProducer", "≥ 3×", 3),
            new Figure("engine in memory, 4 producers vs lock-based service",
                    "EngineBenchmark.fourProducers|waitStrategy=$WAIT|retainSeconds=forever", "LockBasedBaselineBenchmark.fourProducers", "≥ 3×", 3),
            new Figure("engine journaled (page cache) vs raw Chronicle append of the same bytes, a batch's records sharing "
                    + "documents of up to 64 KiB (the writer's default)",
                    "JournalBenchmark.engineJournaled|durability=PAGE_CACHE|documentBytes=65536|waitStrategy=$WAIT",
                    "JournalBenchmark.rawAppend|durability=PAGE_CACHE|documentBytes=65536", "≥ 0.7×", 0.7),
            new Figure("engine journaled (synced per batch) vs raw Chronicle append, synced per batch, documents of up to 64 KiB",
                    "JournalBenchmark.engineJournaled|durability=SYNC_PER_BATCH|documentBytes=65536|waitStrategy=$WAIT",
                    "JournalBenchmark.rawAppend|durability=SYNC_PER_BATCH|documentBytes=65536", "≥ 0.7×", 0.7),
            new Figure("engine journaled (page cache) vs raw Chronicle append of the same bytes, a document per record",
                    "JournalBenchmark.engineJournaled|durability=PAGE_CACHE|documentBytes=0|waitStrategy=$WAIT",
                    "JournalBenchmark.rawAppend|durability=PAGE_CACHE|documentBytes=0", "≥ 0.7×", 0.7),
            new Figure("engine journaled (synced per batch) vs raw Chronicle append, synced per batch, a document per record",
                    "JournalBenchmark.engineJournaled|durability=SYNC_PER_BATCH|documentBytes=0|waitStrategy=$WAIT",
                    "JournalBenchmark.rawAppend|durability=SYNC_PER_BATCH|documentBytes=0", "≥ 0.7×", 0.7),
            new Figure("engine journaled (page cache), purchases as fields, 1 s retention: two batches of 1,000 in flight vs one batch at a time",
                    "JournalBenchmark.engineJournaledPurchaseFieldsPipelined", "JournalBenchmark.engineJournaledPurchaseFields|retainSeconds=1",
                    "≥ 5 M/s on 16 cores", 0),
            new Figure("replay (read, checksum, decode, evolve) vs raw Chronicle read",
                    "JournalBenchmark.replay", "JournalBenchmark.rawRead", "≥ 0.7×", 0.7),
            new Figure("2 shards, journaled, 4 producers vs 1 shard",
                    "ShardedBenchmark.fourProducers|journal=chronicle|shards=2", "ShardedBenchmark.fourProducers|journal=chronicle|shards=1", "scales with cores", 0),
            new Figure("4 shards, journaled, 4 producers vs 1 shard",
                    "ShardedBenchmark.fourProducers|journal=chronicle|shards=4", "ShardedBenchmark.fourProducers|journal=chronicle|shards=1", "≥ 10 M/s on 16 cores", 0),
            new Figure("snapshot of a million skus: write", "JournalBenchmark.snapshotWrite", null, "", 0),
            new Figure("snapshot of a million skus: load", "JournalBenchmark.snapshotLoad", null, "", 0));

    /** A path through the engine (or a ceiling or baseline) and what it may allocate per command. */
    private record AllocPath(String name, String row, String goal, double goalBytes) {
        /** Whether {@code bytes} meets the goal; only for paths with a goal in bytes. */
        String verdict(double bytes) {
            return goalBytes < 0 ? "" : bytes <= goalBytes ? " ✓" : " ✗";
        }
    }

    private static final List<AllocPath> ALLOC_PATHS = List.of(
            new AllocPath("raw Disruptor, no-op handlers (the ceiling)", "RawDisruptorBenchmark.oneProducer|waitStrategy=$WAIT", "", -1),
            new AllocPath("engine in memory, callback submit, 1 producer, every order kept (state grows)", "EngineBenchmark.oneProducer|waitStrategy=$WAIT|retainSeconds=forever", "≤ 64 B", 64),
            new AllocPath("engine in memory, callback submit, 4 producers, every order kept (state grows)", "EngineBenchmark.fourProducers|waitStrategy=$WAIT|retainSeconds=forever", "≤ 64 B", 64),
            new AllocPath("engine in memory, fields submit (no command record), 1 producer, every order kept (state grows)", "EngineBenchmark.oneProducerFields|waitStrategy=$WAIT|retainSeconds=forever", "≤ 64 B", 64),
            new AllocPath("engine in memory, future submit, 1 producer, every order kept (state grows)", "EngineBenchmark.oneProducerFuture|waitStrategy=$WAIT|retainSeconds=forever", "", -1),
            new AllocPath("engine in memory, callback submit (the caller's 48 B command record counted), 1 producer, 1 s retention, state sized ahead (steady state)", "EngineBenchmark.oneProducer|waitStrategy=$WAIT|retainSeconds=1", "≤ 64 B", 64),
            new AllocPath("engine in memory, fields submit (no command record), 1 producer, 1 s retention, state sized ahead (steady state)", "EngineBenchmark.oneProducerFields|waitStrategy=$WAIT|retainSeconds=1", "≤ 64 B", 64),
            new AllocPath("engine in memory, callback submit (the callers' 48 B command records counted), 4 producers, 1 s retention, state sized ahead (steady state)", "EngineBenchmark.fourProducers|waitStrategy=$WAIT|retainSeconds=1", "≤ 64 B", 64),
            new AllocPath("engine journaled (page cache), callback submit, relisting workload", "JournalBenchmark.engineJournaled|durability=PAGE_CACHE|documentBytes=65536|waitStrategy=$WAIT", "≤ 64 B", 64),
            new AllocPath("engine journaled (synced per batch), callback submit, relisting workload", "JournalBenchmark.engineJournaled|durability=SYNC_PER_BATCH|documentBytes=65536|waitStrategy=$WAIT", "≤ 64 B", 64),
            new AllocPath("engine journaled (page cache), purchases as records, every order kept", "JournalBenchmark.engineJournaledPurchases|retainSeconds=forever", "", -1),
            new AllocPath("engine journaled (page cache), purchases as fields, every order kept", "JournalBenchmark.engineJournaledPurchaseFields|retainSeconds=forever", "≤ 64 B", 64),
            new AllocPath("engine journaled (page cache), purchases as records, 1 s retention, state sized ahead (steady state)", "JournalBenchmark.engineJournaledPurchases|retainSeconds=1", "", -1),
            new AllocPath("engine journaled (page cache), purchases as fields, 1 s retention, state sized ahead (steady state)", "JournalBenchmark.engineJournaledPurchaseFields|retainSeconds=1", "≤ 64 B", 64),
            new AllocPath("the same, with a snapshot every 1,000,000 commands written while purchases flow", "JournalBenchmark.engineJournaledPurchaseFieldsSnapshotting", "≤ 64 B", 64),
            new AllocPath("engine journaled (page cache), purchases as fields, 1 s retention, state sized ahead (steady state), two batches of 1,000 in flight",
                    "JournalBenchmark.engineJournaledPurchaseFieldsPipelined", "≤ 64 B", 64),
            new AllocPath("engine without journal, callback submit, relisting workload", "JournalBenchmark.engineWithoutJournal|waitStrategy=$WAIT", "≤ 64 B", 64),
            new AllocPath("decision stage alone (decide + apply, no ring)", "EngineBenchmark.decisionStageOnly", "≤ 16 B", 16),
            new AllocPath("decision stage alone, purchase from its fields", "EngineBenchmark.decisionStageOnlyFields", "≤ 16 B", 16),
            new AllocPath("decision stage, steady state: retention forgetting as many orders as are bought, state sized ahead", "DecisionStageBenchmark.decideABatch|readAhead=true", "≤ 16 B", 16),
            new AllocPath("pure domain: decide + evolve, primitive store (JMH's figure includes restocking in setup)", "DomainBenchmark.decideAndEvolve|storeKind=primitive", "≤ 16 B", 16),
            new AllocPath("pure domain, steady state: a cart checkout, an atomic batch of 4 purchases, decide + evolve (per batch)", "BatchBenchmark.checkout", "≤ 16 B", 16),
            new AllocPath("pure domain, steady state: the same 4 purchases decided alone (per 4)", "BatchBenchmark.fourPurchases", "", -1),
            new AllocPath("lock-based service, 1 producer (the naive baseline)", "LockBasedBaselineBenchmark.oneProducer", "", -1),
            new AllocPath("raw Chronicle append of the same bytes (page cache, documents of up to 64 KiB)",
                    "JournalBenchmark.rawAppend|durability=PAGE_CACHE|documentBytes=65536", "", -1),
            new AllocPath("replay: read, checksum, decode, evolve (per record)", "JournalBenchmark.replay", "", -1),
            new AllocPath("verify: read, checksum, decode the record, decide again, compare, evolve (per record)", "JournalBenchmark.verify", "", -1),
            new AllocPath("stats: read, checksum, decode the events, count (per record)", "JournalBenchmark.stats", "", -1),
            new AllocPath("raw Chronicle read (per record)", "JournalBenchmark.rawRead", "", -1));

    /**
     * The default of each benchmark parameter that was added after rows were recorded without it: a row that names
     * no value of such a parameter was measured at this one.
     */
    private static final Map<String, String> PARAMETER_DEFAULTS = Map.of("retainSeconds", "forever",
            "unlimitedSkus", "counted", "documentBytes", "0");

    /**
     * Why a result directory without {@code machine.properties} is left out of the report: a run of some benchmarks or
     * parts alone ({@code --include}, {@code --only}) on a machine with no full run writes results that nothing
     * describes.
     */
    private static final String LEFT_OUT = "the full run of the JMH suite, benchmarks/run.sh without --include and --only, "
            + "writes it to describe the machine; the results there are reported once it has";

    /** What a machine's {@code machine.properties} must name: the report prints each. */
    private static final List<String> DESCRIBED_BY = List.of("cores", "memory_gib", "cpu", "jdk", "date", "settings");

    /** The longest stall of the decision stage a snapshot may cause. */
    private static final double SNAPSHOT_STALL_GOAL_MILLIS = 1.0;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--in", defaultValue = "docs/bench", description = "Directory holding one result directory per machine.")
    private Path in;

    @Option(names = "--out", defaultValue = "docs/benchmarks.md", description = "The Markdown file to write.")
    private Path out;

    /** Writes the report from the command line. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchmarkReport()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(in)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no directory " + in
                    + ": --in names the directory that holds one per machine, as docs/bench does");
        }
        List<Machine> machines = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(in)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                if (Files.exists(dir.resolve("machine.properties"))) {
                    Machine machine = Machine.load(dir);
                    List<String> missing = DESCRIBED_BY.stream().filter(key -> machine.props.getProperty(key) == null)
                            .toList();
                    if (!missing.isEmpty()) {
                        throw new CommandLine.ParameterException(spec.commandLine(), dir.resolve("machine.properties")
                                + " names no " + String.join(", ", missing) + ": the report describes each machine by "
                                + String.join(", ", DESCRIBED_BY) + " (benchmarks/run.sh's full run writes them all)");
                    }
                    machines.add(machine);
                } else {
                    leftOut.add(dir.getFileName().toString());
                }
            }
        }
        if (machines.isEmpty() && leftOut.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no result directories under " + in
                    + ": --in names the directory that holds one per machine, as docs/bench does");
        }
        for (String name : leftOut) {
            System.out.println("left out " + in.resolve(name) + ": no machine.properties (" + LEFT_OUT + ")");
        }
        for (Machine machine : machines) {
            for (LatencyRun run : machine.latencyRuns) {
                List<Path> hgrm = machine.hgrmFiles(run.name);
                if (!hgrm.isEmpty()) {
                    LatencyPlot.write(hgrm, machine.name + ": " + machine.props.getProperty("cores") + " cores, "
                            + machine.props.getProperty("cpu") + ", " + run.settings, machine.dir.resolve(run.name + ".png"));
                }
            }
        }
        Files.writeString(out, render(machines, leftOut));
        System.out.println("wrote " + out);
        return 0;
    }

    private String render(List<Machine> machines, List<String> leftOut) {
        StringBuilder md = new StringBuilder();
        md.append("# purestock benchmarks\n\n");
        md.append("Written by `benchmarks/run.sh` from the raw results under `docs/bench/<machine>/` (JMH JSON, a flat\n")
                .append("`results.tsv`, the latency percentiles); rerun the script rather than editing this file. Every ratio\n")
                .append("compares two figures measured on the same machine, in the same run unless its date column names\n")
                .append("the baseline's own run. What the figures mean, what limits them and what they cannot show:\n")
                .append("[performance.md](performance.md).\n\n");
        md.append("## Machines\n\n");
        if (!machines.isEmpty()) {
            md.append("| machine | cores | memory | cpu | JDK | date | code | JMH settings | latency settings |\n|---|---|---|---|---|---|---|---|---|\n");
        }
        for (Machine m : machines) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s GiB | %s | %s | %s | %s | %s | %s |%n", m.name, m.props.getProperty("cores"),
                    m.props.getProperty("memory_gib"), m.props.getProperty("cpu"), m.props.getProperty("jdk"), m.props.getProperty("date"),
                    m.code(), m.props.getProperty("settings"), m.latencySettings()));
        }
        if (!leftOut.isEmpty()) {
            md.append(machines.isEmpty() ? "" : "\n").append("Left out: ").append(String.join(", ", leftOut))
                    .append(" (no machine.properties: ").append(LEFT_OUT).append(").\n");
        }
        if (machines.isEmpty()) {
            return md.toString();
        }
        md.append("\n## Figures against their ceilings and baselines\n\n");
        md.append("The raw ring (`RawDisruptorBenchmark`) has the engine's ring size, producer type and stages (deciding,\n")
                .append("then completing), with handlers that only read the slot. It is not the engine's pipeline with the work\n")
                .append("taken out: its producers wait for room with the Disruptor's `next()` (a 1 ns park), its second stage\n")
                .append("keeps the Disruptor's barrier, it has no intake gate, shape check or router, and it builds nothing, where\n")
                .append("the engine rows build a 48 B `Command.Purchase` per command. With `BLOCKING` its stages wait on the\n")
                .append("Disruptor's `BlockingWaitStrategy`, the engine's decision stage on its own `ParkingWaitStrategy`. The\n")
                .append("engine rows of the ratios keep every order (`retainSeconds=forever`), as they always have.\n\n");
        md.append("The engine rows of `EngineBenchmark`, the raw ring and the lock-based service submit one command per\n")
                .append("operation and are held back only by a full ring or queue. The journaled rows of `JournalBenchmark` (and\n")
                .append("`ReplicationBenchmark`) submit a batch of 1,000 and wait for all its answers before the next, so the\n")
                .append("pipeline runs dry between batches (the raw Chronicle append they are set against has no such gap);\n")
                .append("`engineJournaledPurchaseFieldsPipelined` keeps two batches in flight (it submits one, then waits for the\n")
                .append("one before) and is the rate to judge one journaled shard by.\n\n");
        md.append("| figure | value | baseline | ratio | goal | B/op | baseline B/op | machine | JDK | date |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (Figure figure : FIGURES) {
            for (Machine m : machines) {
                Optional<Row> value = m.find(figure.value);
                if (value.isEmpty()) {
                    continue;
                }
                Optional<Row> baseline = figure.baseline == null ? Optional.empty() : m.find(figure.baseline);
                String ratio = baseline.map(b -> String.format(Locale.ROOT, "%.2f×", value.get().score / b.score)).orElse("");
                String verdict = baseline.map(b -> figure.verdict(value.get().score / b.score)).orElse("");
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s%s | %s | %s | %s | %s | %s |%n", figure.name,
                        value.get().formatted(), baseline.map(Row::formatted).orElse(""), ratio, figure.goal, verdict,
                        value.get().alloc, baseline.map(Row::alloc).orElse(""), m.name,
                        m.props.getProperty("jdk").replaceAll(".* ", "JDK "), dated(value.get(), baseline, m)));
            }
        }
        renderRatioRounds(md, machines);
        renderAllocation(md, machines);
        renderSnapshotStall(md, machines);
        md.append("\n## Open-loop latency, journal on\n\n");
        md.append("Each command is timed from its *scheduled* send time to its durable answer, so a stall counts for every\n")
                .append("command scheduled during it (no coordinated omission). Rates step up until the engine saturates:\n")
                .append("`achieved/s` counts answers, from the first scheduled send to the last answer (a step is kept at 98%\n")
                .append("of its rate; the ring takes a ring's worth of commands on schedule however slowly they are answered). Command:\n")
                .append("`benchmarks/run.sh` (the `LatencyHarness` step); the checks after the run (nothing oversold, the journal\n")
                .append("verifies, the state recovered up to the last sequence of the live digest, `engine.digestWithSequence(0)`, equals the\n")
                .append("live one: the engine's timer journals time commands until it closes, past the digest) are printed in its log.\n\n");
        md.append("The GC columns count the collector's stop-the-world pauses that started while the step was measured\n")
                .append("(JFR's `jdk.GCPhasePause` events; empty for runs from before they were recorded). The state is sized\n")
                .append("ahead for at most `presized` orders and customer counts: from the step `state-grows-from` names, it\n")
                .append("grows while the steps are measured, and their tails include its growth. A second table per\n")
                .append("machine, where measured, runs the same harness with periodic snapshots on (`--snapshot-every`).\n\n");
        for (Machine m : machines) {
            if (m.latencyRuns.isEmpty()) {
                continue;
            }
            md.append("### ").append(m.name).append("\n\n");
            for (LatencyRun run : m.latencyRuns) {
                md.append(run.title()).append(run.settings).append("\n\n")
                        .append(SettingsLine.measuredAt(List.of(run.line))).append("\n\n");
                md.append("| offered/s | achieved/s | p50 µs | p90 µs | p99 µs | p99.9 µs | p99.99 µs | max µs | sustainable "
                        + "| GC pauses | longest GC pause ms |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
                for (String[] r : run.rows) {
                    md.append(String.format(Locale.ROOT, "| %,d | %,.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                            Long.parseLong(r[0]), Double.parseDouble(r[1]), r[2], r[3], r[4], r[5], r[6], r[7],
                            r[9].equals("true") ? "yes" : "no", cell(r, 10), cell(r, 11)));
                }
                md.append("\n![latency percentiles on ").append(m.name).append(run.name.equals(LatencyRun.PLAIN) ? "" : ", snapshots on")
                        .append("](bench/").append(m.dir.getFileName()).append('/').append(run.name).append(".png)\n\n");
            }
        }
        renderReplication(md, machines);
        md.append("## Every JMH result\n\n");
        for (Machine m : machines) {
            md.append("### ").append(m.name).append("\n\n| benchmark | params | threads | score | unit | B/op | measured |\n"
                    + "|---|---|---|---|---|---|---|\n");
            for (Row r : m.rows) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s |%n", r.benchmark, r.params, r.threads,
                        String.format(Locale.ROOT, "%,.1f ± %,.1f", r.score, r.error), r.unit, r.alloc,
                        r.measured.isEmpty() ? "full run" : "rerun: " + r.measured));
            }
            md.append("\nRaw: [jmh.json](bench/").append(m.dir.getFileName()).append("/jmh.json)");
            if (Files.exists(m.dir.resolve("jmh-partial.json"))) {
                md.append(", rerun rows: [jmh-partial.json](bench/").append(m.dir.getFileName()).append("/jmh-partial.json)");
            }
            md.append("\n\n");
        }
        return md.toString();
    }

    /**
     * The goal ratios again, each from {@code run.sh}'s alternating rounds: the ratio of every round, their median and
     * the verdict on the median, so that a ceiling or baseline that measures high or low in one run does not decide it.
     */
    private void renderRatioRounds(StringBuilder md, List<Machine> machines) {
        if (machines.stream().allMatch(m -> m.ratioRounds.isEmpty())) {
            return;
        }
        md.append("\n## Goal ratios over alternating rounds\n\n");
        md.append("The table above takes each ratio from one run of the suite, where a figure and its baseline are measured\n")
                .append("minutes apart. `benchmarks/run.sh --only ratios` reruns the rows of the ratio goals in rounds (each round\n")
                .append("runs them one after another, `ratios-N.tsv`), so that load which comes and goes on a shared machine\n")
                .append("falls on every row alike; the verdict is the median's.\n\n");
        for (Machine m : machines) {
            if (!m.ratioRounds.isEmpty()) {
                md.append(String.format(Locale.ROOT, "- %s: %d rounds, commit %s, %s, %s.%n", m.name, m.ratioRounds.size(),
                        m.ratioRun.getProperty("code", "unknown"), m.ratioRun.getProperty("date", "date unknown"),
                        m.ratioRun.getProperty("settings", "settings unknown")));
            }
        }
        md.append("\nEach round's figure and baseline stand beside its ratio: a baseline that moves from round to round\n")
                .append("moves the ratio with it, whatever the figure did.\n");
        md.append("\n| figure | ratio in each round | figure / baseline in each round | median | goal | machine |\n"
                + "|---|---|---|---|---|---|\n");
        for (Figure figure : FIGURES) {
            if (figure.goalRatio == 0 || figure.baseline == null) {
                continue;
            }
            for (Machine m : machines) {
                List<Double> ratios = new ArrayList<>();
                List<String> scores = new ArrayList<>();
                for (List<Row> round : m.ratioRounds) {
                    Optional<Row> value = m.find(round, figure.value);
                    Optional<Row> baseline = m.find(round, figure.baseline);
                    if (value.isPresent() && baseline.isPresent()) {
                        ratios.add(value.get().score / baseline.get().score);
                        scores.add(millions(value.get().score) + " / " + millions(baseline.get().score));
                    }
                }
                if (ratios.isEmpty()) {
                    continue;
                }
                double median = median(ratios.stream().mapToDouble(Double::doubleValue).toArray());
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f× | %s%s | %s |%n", figure.name,
                        String.join(", ", ratios.stream().map(r -> String.format(Locale.ROOT, "%.2f×", r)).toList()),
                        String.join(", ", scores), median, figure.goal, figure.verdict(median), m.name));
            }
        }
    }

    /** A rate in millions of operations a second, to two places: "2.66 M". */
    static String millions(double opsPerSecond) {
        return String.format(Locale.ROOT, "%.2f M", opsPerSecond / 1e6);
    }

    /** The middle value (the mean of the two middle ones of an even count), or NaN for none. */
    public static double median(double... values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length == 0 ? Double.NaN
                : sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private void renderReplication(StringBuilder md, List<Machine> machines) {
        if (machines.stream().allMatch(m -> m.replication.isEmpty())) {
            return;
        }
        md.append("## Replication\n\n");
        md.append("The journaled engine (one shard, page cache) unreplicated (`NONE`), with `ASYNC` and with `SYNC`\n")
                .append("replication to a standby in a second JVM on the same machine, over loopback: in production the\n")
                .append("standby is another process (on another host), so its collector, journal and media driver stay out of\n")
                .append("the primary's JVM and B/op is the primary's own; on one host the two processes share the cores.\n")
                .append("Command: `benchmarks/run.sh --only replication`, which runs the three configurations in alternating\n")
                .append("rounds (a neighbour's load falls on all three alike) and a new standby's catch-up; raw files\n")
                .append("`replication-*` beside the other results. What the figures mean: [replication.md](replication.md#measured).\n\n");
        for (Machine m : machines) {
            m.replication.ifPresent(r -> r.render(md, m.name));
        }
    }

    private static String cell(String[] row, int index) {
        return index < row.length ? row[index] : "";
    }

    private void renderAllocation(StringBuilder md, List<Machine> machines) {
        md.append("\n## Allocation per command on each path\n\n");
        md.append("JMH's `gc.alloc.rate.norm`: bytes allocated by every thread of the JVM (the engine's stage threads\n")
                .append("included) per benchmark operation, one operation being one command or record. The goals are the\n")
                .append("garbage-free path's: ≤ 64 B per command end to end, ≤ 16 B for decide + evolve.\n\n");
        md.append("| path | benchmark | throughput | B/op | goal | machine |\n|---|---|---|---|---|---|\n");
        for (AllocPath path : ALLOC_PATHS) {
            for (Machine m : machines) {
                Optional<Row> row = m.find(path.row);
                if (row.isEmpty()) {
                    continue;
                }
                String verdict = row.get().alloc.isEmpty() ? "" : path.verdict(Double.parseDouble(row.get().alloc));
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s%s | %s |%n", path.name, row.get().benchmark,
                        row.get().formatted(), row.get().alloc, path.goal, verdict, m.name));
            }
        }
    }

    private void renderSnapshotStall(StringBuilder md, List<Machine> machines) {
        if (machines.stream().allMatch(m -> m.snapshotStall.isEmpty())) {
            return;
        }
        md.append("\n## The decision stage during a snapshot\n\n");
        md.append("`SnapshotStallHarness` fills a journaled engine with the skus through the submit API, then offers\n")
                .append("purchases at a fixed rate while it asks for snapshots, one after each stretch without one. The\n")
                .append("decision stage's gap is the longest time between two commands being stamped (the engine calls its\n")
                .append("clock once per command on the decision thread); the answer gap is the longest time between two\n")
                .append("answers; the baseline is the same over the stretch before the snapshot. A GC pause stops every\n")
                .append("thread and shows as a gap too: the pause columns say whether one fell in the window.\n\n");
        md.append("| figure | value | without a snapshot | goal | machine |\n|---|---|---|---|---|\n");
        for (Machine m : machines) {
            if (m.snapshotStall.isEmpty()) {
                continue;
            }
            double worst = m.snapshotStall.stream().mapToDouble(r -> Double.parseDouble(r[3])).max().orElse(0);
            double baseline = m.snapshotStall.stream().mapToDouble(r -> Double.parseDouble(r[5])).max().orElse(0);
            double answers = m.snapshotStall.stream().mapToDouble(r -> Double.parseDouble(r[4])).max().orElse(0);
            double answersBaseline = m.snapshotStall.stream().mapToDouble(r -> Double.parseDouble(r[6])).max().orElse(0);
            double duration = m.snapshotStall.stream().mapToDouble(r -> Double.parseDouble(r[2])).max().orElse(0);
            String skus = m.snapshotStallSettings.settings().replaceAll(".*skus=(\\d+).*", "$1");
            String of = skus.matches("\\d+") ? String.format(Locale.ROOT, "%,d skus", Long.parseLong(skus)) : "the skus";
            md.append(String.format(Locale.ROOT, "| decision stage's longest stall during a snapshot of %s | %.3f ms | %.3f ms | ≤ %.0f ms%s | %s |%n",
                    of, worst, baseline, SNAPSHOT_STALL_GOAL_MILLIS, worst <= SNAPSHOT_STALL_GOAL_MILLIS ? " ✓" : " ✗", m.name));
            md.append(String.format(Locale.ROOT, "| longest gap between answers during a snapshot of %s | %.3f ms | %.3f ms |  | %s |%n",
                    of, answers, answersBaseline, m.name));
            md.append(String.format(Locale.ROOT, "| snapshot of %s, request to completion (longest) | %.3f ms |  |  | %s |%n",
                    of, duration, m.name));
        }
        for (Machine m : machines) {
            if (m.snapshotStall.isEmpty()) {
                continue;
            }
            md.append("\n### ").append(m.name).append("\n\n").append(m.snapshotStallSettings.settings()).append("\n\n")
                    .append(SettingsLine.measuredAt(List.of(m.snapshotStallSettings))).append("\n\n");
            md.append("| snapshot | duration ms | decision gap ms | answer gap ms | GC pauses | longest GC pause ms "
                    + "| baseline decision gap ms | baseline answer gap ms | baseline GC pauses | baseline longest GC pause ms |\n"
                    + "|---|---|---|---|---|---|---|---|---|---|\n");
            for (String[] r : m.snapshotStall) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", r[0], r[2], r[3], r[4],
                        cell(r, 7), cell(r, 8), r[5], r[6], cell(r, 10), cell(r, 11)));
            }
        }
        md.append("\n");
    }

    /** One run of the latency harness on one machine: its file name, settings and rows. */
    private static final class LatencyRun {
        static final String PLAIN = "latency";
        static final String SNAPSHOTS = "latency-snapshots";
        final String name;
        final String settings;
        /** Its settings line, with where it was measured. */
        final SettingsLine line;
        final List<String[]> rows;

        LatencyRun(String name, SettingsLine line, List<String[]> rows) {
            this.name = name;
            this.settings = line.settings();
            this.line = line;
            this.rows = rows;
        }

        String title() {
            return name.equals(PLAIN) ? "Journal on: " : "Journal and periodic snapshots on: ";
        }

        static Optional<LatencyRun> load(Path dir, String name) throws IOException {
            Path tsv = dir.resolve(name + ".tsv");
            if (!Files.exists(tsv)) {
                return Optional.empty();
            }
            SettingsLine settings = SettingsLine.NONE;
            List<String[]> rows = new ArrayList<>();
            for (String line : Files.readAllLines(tsv)) {
                if (line.startsWith("# ")) {
                    settings = SettingsLine.parse(line.substring(2));
                } else if (!line.startsWith("offered")) {
                    rows.add(line.split("\t", -1));
                }
            }
            return Optional.of(new LatencyRun(name, settings, rows));
        }
    }

    /**
     * The day a figure's value was measured (a rerun row's own, else the full run's), and where its baseline was
     * when that is another run (the full run's day, or the rerun's commit and day): a ratio of rows from two runs
     * says so.
     */
    private static String dated(Row value, Optional<Row> baseline, Machine m) {
        String fullRun = m.props.getProperty("date");
        String valueDate = value.date(fullRun);
        return baseline.filter(b -> !b.measured.equals(value.measured))
                .map(b -> valueDate + " (baseline from " + (b.measured.isEmpty() ? "the full run, " + fullRun
                        : "rerun " + b.measured) + ")")
                .orElse(valueDate);
    }

    /**
     * One JMH result; {@code measured} is empty for a row of the full run (machine.properties says where it ran) and
     * names the commit and date of a rerun row ({@code results-partial.tsv}).
     */
    private record Row(String benchmark, String params, int threads, double score, double error, String unit, String alloc,
                       String measured) {
        String formatted() {
            return String.format(Locale.ROOT, "%,.0f %s", score, unit);
        }

        /** The day it was measured: a rerun's own ("code, date"), else {@code fullRun}'s. */
        String date(String fullRun) {
            int comma = measured.lastIndexOf(", ");
            return comma < 0 ? fullRun : measured.substring(comma + 2);
        }

        /**
         * Whether this row's parameters include every parameter of {@code other} (a rerun of it), those it names
         * beyond them not at a value other than their default ({@link #PARAMETER_DEFAULTS}): {@code other}, which
         * predates them, ran at that.
         */
        boolean hasAllParamsOf(Row other) {
            List<String> mine = List.of(params.split(","));
            List<String> theirs = other.params.isEmpty() ? List.of() : List.of(other.params.split(","));
            return mine.containsAll(theirs)
                    && mine.stream().filter(param -> !theirs.contains(param)).noneMatch(Row::offItsDefault);
        }

        /** Whether {@code param} ({@code name=value}) names a value other than its parameter's default. */
        private static boolean offItsDefault(String param) {
            int equals = param.indexOf('=');
            String fallback = equals < 0 ? null : PARAMETER_DEFAULTS.get(param.substring(0, equals));
            return fallback != null && !param.substring(equals + 1).equals(fallback);
        }

        boolean matches(String benchmarkName, List<String> wantedParams) {
            if (!benchmark.equals(benchmarkName)) {
                return false;
            }
            List<String> have = List.of(params.split(","));
            return wantedParams.stream().allMatch(wanted -> have.contains(wanted) || ranAtDefault(have, wanted));
        }

        /**
         * Whether a row of parameters {@code have}, which names no value of {@code wanted}'s parameter, was measured
         * before the parameter existed, at what is now its default ({@link #PARAMETER_DEFAULTS}).
         */
        private static boolean ranAtDefault(List<String> have, String wanted) {
            int equals = wanted.indexOf('=');
            String name = wanted.substring(0, equals + 1);
            return equals > 0 && wanted.equals(name + PARAMETER_DEFAULTS.get(wanted.substring(0, equals)))
                    && have.stream().noneMatch(param -> param.startsWith(name));
        }
    }

    private static final class Machine {
        final Path dir;
        final Properties props = new Properties();
        final List<Row> rows = new ArrayList<>();
        /** The rows of each round of {@code run.sh}'s goal ratios ({@code ratios-N.tsv}), round 1 first. */
        final List<List<Row>> ratioRounds = new ArrayList<>();
        /** Where the first round ran: its commit, date and settings ({@code ratios-1.properties}). */
        final Properties ratioRun = new Properties();
        final List<LatencyRun> latencyRuns = new ArrayList<>();
        final List<String[]> snapshotStall = new ArrayList<>();
        Optional<ReplicationReport> replication = Optional.empty();
        final String name;
        /** The snapshot stall harness's settings line, with where it was measured. */
        SettingsLine snapshotStallSettings = SettingsLine.NONE;

        private Machine(Path dir) {
            this.dir = dir;
            this.name = dir.getFileName().toString();
        }

        static Machine load(Path dir) throws IOException {
            Machine m = new Machine(dir);
            try (Reader reader = Files.newBufferedReader(dir.resolve("machine.properties"))) {
                m.props.load(reader);
            }
            for (String name : List.of("results.tsv", "results-partial.tsv")) {
                Path results = dir.resolve(name);
                if (Files.exists(results)) {
                    for (Row read : readRows(results)) {
                        Row row = name.equals("results.tsv") || !read.measured.isEmpty() ? read
                                : new Row(read.benchmark, read.params, read.threads, read.score, read.error, read.unit,
                                        read.alloc, "commit unknown");
                        m.rows.removeIf(r -> r.benchmark.equals(row.benchmark) && row.hasAllParamsOf(r));
                        m.rows.add(row);
                    }
                }
            }
            for (int round = 1; Files.exists(dir.resolve("ratios-" + round + ".tsv")); round++) {
                m.ratioRounds.add(readRows(dir.resolve("ratios-" + round + ".tsv")));
                Path run = dir.resolve("ratios-" + round + ".properties");
                if (round == 1 && Files.exists(run)) {
                    try (Reader reader = Files.newBufferedReader(run)) {
                        m.ratioRun.load(reader);
                    }
                }
            }
            for (String run : List.of(LatencyRun.PLAIN, LatencyRun.SNAPSHOTS)) {
                LatencyRun.load(dir, run).ifPresent(m.latencyRuns::add);
            }
            m.replication = ReplicationReport.load(dir);
            Path stall = dir.resolve("snapshot-stall.tsv");
            if (Files.exists(stall)) {
                for (String line : Files.readAllLines(stall)) {
                    if (line.startsWith("# ")) {
                        m.snapshotStallSettings = SettingsLine.parse(line.substring(2));
                    } else if (!line.startsWith("snapshot")) {
                        m.snapshotStall.add(line.split("\t", -1));
                    }
                }
            }
            return m;
        }

        /** The rows of a {@code results.tsv}-shaped file, its header line left out. */
        private static List<Row> readRows(Path tsv) throws IOException {
            List<String> lines = Files.readAllLines(tsv);
            List<Row> rows = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] c = line.split("\t", -1);
                String measured = c.length > 9 ? c[8] + ", " + c[9] : "";
                rows.add(new Row(c[0], c[1], Integer.parseInt(c[2]), Double.parseDouble(c[4]),
                        Double.parseDouble(c[5]), c[6], c[7], measured));
            }
            return rows;
        }

        /** The full run's commit, then the commits and dates of the rerun rows that replace some of its rows. */
        String code() {
            List<String> reruns = rows.stream().map(Row::measured).filter(measured -> !measured.isEmpty()).distinct()
                    .toList();
            String full = props.getProperty("code", "");
            return reruns.isEmpty() ? full : full + "; rerun rows: " + String.join("; ", reruns);
        }

        /** The settings of the plain latency run, for the machines table. */
        String latencySettings() {
            return latencyRuns.stream().filter(r -> r.name.equals(LatencyRun.PLAIN)).map(r -> r.settings).findFirst().orElse("");
        }

        Optional<Row> find(String spec) {
            return find(rows, spec);
        }

        /** The first of {@code among} that {@code spec} names: a benchmark, then the parameters it must have. */
        Optional<Row> find(List<Row> among, String spec) {
            String wait = props.getProperty("wait", "BLOCKING");
            String[] parts = spec.replace("$WAIT", wait).split("\\|");
            List<String> wanted = List.of(parts).subList(1, parts.length);
            return among.stream().filter(r -> r.matches(parts[0], wanted)).findFirst();
        }

        List<Path> hgrmFiles(String run) throws IOException {
            String pattern = Pattern.quote(run) + "-\\d+\\.hgrm";
            try (Stream<Path> files = Files.list(dir)) {
                return files.filter(f -> f.getFileName().toString().matches(pattern))
                        .sorted((a, b) -> Long.compare(rate(a), rate(b))).toList();
            }
        }

        private static long rate(Path hgrm) {
            return Long.parseLong(hgrm.getFileName().toString().replaceAll("\\D", ""));
        }
    }
}
