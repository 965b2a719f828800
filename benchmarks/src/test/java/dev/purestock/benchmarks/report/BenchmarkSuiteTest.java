package dev.purestock.benchmarks.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The suite's result files: a partial run adds to the partial runs before it instead of writing over them, and the
 * report says where each rerun row was measured.
 */
class BenchmarkSuiteTest {
    private static final String HEADER = "benchmark\tparams\tthreads\tmode\tscore\terror\tunit\talloc_bytes_per_op";
    private static final String LATENCY_HEADER = "offered_per_s\tachieved_per_s\tp50_us\tp90_us\tp99_us\tp99_9_us\tp99_99_us\tmax_us"
            + "\tmax_send_lag_us\tsustainable\tgc_pauses\tgc_longest_pause_ms\tgc_pause_total_ms";
    private static final String LATENCY_ROW = "50000\t50000\t100.00\t200.00\t300.00\t400.00\t500.00\t600.00\t10.00\ttrue\t0\t0.000\t0.000\n";
    private static final String STALL_HEADER = "snapshot\tcovered_sequence\tduration_ms\tdecision_gap_ms\tanswer_gap_ms"
            + "\tbaseline_decision_gap_ms\tbaseline_answer_gap_ms";
    private static final String STALL_ROW = "1\t1000\t20.000\t0.500\t0.600\t0.100\t0.200\n";

    @TempDir
    Path dir;

    @Test
    void aPartialRunReplacesTheRowsItMeasuredAgainAndKeepsTheOthers() throws IOException {
        Path partial = dir.resolve("results-partial.tsv");
        BenchmarkSuite.mergeRows(partial, List.of(
                "DomainBenchmark.decide\tskus=10\t1\tthrpt\t100.000\t1.000\tops/s\t16.0",
                "EngineBenchmark.oneProducer\twaitStrategy=SLEEPING\t1\tthrpt\t200.000\t2.000\tops/s\t0.0"));

        BenchmarkSuite.mergeRows(partial, List.of(
                "EngineBenchmark.oneProducer\twaitStrategy=SLEEPING\t1\tthrpt\t250.000\t2.000\tops/s\t0.0",
                "JournalBenchmark.append\t\t1\tthrpt\t300.000\t3.000\tops/s\t8.0"));

        assertEquals(List.of(HEADER + "\tcode\tdate",
                "DomainBenchmark.decide\tskus=10\t1\tthrpt\t100.000\t1.000\tops/s\t16.0",
                "EngineBenchmark.oneProducer\twaitStrategy=SLEEPING\t1\tthrpt\t250.000\t2.000\tops/s\t0.0",
                "JournalBenchmark.append\t\t1\tthrpt\t300.000\t3.000\tops/s\t8.0"), Files.readAllLines(partial));
    }

    @Test
    void aBenchmarkThatFailsEndsTheRunWithAnErrorAndWritesNoResultsThatLackIt() throws IOException {
        // JMH goes on past a benchmark that throws and leaves its row out: the round would look complete without it
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new BenchmarkSuite()).setErr(new PrintWriter(err)).execute("--machine", "m",
                "--out", dir.toString(), "--quick", "--include", "EngineBenchmark\\.decisionStageOnly$",
                "--param", "unlimitedSkus=bogus", "--results", "ratios-1");

        assertTrue(exit != 0, "the suite ended with " + exit + ": " + err);
        assertTrue(err.toString().contains("unlimitedSkus must be counted or uncounted")
                && err.toString().contains("no results were written"), err.toString());
        assertFalse(Files.exists(dir.resolve("ratios-1.tsv")), "a round without the failed row was written");
        assertFalse(Files.exists(dir.resolve("ratios-1.properties")), "a round without the failed row was described");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "the failed run left files");
        }
    }

    @Test
    void aPartialRunsRawResultsAreAddedToThoseOfTheRunsBefore() throws IOException {
        Path into = dir.resolve("jmh-partial.json");
        Path run = dir.resolve("jmh-partial-run.json");
        Files.writeString(run, "[\n    {\"benchmark\": \"a\"}\n]\n");
        BenchmarkSuite.mergeJson(run, into);
        Files.writeString(run, "[\n    {\"benchmark\": \"b\"}\n]\n");

        BenchmarkSuite.mergeJson(run, into);

        String json = Files.readString(into);
        assertTrue(json.strip().startsWith("[") && json.strip().endsWith("]"), json);
        assertTrue(json.contains("\"a\"") && json.contains("\"b\"") && json.indexOf("},") > 0, json);
        assertFalse(Files.exists(run));
    }

    @Test
    void theReportNamesTheCommitAndDateOfEachRerunRowBesideTheFullRunsCommit() throws IOException {
        Path machine = Files.createDirectories(dir.resolve("bench/m"));
        Files.writeString(machine.resolve("machine.properties"), "machine=m\ncores=2\ncpu=x\nmemory_gib=1\n"
                + "jdk=OpenJDK 64-Bit Server VM 25\ndate=2026-11-01\nwait=SLEEPING\ncode=full123\nsettings=s\n");
        BenchmarkSuite.writeRows(machine.resolve("results.tsv"), List.of(
                "DomainBenchmark.decide\tskus=10\t1\tthrpt\t100.000\t1.000\tops/s\t16.0",
                "JournalBenchmark.append\t\t1\tthrpt\t300.000\t3.000\tops/s\t8.0"));
        BenchmarkSuite.mergeRows(machine.resolve("results-partial.tsv"), List.of(
                "DomainBenchmark.decide\tskus=10\t1\tthrpt\t150.000\t1.000\tops/s\t16.0\trerun45\t2026-11-30"));
        Path report = dir.resolve("benchmarks.md");

        int exit = new CommandLine(new BenchmarkReport()).execute("--in", dir.resolve("bench").toString(),
                "--out", report.toString());

        String md = Files.readString(report);
        assertEquals(0, exit, md);
        assertTrue(md.contains("| full123; rerun rows: rerun45, 2026-11-30 |"), md);
        assertTrue(md.contains("| DomainBenchmark.decide | skus=10 | 1 | 150.0 ± 1.0 | ops/s | 16.0 | rerun: rerun45, 2026-11-30 |"), md);
        assertTrue(md.contains("| JournalBenchmark.append |  | 1 | 300.0 ± 3.0 | ops/s | 8.0 | full run |"), md);
    }

    @Test
    void aFigureIsDatedByTheRunsItsRowsCameFrom() throws IOException {
        Path machine = Files.createDirectories(dir.resolve("bench/m"));
        Files.writeString(machine.resolve("machine.properties"), "machine=m\ncores=2\ncpu=x\nmemory_gib=1\n"
                + "jdk=OpenJDK 64-Bit Server VM 25\ndate=2026-11-01\nwait=SLEEPING\ncode=full123\nsettings=s\n");
        BenchmarkSuite.writeRows(machine.resolve("results.tsv"), List.of(
                "JournalBenchmark.replay\t\t1\tthrpt\t100.000\t1.000\tops/s\t3.0",
                "JournalBenchmark.rawRead\t\t1\tthrpt\t400.000\t1.000\tops/s\t0.0",
                "JournalBenchmark.snapshotWrite\t\t1\tavgt\t150.000\t1.000\tms/op\t9.0"));
        BenchmarkSuite.mergeRows(machine.resolve("results-partial.tsv"), List.of(
                "JournalBenchmark.replay\t\t1\tthrpt\t200.000\t1.000\tops/s\t3.0\trerun45\t2026-11-30"));
        Path report = dir.resolve("benchmarks.md");

        int exit = new CommandLine(new BenchmarkReport()).execute("--in", dir.resolve("bench").toString(),
                "--out", report.toString());

        String md = Files.readString(report);
        assertEquals(0, exit, md);
        assertTrue(md.contains("| 200 ops/s | 400 ops/s | 0.50× | ≥ 0.7× ✗ | 3.0 | 0.0 | m | JDK 25 | 2026-11-30 (baseline "
                + "from the full run, 2026-11-01) |"), md);
        assertTrue(md.contains("| 150 ms/op |  |  |  | 9.0 |  | m | JDK 25 | 2026-11-01 |"), md);
    }

    @Test
    void theRatiosCompareTheEngineKeepingEveryOrderAndTheSteadyStateHasRowsOfItsOwn() throws IOException {
        Path machine = machineWith(List.of(
                "EngineBenchmark.oneProducer\tretainSeconds=1,unlimitedSkus=counted,waitStrategy=SLEEPING\t1\tthrpt\t300\t1\tops/s\t48.0",
                "EngineBenchmark.oneProducer\tretainSeconds=forever,unlimitedSkus=counted,waitStrategy=SLEEPING\t1\tthrpt\t200\t1\tops/s\t180.0",
                "EngineBenchmark.oneProducerFields\tretainSeconds=1,unlimitedSkus=counted,waitStrategy=SLEEPING\t1\tthrpt\t300\t1\tops/s\t0.1",
                "RawDisruptorBenchmark.oneProducer\twaitStrategy=SLEEPING\t1\tthrpt\t400.000\t1.000\tops/s\t0.0"));

        String md = report(machine);

        assertTrue(md.contains("| engine in memory, 1 producer vs raw Disruptor (same ring size and stages, no-op handlers; no intake, "
                + "router or command record) | 200 ops/s | 400 ops/s | 0.50× |"), md);
        assertTrue(md.contains("| engine in memory, callback submit, 1 producer, every order kept (state grows) | "
                + "EngineBenchmark.oneProducer | 200 ops/s | 180.0 | ≤ 64 B ✗ |"), md);
        assertTrue(md.contains("| engine in memory, callback submit (the caller's 48 B command record counted), 1 producer, 1 s retention, "
                + "state sized ahead (steady state) | EngineBenchmark.oneProducer | 300 ops/s | 48.0 | ≤ 64 B ✓ |"), md);
        assertTrue(md.contains("| engine in memory, fields submit (no command record), 1 producer, 1 s retention, state sized ahead "
                + "(steady state) | EngineBenchmark.oneProducerFields | 300 ops/s | 0.1 | ≤ 64 B ✓ |"), md);
    }

    @Test
    void aRowRecordedBeforeTheRetentionParameterIsTheEngineKeepingEveryOrderAndNoSteadyStateRerunReplacesIt()
            throws IOException {
        Path machine = machineWith(List.of(
                "EngineBenchmark.oneProducer\twaitStrategy=SLEEPING\t1\tthrpt\t200.000\t1.000\tops/s\t180.0",
                "RawDisruptorBenchmark.oneProducer\twaitStrategy=SLEEPING\t1\tthrpt\t400.000\t1.000\tops/s\t0.0"));
        BenchmarkSuite.mergeRows(machine.resolve("results-partial.tsv"), List.of(
                "EngineBenchmark.oneProducer\tretainSeconds=1,unlimitedSkus=counted,waitStrategy=SLEEPING\t1\tthrpt\t300.000\t1.000\tops/s"
                        + "\t48.0\trerun45\t2026-11-30"));

        String md = report(machine);

        assertTrue(md.contains("| 200 ops/s | 400 ops/s | 0.50× | ≥ 0.5× ✓ | 180.0 | 0.0 | m | JDK 25 | 2026-11-01 |"), md);
        assertTrue(md.contains("| EngineBenchmark.oneProducer | waitStrategy=SLEEPING | 1 | 200.0 ± 1.0 | ops/s | 180.0 | full run |"), md);
        assertTrue(md.contains("| EngineBenchmark.oneProducer | 300 ops/s | 48.0 | ≤ 64 B ✓ |"), md);
    }

    @Test
    void theJournaledEngineIsSetAgainstARawAppendThatWritesItsRecordsInDocumentsOfTheSameLimit() throws IOException {
        // the engine's default shares documents among a batch's records; a raw append of one document per record is
        // no ceiling for it, and a raw row recorded before the limit was a parameter wrote one document per record
        Path machine = machineWith(List.of(
                "JournalBenchmark.engineJournaled\tdocumentBytes=65536,durability=PAGE_CACHE,waitStrategy=SLEEPING\t1\tthrpt"
                        + "\t2450000\t1\tops/s\t120.2",
                "JournalBenchmark.engineJournaled\tdocumentBytes=0,durability=PAGE_CACHE,waitStrategy=SLEEPING\t1\tthrpt"
                        + "\t1490000\t1\tops/s\t120.2",
                "JournalBenchmark.rawAppend\tdurability=PAGE_CACHE\t1\tthrpt\t2720000\t1\tops/s\t0.0",
                "JournalBenchmark.rawAppend\tdocumentBytes=65536,durability=PAGE_CACHE\t1\tthrpt\t4900000\t1\tops/s\t0.0"));

        String md = report(machine);

        assertTrue(md.contains("| 2,450,000 ops/s | 4,900,000 ops/s | 0.50× | ≥ 0.7× ✗ |"), md);
        assertTrue(md.contains("| 1,490,000 ops/s | 2,720,000 ops/s | 0.55× | ≥ 0.7× ✗ |"), md);
        assertFalse(md.contains("| 2,450,000 ops/s | 2,720,000 ops/s |"), md);
    }

    @Test
    void theJournaledEngineWithTwoBatchesInFlightStandsBesideItsOneBatchAtATimeRowAndIsJudgedByItsAllocation()
            throws IOException {
        Path machine = machineWith(List.of(
                "JournalBenchmark.engineJournaledPurchaseFields\tretainSeconds=1,snapshotEvery=0,waitStrategy=SLEEPING\t1\tthrpt"
                        + "\t1000000\t1\tops/s\t0.3",
                "JournalBenchmark.engineJournaledPurchaseFieldsPipelined\twaitStrategy=SLEEPING\t1\tthrpt\t1500000\t1\tops/s\t0.2"));

        String md = report(machine);

        assertTrue(md.contains("| engine journaled (page cache), purchases as fields, 1 s retention: two batches of 1,000 in flight "
                + "vs one batch at a time | 1,500,000 ops/s | 1,000,000 ops/s | 1.50× | ≥ 5 M/s on 16 cores | 0.2 | 0.3 | m |"), md);
        assertTrue(md.contains("| engine journaled (page cache), purchases as fields, 1 s retention, state sized ahead (steady state), "
                + "two batches of 1,000 in flight | JournalBenchmark.engineJournaledPurchaseFieldsPipelined | 1,500,000 ops/s | 0.2 "
                + "| ≤ 64 B ✓ | m |"), md);
    }

    @Test
    void eachRoundsRatioStandsBesideTheFigureAndBaselineItCameFrom() throws IOException {
        Path machine = machineWith(List.of());
        String engine = "EngineBenchmark.oneProducer\tretainSeconds=forever,unlimitedSkus=counted,waitStrategy=SLEEPING"
                + "\t1\tthrpt\t";
        String raw = "RawDisruptorBenchmark.oneProducer\twaitStrategy=SLEEPING\t1\tthrpt\t";
        BenchmarkSuite.writeRows(machine.resolve("ratios-1.tsv"), List.of(engine + "2660000\t1\tops/s\t170.0",
                raw + "2570000\t1\tops/s\t0.0"));
        BenchmarkSuite.writeRows(machine.resolve("ratios-2.tsv"), List.of(engine + "2640000\t1\tops/s\t170.0",
                raw + "8760000\t1\tops/s\t0.0"));
        Files.writeString(machine.resolve("ratios-1.properties"), "code=c1\ndate=2026-11-30\nsettings=s\n");

        String md = report(machine);

        assertTrue(md.contains("| 1.04×, 0.30× | 2.66 M / 2.57 M, 2.64 M / 8.76 M | 0.67× | ≥ 0.5× ✓ | m |"), md);
    }

    @Test
    void eachHarnessTableNamesTheCommitAndDayItWasMeasuredAt() throws IOException {
        Path machine = machineWith(List.of());
        Files.writeString(machine.resolve("latency.tsv"), "# wait=BLOCKING skus=10 code=abc1234 date=2026-11-30\n"
                + LATENCY_HEADER + "\n" + LATENCY_ROW);
        Files.writeString(machine.resolve("latency-snapshots.tsv"), "# wait=BLOCKING snapshot-every=1000 code=def5678-dirty "
                + "date=2026-12-01\n" + LATENCY_HEADER + "\n" + LATENCY_ROW);
        Files.writeString(machine.resolve("snapshot-stall.tsv"), "# skus=1000 rate=50 code=abc1234 date=2026-11-29\n"
                + STALL_HEADER + "\n" + STALL_ROW);

        String md = report(machine);

        assertTrue(md.contains("Journal on: wait=BLOCKING skus=10\n\nMeasured at commit abc1234 on 2026-11-30.\n\n| offered/s"), md);
        assertTrue(md.contains("Journal and periodic snapshots on: wait=BLOCKING snapshot-every=1000\n\n"
                + "Measured at commit def5678-dirty on 2026-12-01.\n\n| offered/s"), md);
        assertTrue(md.contains("### m\n\nskus=1000 rate=50\n\nMeasured at commit abc1234 on 2026-11-29.\n\n| snapshot |"), md);
        assertTrue(md.contains("| decision stage's longest stall during a snapshot of 1,000 skus | 0.500 ms |"), md);
        assertTrue(md.contains("| m | 2 | 1 GiB | x | OpenJDK 64-Bit Server VM 25 | 2026-11-01 | full123 | s | wait=BLOCKING skus=10 |"),
                "the machines table's latency settings: " + md);
    }

    @Test
    void aHarnessTableFromAFileThatRecordedNoCommitSaysSo() throws IOException {
        Path machine = machineWith(List.of());
        Files.writeString(machine.resolve("latency.tsv"), "# wait=BLOCKING skus=10\n" + LATENCY_HEADER + "\n" + LATENCY_ROW);
        Files.writeString(machine.resolve("snapshot-stall.tsv"), "# skus=1000 rate=50\n" + STALL_HEADER + "\n" + STALL_ROW);

        String md = report(machine);

        assertTrue(md.contains("Journal on: wait=BLOCKING skus=10\n\nCommit and date not recorded.\n\n| offered/s"), md);
        assertTrue(md.contains("### m\n\nskus=1000 rate=50\n\nCommit and date not recorded.\n\n| snapshot |"), md);
    }

    @Test
    void aMachineWithRerunRowsAloneIsLeftOutOfTheReportWithANoteAndTheReportIsWritten() throws IOException {
        machineWith(List.of("JournalBenchmark.append\t\t1\tthrpt\t300.000\t3.000\tops/s\t8.0"));
        Path partialOnly = Files.createDirectories(dir.resolve("bench/new"));
        BenchmarkSuite.mergeRows(partialOnly.resolve("results-partial.tsv"), List.of(
                "DomainBenchmark.decide\tskus=10\t1\tthrpt\t150.000\t1.000\tops/s\t16.0\trerun45\t2026-11-30"));

        String md = report(dir.resolve("bench/m"));

        assertTrue(md.contains("| m | 2 |"), md);
        assertFalse(md.contains("DomainBenchmark.decide"), md);
        assertTrue(md.contains("Left out: new (no machine.properties"), md);
    }

    @Test
    void aQuickRerunOnAMachineWithNoFullRunEndsInAReportThatSaysWhyItHoldsNoMachine() throws IOException {
        Path partialOnly = Files.createDirectories(dir.resolve("bench-quick/new"));
        BenchmarkSuite.mergeRows(partialOnly.resolve("results-partial.tsv"), List.of(
                "DomainBenchmark.decide\tskus=10\t1\tthrpt\t150.000\t1.000\tops/s\t16.0\trerun45\t2026-11-30"));

        String md = report(partialOnly);

        assertTrue(md.contains("Left out: new (no machine.properties"), md);
        assertFalse(md.contains("## Figures"), md);
    }

    @Test
    void aDirectoryWithNoResultDirectoryIsRefused() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        StringWriter err = new StringWriter();

        int exit = new CommandLine(new BenchmarkReport()).setErr(new PrintWriter(err)).execute("--in", empty.toString(),
                "--out", dir.resolve("benchmarks.md").toString());

        assertEquals(CommandLine.ExitCode.USAGE, exit);
        assertTrue(err.toString().contains("no result directories under " + empty), err.toString());
        assertFalse(Files.exists(dir.resolve("benchmarks.md")));
    }

    @Test
    void aDirectoryThatDoesNotExistIsRefusedByName() {
        Path missing = dir.resolve("no-such-bench");
        StringWriter err = new StringWriter();

        int exit = new CommandLine(new BenchmarkReport()).setErr(new PrintWriter(err)).execute("--in", missing.toString(),
                "--out", dir.resolve("benchmarks.md").toString());

        assertEquals(CommandLine.ExitCode.USAGE, exit);
        assertTrue(err.toString().contains("no directory " + missing), err.toString());
        assertFalse(Files.exists(dir.resolve("benchmarks.md")));
    }

    @Test
    void aMachineDescriptionMissingAKeyIsRefusedNamingTheKeyAndTheFile() throws IOException {
        Path machine = machineWith(List.of());
        Files.writeString(machine.resolve("machine.properties"), "machine=m\ncores=2\ncpu=x\nmemory_gib=1\n"
                + "wait=SLEEPING\ncode=full123\nsettings=s\n");
        StringWriter err = new StringWriter();

        int exit = new CommandLine(new BenchmarkReport()).setErr(new PrintWriter(err)).execute("--in",
                machine.getParent().toString(), "--out", dir.resolve("benchmarks.md").toString());

        assertEquals(CommandLine.ExitCode.USAGE, exit, err.toString());
        assertTrue(err.toString().contains(machine.resolve("machine.properties") + " names no jdk, date"),
                err.toString());
        assertFalse(Files.exists(dir.resolve("benchmarks.md")));
    }

    /** A machine's result directory whose full run measured {@code rows}. */
    private Path machineWith(List<String> rows) throws IOException {
        Path machine = Files.createDirectories(dir.resolve("bench/m"));
        Files.writeString(machine.resolve("machine.properties"), "machine=m\ncores=2\ncpu=x\nmemory_gib=1\n"
                + "jdk=OpenJDK 64-Bit Server VM 25\ndate=2026-11-01\nwait=SLEEPING\ncode=full123\nsettings=s\n");
        BenchmarkSuite.writeRows(machine.resolve("results.tsv"), rows);
        return machine;
    }

    /** The report of the machines under {@code bench/}. */
    private String report(Path machine) throws IOException {
        Path report = dir.resolve("benchmarks.md");
        int exit = new CommandLine(new BenchmarkReport()).execute("--in", machine.getParent().toString(),
                "--out", report.toString());
        String md = Files.readString(report);
        assertEquals(0, exit, md);
        return md;
    }
}
