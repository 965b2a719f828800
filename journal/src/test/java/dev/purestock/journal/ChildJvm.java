package dev.purestock.journal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A child JVM for the kill tests: started with this JVM's module flags and class path, writing what it
 * acknowledges to a side file that the test reads while it runs, then killed with SIGKILL.
 */
final class ChildJvm {
    private ChildJvm() {
    }

    /** Starts {@code main} with {@code arguments}, its output in {@code log}. */
    static Process start(Class<?> main, Path log, String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("--") || argument.startsWith("-Dchronicle")) {
                command.add(argument);
            }
        }
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(arguments));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /**
     * Waits, polling the side file's size, until it holds {@code count} acknowledgements; fails when the child
     * exits first or {@code waitNanos} pass.
     */
    static void awaitAcks(Process child, Path acks, int count, long waitNanos)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + waitNanos;
        while (countLines(acks) < count) {
            if (!child.isAlive()) {
                fail("the child exited with " + child.exitValue() + " before " + count + " acknowledgements");
            }
            if (System.nanoTime() > deadline) {
                fail("the child acknowledged fewer than " + count + " purchases in time");
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }

    private static long countLines(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long lines = 0;
        for (byte b : bytes) {
            if (b == '\n') {
                lines++;
            }
        }
        return lines;
    }
}
