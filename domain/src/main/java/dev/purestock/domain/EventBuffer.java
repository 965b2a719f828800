package dev.purestock.domain;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A reusable, growable output for one decision: {@link Inventory#decide(Command, long, InventoryState, EventBuffer)}
 * writes its events here as primitive fields instead of returning records,
 * {@link Inventory#evolveAll(MutableInventory, long, EventBuffer)} applies them from here, and whoever wants the
 * records builds them with {@link #toEvents()}. Pure data: no clock, no I/O, no thread.
 *
 * <p>Events and line changes are kept in chunks of primitive arrays, each chunk twice the size of the one before
 * (1, 2, 4, ... entries), so a one-event decision takes two small arrays and a batch of thousands a few more. The
 * buffer grows one chunk at a time, never copying what it holds, and allocates nothing once its chunks are there:
 * a buffer cleared and refilled with decisions no larger than before creates no garbage. {@link #clear()} keeps
 * the chunks that hold the first 255 entries and lets go of the rest, so one huge batch does not pin its memory
 * in a buffer for good.
 *
 * <p>Not thread-safe: one thread writes it; others may read it once the writer has handed it over with a
 * happens-before edge (as the engine's ring does), and nobody writes it while they read.
 */
public final class EventBuffer implements EventSink, DecidedEvents {
    static final int PRODUCT_LISTED = 1;
    static final int STOCK_RECEIVED = 2;
    static final int STOCK_WRITTEN_OFF = 3;
    static final int PURCHASE_ACCEPTED = 4;
    static final int STOCK_RESERVED = 5;
    static final int RESERVATION_CONFIRMED = 6;
    static final int RESERVATION_RELEASED = 7;
    static final int RESERVATION_EXPIRED = 8;
    static final int PURCHASE_CANCELLED = 9;
    static final int ALREADY_APPLIED = 10;
    static final int REJECTED = 11;
    static final int BATCH_ABORTED = 12;
    static final int ORDER_FORGOTTEN = 13;
    static final int COMMAND_HELD = 14;
    static final int HOLD_RELEASED = 15;
    static final int HOLD_CANCELLED = 16;
    /**
     * The field of a {@link #COMMAND_HELD} event that holds its command's place among the buffer's held commands,
     * which an event taken back (with its atomic batch) keeps: two buffers holding the same events may have their
     * held commands at different places.
     */
    private static final int HELD_COMMAND_FIELD = 2;

    /** Per event: its kind, its first line, its line count, then up to six fields in record order. */
    private static final int KIND = 0;
    private static final int FIRST_LINE = 1;
    private static final int LINE_COUNT = 2;
    private static final int FIELDS = 3;
    private static final int EVENT_STRIDE = 9;
    /** Per line change: sku, warehouse, quantity, available, customer units. */
    private static final int SKU = 0;
    private static final int WAREHOUSE = 1;
    private static final int QUANTITY = 2;
    private static final int AVAILABLE = 3;
    private static final int CUSTOMER_UNITS = 4;
    private static final int LINE_STRIDE = 5;

    /** Chunk {@code c} holds {@code 2^c} entries, so a buffer of {@code n} entries has about {@code log2(n)} chunks. */
    private static final int FIRST_CHUNKS = 4;
    /** Chunks {@link #clear()} keeps by default: {@code 0 .. 7}, 255 entries, above {@link Limits#MAX_LINES}. */
    private static final int RETAINED_CHUNKS = 8;
    /** The most chunks a buffer may keep across {@link #clear()}: room for {@code 2^30 - 1} entries. */
    private static final int MOST_RETAINED_CHUNKS = 30;

    private long[][] eventChunks = new long[FIRST_CHUNKS][];
    private long[][] lineChunks = new long[FIRST_CHUNKS][];
    private int events;
    private int lines;
    /** The event the next {@link #lineChange} belongs to, or {@code -1} when the last event takes no lines. */
    private int openEvent = -1;
    /**
     * The first {@link #REJECTED} or {@link #BATCH_ABORTED} event held, or {@code -1}: kept as they are written, so
     * that {@link #firstRejection()}, which the decision stage asks of every command it counts (and a time command's
     * buffer holds an event per order it forgets), reads a field instead of every event's kind.
     */
    private int firstRejected = -1;
    private final Lines orderLines = new Lines();
    /**
     * The reasons from outside the domain that {@link #rejected} was given since the last {@link #clear()}: an
     * event keeps only its reason's code, and these turn such a code back into its reason. Rare (a refusal of
     * whoever runs the domain), so a short list searched by code.
     */
    private RejectionReason[] outsideReasons;
    private int outsideReasonCount;
    /**
     * The commands of the {@link Event.CommandHeld} events written since the last {@link #clear()}, which such an
     * event names by index: a hold carries a whole command, which has no primitive form. Rare, like a hold.
     */
    private Command[] heldCommands;
    private int heldCommandCount;

    /** Chunks {@link #clear()} keeps, of events and of line changes each. */
    private final int retainedChunks;

    /** An empty buffer; it allocates its first chunks when first written. */
    public EventBuffer() {
        retainedChunks = RETAINED_CHUNKS;
    }

    /**
     * An empty buffer that keeps across {@link #clear()} the chunks that hold its first {@code retainedEntries}
     * events, and as many line changes (rounded up to a whole chunk), instead of the first 255 (never fewer than
     * those): for a buffer that
     * holds the events of many commands at once, written into it one command after another (see
     * {@link Inventory#evolveRange}), and is refilled as often.
     *
     * @throws IllegalArgumentException when {@code retainedEntries} is negative or above {@code 2^30 - 1}
     */
    public EventBuffer(int retainedEntries) {
        if (retainedEntries < 0 || retainedEntries > (1 << MOST_RETAINED_CHUNKS) - 1) {
            throw new IllegalArgumentException("a buffer keeps 0 to " + ((1 << MOST_RETAINED_CHUNKS) - 1)
                    + " entries across clear(), not " + retainedEntries);
        }
        retainedChunks = Math.max(RETAINED_CHUNKS, chunk(Math.max(0, retainedEntries - 1)) + 1);
    }

    /**
     * Allocates now the chunks that {@code eventCount} events with {@code lineCount} line changes in all take, so
     * that filling the buffer up to that much allocates nothing: for a buffer made ahead of the thread that fills
     * it (the engine's ring slots, filled first on its decision thread). What {@link #clear()} keeps of them is
     * what it keeps of chunks grown by writing: 255 of each, or as many as {@link #EventBuffer(int)} was given.
     *
     * @throws IllegalArgumentException when a count is negative
     */
    public void reserve(int eventCount, int lineCount) {
        if (eventCount < 0 || lineCount < 0) {
            throw new IllegalArgumentException("cannot reserve " + eventCount + " events and " + lineCount
                    + " line changes");
        }
        for (int event = 0; event < eventCount; event = (event + 1) * 2 - 1) {
            eventChunk(event);
        }
        for (int line = 0; line < lineCount; line = (line + 1) * 2 - 1) {
            lineChunk(line);
        }
    }

    /**
     * Empties the buffer, keeping its first chunks for the next decision: those of the first 255 entries, or of as
     * many as {@link #EventBuffer(int)} was given.
     */
    public void clear() {
        events = 0;
        lines = 0;
        openEvent = -1;
        firstRejected = -1;
        if (outsideReasonCount > 0) {
            Arrays.fill(outsideReasons, 0, outsideReasonCount, null);
            outsideReasonCount = 0;
        }
        if (heldCommandCount > 0) {
            Arrays.fill(heldCommands, 0, heldCommandCount, null);
            heldCommandCount = 0;
        }
        if (eventChunks.length > retainedChunks) {
            eventChunks = Arrays.copyOf(eventChunks, retainedChunks);
        }
        if (lineChunks.length > retainedChunks) {
            lineChunks = Arrays.copyOf(lineChunks, retainedChunks);
        }
    }

    // ---- writing ----

    @Override
    public void productListed(long sku, long perCustomerLimit, boolean countsCustomers) {
        open(PRODUCT_LISTED, false, sku, perCustomerLimit, countsCustomers ? 1 : 0, 0, 0, 0);
    }

    @Override
    public void stockReceived(long movementId, long sku, int warehouse, long quantity, long available,
                              long fingerprint) {
        movement(STOCK_RECEIVED, movementId, sku, warehouse, quantity, available, fingerprint);
    }

    @Override
    public void stockWrittenOff(long movementId, long sku, int warehouse, long quantity, long available,
                                long fingerprint) {
        movement(STOCK_WRITTEN_OFF, movementId, sku, warehouse, quantity, available, fingerprint);
    }

    private void movement(int kind, long movementId, long sku, int warehouse, long quantity, long available,
                          long fingerprint) {
        open(kind, false, movementId, sku, warehouse, quantity, available, fingerprint);
    }

    @Override
    public void purchaseAccepted(long orderId, long customer, long fingerprint) {
        open(PURCHASE_ACCEPTED, true, orderId, customer, fingerprint, 0, 0, 0);
    }

    @Override
    public void stockReserved(long orderId, long customer, long expiresAt, long fingerprint) {
        open(STOCK_RESERVED, true, orderId, customer, expiresAt, fingerprint, 0, 0);
    }

    @Override
    public void reservationConfirmed(long orderId) {
        open(RESERVATION_CONFIRMED, false, orderId);
    }

    @Override
    public void reservationReleased(long orderId) {
        open(RESERVATION_RELEASED, true, orderId);
    }

    @Override
    public void reservationExpired(long orderId) {
        open(RESERVATION_EXPIRED, true, orderId);
    }

    @Override
    public void purchaseCancelled(long orderId) {
        open(PURCHASE_CANCELLED, true, orderId);
    }

    @Override
    public void lineChange(long sku, int warehouse, long quantity, long available, long customerUnits) {
        if (openEvent < 0) {
            throw new IllegalStateException("a line change must follow an event that carries lines; the last of the "
                    + events + " events carries none");
        }
        int line = lines;
        long[] chunk = lineChunk(line);
        int base = offset(line) * LINE_STRIDE;
        chunk[base + SKU] = sku;
        chunk[base + WAREHOUSE] = warehouse;
        chunk[base + QUANTITY] = quantity;
        chunk[base + AVAILABLE] = available;
        chunk[base + CUSTOMER_UNITS] = customerUnits;
        lines = line + 1;
        eventChunks[chunk(openEvent)][offset(openEvent) * EVENT_STRIDE + LINE_COUNT]++;
    }

    @Override
    public void orderForgotten(long orderId) {
        open(ORDER_FORGOTTEN, false, orderId);
    }

    @Override
    public void commandHeld(long holdId, long at, Command command) {
        Objects.requireNonNull(command, "command");
        if (heldCommands == null) {
            heldCommands = new Command[2];
        } else if (heldCommandCount == heldCommands.length) {
            heldCommands = Arrays.copyOf(heldCommands, heldCommandCount * 2);
        }
        heldCommands[heldCommandCount] = command;
        open(COMMAND_HELD, false, holdId, at, heldCommandCount++, 0, 0, 0);
    }

    @Override
    public void holdReleased(long holdId) {
        open(HOLD_RELEASED, false, holdId);
    }

    @Override
    public void holdCancelled(long holdId) {
        open(HOLD_CANCELLED, false, holdId);
    }

    /** The command a {@link #COMMAND_HELD} event holds. */
    Command heldCommand(int event) {
        if (kind(event) != COMMAND_HELD) {
            throw new IllegalArgumentException("event " + event + " is no CommandHeld");
        }
        return heldCommands[(int) field(event, HELD_COMMAND_FIELD)];
    }

    @Override
    public void alreadyApplied(long id) {
        open(ALREADY_APPLIED, false, id);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when {@code reason} is not a {@link Reason} but has the code of one
     */
    @Override
    public void rejected(RejectionReason reason, long ref) {
        if (!(reason instanceof Reason)) {
            rememberOutside(reason);
        }
        open(REJECTED, false, reason.code(), ref, 0, 0, 0, 0);
    }

    private void rememberOutside(RejectionReason reason) {
        Reason domain = Reason.findByCode(reason.code());
        if (domain != null) {
            throw new IllegalArgumentException("rejection reason " + reason.name() + " has code " + reason.code()
                    + ", which is the domain's " + domain.name() + "; a reason from outside the domain needs a code "
                    + "no Reason has");
        }
        if (outsideReason(reason.code()) != null) {
            return;
        }
        if (outsideReasons == null) {
            outsideReasons = new RejectionReason[2];
        } else if (outsideReasonCount == outsideReasons.length) {
            outsideReasons = Arrays.copyOf(outsideReasons, outsideReasonCount * 2);
        }
        outsideReasons[outsideReasonCount++] = reason;
    }

    private RejectionReason outsideReason(int code) {
        for (int i = 0; i < outsideReasonCount; i++) {
            if (outsideReasons[i].code() == code) {
                return outsideReasons[i];
            }
        }
        return null;
    }

    /** The reason a {@link #REJECTED} event's code stands for. */
    private RejectionReason reasonOf(int code) {
        Reason domain = Reason.findByCode(code);
        if (domain != null) {
            return domain;
        }
        RejectionReason outside = outsideReason(code);
        if (outside == null) {
            throw new IllegalStateException("no rejection reason has code " + code);
        }
        return outside;
    }

    @Override
    public void batchAborted(int index, Reason reason, long ref) {
        open(BATCH_ABORTED, false, index, reason.code(), ref, 0, 0, 0);
    }

    /** {@link #open(int, boolean, long, long, long, long, long, long)} for an event of one field. */
    private void open(int kind, boolean takesLines, long field0) {
        open(kind, takesLines, field0, 0, 0, 0, 0, 0);
    }

    /**
     * Writes the next event whole: its kind, where its line changes start (none yet) and all six fields, those its
     * kind leaves unset as zero, so that they read as zero and not as what an earlier decision left in the reused
     * room ({@link #sameEvents} compares every field). One place computed, one store a cell and no loop: each
     * purchase and each forgotten order writes an event, and the decision stage's execution samples found zeroing
     * the fields in a loop, then setting them one by one, each finding its chunk again, a few per cent of its time
     * (docs/performance.md, "The decision stage's own writes, profiled").
     */
    private void open(int kind, boolean takesLines, long field0, long field1, long field2, long field3, long field4,
                      long field5) {
        int at = events;
        long[] chunk = eventChunk(at);
        int base = offset(at) * EVENT_STRIDE;
        chunk[base + FIELDS + 5] = field5;
        chunk[base + FIELDS + 4] = field4;
        chunk[base + FIELDS + 3] = field3;
        chunk[base + FIELDS + 2] = field2;
        chunk[base + FIELDS + 1] = field1;
        chunk[base + FIELDS] = field0;
        chunk[base + LINE_COUNT] = 0;
        chunk[base + FIRST_LINE] = lines;
        chunk[base + KIND] = kind;
        events = at + 1;
        openEvent = takesLines ? at : -1;
        if (firstRejected < 0 && (kind == REJECTED || kind == BATCH_ABORTED)) {
            firstRejected = at;
        }
    }

    /** The chunk that holds entry {@code index}: chunk {@code c} holds entries {@code 2^c - 1 .. 2^(c+1) - 2}. */
    private static int chunk(int index) {
        return 31 - Integer.numberOfLeadingZeros(index + 1);
    }

    /** Where entry {@code index} sits in its chunk. */
    private static int offset(int index) {
        return index + 1 - Integer.highestOneBit(index + 1);
    }

    private long[] eventChunk(int event) {
        int c = chunk(event);
        if (c == eventChunks.length) {
            eventChunks = Arrays.copyOf(eventChunks, c * 2);
        }
        long[] chunk = eventChunks[c];
        if (chunk == null) {
            chunk = new long[(1 << c) * EVENT_STRIDE];
            eventChunks[c] = chunk;
        }
        return chunk;
    }

    private long[] lineChunk(int line) {
        int c = chunk(line);
        if (c == lineChunks.length) {
            lineChunks = Arrays.copyOf(lineChunks, c * 2);
        }
        long[] chunk = lineChunks[c];
        if (chunk == null) {
            chunk = new long[(1 << c) * LINE_STRIDE];
            lineChunks[c] = chunk;
        }
        return chunk;
    }

    /** Where the buffer stands now, for {@link #resetTo}: the event and line counts in one value. */
    long mark() {
        return (long) events << 32 | lines;
    }

    /** Drops every event and line written since {@code mark}. */
    void resetTo(long mark) {
        events = (int) (mark >>> 32);
        lines = (int) mark;
        openEvent = -1;
        if (firstRejected >= events) {
            firstRejected = -1;
        }
    }

    /** How many events were written since {@code mark}. */
    int eventsSince(long mark) {
        return events - (int) (mark >>> 32);
    }

    /** How many line changes were written since {@code mark}. */
    int linesSince(long mark) {
        return lines - (int) mark;
    }

    /** The index of the first event written since {@code mark}. */
    static int firstEventSince(long mark) {
        return (int) (mark >>> 32);
    }

    // ---- reading ----

    @Override
    public int size() {
        return events;
    }

    @Override
    public int firstRejection() {
        return firstRejected;
    }

    /** The index of the first rejection at or after {@code from}, or {@code -1}. */
    int firstRejectionFrom(int from) {
        for (int i = from; i < events; i++) {
            int kind = kind(i);
            if (kind == REJECTED || kind == BATCH_ABORTED) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public RejectionReason rejectionReason(int event) {
        return switch (kind(event)) {
            case REJECTED -> reasonOf((int) field(event, 0));
            case BATCH_ABORTED -> Reason.ofCode((int) field(event, 1));
            default -> throw notARejection(event);
        };
    }

    @Override
    public long rejectionRef(int event) {
        return switch (kind(event)) {
            case REJECTED -> field(event, 1);
            case BATCH_ABORTED -> field(event, 2);
            default -> throw notARejection(event);
        };
    }

    private IllegalArgumentException notARejection(int event) {
        return new IllegalArgumentException("event " + event + " is a " + event(event).getClass().getSimpleName()
                + ", not a rejection");
    }

    @Override
    public int lineCount() {
        return lines;
    }

    @Override
    public long lineSku(int line) {
        return line(line, SKU);
    }

    @Override
    public int lineWarehouse(int line) {
        return (int) line(line, WAREHOUSE);
    }

    @Override
    public long lineQuantity(int line) {
        return line(line, QUANTITY);
    }

    @Override
    public long lineAvailable(int line) {
        return line(line, AVAILABLE);
    }

    @Override
    public long lineCustomerUnits(int line) {
        return line(line, CUSTOMER_UNITS);
    }

    /** The kind code of {@code event}. */
    int kind(int event) {
        return (int) eventChunks[chunk(check(event))][offset(event) * EVENT_STRIDE + KIND];
    }

    /** Field {@code field} of {@code event}, numbered in the order of the event's record. */
    long field(int event, int field) {
        return eventChunks[chunk(check(event))][offset(event) * EVENT_STRIDE + FIELDS + field];
    }

    /** The first line change of {@code event}. */
    int firstLine(int event) {
        return (int) eventChunks[chunk(check(event))][offset(event) * EVENT_STRIDE + FIRST_LINE];
    }

    /** How many line changes {@code event} carries. */
    int lineCount(int event) {
        return (int) eventChunks[chunk(check(event))][offset(event) * EVENT_STRIDE + LINE_COUNT];
    }

    /**
     * Whether {@code other} holds the same events as this buffer, in the same order: what {@code
     * toEvents().equals(other.toEvents())} says, with no record built (what a check that decides a journal again
     * compares, record after record).
     */
    public boolean sameEvents(EventBuffer other) {
        if (other.events != events || other.lines != lines) {
            return false;
        }
        for (int event = 0; event < events; event++) {
            int kind = kind(event);
            if (other.kind(event) != kind || other.lineCount(event) != lineCount(event)) {
                return false;
            }
            for (int field = 0; field < EVENT_STRIDE - FIELDS; field++) {
                // a held command's place in the buffer's room is no part of the event: the command itself is
                if (other.field(event, field) != field(event, field) && !(kind == COMMAND_HELD
                        && field == HELD_COMMAND_FIELD)) {
                    return false;
                }
            }
            if (kind == REJECTED && reasonOf((int) field(event, 0)) != other.reasonOf((int) field(event, 0))
                    || kind == COMMAND_HELD && !heldCommand(event).equals(other.heldCommand(event))) {
                return false;
            }
        }
        for (int line = 0; line < lines; line++) {
            for (int field = 0; field < LINE_STRIDE; field++) {
                if (other.line(line, field) != line(line, field)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The lines of {@code event} as order lines: one reused view, valid until the next call. */
    OrderLines orderLines(int event) {
        orderLines.first = firstLine(event);
        orderLines.count = lineCount(event);
        return orderLines;
    }

    private long line(int line, int field) {
        if (line < 0 || line >= lines) {
            throw new IndexOutOfBoundsException("line change " + line + " of " + lines);
        }
        return lineChunks[chunk(line)][offset(line) * LINE_STRIDE + field];
    }

    private int check(int event) {
        if (event < 0 || event >= events) {
            throw new IndexOutOfBoundsException("event " + event + " of " + events);
        }
        return event;
    }

    @Override
    public void writeTo(EventSink sink) {
        for (int i = 0; i < events; i++) {
            writeEvent(i, sink);
        }
    }

    private void writeEvent(int event, EventSink sink) {
        switch (kind(event)) {
            case PRODUCT_LISTED -> sink.productListed(field(event, 0), field(event, 1), field(event, 2) != 0);
            case STOCK_RECEIVED -> sink.stockReceived(field(event, 0), field(event, 1), (int) field(event, 2),
                    field(event, 3), field(event, 4), field(event, 5));
            case STOCK_WRITTEN_OFF -> sink.stockWrittenOff(field(event, 0), field(event, 1), (int) field(event, 2),
                    field(event, 3), field(event, 4), field(event, 5));
            case PURCHASE_ACCEPTED -> {
                sink.purchaseAccepted(field(event, 0), field(event, 1), field(event, 2));
                writeLines(event, sink);
            }
            case STOCK_RESERVED -> {
                sink.stockReserved(field(event, 0), field(event, 1), field(event, 2), field(event, 3));
                writeLines(event, sink);
            }
            case RESERVATION_CONFIRMED -> sink.reservationConfirmed(field(event, 0));
            case RESERVATION_RELEASED -> {
                sink.reservationReleased(field(event, 0));
                writeLines(event, sink);
            }
            case RESERVATION_EXPIRED -> {
                sink.reservationExpired(field(event, 0));
                writeLines(event, sink);
            }
            case PURCHASE_CANCELLED -> {
                sink.purchaseCancelled(field(event, 0));
                writeLines(event, sink);
            }
            case ORDER_FORGOTTEN -> sink.orderForgotten(field(event, 0));
            case COMMAND_HELD -> sink.commandHeld(field(event, 0), field(event, 1), heldCommand(event));
            case HOLD_RELEASED -> sink.holdReleased(field(event, 0));
            case HOLD_CANCELLED -> sink.holdCancelled(field(event, 0));
            case ALREADY_APPLIED -> sink.alreadyApplied(field(event, 0));
            case REJECTED -> sink.rejected(reasonOf((int) field(event, 0)), field(event, 1));
            case BATCH_ABORTED -> sink.batchAborted((int) field(event, 0), Reason.ofCode((int) field(event, 1)),
                    field(event, 2));
            default -> throw new IllegalStateException("event " + event + " has unknown kind " + kind(event));
        }
    }

    private void writeLines(int event, EventSink sink) {
        int first = firstLine(event);
        int end = first + lineCount(event);
        for (int line = first; line < end; line++) {
            sink.lineChange(lineSku(line), lineWarehouse(line), lineQuantity(line), lineAvailable(line),
                    lineCustomerUnits(line));
        }
    }

    @Override
    public Event event(int event) {
        return switch (kind(event)) {
            case PRODUCT_LISTED -> new Event.ProductListed(field(event, 0), field(event, 1), field(event, 2) != 0);
            case STOCK_RECEIVED -> new Event.StockReceived(field(event, 0), field(event, 1), (int) field(event, 2),
                    field(event, 3), field(event, 4), field(event, 5));
            case STOCK_WRITTEN_OFF -> new Event.StockWrittenOff(field(event, 0), field(event, 1),
                    (int) field(event, 2), field(event, 3), field(event, 4), field(event, 5));
            case PURCHASE_ACCEPTED -> new Event.PurchaseAccepted(field(event, 0), field(event, 1), changes(event),
                    field(event, 2));
            case STOCK_RESERVED -> new Event.StockReserved(field(event, 0), field(event, 1), changes(event),
                    field(event, 2), field(event, 3));
            case RESERVATION_CONFIRMED -> new Event.ReservationConfirmed(field(event, 0));
            case RESERVATION_RELEASED -> new Event.ReservationReleased(field(event, 0), changes(event));
            case RESERVATION_EXPIRED -> new Event.ReservationExpired(field(event, 0), changes(event));
            case PURCHASE_CANCELLED -> new Event.PurchaseCancelled(field(event, 0), changes(event));
            case ORDER_FORGOTTEN -> new Event.OrderForgotten(field(event, 0));
            case COMMAND_HELD -> new Event.CommandHeld(field(event, 0), field(event, 1), heldCommand(event));
            case HOLD_RELEASED -> new Event.HoldReleased(field(event, 0));
            case HOLD_CANCELLED -> new Event.HoldCancelled(field(event, 0));
            case ALREADY_APPLIED -> new Event.AlreadyApplied(field(event, 0));
            case REJECTED -> new Event.Rejected(reasonOf((int) field(event, 0)), field(event, 1));
            case BATCH_ABORTED -> new Event.BatchAborted((int) field(event, 0), Reason.ofCode((int) field(event, 1)),
                    field(event, 2));
            default -> throw new IllegalStateException("event " + event + " has unknown kind " + kind(event));
        };
    }

    private List<LineChange> changes(int event) {
        int first = firstLine(event);
        LineChange[] changes = new LineChange[lineCount(event)];
        for (int i = 0; i < changes.length; i++) {
            int line = first + i;
            changes[i] = new LineChange(lineSku(line), lineWarehouse(line), lineQuantity(line), lineAvailable(line),
                    lineCustomerUnits(line));
        }
        return List.of(changes);
    }

    @Override
    public List<Event> toEvents() {
        if (events == 1) {
            return List.of(event(0));
        }
        Event[] built = new Event[events];
        for (int i = 0; i < events; i++) {
            built[i] = event(i);
        }
        return List.of(built);
    }

    @Override
    public String toString() {
        return toEvents().toString();
    }

    /** The lines of one event, viewed as order lines. */
    private final class Lines implements OrderLines {
        private int first;
        private int count;

        @Override
        public int count() {
            return count;
        }

        @Override
        public long sku(int i) {
            return lineSku(first + inRange(i));
        }

        @Override
        public int warehouse(int i) {
            return lineWarehouse(first + inRange(i));
        }

        @Override
        public long quantity(int i) {
            return lineQuantity(first + inRange(i));
        }

        private int inRange(int i) {
            if (i < 0 || i >= count) {
                throw new IndexOutOfBoundsException("line " + i + " of " + count);
            }
            return i;
        }
    }
}
