package dev.purestock.benchmarks.replication;

import dev.purestock.benchmarks.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The promotion harness leaves no journal behind: each round's directories go once the round is done. */
class PromotionHarnessTest {
    @Test
    @Timeout(120)
    void everyRoundsJournalsAreDeletedOnceItIsDone(@TempDir Path tmp) throws Exception {
        // in a JVM of its own, whose temporary directory is this test's, so that what it leaves there shows
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                PromotionHarness.class.getName(), "--records", "100", "--rounds", "2"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertEquals(0, process.waitFor(), output);
        assertTrue(output.contains("round=2 records=100"), output);
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(path -> path.getFileName().toString().startsWith("purestock"))
                    .map(path -> path.getFileName().toString()).toList(), output);
        }
    }
}
