package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.purestock.cli.PurestockCliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LiveJournalTest {
    @TempDir
    Path dir;

    @Test
    void verifyReplayStatsAndDumpReadAJournalAnEngineIsWritingAsItWasWhenTheyOpened() {
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong acknowledged = new AtomicLong();
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= 3_000; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (long sku = 3_001; writing.get(); sku++) {
                    journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
                    acknowledged.set(sku);
                }
            });
            for (String[] command : new String[][]{{"verify"}, {"replay", "--full"}, {"stats"}, {"dump"}}) {
                long before = acknowledged.get();
                Run run = run(concat(command, "--journal", dir.toString()));
                assertEquals(0, run.code(), String.join(" ", command) + ": " + run.err());
                assertFalse(run.err().contains("negative"), run.err());
                long records = switch (command[0]) {
                    case "verify" -> Long.parseLong(run.values().get("records-verified"));
                    case "replay" -> Long.parseLong(run.values().get("records"));
                    case "stats" -> Long.parseLong(run.values().get("records"));
                    default -> run.out().lines().count();
                };
                assertTrue(records >= Math.max(3_000, before), command[0] + " read " + records
                        + " records, fewer than were acknowledged before it opened (" + before + ")");
            }
            writing.set(false);
            writer.join();
        }
    }

    @Test
    void exportWritesNoFileIntoTheJournalItReads() throws IOException {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= 20; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
            journaled.engine().snapshot(0).join();
            Map<Path, byte[]> before = contents(dir);
            Path cycle = before.keySet().stream().filter(file -> file.toString().endsWith(".cq4")).findFirst()
                    .orElseThrow();
            // the cycle file the engine appends to, the lock it holds, a new file beside them, one among the snapshots
            for (Path output : List.of(cycle, dir.resolve("purestock.lock"), dir.resolve("rows.csv"),
                    dir.resolve("snapshots").resolve("rows.csv"))) {
                Run run = run("export", "--journal", dir.toString(), "--format", "csv", "--output", output.toString());
                assertEquals(PurestockCli.USAGE, run.code(), output + ": " + run.err());
                assertEquals("purestock export: --output " + output + " is inside journal directory " + dir
                        + ", which holds the journal's own files: name a file outside it (see `purestock export "
                        + "--help`)", run.errorLine());
                Map<Path, byte[]> after = contents(dir);
                assertEquals(before.keySet(), after.keySet(), "no file was added, moved or removed");
                before.forEach((file, bytes) -> assertArrayEquals(bytes, after.get(file), file + " is unchanged"));
            }
            journaled.engine().submit(new Command.ListProduct(21, 0)).join();
        }
        Run stats = run("stats", "--journal", dir.toString());
        assertEquals(0, stats.code(), stats.err());
        assertEquals("21", stats.values().get("records"), "every acknowledged record is read");
    }

    /** Every file under {@code dir}, by path, with its bytes. */
    private static Map<Path, byte[]> contents(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).collect(Collectors.toMap(Function.identity(), file -> {
                try {
                    return Files.readAllBytes(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
    }

    private static String[] concat(String[] command, String... more) {
        String[] all = new String[command.length + more.length];
        System.arraycopy(command, 0, all, 0, command.length);
        System.arraycopy(more, 0, all, command.length, more.length);
        return all;
    }
}
