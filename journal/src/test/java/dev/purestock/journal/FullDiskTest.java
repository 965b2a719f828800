package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A disk running full stops the shard with an error, never the JVM: the writer writes into no page of a cycle file
 * the file system has not backed (a write there through the mapping is a SIGBUS, which ends the JVM when it hits
 * Chronicle's atomic header write). The file system is played by seams: the room it says it has left, and the
 * blocks it will back.
 */
class FullDiskTest {
    /** Room enough for a new cycle file, but below what the pretoucher needs to run: the writer reserves itself. */
    private static final long LITTLE_ROOM = JournalPretoucher.LOW_SPACE_BYTES / 2;

    @TempDir
    Path dir;

    @Test
    void aDocumentThatWouldStartACycleFileOnAFullDiskIsRefusedAndTheJournalKeepsWhatItAcknowledged() throws Exception {
        SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
        long[] room = {LITTLE_ROOM};
        List<Command> written = new ArrayList<>();
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE, RollCycles.FAST_HOURLY, clock,
                CycleFileRoom.DEFAULT_WRITES, () -> room[0])) {
            for (long sequence = 0; sequence < 10; sequence++) {
                written.add(append(writer, sequence, true));
            }
            room[0] = JournalWriter.NEW_FILE_ROOM_BYTES;
            clock.advanceMillis(TimeUnit.HOURS.toMillis(1));

            // Chronicle writes a new cycle file's header with an atomic compare-and-set: on a full disk, a SIGBUS
            JournalException refused = assertThrows(JournalException.class, () -> append(writer, 10, true));
            assertTrue(refused.getMessage().contains("bytes left"), refused.getMessage());
            assertTrue(refused.getMessage().contains(dir.toString()), refused.getMessage());
        }
        assertEquals(1, cycleFiles(), "no cycle file was begun");
        assertEquals(written, read());
    }

    @Test
    void aDocumentTheDiskCannotBackIsRefusedBeforeAnyOfItIsWritten() throws Exception {
        AtomicBoolean full = new AtomicBoolean();
        CycleFileRoom.Writes writes = (channel, source, position) -> {
            if (full.get()) {
                throw new IOException("No space left on device");
            }
            return channel.write(source, position);
        };
        List<Command> acknowledged = new ArrayList<>();
        long sequence = 0;
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE, RollCycles.FAST_HOURLY,
                new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L)), writes, () -> LITTLE_ROOM)) {
            for (; sequence < 100; sequence++) {
                acknowledged.add(append(writer, sequence, true));
            }
            full.set(true);
            JournalException refused = null;
            while (refused == null && sequence < 1_000_000) {
                try {
                    for (int i = 0; i < 9; i++) {
                        append(writer, sequence + i, false);
                    }
                    Command last = append(writer, sequence + 9, true);
                    for (long s = sequence; s < sequence + 9; s++) {
                        acknowledged.add(command(s));
                    }
                    acknowledged.add(last);
                    sequence += 10;
                } catch (JournalException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null, "the writer reached a page the disk could not back");
            assertTrue(refused.getMessage().contains("no room"), refused.getMessage());
        }
        assertEquals(acknowledged, read(), "every acknowledged record and nothing of the refused batch");
    }

    @Test
    void thePretoucherTouchesNoPageItCouldNotReserve() throws Exception {
        long backedTo = 1L << 20;
        CycleFileRoom.Writes writes = (channel, source, position) -> {
            if (position >= backedTo) {
                throw new IOException("No space left on device");
            }
            source.limit((int) Math.min(source.limit(), source.position() + backedTo - position));
            return channel.write(source, position);
        };
        try (SingleChronicleQueue queue = JournalQueues.forWriting(dir, Durability.PAGE_CACHE,
                JournalQueues.DEFAULT_ROLL_CYCLE);
             ExcerptAppender appender = queue.createAppender();
             CycleFileRoom room = new CycleFileRoom(writes);
             JournalPretoucher pretoucher = JournalPretoucher.start(queue, "purestock-test-pretouch",
                     () -> Long.MAX_VALUE, room)) {
            long end;
            try (DocumentContext document = appender.writingDocument()) {
                end = document.wire().bytes().write(new byte[100]).writePosition();
            }
            room.begin(appender.cycle(), appender.currentFile(), end);
            pretoucher.onAppended(appender.cycle(), end);
            pretoucher.awaitRound();
            pretoucher.awaitRound();
            assertTrue(pretoucher.touchedTo() > end, "touched what it could reserve: " + pretoucher.touchedTo());
            assertTrue(pretoucher.touchedTo() <= backedTo, "touched beyond the room: " + pretoucher.touchedTo());
        }
    }

    @Test
    void reservingRoomLeavesWhatTheFileHoldsAsItWas() throws Exception {
        Path file = dir.resolve("cycle");
        byte[] data = new byte[3 * 4096 + 100];
        new Random(7).nextBytes(data);
        data[3 * 4096] = 0; // the block the data ends in begins with a zero
        Files.write(file, data);
        try (CycleFileRoom room = new CycleFileRoom()) {
            room.begin(7, file.toFile(), data.length);
            assertEquals(6 * 4096, room.reserve(7, 6 * 4096 - 10, Long.MAX_VALUE));
            assertTrue(room.covers(7, 6 * 4096));
            assertEquals(0, room.reservedTo(8), "no room in another cycle's file");
            room.begin(8, file.toFile(), data.length);
            assertEquals(data.length + 4096 - 100, room.reserve(8, 7 * 4096, 1), "a block at a time when asked");
        }
        byte[] after = Files.readAllBytes(file);
        assertEquals(6 * 4096, after.length, "reserved to the end of the last block asked for");
        byte[] kept = new byte[data.length];
        System.arraycopy(after, 0, kept, 0, data.length);
        assertArrayEquals(data, kept);
        for (int i = data.length; i < after.length; i++) {
            assertEquals(0, after[i], "beyond the data: zeros at " + i);
        }
    }

    /**
     * The cycle file a document was just appended to could not be opened to reserve room in it (no file handle left),
     * at the end of a batch the engine ended for a failure elsewhere in the shard (as a standby ends each of its
     * batches): the shard stops on the error, and closing the writer appended that document again, a journal holding
     * its records twice that no reader reads ("the journal has a gap or is out of order"). It is appended once.
     */
    @Test
    void aDocumentAppendedBeforeItsCycleFileCouldBeOpenedIsNotAppendedAgainAsTheWriterCloses() {
        CycleFileRoom.Writes noHandleLeft = new CycleFileRoom.Writes() {
            @Override
            public int write(FileChannel channel, ByteBuffer source, long position) throws IOException {
                return channel.write(source, position);
            }

            @Override
            public FileChannel open(Path file) throws IOException {
                throw new IOException("Too many open files");
            }
        };
        List<Command> written = new ArrayList<>();
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE, RollCycles.FAST_HOURLY,
                new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L)), noHandleLeft, () -> Long.MAX_VALUE)) {
            written.add(append(writer, 0, false));
            written.add(append(writer, 1, false));
            JournalException failed = assertThrows(JournalException.class, writer::onEndOfBatch);
            assertTrue(failed.getMessage().contains("Too many open files"), failed.getMessage());
        }
        assertEquals(written, read(), "each record once");
    }

    /**
     * A batch whose end the engine calls for alone (a failure elsewhere in the shard came first, or a standby ending
     * its round) cannot be appended: the disk has no room for a new cycle file. Its records were never acknowledged,
     * and the shard stops on the error. Closing the writer appended them all the same once the disk had room again
     * (records in the journal that no caller was told of, and a standby never applied), and threw the same error
     * again while it had none, after everything was closed. The batch is dropped where it failed.
     */
    @Test
    void aBatchWhoseEndFailedIsDroppedNotAppendedAsTheWriterCloses() throws Exception {
        for (boolean roomAgain : new boolean[] {true, false}) {
            Path journal = Files.createDirectory(dir.resolve("room-again-" + roomAgain));
            SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));
            long[] room = {LITTLE_ROOM};
            List<Command> written = new ArrayList<>();
            JournalWriter writer = JournalWriter.open(journal, Durability.PAGE_CACHE, RollCycles.FAST_HOURLY, clock,
                    CycleFileRoom.DEFAULT_WRITES, () -> room[0]);
            try {
                written.add(append(writer, 0, true));
                room[0] = JournalWriter.NEW_FILE_ROOM_BYTES;
                clock.advanceMillis(TimeUnit.HOURS.toMillis(1));
                append(writer, 1, false);
                append(writer, 2, false);
                JournalException refused = assertThrows(JournalException.class, writer::onEndOfBatch);
                assertTrue(refused.getMessage().contains("bytes left"), refused.getMessage());
                if (roomAgain) {
                    room[0] = Long.MAX_VALUE;
                }
            } finally {
                writer.close();
            }
            assertEquals(written, read(journal), "room again: " + roomAgain);
        }
    }

    private static Command command(long sequence) {
        return new Command.ReceiveStock(sequence, 1 + sequence % 7, 0, 5);
    }

    private static Command append(JournalWriter writer, long sequence, boolean endOfBatch) {
        Command command = command(sequence);
        writer.onDecided(sequence, 1_000 + sequence, command, List.<Event>of(), endOfBatch);
        return command;
    }

    private long cycleFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(SingleChronicleQueue.SUFFIX)).count();
        }
    }

    private List<Command> read() {
        return read(dir);
    }

    private static List<Command> read(Path journal) {
        List<Command> read = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(journal)) {
            reader.read((index, record) -> read.add(record.command()));
        }
        return read;
    }
}
