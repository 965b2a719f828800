package dev.purestock.cli;

import dev.purestock.journal.JournalCorruptException;
import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecord;
import dev.purestock.journal.JournalRecordCodec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The records of several shards merged by time, then shard, then sequence: one reader per shard and a heap of
 * each shard's next record, so that memory stays the same however long the journals are. A shard's records
 * keep their order; a record whose time cannot be trusted (it fails its checksum) comes right after the record
 * before it in its shard. {@code dump} and {@code export} read sharded directories through here.
 */
final class MergedShards {
    /** Orders the records of several shards: by time, then shard, then sequence. */
    private static final Comparator<Head<?>> MERGED = Comparator.<Head<?>>comparingLong(Head::time)
            .thenComparingInt(Head::shard).thenComparingLong(Head::sequence);

    private MergedShards() {
    }

    /** Turns one raw record into what the merge hands on. */
    @FunctionalInterface
    interface Decoder<T> {
        /**
         * One record of shard {@code shard}; {@code bytes[offset, offset + length)} is valid during the call only.
         *
         * @return the item, with its time ({@link Long#MIN_VALUE}: none to trust) and sequence
         */
        Item<T> decode(int shard, long index, byte[] bytes, int offset, int length);
    }

    /** Receives the merged items. */
    @FunctionalInterface
    interface Sink<T> {
        /**
         * One item.
         *
         * @return {@code true} to go on, {@code false} to stop
         */
        boolean accept(T item);
    }

    /**
     * A decoded record.
     *
     * @param time     its time, {@link Long#MIN_VALUE} when it cannot be trusted
     * @param sequence its sequence in its shard
     * @param value    what the sink gets
     */
    record Item<T>(long time, long sequence, T value) {
    }

    /**
     * A shard's record.
     *
     * @param shard  the shard it is from
     * @param record the record
     */
    record ShardRecord(int shard, JournalRecord record) {
    }

    /**
     * A decoder of checked records: a record failing its checksum stops the read with a
     * {@link JournalCorruptException} that names it and says what to run.
     */
    static Decoder<ShardRecord> checked(Path journalDir) {
        JournalRecordCodec codec = new JournalRecordCodec();
        Map<Integer, Long> expected = new HashMap<>();
        return (shard, index, bytes, offset, length) -> {
            long sequence = JournalRecordCodec.sequenceOf(bytes, offset, length);
            String where = "record seq " + sequence + " (queue index 0x" + Long.toHexString(index) + ")";
            String verify = "; see `purestock verify --journal " + journalDir + "`";
            if (!codec.checksumMatches(bytes, offset, length)) {
                throw new JournalCorruptException(where + " fails its checksum" + verify);
            }
            Long next = expected.put(shard, sequence + 1);
            if (next != null && sequence != next) {
                // as a one-shard read refuses it: a gap, or records out of order, in this shard
                throw new JournalCorruptException(where + " follows seq " + (next - 1) + ": the journal has a gap "
                        + "or is out of order" + verify);
            }
            JournalRecord record;
            try {
                record = JournalRecordCodec.decode(bytes, offset, length);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new JournalCorruptException(where + " does not decode (" + e.getMessage() + ")" + verify);
            }
            return new Item<>(record.time(), sequence, new ShardRecord(shard, record));
        };
    }

    /**
     * Reads every record of {@code shards} that hold cycle files, merged, into {@code sink}; a failure's message
     * starts with its shard when {@code sharded}.
     */
    static <T> void read(List<JournalTarget.Shard> shards, boolean sharded, Decoder<T> decoder, Sink<T> sink) {
        List<Cursor<T>> cursors = new ArrayList<>();
        try {
            PriorityQueue<Head<T>> heads = new PriorityQueue<>(Math.max(1, shards.size()), MERGED::compare);
            for (JournalTarget.Shard one : shards) {
                if (one.hasCycles()) {
                    Cursor<T> cursor = new Cursor<>(one.index(), open(one, sharded), decoder, sharded);
                    cursors.add(cursor);
                    cursor.next(heads);
                } else {
                    requireNothingAcknowledged(one, sharded);
                }
            }
            while (!heads.isEmpty()) {
                Head<T> head = heads.poll();
                if (!sink.accept(head.value())) {
                    return;
                }
                head.cursor().next(heads);
            }
        } finally {
            cursors.forEach(cursor -> cursor.reader.close());
        }
    }

    /** A shard with no cycle file has nothing to merge, unless its records were acknowledged and are gone. */
    private static void requireNothingAcknowledged(JournalTarget.Shard one, boolean sharded) {
        try {
            Cli.requireNothingAcknowledged(one.dir());
        } catch (RuntimeException e) {
            throw sharded ? inShard(one.index(), e) : e;
        }
    }

    private static JournalReader open(JournalTarget.Shard one, boolean sharded) {
        try {
            return JournalReader.open(one.dir());
        } catch (RuntimeException e) {
            throw sharded ? inShard(one.index(), e) : e;
        }
    }

    /** {@code e} with its shard ahead of its message. */
    static JournalException inShard(int shard, RuntimeException e) {
        return new JournalException("shard " + shard + ": " + e.getMessage(), e);
    }

    /** The next record of one shard, decoded, waiting in the heap for its turn. */
    private record Head<T>(int shard, long time, long sequence, T value, Cursor<T> cursor) {
    }

    /** Reads one shard's records one at a time. */
    private static final class Cursor<T> {
        private final int shard;
        private final JournalReader reader;
        private final Decoder<T> decoder;
        private final boolean sharded;
        private long lastTime = Long.MIN_VALUE;

        Cursor(int shard, JournalReader reader, Decoder<T> decoder, boolean sharded) {
            this.shard = shard;
            this.reader = reader;
            this.decoder = decoder;
            this.sharded = sharded;
        }

        /** Reads the shard's next record into {@code heads}, if there is one. */
        void next(PriorityQueue<Head<T>> heads) {
            try {
                reader.readRaw((index, bytes, offset, length) -> {
                    Item<T> item = decoder.decode(shard, index, bytes, offset, length);
                    if (item.time() != Long.MIN_VALUE) {
                        lastTime = item.time();
                    }
                    heads.add(new Head<>(shard, lastTime, item.sequence(), item.value(), this));
                    return false;
                });
            } catch (RuntimeException e) {
                throw sharded ? inShard(shard, e) : e;
            }
        }
    }
}
