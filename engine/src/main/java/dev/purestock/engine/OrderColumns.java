package dev.purestock.engine;

import dev.purestock.domain.InventoryState;
import dev.purestock.domain.Line;
import dev.purestock.domain.Order;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Limits;
import dev.purestock.domain.ListedLines;
import dev.purestock.domain.OrderLines;
import dev.purestock.domain.OrderStatus;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The order book of a {@link PrimitiveInventoryStore}, kept in primitive columns: one row per order
 * (id, customer, status, expiry, fingerprint, the time of its last change and its place in the order of last
 * changes) and its lines in a shared pool, each line linked to the order's next, with a {@link SegmentedLongMap}
 * from order id to row. An order once stored is no object at all, so the garbage collector neither traces the
 * book nor copies it however large it grows; measured on the latency harness, the objects an accepted order
 * used to leave behind were what young collections spent their pauses copying.
 *
 * <p>Columns grow in chunks of {@code 1 << chunkShift} rows, row {@code r} living at index {@code r & mask}
 * of chunk {@code r >> chunkShift}; the line pool grows the same way. A new chunk is allocated when the last
 * one is full and nothing already stored is ever copied, so storing an order costs the same at the
 * ten-millionth as at the first (only the small arrays of chunk references double). The chunks the expected
 * orders need are allocated when the book is made, so a book filled up to its expected size allocates nothing;
 * a book expecting fewer orders than a full chunk (64 Ki rows) gets smaller chunks (the expected number
 * rounded up to a power of two, at least 1 Ki), so that sizing it costs memory in proportion to its size.
 *
 * <p><b>Lines.</b> An order's lines need not lie side by side in the pool: its row names its first line and
 * each line's {@code lineNext} cell the one after it ({@link #NONE} after the last), so any free line can take
 * any order's line. (Kept side by side, in runs, a freed run served only orders of its length or shorter: a
 * pool that had held one-line orders was no use to orders of more lines, which took new lines, up to as many
 * times the lines held at once as an order has lines; merging neighbouring free runs would still leave a single
 * line freed between two live orders of no use to an order of two or more.) Reading an order's lines walks its
 * links, one step a line; {@link RowLines} keeps its place, so a visitor reading them in order takes one step each.
 * The links
 * cost no memory: a sku is at most {@link Limits#MAX_SKU}, 32 bits, so a line keeps it in an {@code int} and
 * its link in the four bytes the sku's {@code long} left over; a warehouse is at most {@link Limits#MAX_WAREHOUSE},
 * 16 bits, kept in a {@code char}: 18 bytes a line.
 * A row keeps its customer, at most {@link Limits#MAX_CUSTOMER}, in an {@code int} the same way (read back unsigned):
 * 50 bytes a row (four {@code long}s, four {@code int}s, two {@code byte}s).
 *
 * <p><b>Forgetting and reuse.</b> {@link #remove} takes an order's id out of the index, puts its row on a
 * free list and its chain of lines, whole, on a list of free chains, in constant time; a new order takes a
 * free row before a new one, and free lines, from the chain freed last, before new pool lines. So rows grow
 * only past the most orders ever held at once, and the pool only past the most lines ever held at once
 * (summed over the orders held), whatever the mix of line counts: the pool takes a new line only when no line
 * is free. While orders are stored and forgotten at the same rate the book allocates nothing: no chunk, no
 * index segment. The free lists are threaded through the columns themselves (a free row's {@code next}, a
 * free line's {@code lineNext}, a free chain's first sku cell), so they cost nothing either.
 *
 * <p><b>The order of last changes</b> ({@link InventoryState#forEachByLastChange}) is a doubly linked list
 * through the rows' {@code prev} and {@code next} columns: {@link #touch} moves a row to its tail in constant
 * time, {@link #remove} unlinks it. A row that is not in the list (a live reservation) has {@code prev}
 * {@link #UNLISTED}.
 *
 * <p>{@link Order} records are built when asked for ({@link #get}), which the decision thread never does: the
 * domain reads an order only to recognise a repeat or to cancel, confirm, release or expire it, and reads then the
 * facts it needs in place ({@link #statusOf}, {@link #linesOf}, ...). Storing an order again (a status change)
 * rewrites its row in place. Not thread-safe.
 */
final class OrderColumns {
    /** Rows (and pooled lines) per chunk, as a power of two, of a book that expects 64 Ki orders or more. */
    static final int DEFAULT_CHUNK_SHIFT = 16;
    /** The smallest chunk {@link #chunkShiftFor} picks: 1 Ki rows, about 68 KiB with its pool lines. */
    static final int MIN_CHUNK_SHIFT = 10;
    private static final OrderStatus[] STATUS_BY_CODE = statusByCode();
    /** No row: the end of a list. */
    private static final int NONE = -1;
    /** What the id index answers for an id with no row. */
    private static final int NO_ROW = -1;
    /** The {@code prev} of a row that is not in the order of last changes. */
    private static final int UNLISTED = -2;
    /** The status code of a free row; order statuses are {@code 1..127}. */
    private static final byte FREE = 0;

    private final int chunkShift;
    private final int chunkMask;
    private final SegmentedLongMap rowOf;
    private long[][] orderId = new long[0][];
    /** An order's customer, {@code 0 ..} {@link Limits#MAX_CUSTOMER}, read back unsigned. */
    private int[][] customer = new int[0][];
    private long[][] expiresAt = new long[0][];
    private long[][] fingerprint = new long[0][];
    private long[][] changedAt = new long[0][];
    private byte[][] status = new byte[0][];
    private int[][] firstLine = new int[0][];
    private byte[][] lineCount = new byte[0][];
    private int[][] prev = new int[0][];
    private int[][] next = new int[0][];
    /** A line's sku, {@code 0 ..} {@link Limits#MAX_SKU}, read back unsigned. */
    private int[][] lineSku = new int[0][];
    /** A line's warehouse, {@code 0 ..} {@link Limits#MAX_WAREHOUSE}: 16 bits, a {@code char}. */
    private char[][] lineWarehouse = new char[0][];
    private long[][] lineQuantity = new long[0][];
    /** The order's (or the free chain's) next line after this one; {@link #NONE} after the last. */
    private int[][] lineNext = new int[0][];
    /** The view {@link #linesOf} answers, reused. */
    private final RowLines readLines = new RowLines();
    /** A record's lines seen as {@link OrderLines}, reused for every {@link #put(Order)}. */
    private final ListedLines recordLines = new ListedLines();
    /** Rows ever used (the high-water mark); free rows below it are on {@link #freeRows}. */
    private int rows;
    /** Pool lines ever used (the high-water mark); free lines below it are on {@link #freeChains}. */
    private int lines;
    /**
     * The first line of the free chain freed last, {@link #NONE} if no line is free: the lines of a chain are
     * linked through {@link #lineNext}, the chains through their first lines' sku cells.
     */
    private int freeChains = NONE;
    private int stored;
    private int freeRows = NONE;
    private int head = NONE;
    private int tail = NONE;

    /**
     * A book for about {@code expectedOrders} orders (it grows beyond), in chunks of {@link #chunkShiftFor} rows,
     * with the chunks for the expected orders allocated now.
     */
    OrderColumns(int expectedOrders) {
        this(expectedOrders, expectedOrders);
    }

    /** {@link #OrderColumns(int)} with a line pool for {@code expectedLines} lines, summed over the orders. */
    OrderColumns(int expectedOrders, int expectedLines) {
        this(expectedOrders, expectedLines, chunkShiftFor(expectedOrders), SegmentedLongMap.DEFAULT_SEGMENT_SHIFT);
    }

    /**
     * A book for about {@code expectedOrders} orders with chunks of {@code 1 << chunkShift} rows and index
     * segments of {@code 1 << segmentShift} slots. The chunks (rows and pool lines) that {@code expectedOrders}
     * one-line orders need, at least one, are allocated now: filling the book up to that many allocates no
     * chunk on the thread that stores the orders.
     */
    OrderColumns(int expectedOrders, int chunkShift, int segmentShift) {
        this(expectedOrders, expectedOrders, chunkShift, segmentShift);
    }

    /**
     * {@link #OrderColumns(int, int, int)} with the chunks of the line pool allocated for {@code expectedLines}
     * lines, summed over the orders, instead of one per order.
     */
    OrderColumns(int expectedOrders, int expectedLines, int chunkShift, int segmentShift) {
        if (chunkShift < 1 || chunkShift > 24) {
            throw new IllegalArgumentException("chunk shift must be within 1..24, was " + chunkShift);
        }
        this.chunkShift = chunkShift;
        this.chunkMask = (1 << chunkShift) - 1;
        rowOf = new SegmentedLongMap(NO_ROW, expectedOrders, segmentShift);
        for (int chunk = 0; chunk < chunksFor(expectedOrders); chunk++) {
            addRowChunk(chunk);
        }
        for (int chunk = 0; chunk < chunksFor(expectedLines); chunk++) {
            addLineChunk(chunk);
        }
    }

    /**
     * The chunk size for a book of {@code expectedOrders}: the expected number rounded up to a power of two,
     * within {@link #MIN_CHUNK_SHIFT} and {@link #DEFAULT_CHUNK_SHIFT}.
     */
    static int chunkShiftFor(int expectedOrders) {
        int shift = 32 - Integer.numberOfLeadingZeros(Math.max(0, expectedOrders - 1));
        return Math.max(MIN_CHUNK_SHIFT, Math.min(DEFAULT_CHUNK_SHIFT, shift));
    }

    /** The chunks that hold {@code entries} rows or lines: at least one. */
    private int chunksFor(int entries) {
        return chunksFor(entries, chunkShift);
    }

    private static int chunksFor(int entries, int chunkShift) {
        return (int) ((Math.max(1, entries) - 1L) >> chunkShift) + 1;
    }

    /**
     * The bytes {@code new OrderColumns(expectedOrders, expectedLines)} allocates when it is made: the chunks of
     * rows and pool lines and the index's segments, arrays alone, a lower bound of what it holds.
     */
    static long presizedBytes(int expectedOrders, int expectedLines) {
        return presizedRowBytes(expectedOrders) + presizedLineBytes(expectedOrders, expectedLines);
    }

    /** Of {@link #presizedBytes}: the chunks of rows and the index's segments, sized by the orders alone. */
    static long presizedRowBytes(int expectedOrders) {
        int shift = chunkShiftFor(expectedOrders);
        long rowBytes = 4L * Long.BYTES + 4L * Integer.BYTES + 2L * Byte.BYTES;
        return ((long) chunksFor(expectedOrders, shift) << shift) * rowBytes
                + SegmentedLongMap.presizedBytes(expectedOrders);
    }

    /** Of {@link #presizedBytes}: the pool's chunks of lines, in chunks as large as the orders make them. */
    static long presizedLineBytes(int expectedOrders, int expectedLines) {
        int shift = chunkShiftFor(expectedOrders);
        long lineBytes = Long.BYTES + 2L * Integer.BYTES + Character.BYTES;
        return ((long) chunksFor(expectedLines, shift) << shift) * lineBytes;
    }

    /** The order with that id, built from its row, or {@code null}. */
    Order get(long id) {
        int row = (int) rowOf.get(id);
        return row == NO_ROW ? null : build(row);
    }

    /** The status of the order with that id, or {@code null}: {@link #get} without the record. */
    OrderStatus statusOf(long id) {
        int row = (int) rowOf.get(id);
        return row == NO_ROW ? null : STATUS_BY_CODE[status[row >>> chunkShift][row & chunkMask]];
    }

    /** The customer of the stored order {@code id}; {@link IllegalStateException} when none is stored. */
    long customerOf(long id) {
        int row = storedRow(id);
        return Integer.toUnsignedLong(customer[row >>> chunkShift][row & chunkMask]);
    }

    /** When the stored order {@code id} expires; {@link IllegalStateException} when none is stored. */
    long expiresAtOf(long id) {
        int row = storedRow(id);
        return expiresAt[row >>> chunkShift][row & chunkMask];
    }

    /** The fingerprint of the stored order {@code id}; {@link IllegalStateException} when none is stored. */
    long fingerprintOf(long id) {
        int row = storedRow(id);
        return fingerprint[row >>> chunkShift][row & chunkMask];
    }

    /**
     * The lines of the stored order {@code id}, read in place through one reused view, valid until the next call;
     * {@link IllegalStateException} when none is stored.
     */
    OrderLines linesOf(long id) {
        int row = storedRow(id);
        int chunk = row >>> chunkShift;
        int at = row & chunkMask;
        readLines.of(firstLine[chunk][at], lineCount[chunk][at]);
        return readLines;
    }

    private int storedRow(long id) {
        int row = (int) rowOf.get(id);
        if (row == NO_ROW) {
            throw new IllegalStateException("order " + id + " is not stored");
        }
        return row;
    }

    /**
     * Reads the id index where {@code id} is or would be and, when it has a row, the row's customer: what deciding
     * a command of that order reads first, brought into the cache ahead of it ({@link WarmAhead}). Changes nothing;
     * returns what it read, for the caller to keep so that the reads are made.
     */
    long warm(long id) {
        int row = (int) rowOf.getAhead(id);
        return row == NO_ROW ? row : Integer.toUnsignedLong(customer[row >>> chunkShift][row & chunkMask]);
    }

    /** Stores {@code order}, replacing the one with the same id. */
    void put(Order order) {
        put(order.orderId(), order.customer(), order.status(), recordLines.of(order.lines()), order.expiresAt(),
                order.fingerprint());
    }

    /**
     * Stores an order from its fields, replacing the one with the same id: {@link #put(Order)} without the
     * record. {@code orderLines} is read only during the call. A new order is not in the order of last changes
     * until {@link #touch}ed; a replaced one keeps its place.
     */
    void put(long id, long orderCustomer, OrderStatus orderStatus, OrderLines orderLines, long orderExpiresAt,
             long orderFingerprint) {
        check(id, orderCustomer, orderLines);
        int candidate = freeRows != NONE ? freeRows : rows;
        if (candidate == Integer.MAX_VALUE - 1) {
            throw new IllegalStateException("the order book is full at " + stored + " orders");
        }
        int existing = (int) rowOf.putIfAbsent(id, candidate);
        int row;
        if (existing == NO_ROW) {
            row = takeRow();
            int chunk = row >>> chunkShift;
            int at = row & chunkMask;
            orderId[chunk][at] = id;
            prev[chunk][at] = UNLISTED;
            next[chunk][at] = NONE;
            changedAt[chunk][at] = 0;
            lineCount[chunk][at] = 0;
            writeLines(row, orderLines);
            stored++;
        } else {
            row = existing;
            if (!sameLines(row, orderLines)) {
                freeLines(row);
                writeLines(row, orderLines);
            }
        }
        int chunk = row >>> chunkShift;
        int at = row & chunkMask;
        customer[chunk][at] = (int) orderCustomer;
        status[chunk][at] = (byte) orderStatus.code();
        expiresAt[chunk][at] = orderExpiresAt;
        fingerprint[chunk][at] = orderFingerprint;
    }

    /**
     * Changes the status of a stored order in place.
     *
     * @return whether an order with that id was stored
     */
    boolean putStatus(long id, OrderStatus orderStatus) {
        int row = (int) rowOf.get(id);
        if (row == NO_ROW) {
            return false;
        }
        status[row >>> chunkShift][row & chunkMask] = (byte) orderStatus.code();
        return true;
    }

    /**
     * Records that the order changed at {@code time}: it moves to the tail of the order of last changes.
     *
     * @return whether an order with that id was stored
     */
    boolean touch(long id, long time) {
        int row = (int) rowOf.get(id);
        if (row == NO_ROW) {
            return false;
        }
        unlink(row);
        int chunk = row >>> chunkShift;
        int at = row & chunkMask;
        changedAt[chunk][at] = time;
        prev[chunk][at] = tail;
        next[chunk][at] = NONE;
        if (tail == NONE) {
            head = row;
        } else {
            next[tail >>> chunkShift][tail & chunkMask] = row;
        }
        tail = row;
        return true;
    }

    /**
     * Forgets the order: its id leaves the index, its row and its lines go on the free lists for new orders.
     *
     * @return whether an order with that id was stored
     */
    boolean remove(long id) {
        int row = (int) rowOf.remove(id);
        if (row == NO_ROW) {
            return false;
        }
        unlink(row);
        freeLines(row);
        int chunk = row >>> chunkShift;
        int at = row & chunkMask;
        status[chunk][at] = FREE;
        next[chunk][at] = freeRows;
        freeRows = row;
        stored--;
        return true;
    }

    /** Visits the orders in the order of their last changes, oldest first, until the visitor says stop. */
    void forEachByLastChange(InventoryState.LastChangeVisitor visitor) {
        for (int row = head; row != NONE; row = next[row >>> chunkShift][row & chunkMask]) {
            int chunk = row >>> chunkShift;
            int at = row & chunkMask;
            if (!visitor.onOrder(orderId[chunk][at], changedAt[chunk][at])) {
                return;
            }
        }
    }

    /** Visits every order, in the order of their rows. */
    void forEach(Consumer<Order> visitor) {
        for (int row = 0; row < rows; row++) {
            if (status[row >>> chunkShift][row & chunkMask] != FREE) {
                visitor.accept(build(row));
            }
        }
    }

    /**
     * Visits every order as its fields, in the order of their rows, its lines read in place through one reused
     * view: no record per order.
     */
    void forEachFields(InventoryStore.OrderVisitor visitor) {
        RowLines view = new RowLines();
        for (int row = 0; row < rows; row++) {
            int chunk = row >>> chunkShift;
            int at = row & chunkMask;
            byte code = status[chunk][at];
            if (code != FREE) {
                view.of(firstLine[chunk][at], lineCount[chunk][at]);
                visitor.onOrder(orderId[chunk][at], Integer.toUnsignedLong(customer[chunk][at]), STATUS_BY_CODE[code],
                        view, expiresAt[chunk][at], fingerprint[chunk][at]);
            }
        }
    }

    /** How many orders are stored. */
    int size() {
        return stored;
    }

    /** How many rows were ever used: the most orders held at once. */
    int rowsUsed() {
        return rows;
    }

    /** How many pool lines were ever used: the most lines (summed over the orders) held at once. */
    int linesUsed() {
        return lines;
    }

    /** How many row chunks are allocated. */
    int rowChunks() {
        int count = 0;
        while (count < orderId.length && orderId[count] != null) {
            count++;
        }
        return count;
    }

    /** How many chunks of the line pool are allocated. */
    int lineChunks() {
        int count = 0;
        while (count < lineSku.length && lineSku[count] != null) {
            count++;
        }
        return count;
    }

    /** How many segments the id index holds. */
    int indexSegments() {
        return rowOf.segments();
    }

    private void unlink(int row) {
        int chunk = row >>> chunkShift;
        int at = row & chunkMask;
        int before = prev[chunk][at];
        if (before == UNLISTED) {
            return;
        }
        int after = next[chunk][at];
        if (before == NONE) {
            head = after;
        } else {
            next[before >>> chunkShift][before & chunkMask] = after;
        }
        if (after == NONE) {
            tail = before;
        } else {
            prev[after >>> chunkShift][after & chunkMask] = before;
        }
        prev[chunk][at] = UNLISTED;
        next[chunk][at] = NONE;
    }

    private Order build(int row) {
        int chunk = row >>> chunkShift;
        int at = row & chunkMask;
        int first = firstLine[chunk][at];
        int count = lineCount[chunk][at];
        List<Line> orderLines;
        if (count == 1) {
            orderLines = List.of(line(first));
        } else {
            Line[] built = new Line[count];
            int index = first;
            for (int i = 0; i < count; i++) {
                built[i] = line(index);
                index = lineNext[index >>> chunkShift][index & chunkMask];
            }
            orderLines = List.of(built);
        }
        return new Order(orderId[chunk][at], Integer.toUnsignedLong(customer[chunk][at]),
                STATUS_BY_CODE[status[chunk][at]], orderLines,
                expiresAt[chunk][at], fingerprint[chunk][at]);
    }

    private Line line(int index) {
        int chunk = index >>> chunkShift;
        int at = index & chunkMask;
        return new Line(Integer.toUnsignedLong(lineSku[chunk][at]), lineWarehouse[chunk][at],
                lineQuantity[chunk][at]);
    }

    /** A free row if there is one, else the next new row (allocating its chunk when it starts one). */
    private int takeRow() {
        if (freeRows != NONE) {
            int row = freeRows;
            freeRows = next[row >>> chunkShift][row & chunkMask];
            return row;
        }
        int chunk = rows >>> chunkShift;
        if (chunk == orderId.length || orderId[chunk] == null) {
            addRowChunk(chunk);
        }
        return rows++;
    }

    private void addRowChunk(int chunk) {
        int size = 1 << chunkShift;
        if (chunk == orderId.length) {
            int references = grownCapacity(orderId.length);
            orderId = Arrays.copyOf(orderId, references);
            customer = Arrays.copyOf(customer, references);
            expiresAt = Arrays.copyOf(expiresAt, references);
            fingerprint = Arrays.copyOf(fingerprint, references);
            changedAt = Arrays.copyOf(changedAt, references);
            status = Arrays.copyOf(status, references);
            firstLine = Arrays.copyOf(firstLine, references);
            lineCount = Arrays.copyOf(lineCount, references);
            prev = Arrays.copyOf(prev, references);
            next = Arrays.copyOf(next, references);
        }
        orderId[chunk] = new long[size];
        customer[chunk] = new int[size];
        expiresAt[chunk] = new long[size];
        fingerprint[chunk] = new long[size];
        changedAt[chunk] = new long[size];
        status[chunk] = new byte[size];
        firstLine[chunk] = new int[size];
        lineCount[chunk] = new byte[size];
        prev[chunk] = new int[size];
        next[chunk] = new int[size];
    }

    private void addLineChunk(int chunk) {
        if (chunk == lineSku.length) {
            int references = grownCapacity(lineSku.length);
            lineSku = Arrays.copyOf(lineSku, references);
            lineWarehouse = Arrays.copyOf(lineWarehouse, references);
            lineQuantity = Arrays.copyOf(lineQuantity, references);
            lineNext = Arrays.copyOf(lineNext, references);
        }
        int size = 1 << chunkShift;
        lineSku[chunk] = new int[size];
        lineWarehouse[chunk] = new char[size];
        lineQuantity[chunk] = new long[size];
        lineNext[chunk] = new int[size];
    }

    /**
     * Refuses, before anything changes, an order the book cannot hold: a customer outside {@code 0 ..}
     * {@link Limits#MAX_CUSTOMER} (commands cannot carry one; this guards the {@code int} a row keeps its customer
     * in), more than {@link Byte#MAX_VALUE} lines, a sku outside {@code 0 ..} {@link Limits#MAX_SKU} or a warehouse
     * outside {@code 0 ..} {@link Limits#MAX_WAREHOUSE} (records and commands cannot carry one; this guards the
     * {@code int} a line keeps its sku in and the {@code char} it keeps its warehouse in).
     */
    private static void check(long id, long orderCustomer, OrderLines orderLines) {
        if (orderCustomer < 0 || orderCustomer > Limits.MAX_CUSTOMER) {
            throw new IllegalArgumentException("order " + id + " has customer " + orderCustomer + "; customers are 0.."
                    + Limits.MAX_CUSTOMER);
        }
        int count = orderLines.count();
        if (count > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("order " + id + " has " + count + " lines; the store holds at most "
                    + Byte.MAX_VALUE);
        }
        for (int i = 0; i < count; i++) {
            long sku = orderLines.sku(i);
            if (sku < 0 || sku > Limits.MAX_SKU) {
                throw new IllegalArgumentException("order " + id + " line " + i + " has sku " + sku
                        + "; skus are 0.." + Limits.MAX_SKU);
            }
            int warehouse = orderLines.warehouse(i);
            if (warehouse < 0 || warehouse > Limits.MAX_WAREHOUSE) {
                throw new IllegalArgumentException("order " + id + " line " + i + " has warehouse " + warehouse
                        + "; warehouses are 0.." + Limits.MAX_WAREHOUSE);
            }
        }
    }

    /** Writes the lines into free pool lines, else new ones, linked in order; the row names the first. */
    private void writeLines(int row, OrderLines orderLines) {
        int count = orderLines.count();
        int first = NONE;
        int last = NONE;
        for (int i = 0; i < count; i++) {
            int index = takeLine();
            int lineChunk = index >>> chunkShift;
            int lineAt = index & chunkMask;
            lineSku[lineChunk][lineAt] = (int) orderLines.sku(i);
            lineWarehouse[lineChunk][lineAt] = (char) orderLines.warehouse(i);
            lineQuantity[lineChunk][lineAt] = orderLines.quantity(i);
            lineNext[lineChunk][lineAt] = NONE;
            if (last == NONE) {
                first = index;
            } else {
                lineNext[last >>> chunkShift][last & chunkMask] = index;
            }
            last = index;
        }
        int chunk = row >>> chunkShift;
        int at = row & chunkMask;
        firstLine[chunk][at] = first;
        lineCount[chunk][at] = (byte) count;
    }

    /**
     * A pool line for a new order's line: the first of the free chain freed last (the rest of the chain stays
     * first), else a new line at the pool's end, allocating its chunk when it starts one.
     */
    private int takeLine() {
        if (freeChains != NONE) {
            int index = freeChains;
            int chunk = index >>> chunkShift;
            int at = index & chunkMask;
            int rest = lineNext[chunk][at];
            int nextChain = lineSku[chunk][at];
            if (rest == NONE) {
                freeChains = nextChain;
            } else {
                lineSku[rest >>> chunkShift][rest & chunkMask] = nextChain;
                freeChains = rest;
            }
            return index;
        }
        if (lines == Integer.MAX_VALUE - 1) {
            throw new IllegalStateException("the order book's line pool is full at " + lines + " lines");
        }
        int chunk = lines >>> chunkShift;
        if (chunk == lineSku.length || lineSku[chunk] == null) {
            addLineChunk(chunk);
        }
        return lines++;
    }

    /** Puts the row's chain of lines, whole, first on the list of free chains: constant time. */
    private void freeLines(int row) {
        int chunk = row >>> chunkShift;
        int at = row & chunkMask;
        if (lineCount[chunk][at] > 0) {
            int first = firstLine[chunk][at];
            lineSku[first >>> chunkShift][first & chunkMask] = freeChains;
            freeChains = first;
        }
        firstLine[chunk][at] = NONE;
        lineCount[chunk][at] = 0;
    }

    private boolean sameLines(int row, OrderLines orderLines) {
        int chunk = row >>> chunkShift;
        int at = row & chunkMask;
        if (lineCount[chunk][at] != orderLines.count()) {
            return false;
        }
        int index = firstLine[chunk][at];
        for (int i = 0; i < orderLines.count(); i++) {
            int lineChunk = index >>> chunkShift;
            int lineAt = index & chunkMask;
            if (Integer.toUnsignedLong(lineSku[lineChunk][lineAt]) != orderLines.sku(i)
                    || lineWarehouse[lineChunk][lineAt] != orderLines.warehouse(i)
                    || lineQuantity[lineChunk][lineAt] != orderLines.quantity(i)) {
                return false;
            }
            index = lineNext[lineChunk][lineAt];
        }
        return true;
    }

    /** The next length of an array of chunk references: doubled, at least 4 (a 64 Ki-row chunk is 3.1 MiB). */
    private static int grownCapacity(int current) {
        return Math.max(4, current * 2);
    }

    private static OrderStatus[] statusByCode() {
        OrderStatus[] byCode = new OrderStatus[Byte.MAX_VALUE + 1];
        for (OrderStatus s : OrderStatus.values()) {
            byCode[s.code()] = s;
        }
        return byCode;
    }

    /**
     * A row's chain of pool lines seen as {@link OrderLines}, in place. It keeps the line it read last, so reading
     * the lines in order, or one line's fields one after another, walks each link once; reading backwards walks
     * again from the first.
     */
    private final class RowLines implements OrderLines {
        private int first;
        private int count;
        /** The line {@link #at} is line {@code atIndex} of the order. */
        private int atIndex;
        private int at;

        void of(int firstLine, int lineCount) {
            first = firstLine;
            count = lineCount;
            atIndex = 0;
            at = firstLine;
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public long sku(int i) {
            int index = line(i);
            return Integer.toUnsignedLong(lineSku[index >>> chunkShift][index & chunkMask]);
        }

        @Override
        public int warehouse(int i) {
            int index = line(i);
            return lineWarehouse[index >>> chunkShift][index & chunkMask];
        }

        @Override
        public long quantity(int i) {
            int index = line(i);
            return lineQuantity[index >>> chunkShift][index & chunkMask];
        }

        private int line(int i) {
            if (i < 0 || i >= count) {
                throw new IndexOutOfBoundsException("line " + i + " of an order of " + count + " lines");
            }
            if (i < atIndex) {
                atIndex = 0;
                at = first;
            }
            while (atIndex < i) {
                at = lineNext[at >>> chunkShift][at & chunkMask];
                atIndex++;
            }
            return at;
        }
    }
}
