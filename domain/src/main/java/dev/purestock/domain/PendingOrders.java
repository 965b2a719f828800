package dev.purestock.domain;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The orders of a {@link PendingState}: those stored, changed or forgotten in the layer, and the last changes
 * recorded there in their order, kept in columns with one row per order touched and no record, boxed key or map
 * node per order. A decision reads an order stored here field by field ({@link #status}, {@link #lines}, ...), and an
 * {@link Order} is built only when one is asked for ({@link #order}); storing one, setting its status and recording
 * its last change allocate nothing once the room has grown.
 *
 * <p>A row says what became of its order here: stored (it answers for the order), forgotten (the order is gone,
 * whatever the state beneath holds) or still beneath (only its place in the order of last changes moved). The last
 * changes are a log of every change recorded, oldest first; a row points at its latest entry, and the log is walked
 * skipping the entries that a later change or a forgetting replaced: the order a map that moves a changed order to
 * its end would give. {@link #clear} empties it all and keeps the room, up to a bound.
 */
final class PendingOrders {
    private static final byte BENEATH = 0;
    private static final byte STORED = 1;
    private static final byte FORGOTTEN = 2;
    private static final int NO_CHANGE = -1;
    private static final int INITIAL_ROWS = 8;
    /** The most rows, lines and log entries an emptied table keeps; more, grown by a large decision, are let go. */
    private static final int RETAINED = 1 << 10;
    private static final OrderStatus[] STATUSES = OrderStatus.values();

    /** The row of each order id. */
    private final LongTable rows = new LongTable();
    private long[] orderIds;
    private byte[] kinds;
    private boolean[] leftBaseOrder;
    private int[] lastChange;
    private long[] customers;
    private byte[] statuses;
    private long[] expiresAt;
    private long[] fingerprints;
    private int[] firstLine;
    private int[] lineCount;
    private int rowCount;
    private int stored;

    private long[] lineSkus;
    private int[] lineWarehouses;
    private long[] lineQuantities;
    private int lineEnd;

    /** The view {@link #lines} answers, reused. */
    private final RowLines rowLines = new RowLines();

    private int[] changedRows;
    private long[] changedAt;
    private int changes;

    PendingOrders() {
        allocateRows(INITIAL_ROWS);
        allocateLines(INITIAL_ROWS);
        allocateChanges(INITIAL_ROWS);
    }

    /** The row of {@code orderId}, or {@code -1} when nothing of it happened here. */
    int find(long orderId) {
        int slot = rows.find(orderId);
        return slot < 0 ? -1 : (int) rows.valueAt(slot);
    }

    /** Whether the order of {@code row} is stored here. */
    boolean isStored(int row) {
        return kinds[row] == STORED;
    }

    /** Whether the order of {@code row} was forgotten here (and not stored again since). */
    boolean isForgotten(int row) {
        return kinds[row] == FORGOTTEN;
    }

    /** The order stored in {@code row}, built from its columns. */
    Order order(int row) {
        Line[] lines = new Line[lineCount[row]];
        for (int i = 0; i < lines.length; i++) {
            int line = firstLine[row] + i;
            lines[i] = new Line(lineSkus[line], lineWarehouses[line], lineQuantities[line]);
        }
        return new Order(orderIds[row], customers[row], STATUSES[statuses[row]], List.of(lines), expiresAt[row],
                fingerprints[row]);
    }

    /** The status of the order stored in {@code row}. */
    OrderStatus status(int row) {
        return STATUSES[statuses[row]];
    }

    /** The customer of the order stored in {@code row}. */
    long customer(int row) {
        return customers[row];
    }

    /** When the order stored in {@code row} expires. */
    long expiresAt(int row) {
        return expiresAt[row];
    }

    /** The fingerprint of the order stored in {@code row}. */
    long fingerprint(int row) {
        return fingerprints[row];
    }

    /** The lines of the order stored in {@code row}, in place: one view, valid until the next call. */
    OrderLines lines(int row) {
        return rowLines.of(firstLine[row], lineCount[row]);
    }

    /** How many orders are stored here. */
    int storedCount() {
        return stored;
    }

    /** Stores an order from its fields; {@code lines} is read during the call only. */
    void put(long orderId, long customer, OrderStatus status, OrderLines lines, long expiry, long fingerprint) {
        int row = store(orderId, customer, status, lines.count(), expiry, fingerprint);
        for (int i = 0; i < lines.count(); i++) {
            addLine(lines.sku(i), lines.warehouse(i), lines.quantity(i));
        }
        lineCount[row] = lines.count();
    }

    /** Stores {@code order}. */
    void put(Order order) {
        List<Line> lines = order.lines();
        int row = store(order.orderId(), order.customer(), order.status(), lines.size(), order.expiresAt(),
                order.fingerprint());
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            addLine(line.sku(), line.warehouse(), line.quantity());
        }
        lineCount[row] = lines.size();
    }

    /** Sets the status of an order stored here; {@code false}, changing nothing, when none is. */
    boolean putStatus(long orderId, OrderStatus status) {
        int row = find(orderId);
        if (row < 0 || kinds[row] != STORED) {
            return false;
        }
        statuses[row] = (byte) status.ordinal();
        return true;
    }

    /** Records the last change of {@code orderId}, a stored order (here or beneath), at the end of the order. */
    void putLastChange(long orderId, long changedAtTime) {
        int row = row(orderId);
        if (changes == changedRows.length) {
            changedRows = Arrays.copyOf(changedRows, changes * 2);
            changedAt = Arrays.copyOf(changedAt, changes * 2);
        }
        changedRows[changes] = row;
        changedAt[changes] = changedAtTime;
        lastChange[row] = changes++;
        leftBaseOrder[row] = true;
    }

    /** Forgets {@code orderId}, a stored order (here or beneath), and its last change. */
    void forget(long orderId) {
        int row = row(orderId);
        if (kinds[row] == STORED) {
            stored--;
        }
        kinds[row] = FORGOTTEN;
        lastChange[row] = NO_CHANGE;
        leftBaseOrder[row] = true;
    }

    /** Whether the place of {@code orderId} in the order of last changes beneath no longer holds. */
    boolean leftBaseOrder(long orderId) {
        int row = find(orderId);
        return row >= 0 && leftBaseOrder[row];
    }

    /**
     * Visits the last changes recorded here, in their order, until {@code visitor} returns {@code false}.
     *
     * @return whether every one was visited
     */
    boolean forEachLastChange(InventoryState.LastChangeVisitor visitor) {
        for (int i = 0; i < changes; i++) {
            int row = changedRows[i];
            if (lastChange[row] == i && !visitor.onOrder(orderIds[row], changedAt[i])) {
                return false;
            }
        }
        return true;
    }

    /** Forgets every row, line and change, keeping the room unless a large decision grew it past a bound. */
    void clear() {
        rows.clear();
        if (orderIds.length > RETAINED) {
            allocateRows(INITIAL_ROWS);
        }
        if (lineSkus.length > RETAINED) {
            allocateLines(INITIAL_ROWS);
        }
        if (changedRows.length > RETAINED) {
            allocateChanges(INITIAL_ROWS);
        }
        rowCount = 0;
        stored = 0;
        lineEnd = 0;
        changes = 0;
    }

    /** Fills the row of {@code orderId} as stored, its lines to be added from the end of the lines. */
    private int store(long orderId, long customer, OrderStatus status, int lines, long expiry, long fingerprint) {
        int row = row(orderId);
        if (kinds[row] != STORED) {
            kinds[row] = STORED;
            stored++;
        }
        customers[row] = customer;
        statuses[row] = (byte) status.ordinal();
        expiresAt[row] = expiry;
        fingerprints[row] = fingerprint;
        firstLine[row] = lineEnd;
        if (lineEnd + lines > lineSkus.length) {
            int room = Math.max(lineSkus.length * 2, lineEnd + lines);
            lineSkus = Arrays.copyOf(lineSkus, room);
            lineWarehouses = Arrays.copyOf(lineWarehouses, room);
            lineQuantities = Arrays.copyOf(lineQuantities, room);
        }
        return row;
    }

    private void addLine(long sku, int warehouse, long quantity) {
        lineSkus[lineEnd] = sku;
        lineWarehouses[lineEnd] = warehouse;
        lineQuantities[lineEnd++] = quantity;
    }

    /** The row of {@code orderId}, a new one (still beneath) when nothing of it happened here yet. */
    private int row(long orderId) {
        int row = find(orderId);
        if (row >= 0) {
            return row;
        }
        if (rowCount == orderIds.length) {
            growRows();
        }
        row = rowCount++;
        rows.put(orderId, row);
        orderIds[row] = orderId;
        kinds[row] = BENEATH;
        leftBaseOrder[row] = false;
        lastChange[row] = NO_CHANGE;
        return row;
    }

    private void growRows() {
        int room = orderIds.length * 2;
        orderIds = Arrays.copyOf(orderIds, room);
        kinds = Arrays.copyOf(kinds, room);
        leftBaseOrder = Arrays.copyOf(leftBaseOrder, room);
        lastChange = Arrays.copyOf(lastChange, room);
        customers = Arrays.copyOf(customers, room);
        statuses = Arrays.copyOf(statuses, room);
        expiresAt = Arrays.copyOf(expiresAt, room);
        fingerprints = Arrays.copyOf(fingerprints, room);
        firstLine = Arrays.copyOf(firstLine, room);
        lineCount = Arrays.copyOf(lineCount, room);
    }

    private void allocateRows(int room) {
        orderIds = new long[room];
        kinds = new byte[room];
        leftBaseOrder = new boolean[room];
        lastChange = new int[room];
        customers = new long[room];
        statuses = new byte[room];
        expiresAt = new long[room];
        fingerprints = new long[room];
        firstLine = new int[room];
        lineCount = new int[room];
    }

    private void allocateLines(int room) {
        lineSkus = new long[room];
        lineWarehouses = new int[room];
        lineQuantities = new long[room];
    }

    private void allocateChanges(int room) {
        changedRows = new int[room];
        changedAt = new long[room];
    }

    /**
     * A row's lines, which lie side by side, seen as {@link OrderLines}; it reads the line columns afresh on every
     * call, so lines added after it was made (which may grow the columns) leave it right.
     */
    private final class RowLines implements OrderLines {
        private int first;
        private int count;

        RowLines of(int firstLine, int lineCount) {
            first = firstLine;
            count = lineCount;
            return this;
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public long sku(int i) {
            return lineSkus[line(i)];
        }

        @Override
        public int warehouse(int i) {
            return lineWarehouses[line(i)];
        }

        @Override
        public long quantity(int i) {
            return lineQuantities[line(i)];
        }

        private int line(int i) {
            return first + Objects.checkIndex(i, count);
        }
    }
}
