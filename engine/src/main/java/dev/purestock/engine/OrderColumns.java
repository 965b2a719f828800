package dev.purestock.engine;

import dev.purestock.domain.Line;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderLines;
import dev.purestock.domain.OrderStatus;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The order book of a {@link PrimitiveInventoryStore}, kept in primitive columns: one row per order
 * (id, customer, status, expiry, fingerprint) and its lines in a shared pool, with an {@link OrderIndex} from
 * order id to row. An order once stored is no object at all, so the garbage collector neither traces the
 * book nor copies it however large it grows; measured on the latency harness, the objects an accepted order
 * used to leave behind were what young collections spent their pauses copying.
 *
 * <p>Columns grow in chunks of {@code 1 << chunkShift} rows (64 Ki by default), row {@code r} living at
 * index {@code r & mask} of chunk {@code r >> chunkShift}; the line pool grows the same way. A new chunk is
 * allocated when the last one is full and nothing already stored is ever copied, so storing an order costs
 * the same at the ten-millionth as at the first (only the small arrays of chunk references double).
 *
 * <p>{@link Order} records are built when asked for: the domain reads an order only to recognise a repeat
 * or to cancel, confirm, release or expire it, and a new purchase's lookup finds no row and builds
 * nothing. Storing an order again (a status change) rewrites its row in place; new lines for a stored order
 * are appended to the pool, and the old ones stay unused. Not thread-safe.
 */
final class OrderColumns {
    /** Rows (and pooled lines) per chunk, as a power of two: 64 Ki. */
    static final int DEFAULT_CHUNK_SHIFT = 16;
    private static final OrderStatus[] STATUS_BY_CODE = statusByCode();

    private final int chunkShift;
    private final int chunkMask;
    private final OrderIndex rowOf;
    private long[][] orderId = new long[0][];
    private long[][] customer = new long[0][];
    private long[][] expiresAt = new long[0][];
    private long[][] fingerprint = new long[0][];
    private byte[][] status = new byte[0][];
    private int[][] firstLine = new int[0][];
    private byte[][] lineCount = new byte[0][];
    private long[][] lineSku = new long[0][];
    private int[][] lineWarehouse = new int[0][];
    private long[][] lineQuantity = new long[0][];
    private final RecordLines recordLines = new RecordLines();
    private int rows;
    private int lines;

    /** A book for about {@code expectedOrders} orders (it grows beyond), in chunks of 64 Ki rows. */
    OrderColumns(int expectedOrders) {
        this(expectedOrders, DEFAULT_CHUNK_SHIFT, OrderIndex.DEFAULT_SEGMENT_SHIFT);
    }

    /**
     * A book for about {@code expectedOrders} orders with chunks of {@code 1 << chunkShift} rows and index
     * segments of {@code 1 << segmentShift} slots. Chunks for the expected orders are allocated up front
     * only when {@code expectedOrders} exceeds one chunk; a smaller book allocates its first chunk with its
     * first order.
     */
    OrderColumns(int expectedOrders, int chunkShift, int segmentShift) {
        if (chunkShift < 1 || chunkShift > 24) {
            throw new IllegalArgumentException("chunk shift must be within 1..24, was " + chunkShift);
        }
        this.chunkShift = chunkShift;
        this.chunkMask = (1 << chunkShift) - 1;
        rowOf = new OrderIndex(expectedOrders, segmentShift);
        int presizedChunks = expectedOrders > (1 << chunkShift) ? (int) ((expectedOrders - 1L) >> chunkShift) + 1 : 0;
        for (int chunk = 0; chunk < presizedChunks; chunk++) {
            addRowChunk(chunk);
            addLineChunk(chunk);
        }
    }

    /** The order with that id, built from its row, or {@code null}. */
    Order get(long id) {
        int row = rowOf.get(id);
        return row == OrderIndex.NO_ROW ? null : build(row);
    }

    /** Stores {@code order}, replacing the one with the same id. */
    void put(Order order) {
        put(order.orderId(), order.customer(), order.status(), recordLines.of(order.lines()), order.expiresAt(),
                order.fingerprint());
    }

    /**
     * Stores an order from its fields, replacing the one with the same id: {@link #put(Order)} without the
     * record. {@code orderLines} is read only during the call.
     */
    void put(long id, long orderCustomer, OrderStatus orderStatus, OrderLines orderLines, long orderExpiresAt,
             long orderFingerprint) {
        if (rows == Integer.MAX_VALUE - 1) {
            throw new IllegalStateException("the order book is full at " + rows + " orders");
        }
        int existing = rowOf.putIfAbsent(id, rows);
        int row;
        if (existing == OrderIndex.NO_ROW) {
            row = newRow();
            orderId[row >>> chunkShift][row & chunkMask] = id;
            writeLines(row, orderLines);
        } else {
            row = existing;
            if (!sameLines(row, orderLines)) {
                writeLines(row, orderLines);
            }
        }
        int chunk = row >>> chunkShift;
        int at = row & chunkMask;
        customer[chunk][at] = orderCustomer;
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
        int row = rowOf.get(id);
        if (row == OrderIndex.NO_ROW) {
            return false;
        }
        status[row >>> chunkShift][row & chunkMask] = (byte) orderStatus.code();
        return true;
    }

    /** Visits every order, in the order they were first stored. */
    void forEach(Consumer<Order> visitor) {
        for (int row = 0; row < rows; row++) {
            visitor.accept(build(row));
        }
    }

    /** How many orders are stored. */
    int size() {
        return rows;
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
            for (int i = 0; i < count; i++) {
                built[i] = line(first + i);
            }
            orderLines = List.of(built);
        }
        return new Order(orderId[chunk][at], customer[chunk][at], STATUS_BY_CODE[status[chunk][at]], orderLines,
                expiresAt[chunk][at], fingerprint[chunk][at]);
    }

    private Line line(int index) {
        int chunk = index >>> chunkShift;
        int at = index & chunkMask;
        return new Line(lineSku[chunk][at], lineWarehouse[chunk][at], lineQuantity[chunk][at]);
    }

    private int newRow() {
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
            status = Arrays.copyOf(status, references);
            firstLine = Arrays.copyOf(firstLine, references);
            lineCount = Arrays.copyOf(lineCount, references);
        }
        orderId[chunk] = new long[size];
        customer[chunk] = new long[size];
        expiresAt[chunk] = new long[size];
        fingerprint[chunk] = new long[size];
        status[chunk] = new byte[size];
        firstLine[chunk] = new int[size];
        lineCount[chunk] = new byte[size];
    }

    private void addLineChunk(int chunk) {
        if (chunk == lineSku.length) {
            int references = grownCapacity(lineSku.length);
            lineSku = Arrays.copyOf(lineSku, references);
            lineWarehouse = Arrays.copyOf(lineWarehouse, references);
            lineQuantity = Arrays.copyOf(lineQuantity, references);
        }
        int size = 1 << chunkShift;
        lineSku[chunk] = new long[size];
        lineWarehouse[chunk] = new int[size];
        lineQuantity[chunk] = new long[size];
    }

    private void writeLines(int row, OrderLines orderLines) {
        int count = orderLines.count();
        int chunk = row >>> chunkShift;
        int at = row & chunkMask;
        if (count > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("order " + orderId[chunk][at] + " has " + count
                    + " lines; the store holds at most " + Byte.MAX_VALUE);
        }
        if (lines > Integer.MAX_VALUE - 1 - count) {
            throw new IllegalStateException("the order book's line pool is full at " + lines + " lines");
        }
        for (int i = 0; i < count; i++) {
            int index = lines + i;
            int lineChunk = index >>> chunkShift;
            if (lineChunk == lineSku.length || lineSku[lineChunk] == null) {
                addLineChunk(lineChunk);
            }
            int lineAt = index & chunkMask;
            lineSku[lineChunk][lineAt] = orderLines.sku(i);
            lineWarehouse[lineChunk][lineAt] = orderLines.warehouse(i);
            lineQuantity[lineChunk][lineAt] = orderLines.quantity(i);
        }
        firstLine[chunk][at] = lines;
        lineCount[chunk][at] = (byte) count;
        lines += count;
    }

    private boolean sameLines(int row, OrderLines orderLines) {
        int chunk = row >>> chunkShift;
        int at = row & chunkMask;
        int first = firstLine[chunk][at];
        if (lineCount[chunk][at] != orderLines.count()) {
            return false;
        }
        for (int i = 0; i < orderLines.count(); i++) {
            int lineChunk = (first + i) >>> chunkShift;
            int lineAt = (first + i) & chunkMask;
            if (lineSku[lineChunk][lineAt] != orderLines.sku(i)
                    || lineWarehouse[lineChunk][lineAt] != orderLines.warehouse(i)
                    || lineQuantity[lineChunk][lineAt] != orderLines.quantity(i)) {
                return false;
            }
        }
        return true;
    }

    /** The next length of an array of chunk references: doubled, at least 4 (a 64 Ki-row chunk is 2.5 MiB). */
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

    /** A record's lines seen as {@link OrderLines}, reused for every {@link #put(Order)}. */
    private static final class RecordLines implements OrderLines {
        private List<Line> lines;

        RecordLines of(List<Line> orderLines) {
            this.lines = orderLines;
            return this;
        }

        @Override
        public int count() {
            return lines.size();
        }

        @Override
        public long sku(int i) {
            return lines.get(i).sku();
        }

        @Override
        public int warehouse(int i) {
            return lines.get(i).warehouse();
        }

        @Override
        public long quantity(int i) {
            return lines.get(i).quantity();
        }
    }
}
