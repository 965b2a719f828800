package dev.purestock.journal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;

import static dev.purestock.journal.JournalRecordDescriptor.BATCH_DOCUMENT_KIND;
import static dev.purestock.journal.JournalRecordDescriptor.CURRENT_DOCUMENT_FORMAT;
import static dev.purestock.journal.JournalRecordDescriptor.DOCUMENT_CHECKSUM_OFFSET;
import static dev.purestock.journal.JournalRecordDescriptor.DOCUMENT_COUNT_OFFSET;
import static dev.purestock.journal.JournalRecordDescriptor.DOCUMENT_FORMAT_OFFSET;
import static dev.purestock.journal.JournalRecordDescriptor.DOCUMENT_HEADER_LENGTH;
import static dev.purestock.journal.JournalRecordDescriptor.HEADER_LENGTH_WITHOUT_EPOCH;
import static dev.purestock.journal.JournalRecordDescriptor.LENGTH_OFFSET;
import static dev.purestock.journal.JournalRecordDescriptor.MIN_LENGTH;
import static dev.purestock.journal.JournalRecordDescriptor.SEQUENCE_OFFSET;

/**
 * The framing of journal documents (see {@link JournalRecordDescriptor}, Documents): an {@link Encoder} gathers
 * the records of a batch into one document for the writer, a {@link Decoder} steps through the records of a
 * document for readers. The records themselves are {@link JournalRecordCodec}'s.
 */
final class JournalDocumentCodec {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private JournalDocumentCodec() {
    }

    /** Whether the document in {@code bytes[0, length)} says it is a batch document (its header unchecked). */
    static boolean isBatch(byte[] bytes, int length) {
        return length >= 4 && (int) INT.get(bytes, 0) == BATCH_DOCUMENT_KIND;
    }

    /**
     * The sequence of a document's first record, read without checking anything: for finding a document, never
     * for trusting it. {@code -1} when the document is too short to hold one.
     */
    static long firstSequenceOf(byte[] bytes, int length) {
        int first = isBatch(bytes, length) ? DOCUMENT_HEADER_LENGTH : 0;
        return length - first >= HEADER_LENGTH_WITHOUT_EPOCH ? (long) LONG.get(bytes, first + SEQUENCE_OFFSET) : -1;
    }

    /** How many bytes from a document's start {@link #firstSequenceOf} reads at most. */
    static final int FIRST_SEQUENCE_BYTES = DOCUMENT_HEADER_LENGTH + HEADER_LENGTH_WITHOUT_EPOCH;

    private static int headerChecksum(CRC32C crc, byte[] bytes) {
        crc.reset();
        crc.update(bytes, 0, DOCUMENT_CHECKSUM_OFFSET);
        return (int) crc.getValue();
    }

    /**
     * Gathers consecutive records into one document. A document of one record is that record alone (a record
     * document); of several, a batch document. Reused by one thread; allocates nothing once its buffer has grown
     * to the largest document.
     */
    static final class Encoder {
        private final CRC32C crc = new CRC32C();
        private byte[] buffer = new byte[DOCUMENT_HEADER_LENGTH + 4096];
        private int end = DOCUMENT_HEADER_LENGTH;
        private int count;
        private long lastSequence;

        /** Whether no record is gathered. */
        boolean isEmpty() {
            return count == 0;
        }

        /** How long the document would be, as a batch document, with one more record of {@code length} bytes. */
        long lengthWith(int length) {
            return (long) end + length;
        }

        /** Adds the record in {@code record[offset, offset + length)}, whose sequence is {@code sequence}. */
        void add(byte[] record, int offset, int length, long sequence) {
            if (end + length > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, end + length));
            }
            System.arraycopy(record, offset, buffer, end, length);
            end += length;
            count++;
            lastSequence = sequence;
        }

        /** The sequence of the last record added. */
        long lastSequence() {
            return lastSequence;
        }

        /**
         * Finishes the document: it lies in {@link #buffer()} from the returned offset to {@link #end()}. One
         * record stays a record document; several get the batch header.
         */
        int finish() {
            if (count == 1) {
                return DOCUMENT_HEADER_LENGTH;
            }
            INT.set(buffer, 0, BATCH_DOCUMENT_KIND);
            SHORT.set(buffer, DOCUMENT_FORMAT_OFFSET, (short) CURRENT_DOCUMENT_FORMAT);
            SHORT.set(buffer, DOCUMENT_FORMAT_OFFSET + 2, (short) 0);
            INT.set(buffer, DOCUMENT_COUNT_OFFSET, count);
            INT.set(buffer, DOCUMENT_CHECKSUM_OFFSET, headerChecksum(crc, buffer));
            return 0;
        }

        /** The buffer {@link #finish} leaves the document in. */
        byte[] buffer() {
            return buffer;
        }

        /** Where the document ends in {@link #buffer()}. */
        int end() {
            return end;
        }

        /** Drops the records gathered. */
        void clear() {
            end = DOCUMENT_HEADER_LENGTH;
            count = 0;
        }
    }

    /** What a document's first bytes say it is. */
    enum Kind {
        /** One record: the whole document. */
        RECORD,
        /** A batch document whose header passes its checksum. */
        BATCH,
        /** It says it is a batch document, but its header fails its checksum or is cut short. */
        DAMAGED_HEADER,
        /** A batch document in a format newer than this code reads. */
        NEWER_FORMAT
    }

    /**
     * Steps through the records of one document held in a byte array, as <i>chunks</i>: each chunk is a record
     * where the framing holds; where it does not (a damaged batch header, a record length that leaves the
     * document, more or fewer records than the header counts), the chunk is the rest of the document (or the
     * whole of it, for a damaged header), and it fails the record checksum, so whoever checks the chunk finds the
     * damage right after the last record that reads.
     */
    static final class Decoder {
        private final CRC32C crc = new CRC32C();
        private byte[] bytes;
        private int end;
        private int next;
        private int left;
        private boolean whole;
        private int format;
        private int offset;
        private int length;

        /** Starts on the document in {@code bytes[0, length)}; the first {@link #next} gives its first chunk. */
        Kind wrap(byte[] bytes, int length) {
            this.bytes = bytes;
            this.end = length;
            this.next = 0;
            if (!isBatch(bytes, length)) {
                whole = true;
                left = 1;
                return Kind.RECORD;
            }
            if (length < DOCUMENT_HEADER_LENGTH
                    || (int) INT.get(bytes, DOCUMENT_CHECKSUM_OFFSET) != headerChecksum(crc, bytes)) {
                whole = true;
                left = 1;
                return Kind.DAMAGED_HEADER;
            }
            format = Short.toUnsignedInt((short) SHORT.get(bytes, DOCUMENT_FORMAT_OFFSET));
            whole = false;
            if (format > CURRENT_DOCUMENT_FORMAT) {
                left = 0;
                next = end;
                return Kind.NEWER_FORMAT;
            }
            left = (int) INT.get(bytes, DOCUMENT_COUNT_OFFSET);
            next = DOCUMENT_HEADER_LENGTH;
            return Kind.BATCH;
        }

        /** The format of the batch document {@link #wrap} found. */
        int format() {
            return format;
        }

        /** Moves to the next chunk; {@code false} when the document has no more. */
        boolean next() {
            if (whole) {
                if (left == 0) {
                    return false;
                }
                left = 0;
                return chunk(0, end);
            }
            int remaining = end - next;
            if (left <= 0) {
                // the header counted fewer records than the document holds: the rest is damage
                return remaining > 0 && rest();
            }
            int recordLength = remaining >= 4 ? (int) INT.get(bytes, next + LENGTH_OFFSET) : -1;
            if (recordLength < MIN_LENGTH || recordLength > remaining) {
                // a record that leaves the document, or none where the header counts one (remaining 0): damage
                return rest();
            }
            left--;
            chunk(next, recordLength);
            next += recordLength;
            return true;
        }

        /** Whether a later {@link #next} can give another chunk. */
        boolean hasNext() {
            return whole ? left > 0 : left > 0 || next < end;
        }

        private boolean rest() {
            chunk(next, end - next);
            next = end;
            left = 0;
            return true;
        }

        private boolean chunk(int at, int bytesInIt) {
            offset = at;
            length = bytesInIt;
            return true;
        }

        /** Where the current chunk starts in the wrapped array. */
        int offset() {
            return offset;
        }

        /** The current chunk's length in bytes. */
        int length() {
            return length;
        }
    }
}
