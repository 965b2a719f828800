package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.HeldCommand;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Line;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Product;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The format of one snapshot file, written as a stream through a 64 KiB buffer (the writer giving way to other
 * threads after each, see {@link #WRITE_CHUNK}) and read as one through a 1 MiB buffer, so that a state of
 * millions of skus never needs a second copy in memory. Both are direct buffers, whose native memory goes back only
 * once a garbage collection finds them unreachable: so each thread that writes snapshots keeps one write buffer and
 * reuses it for every snapshot it writes ({@link #WRITE_BUFFER}), where a buffer of each write's own, written every
 * few seconds, held native memory long after each write; a load, rare, takes one read buffer for the checksum and
 * the entries both. Little-endian throughout:
 *
 * <pre>
 *  header   magic "PSSN" (int32) | format version (int32) | last sequence (int64) | time (int64)
 *  entries  tag (uint8) + fields, any number, in any order, except that last changes come after every
 *           order and in their own order:
 *             1 product      sku, perCustomerLimit, countsCustomers (uint8: 1 counts, 0 not; format 4 on)
 *             2 position     sku, warehouse (uint16), available
 *             3 customer     customer, sku, units
 *             4 order        orderId, customer, status code (uint8), expiresAt, fingerprint,
 *                            line count (int32), lines (sku, warehouse (uint16), quantity)
 *             5 movement     movementId, fingerprint
 *             6 last change  orderId, changedAt (format 2 on)
 *             7 held         holdId, at, schema version (uint16), command length (int32), command: the held
 *                            command as a journal record of that schema version carries it (format 3 on)
 *  end      tag 0 | entry counts of kinds 1..7 (7 x int64; format 2: kinds 1..6; format 1: kinds 1..5)
 *  trailer  CRC32C of every byte before it (int32)
 * </pre>
 *
 * The due index is not written: loading schedules the expiry of every order still reserved. The last changes
 * are the order of last changes ({@link InventoryStore#forEachByLastChange}), oldest first: one per order that
 * is not a live reservation, which says what the time command forgets next, so a snapshot and the journal
 * after it forget exactly what a replay of the whole journal would. Loading appends them in the order read.
 * A held command ({@link HeldCommand}) is written with {@link JournalRecordCodec}'s encoding of a command and
 * the schema version it wrote, so a command has one encoding wherever it is stored, and a snapshot stays
 * readable after a later schema changes it.
 *
 * <p>Format history: format 1 had no last changes. A format-1 snapshot still loads: every order in it that is
 * not a live reservation is taken to have changed at the snapshot's time, in the order the file lists them.
 * That is no earlier than its real last change, so such an order is remembered at least its whole window;
 * only the orders of that snapshot are remembered longer than a full replay of the journal would keep them,
 * so after a restart from one, a replay of the whole journal forgets them at other commands than the live run
 * did (docs/journal.md, "Snapshots"). Format 2 had no held commands: a snapshot of format 1 or 2 loads with
 * none, which is what the state held, since commands were not held before format 3 was written. Format 3 had no
 * choice of counting customers: its products load counting them, as every product then did.
 *
 * <p>Loading trusts nothing it reads before checking it: the checksum first, then every count against the
 * bytes that are left (a damaged line count must not allocate gigabytes), every tag and code against the
 * known ones, and nothing may follow the entry counts. Any failure is a {@link JournalCorruptException}
 * that names the file and the byte offset of the entry.
 */
final class SnapshotFile {
    static final int MAGIC = 0x4E535350;
    static final int FORMAT_VERSION = 4;
    /** The format before the order of last changes was written. */
    static final int FORMAT_WITHOUT_LAST_CHANGES = 1;
    /** The format before held commands were written. */
    static final int FORMAT_WITHOUT_HELD_COMMANDS = 2;
    /** The last format before products said whether they count their customers: each of them did. */
    static final int FORMAT_WITHOUT_CUSTOMER_COUNTING = 3;
    /** The read buffer. */
    private static final int BUFFER_BYTES = 1 << 20;
    /**
     * Bytes encoded, and handed to the file, between two breaks in which the writer gives way ({@link Thread#yield}):
     * some 60 µs of work on dev-2core. Writing a large state keeps a core busy for tens of milliseconds without
     * blocking, and the kernel lets such a thread run on for up to a few milliseconds before a thread woken meanwhile
     * gets its core, whatever its nice value; on a machine of two cores the shard's stage threads, woken for every
     * command, waited that long behind the writer, and the answers with them (docs/performance.md, "The snapshot
     * writer gives way"). A break costs a system call when no thread waits.
     */
    static final int WRITE_CHUNK = 1 << 16;
    /**
     * Each thread's write buffer, of {@link #WRITE_CHUNK} bytes, made by its first write and reused by each later one:
     * a shard's snapshot writer thread keeps one for as long as it runs, and writes no snapshot with another. A write
     * holds it from start to end and calls nothing that writes a snapshot on the same thread, so no two writes share
     * one; threads writing at once (the writers of several shards, a command line's) each have their own.
     */
    private static final ThreadLocal<ByteBuffer> WRITE_BUFFER = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(WRITE_CHUNK).order(ByteOrder.LITTLE_ENDIAN));
    private static final int HEADER_BYTES = 4 + 4 + 8 + 8;
    private static final int TRAILER_BYTES = 4;
    private static final int KINDS = 7;
    private static final int KINDS_WITHOUT_HELD_COMMANDS = 6;
    private static final int KINDS_WITHOUT_LAST_CHANGES = 5;
    /** The smallest file of any format: a header, an end of format 1 and the trailer. */
    private static final int MIN_BYTES = HEADER_BYTES + 1 + KINDS_WITHOUT_LAST_CHANGES * 8 + TRAILER_BYTES;
    private static final int LINE_BYTES = 8 + 2 + 8;
    private static final byte END = 0;
    private static final byte PRODUCT = 1;
    private static final byte POSITION = 2;
    private static final byte CUSTOMER = 3;
    private static final byte ORDER = 4;
    private static final byte MOVEMENT = 5;
    private static final byte LAST_CHANGE = 6;
    private static final byte HELD = 7;

    /** What a snapshot's header says. */
    record Header(long lastSequence, long time, int format) {
    }

    private SnapshotFile() {
    }

    /** Writes {@code store} to {@code file} and forces it to the device; returns the file's size. */
    static long write(Path file, long lastSequence, long time, InventoryStore store) throws IOException {
        return write(file, lastSequence, time, store, Thread::yield);
    }

    /**
     * As {@link #write(Path, long, long, InventoryStore)}, running {@code givingWay} after each chunk of at most
     * {@link #WRITE_CHUNK} bytes handed to the file.
     */
    static long write(Path file, long lastSequence, long time, InventoryStore store, Runnable givingWay)
            throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Encoder out = new Encoder(channel, WRITE_BUFFER.get(), givingWay);
            out.int32(MAGIC);
            out.int32(FORMAT_VERSION);
            out.int64(lastSequence);
            out.int64(time);
            long[] counts = new long[KINDS + 1];
            store.forEachProductAndPosition(p -> {
                out.int8(PRODUCT);
                out.int64(p.sku());
                out.int64(p.perCustomerLimit());
                out.int8((byte) (p.countsCustomers() ? 1 : 0));
                counts[PRODUCT]++;
            }, (sku, warehouse, available) -> {
                out.int8(POSITION);
                out.int64(sku);
                out.uint16(warehouse);
                out.int64(available);
                counts[POSITION]++;
            });
            store.forEachCustomerUnits((customer, sku, units) -> {
                out.int8(CUSTOMER);
                out.int64(customer);
                out.int64(sku);
                out.int64(units);
                counts[CUSTOMER]++;
            });
            store.forEachOrderFields((orderId, customer, status, lines, expiresAt, fingerprint) -> {
                out.int8(ORDER);
                out.int64(orderId);
                out.int64(customer);
                out.int8((byte) status.code());
                out.int64(expiresAt);
                out.int64(fingerprint);
                out.int32(lines.count());
                for (int i = 0; i < lines.count(); i++) {
                    out.int64(lines.sku(i));
                    out.uint16(lines.warehouse(i));
                    out.int64(lines.quantity(i));
                }
                counts[ORDER]++;
            });
            store.forEachMovement((movementId, fingerprint) -> {
                out.int8(MOVEMENT);
                out.int64(movementId);
                out.int64(fingerprint);
                counts[MOVEMENT]++;
            });
            JournalRecordCodec codec = new JournalRecordCodec();
            store.forEachHeld(held -> {
                int length = codec.encodeCommand(held.command());
                out.int8(HELD);
                out.int64(held.holdId());
                out.int64(held.at());
                out.uint16(JournalRecordDescriptor.CURRENT_VERSION);
                out.int32(length);
                out.bytes(codec.buffer(), length);
                counts[HELD]++;
            });
            store.forEachByLastChange((orderId, changedAt) -> {
                out.int8(LAST_CHANGE);
                out.int64(orderId);
                out.int64(changedAt);
                counts[LAST_CHANGE]++;
                return true;
            });
            out.int8(END);
            for (int kind = PRODUCT; kind <= KINDS; kind++) {
                out.int64(counts[kind]);
            }
            long size = out.finish();
            channel.force(true);
            return size;
        }
    }

    /**
     * Checks {@code file}'s checksum, then loads it into {@code store}.
     *
     * @throws JournalCorruptException when the file is damaged or not a snapshot
     */
    static Header load(Path file, InventoryStore store) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = readBuffer();
            checkChecksum(file, channel, buffer);
            channel.position(0);
            Decoder in = new Decoder(file, channel, buffer, channel.size() - TRAILER_BYTES);
            Header header = readHeader(file, in);
            int kinds = switch (header.format()) {
                case FORMAT_WITHOUT_LAST_CHANGES -> KINDS_WITHOUT_LAST_CHANGES;
                case FORMAT_WITHOUT_HELD_COMMANDS -> KINDS_WITHOUT_HELD_COMMANDS;
                default -> KINDS;
            };
            long[] counts = new long[KINDS + 1];
            while (true) {
                long entryAt = in.position();
                byte tag = in.int8();
                if (tag == END) {
                    break;
                }
                if (tag < PRODUCT || tag > kinds) {
                    throw in.corrupt(entryAt, "holds unknown entry tag " + tag);
                }
                try {
                    readEntry(in, tag, store, header);
                } catch (JournalCorruptException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw in.corrupt(entryAt, "holds an entry of kind " + tag + " that does not decode ("
                            + e.getMessage() + ")");
                }
                counts[tag]++;
            }
            for (int kind = PRODUCT; kind <= kinds; kind++) {
                long expected = in.int64();
                if (expected != counts[kind]) {
                    throw new JournalCorruptException("snapshot " + file + " lists " + expected + " entries of kind "
                            + kind + " but holds " + counts[kind]);
                }
            }
            if (in.remaining() != 0) {
                throw in.corrupt(in.position(), "holds " + in.remaining() + " bytes after its entry counts");
            }
            return header;
        }
    }

    private static Product readProduct(Decoder in, Header header) {
        long sku = in.int64();
        long limit = in.int64();
        if (header.format() <= FORMAT_WITHOUT_CUSTOMER_COUNTING) {
            return new Product(sku, limit);
        }
        byte counts = in.int8();
        if (counts != 0 && counts != 1) {
            throw new IllegalArgumentException("customer counting " + counts + " is neither 0 nor 1");
        }
        return new Product(sku, limit, counts == 1);
    }

    private static void readEntry(Decoder in, byte tag, InventoryStore store, Header header) {
        switch (tag) {
            case PRODUCT -> store.putProduct(readProduct(in, header));
            case POSITION -> store.putAvailable(in.int64(), in.uint16(), in.int64());
            case CUSTOMER -> store.putCustomerUnits(in.int64(), in.int64(), in.int64());
            case ORDER -> {
                Order order = readOrder(in);
                store.putOrder(order);
                if (order.status() == OrderStatus.RESERVED) {
                    store.scheduleExpiry(order.orderId(), order.expiresAt());
                } else if (header.format() == FORMAT_WITHOUT_LAST_CHANGES) {
                    store.putLastChange(order.orderId(), header.time());
                }
            }
            case MOVEMENT -> store.putMovement(in.int64(), in.int64());
            case LAST_CHANGE -> {
                long orderId = in.int64();
                long changedAt = in.int64();
                Order order = store.order(orderId);
                if (order == null || order.status() == OrderStatus.RESERVED) {
                    throw in.corrupt(in.position() - 17, "lists a last change of order " + orderId + ", which "
                            + (order == null ? "no earlier entry holds" : "is a live reservation"));
                }
                store.putLastChange(orderId, changedAt);
            }
            case HELD -> store.putHeld(readHeld(in));
            default -> throw in.corrupt(in.position() - 1, "holds unknown entry tag " + tag);
        }
    }

    /**
     * Checks {@code file} without loading it: its checksum, magic and format version; returns its header.
     *
     * @throws JournalCorruptException when the file is damaged or not a snapshot
     */
    static Header check(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = readBuffer();
            checkChecksum(file, channel, buffer);
            channel.position(0);
            Decoder in = new Decoder(file, channel, buffer, HEADER_BYTES);
            return readHeader(file, in);
        }
    }

    private static Header readHeader(Path file, Decoder in) {
        if (in.int32() != MAGIC) {
            throw new JournalCorruptException("snapshot " + file + " is not a purestock snapshot");
        }
        int version = in.int32();
        if (version < FORMAT_WITHOUT_LAST_CHANGES || version > FORMAT_VERSION) {
            throw new JournalCorruptException("snapshot " + file + " has format version " + version
                    + ", this purestock reads " + FORMAT_WITHOUT_LAST_CHANGES + " to " + FORMAT_VERSION);
        }
        return new Header(in.int64(), in.int64(), version);
    }

    private static HeldCommand readHeld(Decoder in) {
        long holdId = in.int64();
        long at = in.int64();
        int version = in.uint16();
        int length = in.int32();
        if (length < 1 || length > in.remaining()) {
            throw in.corrupt(in.position() - 4, "says held command " + holdId + " takes " + length
                    + " bytes, more than its remaining " + in.remaining() + " bytes hold or none");
        }
        byte[] bytes = in.bytes(length);
        Command command = JournalRecordCodec.decodeCommand(bytes, 0, length, version);
        return new HeldCommand(holdId, at, command);
    }

    private static Order readOrder(Decoder in) {
        long orderId = in.int64();
        long customer = in.int64();
        OrderStatus status = OrderStatus.ofCode(in.int8());
        long expiresAt = in.int64();
        long fingerprint = in.int64();
        int lineCount = in.int32();
        if (lineCount < 0 || lineCount > in.remaining() / LINE_BYTES) {
            throw in.corrupt(in.position() - 4, "says order " + orderId + " has " + lineCount
                    + " lines, more than its remaining " + in.remaining() + " bytes can hold");
        }
        List<Line> lines = new ArrayList<>(lineCount);
        for (int i = 0; i < lineCount; i++) {
            lines.add(new Line(in.int64(), in.uint16(), in.int64()));
        }
        return new Order(orderId, customer, status, lines, expiresAt, fingerprint);
    }

    /** A read buffer, for a load's or a check's checksum and then its entries. */
    private static ByteBuffer readBuffer() {
        return ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Checks {@code file}'s checksum, reading it through {@code buffer}. */
    private static void checkChecksum(Path file, FileChannel channel, ByteBuffer buffer) throws IOException {
        long size = channel.size();
        if (size < MIN_BYTES) {
            throw new JournalCorruptException("snapshot " + file + " is truncated (" + size + " bytes, a snapshot has "
                    + "at least " + MIN_BYTES + ")");
        }
        CRC32C crc = new CRC32C();
        long remaining = size - TRAILER_BYTES;
        channel.position(0);
        while (remaining > 0) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), remaining));
            int read = channel.read(buffer);
            if (read < 0) {
                throw new JournalCorruptException("snapshot " + file + " ended while its checksum was read");
            }
            buffer.flip();
            crc.update(buffer);
            remaining -= read;
        }
        ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (trailer.hasRemaining()) {
            if (channel.read(trailer, size - TRAILER_BYTES + trailer.position()) < 0) {
                throw new JournalCorruptException("snapshot " + file + " ended while its checksum was read");
            }
        }
        if (trailer.getInt(0) != (int) crc.getValue()) {
            throw new JournalCorruptException("snapshot " + file + " fails its checksum");
        }
    }

    /**
     * Buffered little-endian output with a running CRC32C, handed to the file {@link #WRITE_CHUNK} bytes at most at a
     * time, each followed by a break ({@code givingWay}).
     */
    private static final class Encoder {
        private final FileChannel channel;
        private final Runnable givingWay;
        private final ByteBuffer buffer;
        private final CRC32C crc = new CRC32C();
        private long written;

        /**
         * Writes to {@code channel} through {@code buffer}, of {@link #WRITE_CHUNK} bytes, emptied first: a write that
         * failed part way left bytes in it.
         */
        Encoder(FileChannel channel, ByteBuffer buffer, Runnable givingWay) {
            this.channel = channel;
            this.buffer = buffer.clear();
            this.givingWay = givingWay;
        }

        void int8(byte value) {
            room(1).put(value);
        }

        void uint16(int value) {
            room(2).putShort((short) value);
        }

        void int32(int value) {
            room(4).putInt(value);
        }

        void int64(long value) {
            room(8).putLong(value);
        }

        void bytes(byte[] source, int length) {
            int done = 0;
            while (done < length) {
                int chunk = Math.min(length - done, WRITE_CHUNK);
                room(chunk).put(source, done, chunk);
                done += chunk;
            }
        }

        long finish() throws IOException {
            drain();
            buffer.putInt((int) crc.getValue());
            buffer.flip();
            writeFully();
            return written;
        }

        private ByteBuffer room(int bytes) {
            if (buffer.remaining() < bytes) {
                try {
                    drain();
                } catch (IOException e) {
                    throw new JournalException("cannot write snapshot: " + e.getMessage(), e);
                }
            }
            return buffer;
        }

        private void drain() throws IOException {
            buffer.flip();
            crc.update(buffer.duplicate());
            writeFully();
            buffer.clear();
            givingWay.run();
        }

        private void writeFully() throws IOException {
            while (buffer.hasRemaining()) {
                written += channel.write(buffer);
            }
        }
    }

    /** Buffered little-endian input that refuses to read past {@code limit} and knows where it is. */
    private static final class Decoder {
        private final Path file;
        private final FileChannel channel;
        private final ByteBuffer buffer;
        private final long limit;
        private long unread;

        /** Reads {@code limit} bytes of {@code channel} through {@code buffer}. */
        Decoder(Path file, FileChannel channel, ByteBuffer buffer, long limit) {
            this.file = file;
            this.channel = channel;
            this.buffer = buffer;
            this.limit = limit;
            this.unread = limit;
            buffer.limit(0);
        }

        byte int8() {
            return need(1).get();
        }

        int uint16() {
            return Short.toUnsignedInt(need(2).getShort());
        }

        int int32() {
            return need(4).getInt();
        }

        long int64() {
            return need(8).getLong();
        }

        /** The next {@code length} bytes, which the caller checked are there. */
        byte[] bytes(int length) {
            byte[] bytes = new byte[length];
            int done = 0;
            while (done < length) {
                int chunk = Math.min(length - done, BUFFER_BYTES);
                need(chunk).get(bytes, done, chunk);
                done += chunk;
            }
            return bytes;
        }

        /** The offset in the file of the next byte to read. */
        long position() {
            return limit - unread - buffer.remaining();
        }

        /** The bytes left before the limit. */
        long remaining() {
            return unread + buffer.remaining();
        }

        JournalCorruptException corrupt(long at, String what) {
            return new JournalCorruptException("snapshot " + file + " " + what + " (at byte " + at + ")");
        }

        private ByteBuffer need(int bytes) {
            if (buffer.remaining() < bytes) {
                long at = position();
                buffer.compact();
                try {
                    while (buffer.position() < bytes && unread > 0) {
                        int room = (int) Math.min(buffer.remaining(), unread);
                        ByteBuffer slice = buffer.slice(buffer.position(), room);
                        int read = channel.read(slice);
                        if (read < 0) {
                            break;
                        }
                        buffer.position(buffer.position() + read);
                        unread -= read;
                    }
                } catch (IOException e) {
                    throw new JournalException("cannot read snapshot " + file + ": " + e.getMessage(), e);
                }
                buffer.flip();
                if (buffer.remaining() < bytes) {
                    throw corrupt(at, "ends inside an entry");
                }
            }
            return buffer;
        }
    }
}
