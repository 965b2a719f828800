package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.journal.JournalRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A SYNC primary in a child JVM, killed with SIGKILL while four producers buy: every purchase it acknowledged is in
 * the standby's journal, whose records are the primary's, byte for byte.
 */
class PrimaryKillTest {
    static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path work;
    private final Path driverBase = Path.of("/dev/shm").toFile().isDirectory()
            ? Path.of("/dev/shm", "purestock-kill-test-" + UUID.randomUUID())
            : Path.of(System.getProperty("java.io.tmpdir"), "purestock-kill-test-" + UUID.randomUUID());

    @AfterEach
    void removeTheKilledDriversDirectory() throws IOException {
        if (Files.exists(driverBase)) {
            try (Stream<Path> files = Files.walk(driverBase)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    @Test
    void everyPurchaseASyncPrimaryAcknowledgedBeforeSigkillIsInTheStandbysJournal() throws Exception {
        Path primaryDir = work.resolve("primary");
        Path standbyDir = work.resolve("standby");
        Path acks = work.resolve("acks.txt");
        Path endpoint = work.resolve("endpoint.txt");
        Files.createFile(acks);
        Files.createDirectories(driverBase);
        Process child = start(SyncPrimaryChild.class, work.resolve("child.log"), primaryDir.toString(),
                acks.toString(), endpoint.toString(), driverBase.toString());
        try (Standby standby = Standby.builder(standbyDir).primary(awaitFile(child, endpoint)).start()) {
            awaitLines(child, acks, 2_000);
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child died");
        } finally {
            child.destroyForcibly();
        }
        Set<Long> acknowledged = new HashSet<>();
        for (String line : Files.readAllLines(acks)) {
            if (!line.isBlank()) {
                acknowledged.add(Long.parseLong(line.strip()));
            }
        }
        List<JournalRecord> standbyRecords = Journals.decoded(standbyDir);
        Set<Long> journaledPurchases = new HashSet<>();
        for (JournalRecord record : standbyRecords) {
            if (record.command() instanceof Command.Purchase purchase
                    && record.events().stream().anyMatch(e -> e instanceof Event.PurchaseAccepted)) {
                journaledPurchases.add(purchase.orderId());
            }
        }
        assertTrue(acknowledged.size() >= 2_000);
        Set<Long> missing = new HashSet<>(acknowledged);
        missing.removeAll(journaledPurchases);
        assertEquals(Set.of(), missing, "acknowledged purchases missing from the standby's journal");

        // the records both journals hold are the same bytes; the standby may hold records the primary decided and
        // sent but had not yet journaled when it died (never acknowledged), or lack ones it journaled but never sent
        List<byte[]> primaryBytes = Journals.raw(primaryDir);
        List<byte[]> standbyBytes = Journals.raw(standbyDir);
        int common = Math.min(primaryBytes.size(), standbyBytes.size());
        for (int i = 0; i < common; i++) {
            assertArrayEquals(primaryBytes.get(i), standbyBytes.get(i), "record " + i + " differs");
        }
    }

    /** Starts {@code main} in a JVM of its own with this one's module flags and class path. */
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

    /** Waits, polling, until {@code file} exists; its content. */
    private static String awaitFile(Process child, Path file) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!Files.exists(file)) {
            check(child, deadline, "wrote its listen address");
            TimeUnit.MILLISECONDS.sleep(1);
        }
        return Files.readString(file).strip();
    }

    /** Waits, polling the side file's size, until it holds {@code count} lines. */
    private static void awaitLines(Process child, Path file, int count) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (lines(file) < count) {
            check(child, deadline, "acknowledged " + count + " purchases");
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }

    private static void check(Process child, long deadline, String what) {
        if (!child.isAlive()) {
            fail("the child exited with " + child.exitValue() + " before it " + what);
        }
        if (System.nanoTime() > deadline) {
            fail("the child has not " + what + " in time");
        }
    }

    private static long lines(Path file) throws IOException {
        long lines = 0;
        for (byte b : Files.readAllBytes(file)) {
            if (b == '\n') {
                lines++;
            }
        }
        return lines;
    }
}
