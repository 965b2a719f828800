package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.purestock.cli.PurestockCliTest.run;
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

    private static String[] concat(String[] command, String... more) {
        String[] all = new String[command.length + more.length];
        System.arraycopy(command, 0, all, 0, command.length);
        System.arraycopy(more, 0, all, command.length, more.length);
        return all;
    }
}
