package dev.purestock.replication;

import dev.purestock.journal.JournalEpoch;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The byte layout of the messages a primary and its standby exchange over Aeron, defined here once. Every
 * number is little-endian. Each message starts with the same header:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     message type (int32)                      |  0
 *  +---------------------------------------------------------------+
 *  |  epoch (int32): RECORDS, HEARTBEAT, REFUSED, TRUNCATE: the    |  4
 *  |  primary's epoch; HELLO: the standby's epoch (the newest of   |
 *  |  its last record's, its directory's and its last primary's);  |
 *  |  ACK: 0                                                       |
 *  +---------------------------------------------------------------+
 *  |  sequence (int64): RECORDS, HEARTBEAT, REFUSED: the primary's |  8
 *  |  last decided sequence; HELLO, ACK: the standby's last        |
 *  |  journaled sequence                                           |
 *  +---------------------------------------------------------------+
 *  |  hello id (int64): the standby's request this message         | 16
 *  |  answers (primary to standby) or belongs to (standby to       |
 *  |  primary)                                                     |
 *  +---------------------------------------------------------------+
 *  |  body                                                         | 24
 *  +---------------------------------------------------------------+
 *
 *  primary to standby (the data stream, {@link #DATA_STREAM}):
 *    1 RECORDS    body: consecutive journal records, each exactly as the journal holds it (its
 *                 length first, its CRC32C last; see JournalRecordDescriptor), to the message's end
 *    2 HEARTBEAT  no body
 *    3 REFUSED    body: why, UTF-8, to the message's end; the standby stops
 *    6 TRUNCATE   no body; sequence: the last record the standby keeps. Its journal holds records of an
 *                 older epoch past that, which the primary's history does not: the standby cuts them
 *                 (they were never acknowledged in SYNC mode) and says hello again
 *  standby to primary (the control stream, {@link #CONTROL_STREAM}):
 *    4 HELLO      body: the checksum (CRC32C, int32) its last journaled record ends with, 0 when it
 *                 holds none (or cannot tell: not compared), then the Aeron channel the standby
 *                 receives on, UTF-8, to the message's end; "send me every record after my sequence,
 *                 whose record ends with this checksum"
 *    5 ACK        no body; "my journal holds every record up to my sequence"
 * </pre>
 *
 * <p>Both sides must run the same release: the layout carries no version of its own.
 *
 * <p>A message longer than an Aeron frame is fragmented by Aeron and reassembled by its
 * {@code FragmentAssembler}; the largest message is the publication's {@code maxMessageLength} (an eighth of its
 * term length).
 */
final class ReplicationMessageDescriptor {
    /** The Aeron stream id of the records, primary to standby. */
    static final int DATA_STREAM = 0x5053_0001;
    /** The Aeron stream id of hellos and acknowledgements, standby to primary. */
    static final int CONTROL_STREAM = 0x5053_0002;

    static final int TYPE_OFFSET = 0;
    static final int EPOCH_OFFSET = 4;
    static final int SEQUENCE_OFFSET = 8;
    static final int HELLO_ID_OFFSET = 16;
    static final int HEADER_LENGTH = 24;
    /** Where a {@code HELLO}'s channel starts, after the checksum of the standby's last record. */
    static final int HELLO_CHANNEL_OFFSET = HEADER_LENGTH + 4;

    static final int RECORDS = 1;
    static final int HEARTBEAT = 2;
    static final int REFUSED = 3;
    static final int HELLO = 4;
    static final int ACK = 5;
    static final int TRUNCATE = 6;

    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    /**
     * The largest epoch the header carries. Epochs go up by one a promotion, and {@link JournalEpoch#read} refuses an
     * epoch file that holds a larger one, so only the records of an engine started on such a file before it was
     * refused carry one: {@link #requireEpochFits} refuses a standby's journal that ends with them as it starts,
     * instead of each message failing to be written.
     */
    static final long MAX_EPOCH = JournalEpoch.MAX;

    private ReplicationMessageDescriptor() {
    }

    /** Writes a header at the start of {@code buffer}. */
    static void putHeader(MutableDirectBuffer buffer, int type, long epoch, long sequence, long helloId) {
        if (epoch < 0 || epoch > MAX_EPOCH) {
            throw new ReplicationException("epoch " + epoch + " does not fit the replication header (0 to "
                    + MAX_EPOCH + ")");
        }
        buffer.putInt(TYPE_OFFSET, type, ORDER);
        buffer.putInt(EPOCH_OFFSET, (int) epoch, ORDER);
        buffer.putLong(SEQUENCE_OFFSET, sequence, ORDER);
        buffer.putLong(HELLO_ID_OFFSET, helloId, ORDER);
    }

    /**
     * Refuses {@code epoch}, that of the journal in {@code dir} ({@code side}: whose it is), when the header cannot
     * carry it: the epoch of its last record, since its epoch file holds none larger ({@link JournalEpoch#read}).
     *
     * @return {@code epoch}
     * @throws ReplicationException naming the epoch, the directory and what to do
     */
    static long requireEpochFits(long epoch, Path dir, String side) {
        if (epoch > MAX_EPOCH) {
            throw new ReplicationException(side + " " + dir + " ends with records of epoch " + epoch + ", past the "
                    + "largest epoch replication carries (" + MAX_EPOCH + "): an engine stamped them from an epoch "
                    + "file written by hand or damaged. Restore the directory from a copy, or cut them off with "
                    + "`purestock truncate --journal " + dir + " --after-seq N`, N the last record of an older epoch "
                    + "(`purestock dump --journal " + dir + "` shows each record's)");
        }
        return epoch;
    }

    /** Writes a header and a text body; the message's length. */
    static int putText(MutableDirectBuffer buffer, int type, long epoch, long sequence, long helloId, String text) {
        putHeader(buffer, type, epoch, sequence, helloId);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        buffer.putBytes(HEADER_LENGTH, bytes);
        return HEADER_LENGTH + bytes.length;
    }

    /**
     * Writes a {@code HELLO}: the standby's last journaled sequence, the epoch and the checksum of its record, and
     * the channel it receives on; the message's length.
     */
    static int putHello(MutableDirectBuffer buffer, long epoch, long lastSequence, long helloId, int lastChecksum,
                        String channel) {
        putHeader(buffer, HELLO, epoch, lastSequence, helloId);
        buffer.putInt(HEADER_LENGTH, lastChecksum, ORDER);
        byte[] bytes = channel.getBytes(StandardCharsets.UTF_8);
        buffer.putBytes(HELLO_CHANNEL_OFFSET, bytes);
        return HELLO_CHANNEL_OFFSET + bytes.length;
    }

    /** The checksum a {@code HELLO} says the standby's last record ends with. */
    static int helloChecksum(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + HEADER_LENGTH, ORDER);
    }

    /** The channel a {@code HELLO} of {@code length} bytes at {@code offset} names. */
    static String helloChannel(DirectBuffer buffer, int offset, int length) {
        return utf8(buffer, offset + HELLO_CHANNEL_OFFSET, length - HELLO_CHANNEL_OFFSET);
    }

    static int type(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + TYPE_OFFSET, ORDER);
    }

    static long epoch(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + EPOCH_OFFSET, ORDER);
    }

    static long sequence(DirectBuffer buffer, int offset) {
        return buffer.getLong(offset + SEQUENCE_OFFSET, ORDER);
    }

    static long helloId(DirectBuffer buffer, int offset) {
        return buffer.getLong(offset + HELLO_ID_OFFSET, ORDER);
    }

    /** The text body of a message of {@code length} bytes at {@code offset}. */
    static String text(DirectBuffer buffer, int offset, int length) {
        return utf8(buffer, offset + HEADER_LENGTH, length - HEADER_LENGTH);
    }

    private static String utf8(DirectBuffer buffer, int at, int length) {
        byte[] bytes = new byte[length];
        buffer.getBytes(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
