package dev.purestock.engine;

import dev.purestock.domain.Line;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderLines;
import dev.purestock.domain.OrderStatus;
import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The order book of a {@link PrimitiveInventoryStore}, kept in primitive columns: one row per order
 * (id, customer, status, expiry, fingerprint) and its lines in a shared pool, with an agrona map from
 * order id to row. An order once stored is no object at all, so the garbage collector neither traces nor
 * copies the book however large it grows; measured on the latency harness, the objects an accepted order
 * used to leave behind were what young collections spent their pauses copying.
 *
 * <p>{@link Order} records are built when asked for: the domain reads an order only to recognise a repeat
 * or to cancel, confirm, release or expire it, and a new purchase's lookup finds no row and builds
 * nothing. Storing an order again (a status change) rewrites its row in place. Not thread-safe.
 */
final class OrderColumns {
    private static final long NO_ROW = -1;
    private static final OrderStatus[] STATUS_BY_CODE = statusByCode();

    private final Long2LongHashMap rowOf;
    private long[] orderId;
    private long[] customer;
    private long[] expiresAt;
    private long[] fingerprint;
    private byte[] status;
    private int[] firstLine;
    private byte[] lineCount;
    private long[] lineSku;
    private int[] lineWarehouse;
    private long[] lineQuantity;
    private int rows;
    private int lines;

    OrderColumns(int expectedOrders, float loadFactor) {
        rowOf = new Long2LongHashMap(expectedOrders, loadFactor, NO_ROW);
        orderId = new long[expectedOrders];
        customer = new long[expectedOrders];
        expiresAt = new long[expectedOrders];
        fingerprint = new long[expectedOrders];
        status = new byte[expectedOrders];
        firstLine = new int[expectedOrders];
        lineCount = new byte[expectedOrders];
        lineSku = new long[expectedOrders];
        lineWarehouse = new int[expectedOrders];
        lineQuantity = new long[expectedOrders];
    }

    /** The order with that id, built from its row, or {@code null}. */
    Order get(long id) {
        long row = rowOf.get(id);
        return row == NO_ROW ? null : build((int) row);
    }

    /** Stores {@code order}, replacing the one with the same id. */
    void put(Order order) {
        long existing = rowOf.putIfAbsent(order.orderId(), rows);
        int row;
        if (existing == NO_ROW) {
            row = newRow();
            orderId[row] = order.orderId();
            writeLines(row, order.lines());
        } else {
            row = (int) existing;
            if (!sameLines(row, order.lines())) {
                writeLines(row, order.lines());
            }
        }
        customer[row] = order.customer();
        status[row] = (byte) order.status().code();
        expiresAt[row] = order.expiresAt();
        fingerprint[row] = order.fingerprint();
    }

    /**
     * Stores an order from its fields, replacing the one with the same id: {@link #put(Order)} without the
     * record. {@code orderLines} is read only during the call.
     */
    void put(long id, long orderCustomer, OrderStatus orderStatus, OrderLines orderLines, long orderExpiresAt,
             long orderFingerprint) {
        long existing = rowOf.putIfAbsent(id, rows);
        int row;
        if (existing == NO_ROW) {
            row = newRow();
            orderId[row] = id;
            writeLines(row, orderLines);
        } else {
            row = (int) existing;
            if (!sameLines(row, orderLines)) {
                writeLines(row, orderLines);
            }
        }
        customer[row] = orderCustomer;
        status[row] = (byte) orderStatus.code();
        expiresAt[row] = orderExpiresAt;
        fingerprint[row] = orderFingerprint;
    }

    /**
     * Changes the status of a stored order in place.
     *
     * @return whether an order with that id was stored
     */
    boolean putStatus(long id, OrderStatus orderStatus) {
        long row = rowOf.get(id);
        if (row == NO_ROW) {
            return false;
        }
        status[(int) row] = (byte) orderStatus.code();
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
        int first = firstLine[row];
        int count = lineCount[row];
        List<Line> orderLines;
        if (count == 1) {
            orderLines = List.of(new Line(lineSku[first], lineWarehouse[first], lineQuantity[first]));
        } else {
            Line[] built = new Line[count];
            for (int i = 0; i < count; i++) {
                built[i] = new Line(lineSku[first + i], lineWarehouse[first + i], lineQuantity[first + i]);
            }
            orderLines = List.of(built);
        }
        return new Order(orderId[row], customer[row], STATUS_BY_CODE[status[row]], orderLines, expiresAt[row],
                fingerprint[row]);
    }

    private int newRow() {
        if (rows == orderId.length) {
            int capacity = grownCapacity(rows);
            orderId = Arrays.copyOf(orderId, capacity);
            customer = Arrays.copyOf(customer, capacity);
            expiresAt = Arrays.copyOf(expiresAt, capacity);
            fingerprint = Arrays.copyOf(fingerprint, capacity);
            status = Arrays.copyOf(status, capacity);
            firstLine = Arrays.copyOf(firstLine, capacity);
            lineCount = Arrays.copyOf(lineCount, capacity);
        }
        return rows++;
    }

    private void writeLines(int row, List<Line> orderLines) {
        int count = orderLines.size();
        if (count > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("order " + orderId[row] + " has " + count + " lines; the store holds at most "
                    + Byte.MAX_VALUE);
        }
        if (lines + count > lineSku.length) {
            int capacity = grownCapacity(Math.max(lineSku.length, lines + count));
            lineSku = Arrays.copyOf(lineSku, capacity);
            lineWarehouse = Arrays.copyOf(lineWarehouse, capacity);
            lineQuantity = Arrays.copyOf(lineQuantity, capacity);
        }
        for (int i = 0; i < count; i++) {
            Line line = orderLines.get(i);
            lineSku[lines + i] = line.sku();
            lineWarehouse[lines + i] = line.warehouse();
            lineQuantity[lines + i] = line.quantity();
        }
        firstLine[row] = lines;
        lineCount[row] = (byte) count;
        lines += count;
    }

    private void writeLines(int row, OrderLines orderLines) {
        int count = orderLines.count();
        if (count > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("order " + orderId[row] + " has " + count + " lines; the store holds at most "
                    + Byte.MAX_VALUE);
        }
        if (lines + count > lineSku.length) {
            int capacity = grownCapacity(Math.max(lineSku.length, lines + count));
            lineSku = Arrays.copyOf(lineSku, capacity);
            lineWarehouse = Arrays.copyOf(lineWarehouse, capacity);
            lineQuantity = Arrays.copyOf(lineQuantity, capacity);
        }
        for (int i = 0; i < count; i++) {
            lineSku[lines + i] = orderLines.sku(i);
            lineWarehouse[lines + i] = orderLines.warehouse(i);
            lineQuantity[lines + i] = orderLines.quantity(i);
        }
        firstLine[row] = lines;
        lineCount[row] = (byte) count;
        lines += count;
    }

    private boolean sameLines(int row, OrderLines orderLines) {
        int first = firstLine[row];
        if (lineCount[row] != orderLines.count()) {
            return false;
        }
        for (int i = 0; i < orderLines.count(); i++) {
            if (lineSku[first + i] != orderLines.sku(i) || lineWarehouse[first + i] != orderLines.warehouse(i)
                    || lineQuantity[first + i] != orderLines.quantity(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean sameLines(int row, List<Line> orderLines) {
        int first = firstLine[row];
        if (lineCount[row] != orderLines.size()) {
            return false;
        }
        for (int i = 0; i < orderLines.size(); i++) {
            Line line = orderLines.get(i);
            if (lineSku[first + i] != line.sku() || lineWarehouse[first + i] != line.warehouse()
                    || lineQuantity[first + i] != line.quantity()) {
                return false;
            }
        }
        return true;
    }

    private static int grownCapacity(int current) {
        if (current >= Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("the order book is full at " + current + " entries");
        }
        return (int) Math.min(Integer.MAX_VALUE - 8L, Math.max(16L, current * 2L));
    }

    private static OrderStatus[] statusByCode() {
        OrderStatus[] byCode = new OrderStatus[Byte.MAX_VALUE + 1];
        for (OrderStatus s : OrderStatus.values()) {
            byCode[s.code()] = s;
        }
        return byCode;
    }
}
