package dev.purestock.journal;

/**
 * The byte layout of one journal record, defined here once. Every number is little-endian; counts are
 * unsigned where the diagram says so. {@link JournalRecordCodec} is the only code that reads or writes it.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 record length L (int32, bytes, CRC included)  |  0
 *  +-------------------------------+-------------------------------+
 *  |   schema version (uint16)     |     event count (uint16)      |  4
 *  +-------------------------------+-------------------------------+
 *  |                       sequence (int64)                        |  8
 *  +---------------------------------------------------------------+
 *  |              time stamped by the engine (int64, ms)           | 16
 *  +---------------------------------------------------------------+
 *  |        epoch (int64; version 4 on, absent before: epoch 0)    | 24
 *  +---------------------------------------------------------------+
 *  |  command: tag (uint8) + its fields, see below                 | 32 (24 before version 4)
 *  +---------------------------------------------------------------+
 *  |  events: event count times tag (uint8) + its fields           |
 *  +---------------------------------------------------------------+
 *  |        CRC32C of bytes [0, L - 4) (int32)                     | L - 4
 *  +---------------------------------------------------------------+
 *
 *  command tags and fields (id, sku, customer, quantity, time: int64; warehouse: uint16;
 *  counts: int32; lines: count, then per line sku, warehouse, quantity):
 *    1 ListProduct        sku, perCustomerLimit, countsCustomers (uint8: 1 counts, 0 not; version 5 on)
 *    2 ReceiveStock       movementId, sku, warehouse, quantity
 *    3 WriteOffStock      movementId, sku, warehouse, quantity
 *    4 Purchase           orderId, customer, sku, warehouse, quantity
 *    5 PlaceOrder         orderId, customer, lines
 *    6 CancelPurchase     orderId
 *    7 Reserve            orderId, customer, expiresAt, lines
 *    8 ConfirmReservation orderId
 *    9 ReleaseReservation orderId
 *   10 ExpireReservations retainOrdersFor (absent before version 2)
 *   11 Batch              mode (uint8: 0 atomic, 1 independent; absent in version 0), count, commands
 *   12 Hold               holdId, at, then the held command (tag and fields) (version 3 on)
 *   13 CancelHold         holdId (version 3 on)
 *
 *  event tags and fields (changes: count, then per change sku, warehouse, quantity, available,
 *  customerUnits; reason: uint16 code of a {@link dev.purestock.domain.Reason} or, in a Rejected alone,
 *  of an {@link dev.purestock.engine.EngineRefusal}: 23 when deciding the command threw):
 *    1 ProductListed        sku, perCustomerLimit, countsCustomers (uint8, as in ListProduct; version 5 on)
 *    2 StockReceived        movementId, sku, warehouse, quantity, available, fingerprint
 *    3 StockWrittenOff      movementId, sku, warehouse, quantity, available, fingerprint
 *    4 PurchaseAccepted     orderId, customer, fingerprint, changes
 *    5 StockReserved        orderId, customer, expiresAt, fingerprint, changes
 *    6 ReservationConfirmed orderId
 *    7 ReservationReleased  orderId, changes
 *    8 ReservationExpired   orderId, changes
 *    9 PurchaseCancelled    orderId, changes
 *   10 AlreadyApplied       id
 *   11 Rejected             reason, ref
 *   12 BatchAborted         index (int32), reason, ref
 *   13 OrderForgotten       orderId (version 2 on)
 *   14 CommandHeld          holdId, at, then the held command, as a command is written (version 3 on)
 *   15 HoldReleased         holdId (version 3 on); the events that decide the held command follow it
 *   16 HoldCancelled        holdId (version 3 on)
 * </pre>
 *
 * <p>Limits of what the encoder writes: commands nested at most {@link #MAX_COMMAND_DEPTH} deep (a batch inside
 * a batch has depth 2, and so has a batch held by a hold; a hold's command nested in a {@code CommandHeld}
 * event counts from the event) and records of at most {@link #MAX_RECORD_LENGTH} bytes. Both are far above what the
 * domain's {@link dev.purestock.domain.Limits} let through intake. Decoders hold no depth limit: journals
 * written before the encoder had one may hold batches thousands deep, and they still read.
 *
 * <p>Schema history: version 0 had atomic batches only, so its {@code Batch} carried no mode byte.
 * Version 1 added the mode. Version 2 added order retention: {@code ExpireReservations} carries its retention
 * window, and the {@code OrderForgotten} event. An {@code ExpireReservations} of an older record, written before
 * orders were ever forgotten, decodes with a window of {@link Long#MAX_VALUE}, which forgets nothing, so
 * re-deciding it gives what was journaled. Version 3 added commands held for later: the {@code Hold} and
 * {@code CancelHold} commands and the {@code CommandHeld}, {@code HoldReleased} and {@code HoldCancelled} events;
 * a record of an older version holding one of their tags is refused as damaged. Version 4 added the epoch (the
 * term of the primary that wrote the record, see {@link JournalEpoch}) after the time, which moves the command 8
 * bytes on; a record of an older version has no epoch field and reads as epoch 0. Version 5 added a listing's
 * choice of counting customers: {@code ListProduct} and {@code ProductListed} end with a byte for it, and those of
 * an older record, written when every product counted its customers, decode counting them, which is what they
 * decided. A line change of a product that counts none carries {@code customerUnits} -1 (version 5 on: no older
 * record holds one). A decoder reads every version up to its own; a newer record is refused.
 *
 * <p><b>Documents.</b> Records are stored in Chronicle Queue documents, in one of two forms. A <i>record
 * document</i> holds exactly one record, as above; it is all that purestock wrote before batch documents, and
 * it is still what it writes for an engine batch of one command. A <i>batch document</i> holds several
 * consecutive records of one engine batch behind a header of its own:
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |        document kind 0xBA7CD0C5 (int32, negative)             |  0
 *  +-------------------------------+-------------------------------+
 *  |  document format (uint16)     |     reserved, 0 (uint16)      |  4
 *  +-------------------------------+-------------------------------+
 *  |                  record count N (int32, at least 2)           |  8
 *  +---------------------------------------------------------------+
 *  |        CRC32C of bytes [0, 12) (int32)                        | 12
 *  +---------------------------------------------------------------+
 *  |  N records, each laid out as above (its length first), with   | 16
 *  |  consecutive sequences, filling the document to its end       |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>A record document starts with its record's length, a positive number; a batch document starts with the
 * negative {@link #BATCH_DOCUMENT_KIND}, so the first four bytes tell them apart. The header has a checksum of
 * its own, so a damaged count or format is recognised as damage, and each record keeps its own, so a reader
 * that meets a damaged record in a batch document still reads the records before it. Document format history:
 * format 1 is the first. A reader refuses a newer format by name.
 */
public final class JournalRecordDescriptor {
    /** The schema version this code writes. */
    public static final int CURRENT_VERSION = 5;
    /** The first version whose header carries an epoch; records of older versions read as epoch 0. */
    public static final int VERSION_WITH_EPOCH = 4;
    /** The epoch of a record written before records carried one, and of a journal never promoted. */
    public static final long EPOCH_BEFORE_EPOCHS = 0;
    /** The version before independent batches: no batch mode byte. */
    public static final int VERSION_WITHOUT_BATCH_MODE = 0;
    /** The first version whose {@code ExpireReservations} carries a retention window. */
    public static final int VERSION_WITH_ORDER_RETENTION = 2;
    /** The first version with commands held for later: the {@code Hold} and {@code CancelHold} tags and theirs. */
    public static final int VERSION_WITH_HOLDS = 3;
    /** The first version whose listings say whether the product counts its customers. */
    public static final int VERSION_WITH_CUSTOMER_COUNTING = 5;
    /** The window an {@code ExpireReservations} of an older version decodes with: never forget. */
    static final long RETAIN_BEFORE_ORDER_RETENTION = Long.MAX_VALUE;

    /** The first int32 of a batch document: negative, so never the length a record document starts with. */
    public static final int BATCH_DOCUMENT_KIND = 0xBA7C_D0C5;
    /** The batch document format this code writes. */
    public static final int CURRENT_DOCUMENT_FORMAT = 1;
    /** Offset of the document format in a batch document. */
    public static final int DOCUMENT_FORMAT_OFFSET = 4;
    /** Offset of the record count in a batch document. */
    public static final int DOCUMENT_COUNT_OFFSET = 8;
    /** Offset of the header's checksum in a batch document. */
    public static final int DOCUMENT_CHECKSUM_OFFSET = 12;
    /** Length of a batch document's header: its first record starts here. */
    public static final int DOCUMENT_HEADER_LENGTH = 16;

    /** Offset of the record length. */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of the schema version. */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the event count. */
    public static final int EVENT_COUNT_OFFSET = 6;
    /** Offset of the sequence. */
    public static final int SEQUENCE_OFFSET = 8;
    /** Offset of the time. */
    public static final int TIME_OFFSET = 16;
    /** Offset of the epoch, in a record of version {@link #VERSION_WITH_EPOCH} on. */
    public static final int EPOCH_OFFSET = 24;
    /** Offset of the command in a record of a version before {@link #VERSION_WITH_EPOCH}: no epoch field. */
    public static final int HEADER_LENGTH_WITHOUT_EPOCH = 24;
    /** Offset of the command in a record of the current version: after the epoch. */
    public static final int HEADER_LENGTH = EPOCH_OFFSET + Long.BYTES;
    /** Length of the trailing checksum. */
    public static final int CHECKSUM_LENGTH = 4;
    /** The smallest possible record of any version: a header without an epoch, a command tag, and the checksum. */
    public static final int MIN_LENGTH = HEADER_LENGTH_WITHOUT_EPOCH + 1 + CHECKSUM_LENGTH;
    /**
     * The deepest the encoder nests commands (batches and holds) in one record. Sixteen times the domain's
     * {@link dev.purestock.domain.Limits#MAX_BATCH_DEPTH}, and low enough that the JDK's recursive record
     * methods ({@code toString}, {@code equals}, {@code hashCode}) on such a command fit a small thread stack.
     */
    public static final int MAX_COMMAND_DEPTH = 64;
    /**
     * The most bytes the encoder writes as one record: the largest message Chronicle Queue takes with its
     * default 64 MiB block (a quarter of the block). An atomic batch of {@code Limits.MAX_BATCH_COMMANDS} orders
     * of {@code Limits.MAX_LINES} lines each, with its events, takes about a fifth of it.
     */
    public static final int MAX_RECORD_LENGTH = 16 << 20;

    static final byte LIST_PRODUCT = 1;
    static final byte RECEIVE_STOCK = 2;
    static final byte WRITE_OFF_STOCK = 3;
    static final byte PURCHASE = 4;
    static final byte PLACE_ORDER = 5;
    static final byte CANCEL_PURCHASE = 6;
    static final byte RESERVE = 7;
    static final byte CONFIRM_RESERVATION = 8;
    static final byte RELEASE_RESERVATION = 9;
    static final byte EXPIRE_RESERVATIONS = 10;
    static final byte BATCH = 11;
    static final byte HOLD = 12;
    static final byte CANCEL_HOLD = 13;

    static final byte PRODUCT_LISTED = 1;
    static final byte STOCK_RECEIVED = 2;
    static final byte STOCK_WRITTEN_OFF = 3;
    static final byte PURCHASE_ACCEPTED = 4;
    static final byte STOCK_RESERVED = 5;
    static final byte RESERVATION_CONFIRMED = 6;
    static final byte RESERVATION_RELEASED = 7;
    static final byte RESERVATION_EXPIRED = 8;
    static final byte PURCHASE_CANCELLED = 9;
    static final byte ALREADY_APPLIED = 10;
    static final byte REJECTED = 11;
    static final byte BATCH_ABORTED = 12;
    static final byte ORDER_FORGOTTEN = 13;
    static final byte COMMAND_HELD = 14;
    static final byte HOLD_RELEASED = 15;
    static final byte HOLD_CANCELLED = 16;

    static final byte MODE_ATOMIC = 0;
    static final byte MODE_INDEPENDENT = 1;
    /** A listing's customer counting, in version 5 on: the product counts its customers. */
    static final byte COUNTS_CUSTOMERS = 1;
    /** A listing's customer counting, in version 5 on: the product counts none ({@code ListProduct.uncounted}). */
    static final byte COUNTS_NO_CUSTOMERS = 0;

    private JournalRecordDescriptor() {
    }

    /** Whether a record of schema {@code version} carries an epoch field. */
    public static boolean hasEpoch(int version) {
        return version >= VERSION_WITH_EPOCH;
    }

    /** Offset of the command in a record of schema {@code version}. */
    public static int commandOffset(int version) {
        return hasEpoch(version) ? HEADER_LENGTH : HEADER_LENGTH_WITHOUT_EPOCH;
    }
}
