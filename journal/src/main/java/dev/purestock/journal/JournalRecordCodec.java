package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Line;
import dev.purestock.domain.LineChange;
import dev.purestock.domain.Reason;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

import static dev.purestock.journal.JournalRecordDescriptor.*;

/**
 * Encodes and decodes journal records in the layout of {@link JournalRecordDescriptor}. An instance keeps a
 * growable buffer and a checksum, so it is reused by one thread and allocates nothing per encoded record
 * once the buffer has grown to the largest record.
 */
public final class JournalRecordCodec {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private final CRC32C crc = new CRC32C();
    private byte[] buffer = new byte[512];
    private int position;

    /** The buffer that {@link #encode} wrote into; valid up to the returned length until the next encode. */
    public byte[] buffer() {
        return buffer;
    }

    /**
     * Encodes one record in the current schema version into {@link #buffer()}.
     *
     * @return the record's length in bytes
     */
    public int encode(long sequence, long time, Command command, List<Event> events) {
        if (events.size() > 0xFFFF) {
            throw new IllegalArgumentException("a record holds at most 65535 events, got " + events.size());
        }
        position = HEADER_LENGTH;
        putShort(VERSION_OFFSET, CURRENT_VERSION);
        putShort(EVENT_COUNT_OFFSET, events.size());
        putLong(SEQUENCE_OFFSET, sequence);
        putLong(TIME_OFFSET, time);
        writeCommand(command);
        for (int i = 0; i < events.size(); i++) {
            writeEvent(events.get(i));
        }
        int length = position + CHECKSUM_LENGTH;
        ensure(CHECKSUM_LENGTH);
        putInt(LENGTH_OFFSET, length);
        putInt(position, checksum(buffer, 0, length));
        return length;
    }

    /** The CRC32C a record of {@code length} bytes at {@code offset} should end with. */
    public int checksum(byte[] bytes, int offset, int length) {
        crc.reset();
        crc.update(bytes, offset, length - CHECKSUM_LENGTH);
        return (int) crc.getValue();
    }

    /** Whether the record of {@code length} bytes at {@code offset} is whole and ends with its checksum. */
    public boolean checksumMatches(byte[] bytes, int offset, int length) {
        return length >= MIN_LENGTH
                && (int) INT.get(bytes, offset + LENGTH_OFFSET) == length
                && (int) INT.get(bytes, offset + length - CHECKSUM_LENGTH) == checksum(bytes, offset, length);
    }

    /** The sequence field of a record, read without checking anything (for naming a bad record). */
    public static long sequenceOf(byte[] bytes, int offset, int length) {
        return length >= HEADER_LENGTH ? (long) LONG.get(bytes, offset + SEQUENCE_OFFSET) : -1;
    }

    /**
     * Decodes the record of {@code length} bytes at {@code offset}. The caller checks the checksum first
     * with {@link #checksumMatches}.
     *
     * @throws IllegalArgumentException when the bytes are not a record this version can read
     */
    public static JournalRecord decode(byte[] bytes, int offset, int length) {
        Reader reader = new Reader(bytes, offset, length - CHECKSUM_LENGTH);
        reader.position = offset + VERSION_OFFSET;
        int version = readableVersion(reader.uint16());
        int eventCount = reader.uint16();
        long sequence = reader.int64();
        long time = reader.int64();
        Command command = reader.command(version);
        return new JournalRecord(sequence, time, command, eventsToTheEnd(reader, eventCount), version);
    }

    /**
     * Decodes only the events of a record, stepping over its command without building it: what replay
     * needs. The caller checks the checksum first with {@link #checksumMatches}.
     *
     * @throws IllegalArgumentException when the bytes are not a record this version can read
     */
    public static List<Event> decodeEvents(byte[] bytes, int offset, int length) {
        Reader reader = new Reader(bytes, offset, length - CHECKSUM_LENGTH);
        reader.position = offset + VERSION_OFFSET;
        int version = readableVersion(reader.uint16());
        int eventCount = reader.uint16();
        reader.position = offset + HEADER_LENGTH;
        reader.skipCommand(version);
        return eventsToTheEnd(reader, eventCount);
    }

    private static int readableVersion(int version) {
        if (version > CURRENT_VERSION) {
            throw new IllegalArgumentException("schema version " + version
                    + " is newer than this purestock reads (" + CURRENT_VERSION + "); upgrade purestock");
        }
        return version;
    }

    /** Decodes {@code eventCount} events, which must fill the record up to its checksum. */
    private static List<Event> eventsToTheEnd(Reader reader, int eventCount) {
        List<Event> events;
        if (eventCount == 1) {
            events = List.of(reader.event());
        } else {
            Event[] decoded = new Event[eventCount];
            for (int i = 0; i < eventCount; i++) {
                decoded[i] = reader.event();
            }
            events = List.of(decoded);
        }
        if (reader.position != reader.limit) {
            throw new IllegalArgumentException((reader.limit - reader.position) + " bytes left after the events");
        }
        return events;
    }

    /** The time field of a record, read without checking anything. */
    public static long timeOf(byte[] bytes, int offset) {
        return (long) LONG.get(bytes, offset + TIME_OFFSET);
    }

    // ---- writing ----

    private void writeCommand(Command command) {
        switch (command) {
            case Command.ListProduct c -> {
                tag(LIST_PRODUCT);
                int64(c.sku());
                int64(c.perCustomerLimit());
            }
            case Command.ReceiveStock c -> movement(RECEIVE_STOCK, c.movementId(), c.sku(), c.warehouse(), c.quantity());
            case Command.WriteOffStock c -> movement(WRITE_OFF_STOCK, c.movementId(), c.sku(), c.warehouse(), c.quantity());
            case Command.Purchase c -> {
                tag(PURCHASE);
                int64(c.orderId());
                int64(c.customer());
                int64(c.sku());
                uint16(c.warehouse());
                int64(c.quantity());
            }
            case Command.PlaceOrder c -> {
                tag(PLACE_ORDER);
                int64(c.orderId());
                int64(c.customer());
                lines(c.lines());
            }
            case Command.CancelPurchase c -> orderOnly(CANCEL_PURCHASE, c.orderId());
            case Command.Reserve c -> {
                tag(RESERVE);
                int64(c.orderId());
                int64(c.customer());
                int64(c.expiresAt());
                lines(c.lines());
            }
            case Command.ConfirmReservation c -> orderOnly(CONFIRM_RESERVATION, c.orderId());
            case Command.ReleaseReservation c -> orderOnly(RELEASE_RESERVATION, c.orderId());
            case Command.ExpireReservations c -> tag(EXPIRE_RESERVATIONS);
            case Command.Batch c -> {
                tag(BATCH);
                tag(c.mode() == Command.Batch.Mode.ATOMIC ? MODE_ATOMIC : MODE_INDEPENDENT);
                int32(c.commands().size());
                for (int i = 0; i < c.commands().size(); i++) {
                    writeCommand(c.commands().get(i));
                }
            }
        }
    }

    private void writeEvent(Event event) {
        switch (event) {
            case Event.ProductListed e -> {
                tag(PRODUCT_LISTED);
                int64(e.sku());
                int64(e.perCustomerLimit());
            }
            case Event.StockReceived e -> {
                movement(STOCK_RECEIVED, e.movementId(), e.sku(), e.warehouse(), e.quantity());
                int64(e.available());
                int64(e.fingerprint());
            }
            case Event.StockWrittenOff e -> {
                movement(STOCK_WRITTEN_OFF, e.movementId(), e.sku(), e.warehouse(), e.quantity());
                int64(e.available());
                int64(e.fingerprint());
            }
            case Event.PurchaseAccepted e -> {
                tag(PURCHASE_ACCEPTED);
                int64(e.orderId());
                int64(e.customer());
                int64(e.fingerprint());
                changes(e.lines());
            }
            case Event.StockReserved e -> {
                tag(STOCK_RESERVED);
                int64(e.orderId());
                int64(e.customer());
                int64(e.expiresAt());
                int64(e.fingerprint());
                changes(e.lines());
            }
            case Event.ReservationConfirmed e -> orderOnly(RESERVATION_CONFIRMED, e.orderId());
            case Event.ReservationReleased e -> {
                orderOnly(RESERVATION_RELEASED, e.orderId());
                changes(e.lines());
            }
            case Event.ReservationExpired e -> {
                orderOnly(RESERVATION_EXPIRED, e.orderId());
                changes(e.lines());
            }
            case Event.PurchaseCancelled e -> {
                orderOnly(PURCHASE_CANCELLED, e.orderId());
                changes(e.lines());
            }
            case Event.AlreadyApplied e -> orderOnly(ALREADY_APPLIED, e.id());
            case Event.Rejected e -> {
                tag(REJECTED);
                uint16(e.reason().code());
                int64(e.ref());
            }
            case Event.BatchAborted e -> {
                tag(BATCH_ABORTED);
                int32(e.index());
                uint16(e.reason().code());
                int64(e.ref());
            }
        }
    }

    private void movement(byte tag, long movementId, long sku, int warehouse, long quantity) {
        tag(tag);
        int64(movementId);
        int64(sku);
        uint16(warehouse);
        int64(quantity);
    }

    private void orderOnly(byte tag, long orderId) {
        tag(tag);
        int64(orderId);
    }

    private void lines(List<Line> lines) {
        int32(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            int64(line.sku());
            uint16(line.warehouse());
            int64(line.quantity());
        }
    }

    private void changes(List<LineChange> changes) {
        int32(changes.size());
        for (int i = 0; i < changes.size(); i++) {
            LineChange change = changes.get(i);
            int64(change.sku());
            uint16(change.warehouse());
            int64(change.quantity());
            int64(change.available());
            int64(change.customerUnits());
        }
    }

    private void tag(byte value) {
        ensure(1);
        buffer[position++] = value;
    }

    private void uint16(int value) {
        ensure(2);
        putShort(position, value);
        position += 2;
    }

    private void int32(int value) {
        ensure(4);
        putInt(position, value);
        position += 4;
    }

    private void int64(long value) {
        ensure(8);
        putLong(position, value);
        position += 8;
    }

    private void ensure(int bytes) {
        if (position + bytes > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, position + bytes));
        }
    }

    private void putShort(int at, int value) {
        SHORT.set(buffer, at, (short) value);
    }

    private void putInt(int at, int value) {
        INT.set(buffer, at, value);
    }

    private void putLong(int at, long value) {
        LONG.set(buffer, at, value);
    }

    // ---- reading ----

    private static final class Reader {
        private final byte[] bytes;
        private final int limit;
        private int position;

        Reader(byte[] bytes, int offset, int length) {
            this.bytes = bytes;
            this.limit = offset + length;
        }

        Command command(int version) {
            byte tag = int8();
            return switch (tag) {
                case LIST_PRODUCT -> new Command.ListProduct(int64(), int64());
                case RECEIVE_STOCK -> new Command.ReceiveStock(int64(), int64(), uint16(), int64());
                case WRITE_OFF_STOCK -> new Command.WriteOffStock(int64(), int64(), uint16(), int64());
                case PURCHASE -> new Command.Purchase(int64(), int64(), int64(), uint16(), int64());
                case PLACE_ORDER -> new Command.PlaceOrder(int64(), int64(), lines());
                case CANCEL_PURCHASE -> new Command.CancelPurchase(int64());
                case RESERVE -> {
                    long orderId = int64();
                    long customer = int64();
                    long expiresAt = int64();
                    yield new Command.Reserve(orderId, customer, lines(), expiresAt);
                }
                case CONFIRM_RESERVATION -> new Command.ConfirmReservation(int64());
                case RELEASE_RESERVATION -> new Command.ReleaseReservation(int64());
                case EXPIRE_RESERVATIONS -> new Command.ExpireReservations();
                case BATCH -> batch(version);
                default -> throw new IllegalArgumentException("unknown command tag " + tag);
            };
        }

        private Command.Batch batch(int version) {
            Command.Batch.Mode mode = Command.Batch.Mode.ATOMIC;
            if (version > VERSION_WITHOUT_BATCH_MODE) {
                byte code = int8();
                mode = switch (code) {
                    case MODE_ATOMIC -> Command.Batch.Mode.ATOMIC;
                    case MODE_INDEPENDENT -> Command.Batch.Mode.INDEPENDENT;
                    default -> throw new IllegalArgumentException("unknown batch mode " + code);
                };
            }
            int count = count(1);
            List<Command> members = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                members.add(command(version));
            }
            return new Command.Batch(mode, members);
        }

        void skipCommand(int version) {
            byte tag = int8();
            switch (tag) {
                case LIST_PRODUCT -> skip(16);
                case RECEIVE_STOCK, WRITE_OFF_STOCK -> skip(26);
                case PURCHASE -> skip(34);
                case PLACE_ORDER -> {
                    skip(16);
                    skip(count(18) * 18L);
                }
                case CANCEL_PURCHASE, CONFIRM_RESERVATION, RELEASE_RESERVATION -> skip(8);
                case RESERVE -> {
                    skip(24);
                    skip(count(18) * 18L);
                }
                case EXPIRE_RESERVATIONS -> {
                }
                case BATCH -> {
                    if (version > VERSION_WITHOUT_BATCH_MODE) {
                        skip(1);
                    }
                    int members = count(1);
                    for (int i = 0; i < members; i++) {
                        skipCommand(version);
                    }
                }
                default -> throw new IllegalArgumentException("unknown command tag " + tag);
            }
        }

        private void skip(long bytesToSkip) {
            need((int) Math.min(bytesToSkip, Integer.MAX_VALUE));
            position += (int) bytesToSkip;
        }

        Event event() {
            byte tag = int8();
            return switch (tag) {
                case PRODUCT_LISTED -> new Event.ProductListed(int64(), int64());
                case STOCK_RECEIVED -> new Event.StockReceived(int64(), int64(), uint16(), int64(), int64(), int64());
                case STOCK_WRITTEN_OFF -> new Event.StockWrittenOff(int64(), int64(), uint16(), int64(), int64(), int64());
                case PURCHASE_ACCEPTED -> {
                    long orderId = int64();
                    long customer = int64();
                    long fingerprint = int64();
                    yield new Event.PurchaseAccepted(orderId, customer, changes(), fingerprint);
                }
                case STOCK_RESERVED -> {
                    long orderId = int64();
                    long customer = int64();
                    long expiresAt = int64();
                    long fingerprint = int64();
                    yield new Event.StockReserved(orderId, customer, changes(), expiresAt, fingerprint);
                }
                case RESERVATION_CONFIRMED -> new Event.ReservationConfirmed(int64());
                case RESERVATION_RELEASED -> new Event.ReservationReleased(int64(), changes());
                case RESERVATION_EXPIRED -> new Event.ReservationExpired(int64(), changes());
                case PURCHASE_CANCELLED -> new Event.PurchaseCancelled(int64(), changes());
                case ALREADY_APPLIED -> new Event.AlreadyApplied(int64());
                case REJECTED -> new Event.Rejected(Reason.ofCode(uint16()), int64());
                case BATCH_ABORTED -> new Event.BatchAborted(int32(), Reason.ofCode(uint16()), int64());
                default -> throw new IllegalArgumentException("unknown event tag " + tag);
            };
        }

        private List<Line> lines() {
            int count = count(18);
            Line[] lines = new Line[count];
            for (int i = 0; i < count; i++) {
                lines[i] = new Line(int64(), uint16(), int64());
            }
            return List.of(lines);
        }

        private List<LineChange> changes() {
            int count = count(34);
            LineChange[] changes = new LineChange[count];
            for (int i = 0; i < count; i++) {
                changes[i] = new LineChange(int64(), uint16(), int64(), int64(), int64());
            }
            return List.of(changes);
        }

        private int count(int minBytesEach) {
            int count = int32();
            if (count < 0 || (long) count * minBytesEach > limit - position) {
                throw new IllegalArgumentException("count " + count + " does not fit the record");
            }
            return count;
        }

        private byte int8() {
            need(1);
            return bytes[position++];
        }

        private int uint16() {
            need(2);
            int value = Short.toUnsignedInt((short) SHORT.get(bytes, position));
            position += 2;
            return value;
        }

        private int int32() {
            need(4);
            int value = (int) INT.get(bytes, position);
            position += 4;
            return value;
        }

        private long int64() {
            need(8);
            long value = (long) LONG.get(bytes, position);
            position += 8;
            return value;
        }

        private void need(int bytesWanted) {
            if (position + bytesWanted > limit) {
                throw new IllegalArgumentException("record ends inside a field at byte " + position);
            }
        }
    }
}
