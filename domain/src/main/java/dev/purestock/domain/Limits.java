package dev.purestock.domain;

import java.util.List;
import java.util.Objects;

/**
 * The bounds of the domain's identifiers and quantities.
 *
 * <p>Identifiers outside their range cannot name anything and are refused when a command is constructed.
 * Quantities outside their range are legal to ask for and are rejected by {@link Inventory#decide} with
 * {@link Reason#INVALID_QUANTITY} or {@link Reason#QUANTITY_OVERFLOW}. The bounds keep a line's and a receipt's
 * sums and every customer's count far from {@code Long.MAX_VALUE}; returns (cancel, release, expiry) are not held to
 * {@link #MAX_STOCK}, so a position filled, sold and filled again can pass it: a cancel or release that would take
 * it past {@code Long.MAX_VALUE} is rejected with {@code QUANTITY_OVERFLOW}, and an expiry, which cannot be
 * refused, is the one sum left unchecked (docs/domain.md, "Limits").
 */
public final class Limits {
    /** Skus are numbered {@code 0 .. MAX_SKU}. */
    public static final long MAX_SKU = (1L << 32) - 1;
    /** Warehouses are numbered {@code 0 .. MAX_WAREHOUSE}. */
    public static final int MAX_WAREHOUSE = (1 << 16) - 1;
    /** Customers are numbered {@code 0 .. MAX_CUSTOMER}. */
    public static final long MAX_CUSTOMER = (1L << 32) - 1;
    /** The most units one line, receipt, write-off or limit may name. */
    public static final long MAX_QUANTITY = 1_000_000_000_000L;
    /** The most units a stock position, or a customer's count for one sku, may hold. */
    public static final long MAX_STOCK = 1_000_000_000_000_000L;
    /** The most lines an order or reservation may have. */
    public static final int MAX_LINES = 64;
    /**
     * The most commands a batch may hold, counting those in nested batches. A {@link Command.Hold} in a batch is one
     * command of it, whatever it holds: a batch that a hold holds is checked on its own when the hold is decided, its
     * commands counted from none, so a batch may hold batches of up to this many commands each. An engine may bound
     * more than the domain: purestock's engine refuses at intake a command whose held batches have more than this
     * many commands in all, so that a command and all it holds fit one journal record (engine/README.md,
     * "Intake limits"; docs/domain.md, "Limits").
     */
    public static final int MAX_BATCH_COMMANDS = 1024;
    /**
     * The deepest a batch may nest: a batch inside a batch has depth 2. A batch that a {@link Command.Hold} holds
     * is checked on its own, from depth 1, whatever the depth of the hold.
     */
    public static final int MAX_BATCH_DEPTH = 4;
    /** The most reservations one {@link Command.ExpireReservations} expires; the rest wait for the next one. */
    public static final int MAX_EXPIRIES_PER_COMMAND = 1024;
    /**
     * The most orders one {@link Command.ExpireReservations} forgets; the rest wait for the next one. Small on
     * purpose: deciding and applying it in the engine's store stalls the decision thread for some tens of
     * microseconds, and its events fit the room an {@link EventBuffer} keeps between decisions, so forgetting
     * allocates nothing. While a shard's last one forgot this many, the engine keeps one time command in flight
     * per 64 slots of its ring (at least eight), so that forgetting keeps up with a ring kept full by a sale
     * (engine/README.md, "Order retention", has the bound and the figures).
     */
    public static final int MAX_FORGOTTEN_PER_COMMAND = 255;
    /**
     * The most held commands one time command decides ({@link Command.ExpireReservations}); the rest wait for the
     * next one, which the engine sends at once while any are due.
     */
    public static final int MAX_RELEASED_PER_COMMAND = 255;
    /**
     * How long after its last change an order is remembered when the time command names no window
     * ({@link Command.ExpireReservations#ExpireReservations()}): 24 hours, in the units of the sequencing clock
     * (milliseconds on the engine's clock).
     */
    public static final long DEFAULT_RETAIN_ORDERS_FOR = 24L * 60 * 60 * 1000;
    /**
     * The most events one command may produce. Only a batch can come near it (a time command inside a batch
     * produces up to {@link #MAX_EXPIRIES_PER_COMMAND} plus {@link #MAX_FORGOTTEN_PER_COMMAND} events); a batch
     * that would produce more is rejected as a whole with {@link Reason#BATCH_TOO_LARGE}, so every decision fits
     * one journal record.
     */
    public static final int MAX_EVENTS_PER_COMMAND = 16_384;
    /**
     * The most line changes (the per-line stock changes that purchases, reservations, releases, expiries and
     * cancels carry) one command may produce: as many as the largest batch of orders can, a batch of
     * {@link #MAX_BATCH_COMMANDS} orders of {@link #MAX_LINES} lines. Expiries of many-line reservations
     * inside a batch could otherwise make a decision of tens of megabytes; a batch that would produce more is
     * rejected as a whole with {@link Reason#BATCH_TOO_LARGE}, so every decision fits one journal record.
     */
    public static final int MAX_LINE_CHANGES_PER_COMMAND = MAX_BATCH_COMMANDS * MAX_LINES;

    private Limits() {
    }

    /**
     * Checks the identifiers of a purchase, as {@link Command.Purchase}'s constructor does: for code that handles
     * a purchase as its fields, without building the record.
     *
     * @throws IllegalArgumentException naming the first identifier outside its range, with the message the
     *                                  record's constructor gives
     */
    public static void checkPurchase(long orderId, long customer, long sku, int warehouse) {
        id("order id", orderId);
        customer(customer);
        sku(sku);
        warehouse(warehouse);
    }

    /**
     * Checks an order id, as the constructor of every command naming an order does.
     *
     * @throws IllegalArgumentException when {@code orderId} is negative, with the message the records give
     */
    public static void checkOrderId(long orderId) {
        id("order id", orderId);
    }

    /**
     * Checks a stock position's sku and warehouse, as the constructor of every command naming one does: for code that
     * looks a position up by them (a read model, a standby), whose key packs both and would name another position.
     *
     * @throws IllegalArgumentException naming the first one outside its range, with the message the records give
     */
    public static void checkPosition(long sku, int warehouse) {
        sku(sku);
        warehouse(warehouse);
    }

    static long sku(long sku) {
        return inRange("sku", sku, MAX_SKU);
    }

    static int warehouse(int warehouse) {
        return (int) inRange("warehouse", warehouse, MAX_WAREHOUSE);
    }

    static long customer(long customer) {
        return inRange("customer", customer, MAX_CUSTOMER);
    }

    static long id(String what, long id) {
        return inRange(what, id, Long.MAX_VALUE);
    }

    /** An unmodifiable copy of {@code list}, refusing a null list or a null element with a message naming it. */
    static <T> List<T> noNulls(String what, List<T> list) {
        Objects.requireNonNull(list, what);
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new NullPointerException(what + "[" + i + "] is null");
            }
        }
        return List.copyOf(list);
    }

    private static long inRange(String what, long value, long max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(what + " " + value + " is outside 0.." + max);
        }
        return value;
    }
}
