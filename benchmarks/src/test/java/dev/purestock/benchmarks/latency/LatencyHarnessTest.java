package dev.purestock.benchmarks.latency;

import dev.purestock.benchmarks.ChildJvm;
import dev.purestock.benchmarks.FailingEngines;
import dev.purestock.domain.Command;
import dev.purestock.engine.PurestockEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The latency harness: the settings it refuses, and what it does on a small in-memory engine that fails under it. */
class LatencyHarnessTest {
    /** The system property {@code benchmarks/run.sh} names the commit in. */
    private static final String COMMIT = "purestock.commit";

    @ParameterizedTest
    @ValueSource(strings = {"--rates=0", "--rates=100000,-1", "--seconds=0", "--seconds=-1", "--warmup-seconds=-1", "--skus=0",
        "--stock=0", "--seconds=NaN"})
    void settingsThatGiveNoFigureAreRefusedBeforeAnythingRuns(String setting) {
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new LatencyHarness()).setErr(new PrintWriter(err));

        String option = setting.substring(0, setting.indexOf('='));
        List<String> args = new ArrayList<>(Stream.of("--skus=1", "--warmup-seconds=0", "--seconds=0.001", "--rates=1000")
                .filter(arg -> !arg.startsWith(option + "=")).toList());
        args.add(setting);

        int exit = command.execute(args.toArray(String[]::new));

        assertEquals(CommandLine.ExitCode.USAGE, exit, err.toString());
        assertTrue(err.toString().contains(option), err.toString());
    }

    @Test
    void aRateTooLowForAWholeCommandInAPhaseStillOffersOneAndPassesItsChecks(@TempDir Path out) throws IOException {
        int exit = new CommandLine(new LatencyHarness()).execute("--skus=1", "--rates=1", "--seconds=0.5", "--warmup-seconds=0",
                "--settle-heap=false", "--out=" + out);

        assertEquals(0, exit);
        List<String> rows = Files.readAllLines(out.resolve("latency.tsv"));
        assertEquals(3, rows.size(), "settings, header and one rate: " + rows);
        assertTrue(rows.get(2).startsWith("1\t"), rows.get(2));
        assertTrue(Files.exists(out.resolve("latency-1.hgrm")));
    }

    @Test
    void theStepFromWhichTheStateOutgrowsWhatItWasSizedAheadForIsNamed(@TempDir Path out) throws IOException {
        // 1,000/s then 2,000/s, each a second of warm-up and a measured second: 2,000 purchases, then 4,000 more
        long[] rates = {1_000, 2_000};
        assertEquals(LatencyHarness.NO_GROWTH, LatencyHarness.growsFrom(rates, 1, 1, 6_000));
        assertEquals(2_000, LatencyHarness.growsFrom(rates, 1, 1, 5_999));
        assertEquals(2_000, LatencyHarness.growsFrom(rates, 1, 1, 2_000));
        assertEquals(1_000, LatencyHarness.growsFrom(rates, 1, 1, 1_999));

        int exit = new CommandLine(new LatencyHarness()).execute("--skus=1", "--rates=1", "--seconds=0.5",
                "--warmup-seconds=0", "--settle-heap=false", "--out=" + out);

        assertEquals(0, exit);
        String settings = Files.readAllLines(out.resolve("latency.tsv")).getFirst();
        assertTrue(settings.contains(" presized=" + (1L << 22) + " state-grows-from=none "), settings);
    }

    @Test
    @Timeout(120)
    void aReplicatedRunThatFailsLeavesNoStandbyDirectoryBehind(@TempDir Path tmp) throws Exception {
        // in a JVM of its own, whose temporary directory is this test's, so that what it leaves there shows; the
        // journal named is a file, so the run fails once the standby's directory is made
        Path notADirectory = Files.writeString(tmp.resolve("journal"), "a file\n");
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                LatencyHarness.class.getName(), "--skus=1", "--rates=1", "--seconds=0.1", "--warmup-seconds=0",
                "--settle-heap=false", "--replication=ASYNC", "--journal=" + notADirectory));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertTrue(process.waitFor() != 0, output);
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.map(path -> path.getFileName().toString())
                    .filter(name -> name.startsWith("purestock-latency-standby")).toList(), output);
        }
    }

    @Test
    void theSettingsLineOfItsResultsEndsWithTheCommitItWasGivenAndTheDayInUtc(@TempDir Path out) throws IOException {
        String before = System.getProperty(COMMIT);
        System.setProperty(COMMIT, "abc1234-dirty");
        int exit;
        try {
            exit = new CommandLine(new LatencyHarness()).execute("--skus=1", "--rates=1", "--seconds=0.5", "--warmup-seconds=0",
                    "--settle-heap=false", "--out=" + out);
        } finally {
            if (before == null) {
                System.clearProperty(COMMIT);
            } else {
                System.setProperty(COMMIT, before);
            }
        }

        assertEquals(0, exit);
        String settings = Files.readAllLines(out.resolve("latency.tsv")).getFirst();
        assertTrue(settings.matches("# wait=BLOCKING .* p99-threshold-us=1000\\.0 code=abc1234-dirty date=\\d{4}-\\d{2}-\\d{2}"), settings);
    }

    @Test
    void aRateTheEngineAnswersMoreSlowlyThanItIsSentIsNotReportedAsAchieved() {
        LatencyHarness harness = new LatencyHarness();
        new CommandLine(harness).parseArgs("--skus", "1");
        // a journal that stalls 200 ms on the first purchase, as a slow disk would: the ring (1,024 slots) takes all
        // 100 purchases on schedule, and their answers come 200 ms or more after the first was due
        AtomicBoolean stalled = new AtomicBoolean();
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(1024).expireReservationsEvery(Duration.ZERO)
                .journal(shard -> (sequence, time, command, events, endOfBatch) -> {
                    if (command instanceof Command.Purchase && stalled.compareAndSet(false, true)) {
                        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                        for (long now = System.nanoTime(); now < until; now = System.nanoTime()) {
                            LockSupport.parkNanos(until - now); // may return early: the stall lasts 200 ms all the same
                        }
                    }
                })
                .build()) {
            engine.submit(new Command.ListProduct(0, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 0, 0, 1_000)).join();

            LatencyHarness.Phase phase = harness.offer(engine, new LatencyHarness.Recording(1), 1_000, 0.1, 1);

            assertEquals(100, phase.count());
            assertTrue(phase.achievedRate() <= 500, "100 answers over 200 ms or more were reported as "
                    + phase.achievedRate() + "/s achieved at 1,000/s offered");
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // the harness used to wait for its answers forever
    void anEngineThatFailsWhileARateIsOfferedEndsTheRunWithItsFailure() {
        LatencyHarness harness = new LatencyHarness();
        new CommandLine(harness).parseArgs("--skus", "1");
        IOException diskFull = new IOException("no space left on device");
        try (PurestockEngine engine = FailingEngines.failingPurchases(diskFull)) {
            engine.submit(new Command.ListProduct(0, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 0, 0, 1_000)).join();

            IllegalStateException failed = assertThrows(IllegalStateException.class,
                    () -> harness.offer(engine, new LatencyHarness.Recording(1), 10_000, 0.01, 1));

            Throwable cause = failed.getCause();
            while (cause != null && cause != diskFull) {
                cause = cause.getCause();
            }
            assertSame(diskFull, cause, "the run ends with the engine's failure: " + failed);
        }
    }
}
