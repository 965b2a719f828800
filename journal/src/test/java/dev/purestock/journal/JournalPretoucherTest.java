package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

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

    @Test
    void aFileSystemLowOnRoomIsNotTouchedUntilItHasRoomAgain() throws Exception {
        // a touch a full disk cannot back is a SIGBUS, which in an atomic access ends the JVM: with too little room
        // left, the pretoucher leaves the faults to the journal thread, whose failed write stops the shard instead
        AtomicLong room = new AtomicLong(JournalPretoucher.LOW_SPACE_BYTES - 1);
        try (SingleChronicleQueue queue = JournalQueues.forWriting(dir, Durability.PAGE_CACHE,
                JournalQueues.DEFAULT_ROLL_CYCLE);
             ExcerptAppender appender = queue.createAppender();
             CycleFileRoom reserved = new CycleFileRoom();
             JournalPretoucher pretoucher = JournalPretoucher.start(queue, "purestock-test-pretouch", room::get,
                     reserved)) {
            long end;
            try (DocumentContext document = appender.writingDocument()) {
                end = document.wire().bytes().write(new byte[100]).writePosition();
            }
            reserved.begin(appender.cycle(), appender.currentFile(), end);
            pretoucher.onAppended(appender.cycle(), end);
            pretoucher.awaitRound();
            assertEquals(0, pretoucher.touchedTo(), "nothing touched while the file system is low on room");

            room.set(JournalPretoucher.LOW_SPACE_BYTES);
            pretoucher.awaitAhead();
            assertTrue(pretoucher.touchedTo() >= end + JournalPretoucher.AHEAD_BYTES, "touched ahead once it has room");
        }
    }

    private static boolean pretouchThreadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }
}
