package dev.purestock.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code benchmarks/run.sh} refuses arguments it cannot act on before it touches a result: it runs from a copy in a
 * directory of its own here, beside a machine's results, so that a run that got past its arguments would show.
 */
class RunScriptTest {
    /** Where the fake java writes its calls: under docs/, which the script's own results live in too. */
    private static final String JAVA_CALLS = "docs/java-calls";
    /** What a bare host (a base system, no JDK, git or Maven) has, and all run.sh may use besides bash and java. */
    private static final List<String> BARE_HOST_TOOLS =
            List.of("nproc", "uname", "dirname", "mkdir", "rm", "mv", "rmdir", "sed", "awk", "cut", "tee", "grep", "seq", "head");

    @TempDir
    Path root;

    @Test
    void zeroRoundsAreRefusedAndTheRoundsOfTheLastRunStay() throws Exception {
        Path results = resultsOfALastRun();

        Run run = runScript("--no-build", "--no-report", "--machine", "m", "--only", "ratios", "--rounds", "0");

        assertEquals(2, run.exit(), run.output());
        assertTrue(run.output().contains("--rounds"), run.output());
        assertTrue(Files.exists(results.resolve("ratios-1.tsv")), "the last run's rounds were deleted");
    }

    @Test
    void roundsThatAreNoNumberAreRefused() throws Exception {
        Path results = resultsOfALastRun();

        Run run = runScript("--no-build", "--no-report", "--machine", "m", "--only", "replication", "--rounds", "three");

        assertEquals(2, run.exit(), run.output());
        assertTrue(Files.exists(results.resolve("replication-catchup.tsv")), "the last run's results were deleted");
    }

    @Test
    void aPartThatDoesNotExistIsRefusedInsteadOfRunningNothing() throws Exception {
        Run run = runScript("--no-build", "--no-report", "--machine", "m", "--only", "latncy");

        assertEquals(2, run.exit(), run.output());
        assertTrue(run.output().contains("latncy"), run.output());
    }

    @Test
    void anOptionWithoutItsValueIsRefusedByName() throws Exception {
        Run run = runScript("--no-build", "--no-report", "--machine");

        assertEquals(2, run.exit(), run.output());
        assertTrue(run.output().contains("--machine needs a value"), run.output());
    }

    @Test
    void aQuickRunWritesNothingBesideTheRecordedResults() throws Exception {
        Path results = resultsOfALastRun();
        Files.writeString(results.resolve("jmh.log"), "the recorded run\n");
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");

        // no benchmarks.jar here: the run fails at its first java command, after it chose where to write
        Run run = runScript("--no-build", "--machine", "m", "--quick", "--only", "jmh");

        assertTrue(run.exit() != 0, run.output());
        assertEquals("the recorded run\n", Files.readString(results.resolve("jmh.log")), "a quick run wrote over the results");
        // the failed run's log stays staged where its part wrote it, beside the build
        assertTrue(Files.exists(root.resolve("benchmarks/target/bench-quick/m/.part-jmh/jmh.log")), run.output());
    }

    @Test
    void aPartThatFailsLeavesTheLastRunsResultsOfThatPart() throws Exception {
        Path results = resultsOfALastRun();
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");

        // no benchmarks.jar here: each part fails at its first java command
        Run ratios = runScript("--no-build", "--no-report", "--machine", "m", "--only", "ratios");
        Run replication = runScript("--no-build", "--no-report", "--machine", "m", "--only", "replication");
        Run jmh = runScript("--no-build", "--no-report", "--machine", "m", "--only", "jmh");

        assertTrue(ratios.exit() != 0 && replication.exit() != 0 && jmh.exit() != 0,
                ratios.output() + replication.output() + jmh.output());
        assertTrue(Files.exists(results.resolve("ratios-1.tsv")), "the last run's rounds were deleted");
        assertTrue(Files.exists(results.resolve("replication-catchup.tsv")), "the last run's results were deleted");
        assertEquals("the last run's log\n", Files.readString(results.resolve("jmh.log")),
                "the failed run's log took the place of the log beside the last run's results");
    }

    @Test
    void anIncludeRunsTheJmhPartAloneAndAnotherPartWithItIsRefused() throws Exception {
        Path results = resultsOfALastRun();

        Run run = runScript("--no-build", "--no-report", "--machine", "m", "--only", "ratios", "--include", "Engine");

        assertEquals(2, run.exit(), run.output());
        assertTrue(run.output().contains("--include"), run.output());
        assertTrue(Files.exists(results.resolve("ratios-1.tsv")), "the last run's rounds were deleted");
    }

    @Test
    void figuresOfATreeWithChangesNotCommittedAreNotAttributedToItsCommit() throws Exception {
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Files.writeString(root.resolve("Engine.java"), "class Engine {}\n");
        copyScript();
        Path javaHome = fakeJava();
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base");
        String head = git("rev-parse", "--short", "HEAD").strip();

        runScript(javaHome, "--no-build", "--no-report", "--machine", "m", "--only", "jmh");
        Files.writeString(root.resolve("Engine.java"), "class Engine { int faster; }\n");
        runScript(javaHome, "--no-build", "--no-report", "--machine", "m", "--only", "jmh");

        List<String> calls = Files.readAllLines(root.resolve(JAVA_CALLS));
        assertEquals(2, calls.size(), calls.toString());
        assertTrue(calls.get(0).contains("-Dpurestock.commit=" + head + " "), calls.get(0));
        assertTrue(calls.get(1).contains("-Dpurestock.commit=" + head + "-dirty "), calls.get(1));
    }

    @Test
    void aTreeOutsideGitNamesTheCommitItsBundleRecorded() throws Exception {
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Files.writeString(root.resolve("COMMIT"), "abc1234\n");
        Path javaHome = fakeJava();

        runScript(javaHome, "--no-build", "--no-report", "--machine", "m", "--only", "jmh");

        List<String> calls = Files.readAllLines(root.resolve(JAVA_CALLS));
        assertEquals(1, calls.size(), calls.toString());
        assertTrue(calls.get(0).contains("-Dpurestock.commit=abc1234 "), calls.get(0));
    }

    @Test
    void aBundleUnpackedInsideAnotherGitTreeNamesItsOwnCommitNotThatTrees() throws Exception {
        Files.writeString(root.resolve("Engine.java"), "class Engine {}\n");
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "elsewhere");
        Path bundle = Files.createDirectories(root.resolve("unpacked/purestock-bench"));
        Files.writeString(bundle.resolve("pom.xml"), "<project/>\n");
        Files.writeString(bundle.resolve("COMMIT"), "abc1234\n");
        Path javaHome = fakeJava();

        runScript(bundle, javaHome, "--no-build", "--no-report", "--machine", "m", "--only", "jmh");

        List<String> calls = Files.readAllLines(root.resolve(JAVA_CALLS));
        assertEquals(1, calls.size(), calls.toString());
        assertTrue(calls.get(0).contains("-Dpurestock.commit=abc1234 "), calls.get(0));
    }

    @Test
    void everyHarnessIsToldTheCommitItMeasures() throws Exception {
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Files.writeString(root.resolve("COMMIT"), "abc1234\n");
        Path javaHome = fakeJava(0);

        for (String part : List.of("latency", "snapshot", "replication")) {
            Run run = runScript(javaHome, "--no-build", "--no-report", "--machine", "m", "--only", part, "--rounds", "1");
            assertEquals(0, run.exit(), run.output());
        }

        List<String> harnesses = Files.readAllLines(root.resolve(JAVA_CALLS)).stream()
                .filter(call -> call.contains(" dev.purestock.benchmarks.")).toList();
        List<String> classes = harnesses.stream()
                .map(call -> call.replaceAll(".* dev\\.purestock\\.benchmarks\\.\\w+\\.(\\w+) .*", "$1")).toList();
        assertEquals(List.of("LatencyHarness", "LatencyHarness", "SnapshotStallHarness", "LatencyHarness", "LatencyHarness",
                "LatencyHarness", "CatchUpHarness"), classes, harnesses.toString());
        harnesses.forEach(call -> assertTrue(call.contains("-Dpurestock.commit=abc1234 "), call));
    }

    @Test
    void theReplicationRoundsAskJmhToFailOnABenchmarkThatFails() throws Exception {
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Path javaHome = fakeJava(0);

        Run run = runScript(javaHome, "--no-build", "--no-report", "--machine", "m", "--only", "replication", "--rounds", "1");

        assertEquals(0, run.exit(), run.output());
        // without it JMH goes on past a configuration that throws, exits 0, and the round lacks its row
        List<String> jmh = Files.readAllLines(root.resolve(JAVA_CALLS)).stream()
                .filter(call -> call.contains(" ReplicationBenchmark ")).toList();
        assertEquals(1, jmh.size(), jmh.toString());
        assertTrue(jmh.getFirst().contains(" -foe true "), jmh.getFirst());
    }

    @Test
    void aBuildWhereThereIsNoMavenWrapperIsRefusedAndNamesNoBuild() throws Exception {
        Path results = resultsOfALastRun();
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Path javaHome = fakeJava();

        Run run = runScript(javaHome, "--no-report", "--machine", "m", "--only", "ratios");

        assertEquals(2, run.exit(), run.output());
        assertTrue(run.output().contains("--no-build"), run.output());
        assertFalse(Files.exists(root.resolve(JAVA_CALLS)), "java ran");
        assertTrue(Files.exists(results.resolve("ratios-1.tsv")), "the last run's rounds were deleted");
    }

    @Test
    void aReportWithARuntimeWithoutJavaDesktopIsRefusedBeforeAnyPartRuns() throws Exception {
        Path results = resultsOfALastRun();
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Path javaHome = fakeJava();

        Run run = runScript(javaHome, "--no-build", "--machine", "m", "--only", "ratios");

        assertEquals(2, run.exit(), run.output());
        assertTrue(run.output().contains("java.desktop") && run.output().contains("--no-report"), run.output());
        assertFalse(Files.exists(root.resolve(JAVA_CALLS)), "a part ran");
        assertTrue(Files.exists(results.resolve("ratios-1.tsv")), "the last run's rounds were deleted");
    }

    @Test
    void aHostWithoutGitMavenOrHostnameRunsAPartAndNamesTheRecordedCommit() throws Exception {
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Files.writeString(root.resolve("COMMIT"), "abc1234\n");
        Path javaHome = fakeJava();

        Run run = runScript(root, javaHome, toolsOfABareHost(), "--no-build", "--no-report", "--machine", "m", "--only", "jmh");

        assertFalse(run.output().contains("not found"), run.output());
        List<String> calls = Files.readAllLines(root.resolve(JAVA_CALLS));
        assertEquals(1, calls.size(), run.output());
        assertTrue(calls.get(0).contains("-Dpurestock.commit=abc1234 "), calls.get(0));
    }

    /** A directory for PATH with only {@link #BARE_HOST_TOOLS} in it: no git, no Maven, no hostname. */
    private Path toolsOfABareHost() throws IOException {
        Path bin = Files.createDirectories(root.resolve("bare-host-bin"));
        for (String tool : BARE_HOST_TOOLS) {
            Path wrapper = bin.resolve(tool);
            Files.writeString(wrapper, "#!/bin/sh\nexec " + installed(tool) + " \"$@\"\n");
            assertTrue(wrapper.toFile().setExecutable(true));
        }
        return bin;
    }

    private static Path installed(String tool) {
        return Stream.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new AssertionError(tool + " is not in /usr/bin or /bin"));
    }

    /**
     * A JAVA_HOME like a runtime linked for a bundle (no java.desktop): its java says it is 25, lists java.base as its
     * only module, and otherwise writes its arguments to {@link #JAVA_CALLS} and fails.
     */
    private Path fakeJava() throws IOException {
        return fakeJava(1);
    }

    /** {@link #fakeJava()}, whose java ends a run with {@code exit} after it printed a line. */
    private Path fakeJava(int exit) throws IOException {
        Files.createDirectories(root.resolve(JAVA_CALLS).getParent());
        Path bin = Files.createDirectories(root.resolve("fake-jdk/bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\n"
                + "if [ \"$1\" = -XshowSettings:properties ]; then echo '    java.specification.version = 25' >&2; exit 0; fi\n"
                + "if [ \"$1\" = --list-modules ]; then echo java.base@25; exit 0; fi\n"
                + "echo \"$@\" >> '" + root.resolve(JAVA_CALLS) + "'\n"
                + "echo ran\n"
                + "exit " + exit + "\n");
        assertTrue(java.toFile().setExecutable(true));
        return bin.getParent();
    }

    private String git(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-C", root.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        return output;
    }

    private Path resultsOfALastRun() throws IOException {
        Path results = Files.createDirectories(root.resolve("docs/bench/m"));
        Files.writeString(results.resolve("ratios-1.tsv"), "benchmark\tparams\tthreads\tmode\tscore\terror\tunit\talloc_bytes_per_op\n");
        Files.writeString(results.resolve("replication-catchup.tsv"), "round\trecords\tseconds\trecords_per_s\n");
        Files.writeString(results.resolve("jmh.log"), "the last run's log\n");
        return results;
    }

    /** Copies the script, with the shared JDK functions beside it, into {@link #root}. */
    private void copyScript() throws IOException {
        copyScript(root);
    }

    /** Copies the script, with the shared JDK functions beside it, into {@code dir}. */
    private static void copyScript(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("benchmarks"));
        Files.createDirectories(dir.resolve("scripts"));
        Files.createDirectories(dir.resolve("docs"));
        Files.copy(Path.of("run.sh"), dir.resolve("benchmarks/run.sh"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(Path.of("../scripts/jdk.sh"), dir.resolve("scripts/jdk.sh"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Runs a copy of the script, with the shared JDK functions beside it, from {@link #root}. */
    private Run runScript(String... args) throws IOException, InterruptedException {
        return runScript(null, args);
    }

    /** {@link #runScript(String...)} with {@code JAVA_HOME} set to {@code javaHome}, unless {@code null}. */
    private Run runScript(Path javaHome, String... args) throws IOException, InterruptedException {
        return runScript(root, javaHome, args);
    }

    /** {@link #runScript(Path, String...)} from a copy of the script in {@code dir}. */
    private static Run runScript(Path dir, Path javaHome, String... args) throws IOException, InterruptedException {
        return runScript(dir, javaHome, null, args);
    }

    /** {@link #runScript(Path, Path, String...)} with {@code PATH} set to {@code path}, unless {@code null}. */
    private static Run runScript(Path dir, Path javaHome, Path path, String... args) throws IOException, InterruptedException {
        copyScript(dir);
        List<String> command = new ArrayList<>(List.of(installed("bash").toString(), dir.resolve("benchmarks/run.sh").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        if (javaHome != null) {
            builder.environment().put("JAVA_HOME", javaHome.toString());
        }
        if (path != null) {
            builder.environment().put("PATH", path.toString());
        }
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(process.waitFor(), output);
    }

    private record Run(int exit, String output) {
    }
}
