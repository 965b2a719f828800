package dev.purestock.benchmarks;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code benchmarks/bundle.sh} packs what {@code benchmarks/run.sh} needs on a host without a JDK, git or Maven: it runs
 * from a copy in a git work tree of its own here, over a fake jar, with a fake JDK whose {@code jlink} writes a fake
 * runtime (its {@code java} records its arguments), and the archive is unpacked and run as on such a host.
 */
class BundleScriptTest {
    private static final String ARCHIVE = "benchmarks/target/purestock-bench.tgz";
    private static final String JAR = "benchmarks/target/benchmarks.jar";
    private static final String MODULES =
            "java.base,jdk.unsupported,java.management,java.logging,jdk.management,java.xml,java.naming,java.sql,jdk.jfr";

    /** The repository, as far as bundle.sh reads it. */
    @TempDir
    Path root;

    /** A JDK 25 with a fake {@code jlink}. */
    @TempDir
    Path jdk;

    /** Where the archive is unpacked: another host, no git work tree. */
    @TempDir
    Path host;

    private String head;

    @BeforeEach
    void aRepositoryWithABuiltJar() throws Exception {
        copy("bundle.sh", "benchmarks/bundle.sh");
        copy("run.sh", "benchmarks/run.sh");
        copy("../scripts/jdk.sh", "scripts/jdk.sh");
        copy("../pom.xml", "pom.xml");
        Files.writeString(root.resolve(".gitignore"), "target/\n");
        Files.writeString(root.resolve("Engine.java"), "class Engine {}\n");
        Files.createDirectories(root.resolve("docs/bench/m"));
        Files.writeString(root.resolve("docs/bench/m/results.tsv"), "benchmark\tscore\nEngineBenchmark.oneProducer\t1\n");
        Files.createDirectories(root.resolve("benchmarks/target"));
        Files.writeString(root.resolve(JAR), "the benchmarks jar\n");
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base");
        head = git("rev-parse", "--short", "HEAD").strip();
        fakeJdk();
    }

    @Test
    void aBundleHoldsWhatRunShNeedsTheRuntimeAndTheCommitItWasBuiltFrom() throws Exception {
        Run run = bundle("--no-build");

        assertEquals(0, run.exit(), run.output());
        Path bundle = unpack(root.resolve(ARCHIVE));
        assertEquals(Files.readString(root.resolve("pom.xml")), Files.readString(bundle.resolve("pom.xml")));
        assertEquals(Files.readString(root.resolve("scripts/jdk.sh")), Files.readString(bundle.resolve("scripts/jdk.sh")));
        assertEquals(Files.readString(root.resolve("benchmarks/run.sh")), Files.readString(bundle.resolve("benchmarks/run.sh")));
        assertTrue(Files.isExecutable(bundle.resolve("benchmarks/run.sh")));
        assertEquals("the benchmarks jar\n", Files.readString(bundle.resolve(JAR)));
        assertEquals(Files.readString(root.resolve("docs/bench/m/results.tsv")), Files.readString(bundle.resolve("docs/bench/m/results.tsv")));
        String linked = Files.readString(bundle.resolve("runtime/linked-by"));
        assertTrue(linked.contains("--add-modules " + MODULES + " "), linked);
        assertTrue(linked.contains("--compress zip-9 --strip-debug --no-header-files --no-man-pages"), linked);
        assertTrue(Files.isExecutable(bundle.resolve("runtime/bin/java")));
        assertEquals(head + "\n", Files.readString(bundle.resolve("COMMIT")));
        try (Stream<Path> left = Files.list(root.resolve("benchmarks/target"))) {
            assertEquals(List.of("benchmarks.jar", "purestock-bench.tgz"),
                    left.map(path -> path.getFileName().toString()).sorted().toList(), "the staged bundle was left");
        }
    }

    @Test
    void changesOutsideDocsMarkTheCommitDirtyAndRecordedResultsDoNot() throws Exception {
        Files.writeString(root.resolve("docs/bench/m/results.tsv"), "a run since\n");
        Run resultsOnly = bundle("--no-build", "--out", host.resolve("results-only.tgz").toString());
        Files.writeString(root.resolve("Engine.java"), "class Engine { int faster; }\n");
        Run changed = bundle("--no-build", "--out", host.resolve("changed.tgz").toString());

        assertEquals(0, resultsOnly.exit(), resultsOnly.output());
        assertEquals(0, changed.exit(), changed.output());
        assertEquals(head + "\n", Files.readString(unpack(host.resolve("results-only.tgz")).resolve("COMMIT")));
        assertEquals(head + "-dirty\n", Files.readString(unpack(host.resolve("changed.tgz")).resolve("COMMIT")));
    }

    @Test
    void theBundlesRunShNamesTheCommitItWasBuiltFromWhereThereIsNoGit() throws Exception {
        assertEquals(0, bundle("--no-build").exit());
        Files.writeString(root.resolve("Engine.java"), "class Engine { int later; }\n");
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-a", "-m", "a later commit");
        Path bundle = unpack(root.resolve(ARCHIVE));

        Run run = run(bundle, Map.of("JAVA_HOME", bundle.resolve("runtime").toString()),
                "bash", "benchmarks/run.sh", "--no-build", "--no-report", "--machine", "m", "--only", "jmh");

        List<String> calls = Files.readAllLines(bundle.resolve("runtime/java-calls"));
        assertEquals(1, calls.size(), run.output());
        assertTrue(calls.get(0).contains("-Dpurestock.commit=" + head + " "), calls.get(0));
        assertTrue(calls.get(0).contains("--out " + bundle.resolve("docs/bench/m")), calls.get(0));
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingIsWritten() throws Exception {
        Files.createDirectories(root.resolve("a-directory"));
        List<List<String>> refused = List.of(
                List.of("--no-build", "--fast"),
                List.of("--no-build", "--out"),
                List.of("--no-build", "--out", ""),
                List.of("--no-build", "--out", "no-such-directory/bench.tgz"),
                List.of("--no-build", "--out", "a-directory"));

        for (List<String> args : refused) {
            Run run = bundle(args.toArray(String[]::new));

            assertEquals(2, run.exit(), args + ": " + run.output());
            assertTrue(run.output().contains(args.get(1)), args + ": " + run.output());
            assertNothingWritten();
        }
    }

    @Test
    void aJdkWithoutJlinkIsRefused() throws Exception {
        Files.delete(jdk.resolve("bin/jlink"));

        Run run = bundle("--no-build");

        assertEquals(1, run.exit(), run.output());
        assertTrue(run.output().contains("no bin/jlink"), run.output());
        assertNothingWritten();
    }

    @Test
    void withoutABuiltJarNoBuildIsRefused() throws Exception {
        Files.delete(root.resolve(JAR));

        Run run = bundle("--no-build");

        assertEquals(1, run.exit(), run.output());
        assertTrue(run.output().contains("no " + JAR), run.output());
        assertFalse(Files.exists(root.resolve(ARCHIVE)));
    }

    private void assertNothingWritten() throws IOException, InterruptedException {
        try (Stream<Path> target = Files.list(root.resolve("benchmarks/target"))) {
            assertEquals(List.of(root.resolve(JAR)), target.toList());
        }
        assertEquals("", git("status", "--porcelain"));
    }

    /**
     * A JDK 25 whose {@code jlink} records its arguments in {@code linked-by} of the directory it is to write, and puts a
     * runtime's {@code java} there: one that answers the version and module queries of run.sh and scripts/jdk.sh, and
     * otherwise records its arguments in {@code java-calls} beside {@code bin/} and fails.
     */
    private void fakeJdk() throws IOException {
        Files.createDirectories(jdk.resolve("bin"));
        executable(jdk.resolve("bin/java"), "#!/bin/sh\n"
                + "if [ \"$1\" = -XshowSettings:properties ]; then echo '    java.specification.version = 25' >&2; exit 0; fi\n"
                + "exit 1\n");
        executable(jdk.resolve("runtime-java"), "#!/bin/sh\n"
                + "if [ \"$1\" = -XshowSettings:properties ]; then echo '    java.specification.version = 25' >&2; exit 0; fi\n"
                + "if [ \"$1\" = --list-modules ]; then echo java.base@25; exit 0; fi\n"
                + "echo \"$@\" >> \"${0%/bin/java}/java-calls\"\n"
                + "exit 1\n");
        executable(jdk.resolve("bin/jlink"), "#!/bin/sh\n"
                + "arguments=\"$*\"\n"
                + "while [ $# -gt 0 ]; do if [ \"$1\" = --output ]; then output=\"$2\"; fi; shift; done\n"
                + "[ ! -e \"$output\" ] || { echo \"jlink: $output exists\" >&2; exit 1; }\n"
                + "mkdir -p \"$output/bin\" && cp '" + jdk.resolve("runtime-java") + "' \"$output/bin/java\"\n"
                + "echo \"$arguments\" > \"$output/linked-by\"\n");
    }

    private static void executable(Path file, String script) throws IOException {
        Files.writeString(file, script);
        assertTrue(file.toFile().setExecutable(true));
    }

    private void copy(String from, String to) throws IOException {
        Files.createDirectories(root.resolve(to).getParent());
        Files.copy(Path.of(from), root.resolve(to), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    }

    /** Unpacks {@code archive} into {@link #host} afresh; returns the bundle's directory there. */
    private Path unpack(Path archive) throws IOException, InterruptedException {
        Path into = Files.createTempDirectory(host, "unpacked");
        Run run = run(into, Map.of(), "tar", "xzf", archive.toString());
        assertEquals(0, run.exit(), run.output());
        return into.resolve("purestock-bench");
    }

    private Run bundle(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "benchmarks/bundle.sh"));
        command.addAll(List.of(args));
        return run(root, Map.of("JAVA_HOME", jdk.toString()), command.toArray(String[]::new));
    }

    private String git(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Run run = run(root, Map.of(), command.toArray(String[]::new));
        assertEquals(0, run.exit(), run.output());
        return run.output();
    }

    private static Run run(Path dir, Map<String, String> environment, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(process.waitFor(), output);
    }

    private record Run(int exit, String output) {
    }
}
