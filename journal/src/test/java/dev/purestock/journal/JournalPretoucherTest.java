package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pretoucher runs beside the journal writer, ahead of it, and changes nothing the journal says. */
class JournalPretoucherTest {
    @TempDir
    Path dir;

    @Test
    void thePretoucherRunsAheadOfTheWriterFromOpenToCloseAndLeavesEveryRecordAsWritten() throws Exception {
        List<Command> written = new ArrayList<>();
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE, 3)) {
            assertTrue(pretouchThreadAlive("purestock-shard-3-pretouch"), "the pretoucher starts with the journal");
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 2_000; i++) {
                    long sequence = written.size();
                    Command command = new Command.ReceiveStock(sequence, 1 + i % 7, 0, 5);
                    writer.onDecided(sequence, 1_000 + sequence, command, List.<Event>of(), i % 100 == 99);
                    written.add(command);
                }
                writer.pretoucher().awaitAhead();
            }
        }
        assertFalse(pretouchThreadAlive("purestock-shard-3-pretouch"), "the pretoucher stops with the journal");

        List<Command> read = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.read((index, record) -> read.add(record.command()));
        }
        assertEquals(written, read);
    }

    private static boolean pretouchThreadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }
}
