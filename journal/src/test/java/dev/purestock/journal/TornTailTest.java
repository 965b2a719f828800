package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.MapInventoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TornTailTest {
    @TempDir
    Path dir;

    @Test
    void aRecordTornByADyingWriterIsDroppedAndTheJournalGoesOn() throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("--") || argument.startsWith("-Dchronicle")) {
                command.add(argument);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), TornTailChild.class.getName(),
                dir.toString(), "25"));
        Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));

        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(25, recovered.nextSequence());
        assertEquals(1_024, recovered.lastTime());

        try (JournalWriter writer = JournalWriter.open(dir, Durability.SYNC_PER_BATCH)) {
            writer.onDecided(25, 2_000, new Command.ListProduct(99, 1), List.of(new Event.ProductListed(99, 1)), true);
        }
        RecoveredState after = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(26, after.nextSequence());
        assertEquals(1, after.store().product(99).perCustomerLimit());
        assertEquals(null, after.store().product(26), "the torn record never happened");
    }
}
