package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.DecidedEvents;
import dev.purestock.domain.Event;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.EventSink;
import dev.purestock.domain.Line;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;
import dev.purestock.engine.EngineRefusal;
import dev.purestock.engine.SubmittedCommand;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

import static dev.purestock.journal.JournalRecordDescriptor.*;

/**
 * Encodes and decodes journal records in the layout of {@link JournalRecordDescriptor}. An instance keeps a
 * growable buffer and a checksum, so it is reused by one thread and allocates nothing per encoded record
 * once the buffer has grown to the largest record.
 *
 * <p>Commands nest (a batch holds commands, a hold holds one, and so does the event that says a command is
 * held), but no code here recurses over them: encoding, decoding and stepping over a command keep their own
 * stack of open batches and holds, so a record's depth never reaches the Java stack. The encoder writes at
 * most {@link JournalRecordDescriptor#MAX_COMMAND_DEPTH} levels and {@link JournalRecordDescriptor#MAX_RECORD_LENGTH}
 * bytes; the decoders read any depth that fits a record, as journals written before those limits may hold.
 */
public final class JournalRecordCodec {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private final CRC32C crc = new CRC32C();
    /** The batches and holds that {@link #writeCommand} is inside, outermost first. */
    private final Command[] openCommands = new Command[MAX_COMMAND_DEPTH];
    private final int[] nextMembers = new int[MAX_COMMAND_DEPTH];
    private byte[] buffer = new byte[512];
    private int position;
    private long encodingSequence;
    private long epoch = EPOCH_BEFORE_EPOCHS;
    private final EventEncoder eventEncoder = new EventEncoder();
    /** What {@link #decodeEvents(byte[], int, int, EventSink)} reads with, one record after another. */
    private final Reader eventReader = new Reader();

    /**
     * Sets the epoch every record encoded from now on carries: the writer sets the epoch its journal directory
     * records ({@link JournalEpoch}) once, when it opens. A new codec stamps {@link
     * JournalRecordDescriptor#EPOCH_BEFORE_EPOCHS}.
     *
     * @return this codec
     * @throws IllegalArgumentException when {@code epoch} is negative
     */
    public JournalRecordCodec epoch(long epoch) {
        this.epoch = JournalEpoch.requireValid(epoch);
        return this;
    }

    /** The epoch every record encoded from now on carries. */
    public long epoch() {
        return epoch;
    }

    /** The buffer that {@link #encode} wrote into; valid up to the returned length until the next encode. */
    public byte[] buffer() {
        return buffer;
    }

    /**
     * Encodes one record in the current schema version into {@link #buffer()}.
     *
     * <p>The engine stops when its journal stage cannot write a record, so intake must never let through a
     * command this refuses: the limits here are far above the domain's {@link Limits},
     * which intake enforces.
     *
     * @return the record's length in bytes
     * @throws IllegalArgumentException when the command nests batches deeper than
     *                                  {@link JournalRecordDescriptor#MAX_COMMAND_DEPTH}, the record would take more
     *                                  than {@link JournalRecordDescriptor#MAX_RECORD_LENGTH} bytes, or there are
     *                                  more than 65535 events; nothing is written then
     */
    public int encode(long sequence, long time, Command command, List<Event> events) {
        begin(sequence, time, events.size());
        writeCommand(command);
        for (int i = 0; i < events.size(); i++) {
            eventEncoder.write(events.get(i));
        }
        return finish();
    }

    /**
     * Encodes one record from events in primitive form, as the engine's decision stage leaves them: the same
     * bytes that {@link #encode(long, long, Command, List)} writes for their records, with no record built.
     *
     * @return the record's length in bytes
     * @throws IllegalArgumentException as {@link #encode(long, long, Command, List)} does
     */
    public int encode(long sequence, long time, Command command, DecidedEvents events) {
        begin(sequence, time, events.size());
        writeCommand(command);
        events.writeTo(eventEncoder);
        return finish();
    }

    /**
     * Encodes one record from the command and events where the engine holds them: a command submitted as its
     * fields is written from them, in the bytes its record would take, so the record reads back as that record
     * (a {@code Purchase}, a {@code CancelPurchase}, ...) and neither it nor an event record is built.
     *
     * @return the record's length in bytes
     * @throws IllegalArgumentException as {@link #encode(long, long, Command, List)} does
     */
    public int encode(long sequence, long time, SubmittedCommand command, DecidedEvents events) {
        begin(sequence, time, events.size());
        switch (command.form()) {
            case RECORD -> writeCommand(command.toCommand());
            case PURCHASE -> purchase(command.orderId(), command.customer(), command.sku(), command.warehouse(),
                    command.quantity());
            case CANCEL_PURCHASE -> orderOnly(CANCEL_PURCHASE, command.orderId());
            case CONFIRM_RESERVATION -> orderOnly(CONFIRM_RESERVATION, command.orderId());
            case RELEASE_RESERVATION -> orderOnly(RELEASE_RESERVATION, command.orderId());
        }
        events.writeTo(eventEncoder);
        return finish();
    }

    /**
     * Encodes one command alone, as a record carries it, into {@link #buffer()} from its start: what a snapshot
     * writes for a held command, so that a command has one encoding wherever it is stored. It reads back with
     * {@link #decodeCommand} and the current schema version.
     *
     * @return the command's length in bytes
     * @throws IllegalArgumentException as {@link #encode(long, long, Command, List)} does
     */
    int encodeCommand(Command command) {
        encodingSequence = -1;
        position = 0;
        writeCommand(command);
        return position;
    }

    /**
     * Decodes a command alone, as {@link #encodeCommand} wrote it in schema {@code version}; it must take exactly
     * the {@code length} bytes at {@code offset}.
     *
     * @throws IllegalArgumentException when the bytes are not one command of that version
     */
    static Command decodeCommand(byte[] bytes, int offset, int length, int version) {
        Reader reader = new Reader(bytes, offset, length);
        reader.position = offset;
        Command command = reader.command(readableVersion(version));
        if (reader.position != reader.limit) {
            throw new IllegalArgumentException((reader.limit - reader.position) + " bytes left after the command");
        }
        return command;
    }

    private void begin(long sequence, long time, int eventCount) {
        encodingSequence = sequence;
        if (eventCount > 0xFFFF) {
            throw new IllegalArgumentException("journal record seq " + sequence + " would hold " + eventCount
                    + " events, more than the 65535 a record holds; the domain caps a decision at "
                    + Limits.MAX_EVENTS_PER_COMMAND + " events");
        }
        position = HEADER_LENGTH;
        putShort(VERSION_OFFSET, CURRENT_VERSION);
        putShort(EVENT_COUNT_OFFSET, eventCount);
        putLong(SEQUENCE_OFFSET, sequence);
        putLong(TIME_OFFSET, time);
        putLong(EPOCH_OFFSET, epoch);
    }

    private int finish() {
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
        return length >= HEADER_LENGTH_WITHOUT_EPOCH ? (long) LONG.get(bytes, offset + SEQUENCE_OFFSET) : -1;
    }

    /** The checksum field a record of {@code length} bytes at {@code offset} ends with, read without checking it. */
    public static int checksumOf(byte[] bytes, int offset, int length) {
        return (int) INT.get(bytes, offset + length - CHECKSUM_LENGTH);
    }

    /**
     * The epoch of a record, read without decoding the rest: {@link JournalRecordDescriptor#EPOCH_BEFORE_EPOCHS}
     * for a record of a version before {@link JournalRecordDescriptor#VERSION_WITH_EPOCH}. The caller checks the
     * checksum first with {@link #checksumMatches}; what replication checks a record it receives by
     * ({@link JournalEpoch#requireNotStale}).
     *
     * @throws IllegalArgumentException when the record is of a version newer than this code reads, or too short
     *                                  to hold its epoch
     */
    public static long epochOf(byte[] bytes, int offset, int length) {
        if (length < HEADER_LENGTH_WITHOUT_EPOCH) {
            throw new IllegalArgumentException("a record of " + length + " bytes is too short for its header");
        }
        int version = readableVersion(Short.toUnsignedInt((short) SHORT.get(bytes, offset + VERSION_OFFSET)));
        if (!hasEpoch(version)) {
            return EPOCH_BEFORE_EPOCHS;
        }
        if (length < HEADER_LENGTH + CHECKSUM_LENGTH) {
            throw new IllegalArgumentException("a record of " + length + " bytes is too short for its epoch");
        }
        return (long) LONG.get(bytes, offset + EPOCH_OFFSET);
    }

    /**
     * Decodes the record of {@code length} bytes at {@code offset}. The caller checks the checksum first
     * with {@link #checksumMatches}.
     *
     * @throws IllegalArgumentException when the bytes are not a record this version can read
     */
    public static JournalRecord decode(byte[] bytes, int offset, int length) {
        return decode(bytes, offset, length, new EventBuffer());
    }

    /**
     * Decodes a record as {@link #decode(byte[], int, int)} does, its events read through {@code scratch}, which a
     * reader of many records keeps (and which holds them afterwards).
     */
    static JournalRecord decode(byte[] bytes, int offset, int length, EventBuffer scratch) {
        Reader reader = new Reader(bytes, offset, length - CHECKSUM_LENGTH);
        reader.position = offset + VERSION_OFFSET;
        int version = readableVersion(reader.uint16());
        int eventCount = reader.uint16();
        long sequence = reader.int64();
        long time = reader.int64();
        long epoch = hasEpoch(version) ? reader.int64() : EPOCH_BEFORE_EPOCHS;
        Command command = reader.command(version);
        scratch.clear();
        eventsToTheEnd(reader, eventCount, version, scratch);
        return new JournalRecord(sequence, time, command, scratch.toEvents(), version, epoch);
    }

    /**
     * Decodes only the events of a record, as records, stepping over its command without building it. The
     * caller checks the checksum first with {@link #checksumMatches}.
     *
     * @throws IllegalArgumentException when the bytes are not a record this version can read
     */
    public static List<Event> decodeEvents(byte[] bytes, int offset, int length) {
        EventBuffer events = new EventBuffer();
        decodeEvents(new Reader(bytes, offset, length - CHECKSUM_LENGTH), offset, events);
        return events.toEvents();
    }

    /**
     * Decodes only the events of a record into {@code sink}, in order, stepping over its command and building
     * no record: what replay and a standby need, with an {@link EventBuffer} they clear and reuse (then applied
     * by {@link dev.purestock.domain.Inventory#evolveAll(dev.purestock.domain.MutableInventory, long,
     * EventBuffer)}). With this codec kept by the thread that decodes, decoding a purchase allocates nothing. The
     * caller checks the checksum first with {@link #checksumMatches}. A record that turns out not to decode may
     * have written some of its events into {@code sink} before the error.
     *
     * @return how many events the record holds
     * @throws IllegalArgumentException when the bytes are not a record this version can read
     */
    public int decodeEvents(byte[] bytes, int offset, int length, EventSink sink) {
        return decodeEvents(eventReader.over(bytes, offset, length - CHECKSUM_LENGTH), offset, sink);
    }

    private static int decodeEvents(Reader reader, int offset, EventSink sink) {
        reader.position = offset + VERSION_OFFSET;
        int version = readableVersion(reader.uint16());
        int eventCount = reader.uint16();
        reader.position = offset + commandOffset(version);
        reader.skipCommand(version);
        eventsToTheEnd(reader, eventCount, version, sink);
        return eventCount;
    }

    private static int readableVersion(int version) {
        if (version > CURRENT_VERSION) {
            throw new NewerVersionException("schema version " + version
                    + " is newer than this purestock reads (" + CURRENT_VERSION + "); upgrade purestock");
        }
        return version;
    }

    /** A record of a schema version newer than this code reads: not damage, so readers tell it apart. */
    static final class NewerVersionException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        NewerVersionException(String message) {
            super(message);
        }
    }

    /** Decodes {@code eventCount} events into {@code sink}; they must fill the record up to its checksum. */
    private static void eventsToTheEnd(Reader reader, int eventCount, int version, EventSink sink) {
        for (int i = 0; i < eventCount; i++) {
            reader.event(version, sink);
        }
        if (reader.position != reader.limit) {
            throw new IllegalArgumentException((reader.limit - reader.position) + " bytes left after the events");
        }
    }

    /** The time field of a record, read without checking anything. */
    public static long timeOf(byte[] bytes, int offset) {
        return (long) LONG.get(bytes, offset + TIME_OFFSET);
    }

    // ---- writing ----

    /**
     * Writes a command, keeping the batches and holds it is inside on {@link #openCommands} rather than on the
     * Java stack: a batch's members follow it, a hold's command follows its fields.
     */
    private void writeCommand(Command command) {
        int depth = 0;
        try {
            Command next = command;
            while (next != null) {
                switch (next) {
                    case Command.ListProduct c -> {
                        tag(LIST_PRODUCT);
                        int64(c.sku());
                        int64(c.perCustomerLimit());
                        tag(c.countsCustomers() ? COUNTS_CUSTOMERS : COUNTS_NO_CUSTOMERS);
                    }
                    case Command.ReceiveStock c ->
                            movement(RECEIVE_STOCK, c.movementId(), c.sku(), c.warehouse(), c.quantity());
                    case Command.WriteOffStock c ->
                            movement(WRITE_OFF_STOCK, c.movementId(), c.sku(), c.warehouse(), c.quantity());
                    case Command.Purchase c ->
                            purchase(c.orderId(), c.customer(), c.sku(), c.warehouse(), c.quantity());
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
                    case Command.ExpireReservations c -> {
                        tag(EXPIRE_RESERVATIONS);
                        int64(c.retainOrdersFor());
                    }
                    case Command.CancelHold c -> {
                        tag(CANCEL_HOLD);
                        int64(c.holdId());
                    }
                    case Command.Hold c -> {
                        checkDepth(depth, "holds");
                        tag(HOLD);
                        int64(c.holdId());
                        int64(c.at());
                        open(depth++, c);
                    }
                    case Command.Batch c -> {
                        checkDepth(depth, "batches");
                        tag(BATCH);
                        tag(c.mode() == Command.Batch.Mode.ATOMIC ? MODE_ATOMIC : MODE_INDEPENDENT);
                        int32(c.commands().size());
                        open(depth++, c);
                    }
                }
                next = null;
                while (next == null && depth > 0) {
                    next = nextMember(depth - 1);
                    if (next == null) {
                        openCommands[--depth] = null;
                    }
                }
            }
        } finally {
            Arrays.fill(openCommands, 0, depth, null);
        }
    }

    private void checkDepth(int depth, String what) {
        if (depth == MAX_COMMAND_DEPTH) {
            throw new IllegalArgumentException("journal record seq " + encodingSequence
                    + " would nest " + what + " more than " + MAX_COMMAND_DEPTH
                    + " deep, deeper than a record carries; nest batches at most "
                    + Limits.MAX_BATCH_DEPTH + " deep, as the domain allows");
        }
    }

    private void open(int depth, Command container) {
        openCommands[depth] = container;
        nextMembers[depth] = 0;
    }

    /** The next command inside the open batch or hold at {@code depth}, or {@code null} when all were written. */
    private Command nextMember(int depth) {
        int member = nextMembers[depth]++;
        return switch (openCommands[depth]) {
            case Command.Batch batch -> member < batch.commands().size() ? batch.commands().get(member) : null;
            case Command.Hold hold -> member == 0 ? hold.command() : null;
            default -> throw new IllegalStateException("only a batch or a hold holds commands");
        };
    }

    /**
     * Writes events in the layout of {@link JournalRecordDescriptor}, whichever form they come in: records
     * through {@link EventSink#write(Event)}, a buffer through {@link DecidedEvents#writeTo}. An event with line
     * changes writes its count as zero and counts up in place as each change follows.
     */
    private final class EventEncoder implements EventSink {
        private int countAt = -1;

        @Override
        public void productListed(long sku, long perCustomerLimit, boolean countsCustomers) {
            event(PRODUCT_LISTED);
            int64(sku);
            int64(perCustomerLimit);
            tag(countsCustomers ? COUNTS_CUSTOMERS : COUNTS_NO_CUSTOMERS);
        }

        @Override
        public void stockReceived(long movementId, long sku, int warehouse, long quantity, long available,
                                  long fingerprint) {
            event(STOCK_RECEIVED);
            stockMovement(movementId, sku, warehouse, quantity, available, fingerprint);
        }

        @Override
        public void stockWrittenOff(long movementId, long sku, int warehouse, long quantity, long available,
                                    long fingerprint) {
            event(STOCK_WRITTEN_OFF);
            stockMovement(movementId, sku, warehouse, quantity, available, fingerprint);
        }

        private void stockMovement(long movementId, long sku, int warehouse, long quantity, long available,
                                   long fingerprint) {
            int64(movementId);
            int64(sku);
            uint16(warehouse);
            int64(quantity);
            int64(available);
            int64(fingerprint);
        }

        @Override
        public void purchaseAccepted(long orderId, long customer, long fingerprint) {
            event(PURCHASE_ACCEPTED);
            int64(orderId);
            int64(customer);
            int64(fingerprint);
            openChanges();
        }

        @Override
        public void stockReserved(long orderId, long customer, long expiresAt, long fingerprint) {
            event(STOCK_RESERVED);
            int64(orderId);
            int64(customer);
            int64(expiresAt);
            int64(fingerprint);
            openChanges();
        }

        @Override
        public void reservationConfirmed(long orderId) {
            event(RESERVATION_CONFIRMED);
            int64(orderId);
        }

        @Override
        public void reservationReleased(long orderId) {
            event(RESERVATION_RELEASED);
            int64(orderId);
            openChanges();
        }

        @Override
        public void reservationExpired(long orderId) {
            event(RESERVATION_EXPIRED);
            int64(orderId);
            openChanges();
        }

        @Override
        public void purchaseCancelled(long orderId) {
            event(PURCHASE_CANCELLED);
            int64(orderId);
            openChanges();
        }

        @Override
        public void lineChange(long sku, int warehouse, long quantity, long available, long customerUnits) {
            if (countAt < 0) {
                throw new IllegalStateException("journal record seq " + encodingSequence
                        + ": a line change must follow an event that carries lines");
            }
            int64(sku);
            uint16(warehouse);
            int64(quantity);
            int64(available);
            int64(customerUnits);
            putInt(countAt, (int) INT.get(buffer, countAt) + 1);
        }

        @Override
        public void orderForgotten(long orderId) {
            event(ORDER_FORGOTTEN);
            int64(orderId);
        }

        @Override
        public void commandHeld(long holdId, long at, Command command) {
            event(COMMAND_HELD);
            int64(holdId);
            int64(at);
            writeCommand(command);
        }

        @Override
        public void holdReleased(long holdId) {
            event(HOLD_RELEASED);
            int64(holdId);
        }

        @Override
        public void holdCancelled(long holdId) {
            event(HOLD_CANCELLED);
            int64(holdId);
        }

        @Override
        public void alreadyApplied(long id) {
            event(ALREADY_APPLIED);
            int64(id);
        }

        @Override
        public void rejected(RejectionReason reason, long ref) {
            event(REJECTED);
            uint16(reason.code());
            int64(ref);
        }

        @Override
        public void batchAborted(int index, Reason reason, long ref) {
            event(BATCH_ABORTED);
            int32(index);
            uint16(reason.code());
            int64(ref);
        }

        private void event(byte eventTag) {
            countAt = -1;
            tag(eventTag);
        }

        private void openChanges() {
            countAt = position;
            int32(0);
        }
    }

    private void movement(byte tag, long movementId, long sku, int warehouse, long quantity) {
        tag(tag);
        int64(movementId);
        int64(sku);
        uint16(warehouse);
        int64(quantity);
    }

    private void purchase(long orderId, long customer, long sku, int warehouse, long quantity) {
        tag(PURCHASE);
        int64(orderId);
        int64(customer);
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
        if ((long) position + bytes > MAX_RECORD_LENGTH) {
            throw new IllegalArgumentException("journal record seq " + encodingSequence + " would take more than "
                    + MAX_RECORD_LENGTH + " bytes, the most a record takes (Chronicle Queue's largest message); "
                    + "split the command into smaller ones");
        }
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

    /** A batch whose members, or a hold whose command, is being decoded. */
    private static final class OpenCommand {
        final Command.Batch.Mode mode;
        final int count;
        final List<Command> members;
        final long holdId;
        final long at;

        private OpenCommand(Command.Batch.Mode mode, int count, long holdId, long at) {
            this.mode = mode;
            this.count = count;
            this.members = new ArrayList<>(Math.min(count, 64));
            this.holdId = holdId;
            this.at = at;
        }

        static OpenCommand batch(Command.Batch.Mode mode, int count) {
            return new OpenCommand(mode, count, 0, 0);
        }

        static OpenCommand hold(long holdId, long at) {
            return new OpenCommand(null, 1, holdId, at);
        }

        /** Whether every member has been decoded. */
        boolean complete() {
            return members.size() == count;
        }

        Command build() {
            return mode == null ? new Command.Hold(holdId, at, members.getFirst()) : new Command.Batch(mode, members);
        }
    }

    private static final class Reader {
        private byte[] bytes;
        private int limit;
        private int position;

        Reader() {
        }

        Reader(byte[] bytes, int offset, int length) {
            over(bytes, offset, length);
        }

        /** Reads {@code length} bytes at {@code offset} from now on, starting at {@code offset}. */
        Reader over(byte[] bytes, int offset, int length) {
            this.bytes = bytes;
            this.limit = offset + length;
            this.position = offset;
            return this;
        }

        /**
         * Reads a command, keeping the batches and holds it is inside on a stack of its own rather than the Java
         * stack.
         */
        Command command(int version) {
            ArrayDeque<OpenCommand> open = new ArrayDeque<>();
            while (true) {
                byte tag = int8();
                Command done;
                if (tag == BATCH) {
                    Command.Batch.Mode mode = batchMode(version);
                    int count = count(1);
                    if (count > 0) {
                        open.push(OpenCommand.batch(mode, count));
                        continue;
                    }
                    done = new Command.Batch(mode, List.of());
                } else if (tag == HOLD) {
                    since(VERSION_WITH_HOLDS, version, "command", tag);
                    open.push(OpenCommand.hold(int64(), int64()));
                    continue;
                } else {
                    done = leaf(tag, version);
                }
                while (true) {
                    OpenCommand parent = open.peek();
                    if (parent == null) {
                        return done;
                    }
                    parent.members.add(done);
                    if (!parent.complete()) {
                        break;
                    }
                    open.pop();
                    done = parent.build();
                }
            }
        }

        private Command leaf(byte tag, int version) {
            return switch (tag) {
                case LIST_PRODUCT -> new Command.ListProduct(int64(), int64(), countsCustomers(version));
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
                case EXPIRE_RESERVATIONS -> new Command.ExpireReservations(
                        version < VERSION_WITH_ORDER_RETENTION ? RETAIN_BEFORE_ORDER_RETENTION : int64());
                case CANCEL_HOLD -> {
                    since(VERSION_WITH_HOLDS, version, "command", tag);
                    yield new Command.CancelHold(int64());
                }
                default -> throw new IllegalArgumentException("unknown command tag " + tag);
            };
        }

        /** A listing's choice of counting customers: a byte from version 5 on; every listing before counted them. */
        private boolean countsCustomers(int version) {
            if (version < VERSION_WITH_CUSTOMER_COUNTING) {
                return true;
            }
            byte code = int8();
            return switch (code) {
                case COUNTS_CUSTOMERS -> true;
                case COUNTS_NO_CUSTOMERS -> false;
                default -> throw new IllegalArgumentException("unknown customer counting " + code);
            };
        }

        private Command.Batch.Mode batchMode(int version) {
            if (version == VERSION_WITHOUT_BATCH_MODE) {
                return Command.Batch.Mode.ATOMIC;
            }
            byte code = int8();
            return switch (code) {
                case MODE_ATOMIC -> Command.Batch.Mode.ATOMIC;
                case MODE_INDEPENDENT -> Command.Batch.Mode.INDEPENDENT;
                default -> throw new IllegalArgumentException("unknown batch mode " + code);
            };
        }

        /** Steps over a command: a count of commands still to step over replaces recursion into batches. */
        void skipCommand(int version) {
            long remaining = 1;
            while (remaining > 0) {
                remaining--;
                byte tag = int8();
                switch (tag) {
                    case LIST_PRODUCT -> skip(version >= VERSION_WITH_CUSTOMER_COUNTING ? 17 : 16);
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
                        if (version >= VERSION_WITH_ORDER_RETENTION) {
                            skip(8);
                        }
                    }
                    case BATCH -> {
                        if (version > VERSION_WITHOUT_BATCH_MODE) {
                            skip(1);
                        }
                        remaining += count(1);
                    }
                    case HOLD -> {
                        since(VERSION_WITH_HOLDS, version, "command", tag);
                        skip(16);
                        remaining++;
                    }
                    case CANCEL_HOLD -> {
                        since(VERSION_WITH_HOLDS, version, "command", tag);
                        skip(8);
                    }
                    default -> throw new IllegalArgumentException("unknown command tag " + tag);
                }
            }
        }

        /** Refuses a tag that a record of {@code version} cannot hold: it came with a later version. */
        private static void since(int firstVersion, int version, String kind, byte tag) {
            if (version < firstVersion) {
                throw new IllegalArgumentException(kind + " tag " + tag + " in a record of schema version " + version
                        + ", which came with version " + firstVersion);
            }
        }

        private void skip(long bytesToSkip) {
            need((int) Math.min(bytesToSkip, Integer.MAX_VALUE));
            position += (int) bytesToSkip;
        }

        /** Reads one event into {@code sink}: its call, then one per line change for an event that moves stock. */
        void event(int version, EventSink sink) {
            byte tag = int8();
            switch (tag) {
                case PRODUCT_LISTED -> sink.productListed(int64(), int64(), countsCustomers(version));
                case STOCK_RECEIVED -> sink.stockReceived(int64(), int64(), uint16(), int64(), int64(), int64());
                case STOCK_WRITTEN_OFF -> sink.stockWrittenOff(int64(), int64(), uint16(), int64(), int64(), int64());
                case PURCHASE_ACCEPTED -> {
                    sink.purchaseAccepted(int64(), int64(), int64());
                    changes(sink);
                }
                case STOCK_RESERVED -> {
                    sink.stockReserved(int64(), int64(), int64(), int64());
                    changes(sink);
                }
                case RESERVATION_CONFIRMED -> sink.reservationConfirmed(int64());
                case RESERVATION_RELEASED -> {
                    sink.reservationReleased(int64());
                    changes(sink);
                }
                case RESERVATION_EXPIRED -> {
                    sink.reservationExpired(int64());
                    changes(sink);
                }
                case PURCHASE_CANCELLED -> {
                    sink.purchaseCancelled(int64());
                    changes(sink);
                }
                case ORDER_FORGOTTEN -> sink.orderForgotten(int64());
                case COMMAND_HELD -> {
                    since(VERSION_WITH_HOLDS, version, "event", tag);
                    sink.commandHeld(int64(), int64(), command(version));
                }
                case HOLD_RELEASED -> {
                    since(VERSION_WITH_HOLDS, version, "event", tag);
                    sink.holdReleased(int64());
                }
                case HOLD_CANCELLED -> {
                    since(VERSION_WITH_HOLDS, version, "event", tag);
                    sink.holdCancelled(int64());
                }
                case ALREADY_APPLIED -> sink.alreadyApplied(int64());
                case REJECTED -> sink.rejected(rejectionReason(uint16()), int64());
                case BATCH_ABORTED -> sink.batchAborted(int32(), Reason.ofCode(uint16()), int64());
                default -> throw new IllegalArgumentException("unknown event tag " + tag);
            }
        }

        /**
         * The reason a Rejected event's code stands for: a domain {@link Reason}, or an {@link EngineRefusal} (the
         * engine journals {@link EngineRefusal#INTERNAL_ERROR} when deciding a command threw; the domain's enum held
         * it, with the same code, before the engine's own reasons left it).
         */
        private static RejectionReason rejectionReason(int code) {
            Reason reason = Reason.findByCode(code);
            if (reason != null) {
                return reason;
            }
            EngineRefusal refusal = EngineRefusal.findByCode(code);
            if (refusal == null) {
                throw new IllegalArgumentException("no rejection reason has code " + code);
            }
            return refusal;
        }

        private List<Line> lines() {
            int count = count(18);
            Line[] lines = new Line[count];
            for (int i = 0; i < count; i++) {
                lines[i] = new Line(int64(), uint16(), int64());
            }
            return List.of(lines);
        }

        private void changes(EventSink sink) {
            int count = count(34);
            for (int i = 0; i < count; i++) {
                sink.lineChange(int64(), uint16(), int64(), int64(), int64());
            }
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
