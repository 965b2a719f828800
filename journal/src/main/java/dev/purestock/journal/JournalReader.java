package dev.purestock.journal;

import dev.purestock.domain.Event;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableSet;

/**
 * Reads a journal directory in order, checking each record's checksum and that sequences follow one
 * another without a gap. A record that fails either check stops the read with a
 * {@link JournalCorruptException} that names its sequence, its queue index and the command that shows it.
 *
 * <p>A record that a crashed writer left unfinished is not visible to readers: Chronicle Queue only
 * publishes a record once its header is complete, and the next writer takes the unfinished slot over.
 */
public final class JournalReader implements AutoCloseable {
    private final Path dir;
    private final SingleChronicleQueue queue;
    private final ExcerptTailer tailer;
    private final JournalRecordCodec codec = new JournalRecordCodec();
    private byte[] bytes = new byte[512];
    private long expectedSequence = Long.MIN_VALUE;

    private JournalReader(Path dir) {
        this.dir = dir;
        this.queue = JournalQueues.forReading(dir);
        this.tailer = queue.createTailer();
    }

    /**
     * Opens the journal in {@code dir} for reading.
     *
     * @throws JournalException when the directory does not exist
     */
    public static JournalReader open(Path dir) {
        return new JournalReader(dir);
    }

    /** Receives records. */
    @FunctionalInterface
    public interface RecordVisitor {
        /**
         * One record.
         *
         * @return {@code true} to go on, {@code false} to stop
         */
        boolean onRecord(long queueIndex, JournalRecord record);
    }

    /** Receives raw records, before any check. */
    @FunctionalInterface
    public interface RawVisitor {
        /**
         * One record's bytes, valid during the call only.
         *
         * @return {@code true} to go on, {@code false} to stop
         */
        boolean onRaw(long queueIndex, byte[] bytes, int length);
    }

    /**
     * Positions the reader so that the next record read is the one with {@code sequence}.
     *
     * @return whether the journal holds that sequence
     */
    public boolean seek(long sequence) {
        expectedSequence = Long.MIN_VALUE;
        RollCycle rollCycle = queue.rollCycle();
        NavigableSet<Long> cycles = queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle());
        for (Long cycle : cycles.descendingSet()) {
            if (!tailer.moveToCycle(cycle.intValue())) {
                continue;
            }
            long[] first = new long[2];
            if (!readRaw((index, raw, length) -> {
                first[0] = index;
                first[1] = JournalRecordCodec.sequenceOf(raw, 0, length);
                return false;
            }) || first[1] > sequence) {
                continue;
            }
            long index = first[0] + (sequence - first[1]);
            if (rollCycle.toCycle(index) != cycle.intValue()) {
                return false;
            }
            boolean present = tailer.moveToIndex(index);
            if (present) {
                expectedSequence = sequence;
            }
            return present;
        }
        return false;
    }

    /** Positions the reader at the record with queue index {@code index}; whether it exists. */
    public boolean moveToIndex(long index) {
        expectedSequence = Long.MIN_VALUE;
        return tailer.moveToIndex(index);
    }

    /** Positions the reader at the first record. */
    public void toStart() {
        tailer.toStart();
        expectedSequence = Long.MIN_VALUE;
    }

    /**
     * Reads checked, decoded records from the current position until the end or until {@code visitor}
     * returns {@code false}.
     *
     * @return the number of records visited
     * @throws JournalCorruptException at a checksum failure, an undecodable record, or a sequence gap
     */
    public long read(RecordVisitor visitor) {
        long[] count = {0};
        readRaw((index, raw, length) -> {
            long sequence = check(index, raw, length);
            JournalRecord record;
            try {
                record = JournalRecordCodec.decode(raw, 0, length);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw corrupt(sequence, index, "does not decode (" + e.getMessage() + ")");
            }
            expectedSequence = sequence + 1;
            count[0]++;
            return visitor.onRecord(index, record);
        });
        return count[0];
    }

    /** Receives the events of records, for replay. */
    @FunctionalInterface
    public interface EventsVisitor {
        /**
         * One record's events.
         *
         * @return {@code true} to go on, {@code false} to stop
         */
        boolean onEvents(long sequence, long time, List<Event> events);
    }

    /**
     * Reads checked records from the current position like {@link #read}, decoding only their events.
     *
     * @return the number of records visited
     * @throws JournalCorruptException at a checksum failure, an undecodable record, or a sequence gap
     */
    public long readEvents(EventsVisitor visitor) {
        long[] count = {0};
        readRaw((index, raw, length) -> {
            long sequence = check(index, raw, length);
            List<Event> events;
            try {
                events = JournalRecordCodec.decodeEvents(raw, 0, length);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw corrupt(sequence, index, "does not decode (" + e.getMessage() + ")");
            }
            expectedSequence = sequence + 1;
            count[0]++;
            return visitor.onEvents(sequence, JournalRecordCodec.timeOf(raw, 0), events);
        });
        return count[0];
    }

    private long check(long index, byte[] raw, int length) {
        long sequence = JournalRecordCodec.sequenceOf(raw, 0, length);
        if (!codec.checksumMatches(raw, 0, length)) {
            throw corrupt(sequence, index, "fails its checksum");
        }
        if (expectedSequence != Long.MIN_VALUE && sequence != expectedSequence) {
            throw corrupt(sequence, index, "follows sequence " + (expectedSequence - 1)
                    + ": the journal has a gap or is out of order");
        }
        return sequence;
    }

    /**
     * Reads raw records from the current position, with no check, until the end or until {@code visitor}
     * returns {@code false}.
     *
     * @return whether any record was visited
     */
    public boolean readRaw(RawVisitor visitor) {
        boolean any = false;
        while (true) {
            try (DocumentContext document = tailer.readingDocument()) {
                if (!document.isPresent()) {
                    return any;
                }
                any = true;
                Bytes<?> in = document.wire().bytes();
                int length = (int) in.readRemaining();
                if (length > bytes.length) {
                    bytes = Arrays.copyOf(bytes, Math.max(length, bytes.length * 2));
                }
                in.read(bytes, 0, length);
                if (!visitor.onRaw(document.index(), bytes, length)) {
                    return true;
                }
            }
        }
    }

    /** The queue index of the last record, or {@code -1} when the journal is empty. */
    public long lastIndex() {
        return queue.lastIndex();
    }

    /** The number of cycle files. */
    public int cycleCount() {
        return queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle()).size();
    }

    /** The journal directory. */
    public Path dir() {
        return dir;
    }

    JournalCorruptException corrupt(long sequence, long index, String what) {
        return new JournalCorruptException("journal record seq " + sequence + " (queue index 0x"
                + Long.toHexString(index) + ") in " + dir + " " + what + "; inspect with `purestock dump --journal "
                + dir + " --from " + sequence + " --to " + sequence + "`");
    }

    @Override
    public void close() {
        tailer.close();
        queue.close();
    }
}
