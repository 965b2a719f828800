package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.CancelHold;
import dev.purestock.domain.Command.CancelPurchase;
import dev.purestock.domain.Command.ConfirmReservation;
import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Command.Hold;
import dev.purestock.domain.Command.ListProduct;
import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.ReceiveStock;
import dev.purestock.domain.Command.ReleaseReservation;
import dev.purestock.domain.Command.Reserve;
import dev.purestock.domain.Command.WriteOffStock;
import dev.purestock.domain.Event.AlreadyApplied;
import dev.purestock.domain.Event.BatchAborted;
import dev.purestock.domain.Event.CommandHeld;
import dev.purestock.domain.Event.HoldCancelled;
import dev.purestock.domain.Event.HoldReleased;
import dev.purestock.domain.Event.OrderForgotten;
import dev.purestock.domain.Event.ProductListed;
import dev.purestock.domain.Event.PurchaseAccepted;
import dev.purestock.domain.Event.PurchaseCancelled;
import dev.purestock.domain.Event.Rejected;
import dev.purestock.domain.Event.Rejection;
import dev.purestock.domain.Event.ReservationConfirmed;
import dev.purestock.domain.Event.ReservationExpired;
import dev.purestock.domain.Event.ReservationReleased;
import dev.purestock.domain.Event.StockReceived;
import dev.purestock.domain.Event.StockReserved;
import dev.purestock.domain.Event.StockWrittenOff;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * The inventory decider: {@link #decide} holds every rule, {@link #evolve} applies what was decided.
 *
 * <p>{@code decide} reads state through {@link InventoryState} and writes events; it changes nothing,
 * reads no clock and performs no I/O, so the same commands in the same order against the same state give
 * the same events. {@code evolve} sets the values an event carries and contains no rules. It takes the time
 * the command was decided at, as the journal records it: an order's last change is kept with that time, which
 * is what its retention window counts from. Folding the events of a run, each command's at its time, into an
 * empty store reproduces the run's state.
 *
 * <p>Two forms of the same decision: {@link #decide(Command, long, InventoryState, EventBuffer)} writes the
 * events into a caller's reusable {@link EventBuffer} and allocates nothing for a purchase, and
 * {@link #evolveAll(MutableInventory, long, EventBuffer)} applies them from there; {@link #decide(Command, long,
 * InventoryState)} returns them as {@link Event} records, the readable form, built from the same buffer.
 *
 * <p>The fixed-shape commands that carry only numbers also have a door that takes their fields instead of
 * their record: {@link #decidePurchase}, {@link #decideCancelPurchase}, {@link #decideConfirmReservation} and
 * {@link #decideReleaseReservation}. They hold the rules; {@code decide} calls them with the record's fields,
 * so the two doors cannot disagree. With a buffer and a store sized ahead, deciding and applying a purchase
 * that way allocates nothing at all, the command included.
 */
public final class Inventory {
    static final int PURCHASE_KIND = 3;
    static final int RESERVE_KIND = 4;
    /** What {@link #countBatch} gives for a batch nested deeper than {@link Limits#MAX_BATCH_DEPTH}. */
    private static final int TOO_DEEP = -1;
    /** What {@link #countBatch} gives for a batch without commands. */
    private static final int EMPTY = -2;
    /** What {@link #countBatch} gives for a batch of more than {@link Limits#MAX_BATCH_COMMANDS} commands. */
    private static final int TOO_LARGE = -3;

    private Inventory() {
    }

    /**
     * Decides {@code command} at time {@code now} against {@code state}.
     *
     * @return the events, never empty except for an {@link ExpireReservations} with nothing to forget or
     *     expire; a
     *     rejection is a single {@link Rejection}, except inside an independent batch, whose events are
     *     those of its members in order
     */
    public static List<Event> decide(Command command, long now, InventoryState state) {
        EventBuffer out = new EventBuffer();
        decide(command, now, state, out);
        return out.toEvents();
    }

    /**
     * Decides {@code command} at time {@code now} against {@code state}, appending the events to {@code out}:
     * the same events, in the same order, as {@link #decide(Command, long, InventoryState)} returns. If this
     * throws, {@code out} may hold part of a decision: clear it.
     */
    public static void decide(Command command, long now, InventoryState state, EventBuffer out) {
        decide(command, now, state, out, null);
    }

    /**
     * As {@link #decide(Command, long, InventoryState, EventBuffer)}, with working room that the caller keeps from
     * one decision to the next: a caller that decides time commands ({@link ExpireReservations}) and batches
     * ({@link Batch}) one after another on one thread, as an engine's shard does, hands the same {@code scratch} to
     * each, and a time command that finds nothing due, or a batch of purchases, then allocates nothing. The events
     * are the same with any scratch or none.
     *
     * @param scratch working room used by one decision at a time; {@code null} for a fresh one when needed
     */
    public static void decide(Command command, long now, InventoryState state, EventBuffer out,
                              DecisionScratch scratch) {
        switch (command) {
            case ListProduct c -> listProduct(c, state, out);
            case ReceiveStock c -> receive(c, state, out);
            case WriteOffStock c -> writeOff(c, state, out);
            case Purchase c -> decidePurchase(c.orderId(), c.customer(), c.sku(), c.warehouse(), c.quantity(), now,
                    state, out);
            case PlaceOrder c -> placeOrder(c, state, out);
            case CancelPurchase c -> decideCancelPurchase(c.orderId(), now, state, out);
            case Reserve c -> reserve(c, now, state, out);
            case ConfirmReservation c -> decideConfirmReservation(c.orderId(), now, state, out);
            case ReleaseReservation c -> decideReleaseReservation(c.orderId(), now, state, out);
            case ExpireReservations c -> {
                DecisionScratch work = DecisionScratch.take(scratch);
                work.decisionStart = out.mark();
                try {
                    expire(c, now, state, out, work);
                } finally {
                    work.release();
                }
            }
            case Batch c -> {
                DecisionScratch work = DecisionScratch.take(scratch);
                work.decisionStart = out.mark();
                try {
                    batch(c, now, state, out, work);
                } finally {
                    work.release();
                }
            }
            case Hold c -> hold(c, state, out);
            case CancelHold c -> cancelHold(c, state, out);
        }
    }

    /**
     * Decides {@code command} inside a decision that holds {@code work} already: a batch's member, or a command
     * that a time command releases. A time command inside a time command (which holds cannot hold) gets room of its
     * own, as the lists of the one outside are in use.
     */
    private static void decideWithin(Command command, long now, InventoryState state, EventBuffer out,
                                     DecisionScratch work) {
        switch (command) {
            case Batch c -> batch(c, now, state, out, work);
            case ExpireReservations c when !work.expiring -> expire(c, now, state, out, work);
            default -> decide(command, now, state, out, null);
        }
    }

    /** Decides a time command: forgets the orders past their window, then expires and releases what is due. */
    private static void expire(ExpireReservations c, long now, InventoryState state, EventBuffer out,
                               DecisionScratch work) {
        work.expiring = true;
        try {
            int forgotten = out.size();
            forget(c.retainOrdersFor(), now, state, out, work);
            releaseDue(now, state, out, forgotten, work);
        } finally {
            work.endTimeCommand();
        }
    }

    /** Whether {@code events} hold a rejection, that is, whether some part of the command was refused. */
    public static boolean anyRejected(List<Event> events) {
        return firstRejection(events) >= 0;
    }

    /**
     * The index of the first {@link Rejection} among {@code events}, or {@code -1} when nothing was refused: what
     * {@link DecidedEvents#firstRejection()} says of the same events in primitive form.
     */
    public static int firstRejection(List<Event> events) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof Rejection) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Applies one event, of a command decided at {@code time}, to {@code store}. Rejections and repeats change
     * nothing.
     *
     * @throws IllegalStateException when the event changes an order the store does not hold (a record of another
     *                               history): nothing of it is applied then
     */
    public static void evolve(MutableInventory store, long time, Event event) {
        switch (event) {
            case ProductListed e -> store.putProduct(new Product(e.sku(), e.perCustomerLimit(), e.countsCustomers()));
            case StockReceived e -> {
                store.putAvailable(e.sku(), e.warehouse(), e.available());
                store.putMovement(e.movementId(), e.fingerprint());
            }
            case StockWrittenOff e -> {
                store.putAvailable(e.sku(), e.warehouse(), e.available());
                store.putMovement(e.movementId(), e.fingerprint());
            }
            case PurchaseAccepted e -> {
                setLines(store, e.customer(), e.lines());
                store.putOrder(new Order(e.orderId(), e.customer(), OrderStatus.PURCHASED, lines(e.lines()), 0,
                        e.fingerprint()));
                store.putLastChange(e.orderId(), time);
            }
            case StockReserved e -> {
                setLines(store, e.customer(), e.lines());
                store.putOrder(new Order(e.orderId(), e.customer(), OrderStatus.RESERVED, lines(e.lines()),
                        e.expiresAt(), e.fingerprint()));
                store.scheduleExpiry(e.orderId(), e.expiresAt());
            }
            case ReservationConfirmed e -> endReservation(store, time, e.orderId(), OrderStatus.CONFIRMED, List.of(),
                    "ReservationConfirmed");
            case ReservationReleased e -> endReservation(store, time, e.orderId(), OrderStatus.RELEASED, e.lines(),
                    "ReservationReleased");
            case ReservationExpired e -> endReservation(store, time, e.orderId(), OrderStatus.EXPIRED, e.lines(),
                    "ReservationExpired");
            case PurchaseCancelled e -> {
                requireStored(store, e.orderId(), "PurchaseCancelled");
                setLines(store, store.orderCustomer(e.orderId()), e.lines());
                store.putOrderStatus(e.orderId(), OrderStatus.CANCELLED);
                store.putLastChange(e.orderId(), time);
            }
            case OrderForgotten e -> store.forgetOrder(e.orderId());
            case CommandHeld e -> store.putHeld(new HeldCommand(e.holdId(), e.at(), e.command()));
            case HoldReleased e -> store.removeHeld(e.holdId());
            case HoldCancelled e -> store.removeHeld(e.holdId());
            case AlreadyApplied e -> {
            }
            case Rejected e -> {
            }
            case BatchAborted e -> {
            }
        }
    }

    /** Applies the events of one command decided at {@code time}, in order. */
    public static void evolveAll(MutableInventory store, long time, List<Event> events) {
        for (int i = 0; i < events.size(); i++) {
            evolve(store, time, events.get(i));
        }
    }

    /**
     * Applies every event of {@code events}, one command's decided at {@code time}, in order, reading them where
     * they are: the same changes as {@link #evolveAll(MutableInventory, long, List)} on their records, with no
     * record built.
     */
    public static void evolveAll(MutableInventory store, long time, EventBuffer events) {
        evolveFrom(store, time, events, 0);
    }

    /** Applies the events of {@code events} from index {@code from} on. */
    private static void evolveFrom(MutableInventory store, long time, EventBuffer events, int from) {
        for (int i = from; i < events.size(); i++) {
            evolve(store, time, events, i);
        }
    }

    /**
     * Applies the events {@code from} (inclusive) to {@code to} (exclusive) of {@code events}, in order: one
     * command's, decided at {@code time}, in a buffer that holds several commands' events one after another (each
     * written there whole, for example by {@link EventBuffer#writeTo}). The same changes as
     * {@link #evolveAll(MutableInventory, long, EventBuffer)} on a buffer holding only that command's events.
     *
     * @throws IndexOutOfBoundsException when the range is not within {@code 0 .. events.size()}
     */
    public static void evolveRange(MutableInventory store, long time, EventBuffer events, int from, int to) {
        Objects.checkFromToIndex(from, to, events.size());
        for (int i = from; i < to; i++) {
            evolve(store, time, events, i);
        }
    }

    private static void evolve(MutableInventory store, long time, EventBuffer events, int i) {
        switch (events.kind(i)) {
            case EventBuffer.PRODUCT_LISTED -> store.putProduct(new Product(events.field(i, 0), events.field(i, 1),
                    events.field(i, 2) != 0));
            case EventBuffer.STOCK_RECEIVED, EventBuffer.STOCK_WRITTEN_OFF -> {
                store.putAvailable(events.field(i, 1), (int) events.field(i, 2), events.field(i, 4));
                store.putMovement(events.field(i, 0), events.field(i, 5));
            }
            case EventBuffer.PURCHASE_ACCEPTED -> {
                long customer = events.field(i, 1);
                long orderId = events.field(i, 0);
                setLines(store, customer, events, i);
                store.putOrder(orderId, customer, OrderStatus.PURCHASED, events.orderLines(i), 0,
                        events.field(i, 2));
                store.putLastChange(orderId, time);
            }
            case EventBuffer.STOCK_RESERVED -> {
                long orderId = events.field(i, 0);
                long customer = events.field(i, 1);
                long expiresAt = events.field(i, 2);
                setLines(store, customer, events, i);
                store.putOrder(orderId, customer, OrderStatus.RESERVED, events.orderLines(i), expiresAt,
                        events.field(i, 3));
                store.scheduleExpiry(orderId, expiresAt);
            }
            case EventBuffer.RESERVATION_CONFIRMED -> endReservation(store, time, OrderStatus.CONFIRMED, events, i,
                    "ReservationConfirmed");
            case EventBuffer.RESERVATION_RELEASED -> endReservation(store, time, OrderStatus.RELEASED, events, i,
                    "ReservationReleased");
            case EventBuffer.RESERVATION_EXPIRED -> endReservation(store, time, OrderStatus.EXPIRED, events, i,
                    "ReservationExpired");
            case EventBuffer.PURCHASE_CANCELLED -> {
                long orderId = events.field(i, 0);
                requireStored(store, orderId, "PurchaseCancelled");
                setLines(store, store.orderCustomer(orderId), events, i);
                store.putOrderStatus(orderId, OrderStatus.CANCELLED);
                store.putLastChange(orderId, time);
            }
            case EventBuffer.ORDER_FORGOTTEN -> store.forgetOrder(events.field(i, 0));
            case EventBuffer.COMMAND_HELD -> store.putHeld(new HeldCommand(events.field(i, 0), events.field(i, 1),
                    events.heldCommand(i)));
            case EventBuffer.HOLD_RELEASED, EventBuffer.HOLD_CANCELLED -> store.removeHeld(events.field(i, 0));
            case EventBuffer.ALREADY_APPLIED, EventBuffer.REJECTED, EventBuffer.BATCH_ABORTED -> {
            }
            default -> throw new IllegalStateException("event " + i + " has unknown kind " + events.kind(i));
        }
    }

    private static void endReservation(MutableInventory store, long time, long orderId, OrderStatus status,
                                       List<LineChange> changes, String event) {
        requireStored(store, orderId, event);
        setLines(store, store.orderCustomer(orderId), changes);
        store.unscheduleExpiry(orderId, store.orderExpiresAt(orderId));
        store.putOrderStatus(orderId, status);
        store.putLastChange(orderId, time);
    }

    private static void endReservation(MutableInventory store, long time, OrderStatus status, EventBuffer events,
                                       int i, String event) {
        long orderId = events.field(i, 0);
        requireStored(store, orderId, event);
        setLines(store, store.orderCustomer(orderId), events, i);
        store.unscheduleExpiry(orderId, store.orderExpiresAt(orderId));
        store.putOrderStatus(orderId, status);
        store.putLastChange(orderId, time);
    }

    /**
     * Refuses an event that ends or cancels an order the store does not hold (a record of another history): it
     * cannot be applied, and is refused naming both, before anything is written, as storing a status or a last change
     * of such an order is.
     */
    private static void requireStored(MutableInventory store, long orderId, String event) {
        if (store.orderStatus(orderId) == null) {
            throw new IllegalStateException("order " + orderId + " is not stored; its " + event
                    + " cannot be applied");
        }
    }

    private static void setLines(MutableInventory store, long customer, List<LineChange> changes) {
        for (int i = 0; i < changes.size(); i++) {
            LineChange change = changes.get(i);
            store.putAvailable(change.sku(), change.warehouse(), change.available());
            if (change.customerUnits() != LineChange.NOT_COUNTED) {
                store.putCustomerUnits(customer, change.sku(), change.customerUnits());
            }
        }
    }

    private static void setLines(MutableInventory store, long customer, EventBuffer events, int event) {
        int first = events.firstLine(event);
        int end = first + events.lineCount(event);
        for (int line = first; line < end; line++) {
            long sku = events.lineSku(line);
            store.putAvailable(sku, events.lineWarehouse(line), events.lineAvailable(line));
            long units = events.lineCustomerUnits(line);
            if (units != LineChange.NOT_COUNTED) {
                store.putCustomerUnits(customer, sku, units);
            }
        }
    }

    private static List<Line> lines(List<LineChange> changes) {
        if (changes.size() == 1) {
            return List.of(changes.get(0).line());
        }
        Line[] lines = new Line[changes.size()];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = changes.get(i).line();
        }
        return List.of(lines);
    }

    // ---- stock ----

    private static void listProduct(ListProduct c, InventoryState state, EventBuffer out) {
        Reason reason = null;
        long listed;
        if (c.perCustomerLimit() < 0 || c.perCustomerLimit() > Limits.MAX_QUANTITY) {
            reason = Reason.INVALID_LIMIT;
        } else if (!c.countsCustomers() && c.perCustomerLimit() != 0) {
            reason = Reason.UNCOUNTED_LIMIT;
        } else if ((listed = state.perCustomerLimit(c.sku())) != InventoryState.NOT_LISTED
                && (listed != InventoryState.NOT_COUNTED) != c.countsCustomers()) {
            reason = Reason.COUNTING_FIXED;
        }
        if (reason != null) {
            out.rejected(reason, c.ref());
            return;
        }
        out.productListed(c.sku(), c.perCustomerLimit(), c.countsCustomers());
    }

    private static void receive(ReceiveStock c, InventoryState state, EventBuffer out) {
        long fingerprint = Fingerprint.of(c);
        if (repeatedMovement(c.movementId(), fingerprint, state, out)) {
            return;
        }
        Reason invalid = checkStockMovement(c.sku(), c.quantity(), state);
        if (invalid != null) {
            out.rejected(invalid, c.ref());
            return;
        }
        long available = Math.max(state.available(c.sku(), c.warehouse()), 0);
        if (available > Limits.MAX_STOCK - c.quantity()) {
            out.rejected(Reason.QUANTITY_OVERFLOW, c.ref());
            return;
        }
        out.stockReceived(c.movementId(), c.sku(), c.warehouse(), c.quantity(), available + c.quantity(),
                fingerprint);
    }

    private static void writeOff(WriteOffStock c, InventoryState state, EventBuffer out) {
        long fingerprint = Fingerprint.of(c);
        if (repeatedMovement(c.movementId(), fingerprint, state, out)) {
            return;
        }
        Reason invalid = checkStockMovement(c.sku(), c.quantity(), state);
        if (invalid != null) {
            out.rejected(invalid, c.ref());
            return;
        }
        long available = state.available(c.sku(), c.warehouse());
        if (available == InventoryState.NO_POSITION) {
            out.rejected(Reason.UNKNOWN_WAREHOUSE, c.ref());
            return;
        }
        if (available < c.quantity()) {
            out.rejected(Reason.OUT_OF_STOCK, c.ref());
            return;
        }
        out.stockWrittenOff(c.movementId(), c.sku(), c.warehouse(), c.quantity(), available - c.quantity(),
                fingerprint);
    }

    /** Answers a movement id seen before (repeat or reuse) and says so; {@code false} for a new id. */
    private static boolean repeatedMovement(long movementId, long fingerprint, InventoryState state,
                                            EventBuffer out) {
        long seen = state.movement(movementId);
        if (seen == InventoryState.NO_MOVEMENT) {
            return false;
        }
        if (seen == fingerprint) {
            out.alreadyApplied(movementId);
        } else {
            out.rejected(Reason.ID_REUSED, movementId);
        }
        return true;
    }

    private static Reason checkStockMovement(long sku, long quantity, InventoryState state) {
        if (!validQuantity(quantity)) {
            return Reason.INVALID_QUANTITY;
        }
        return state.perCustomerLimit(sku) == InventoryState.NOT_LISTED ? Reason.UNKNOWN_SKU : null;
    }

    // ---- buying and holding ----

    /**
     * Decides a {@link Purchase} given as its fields at time {@code now} against {@code state}, appending the
     * events to {@code out}: the events {@link #decide(Command, long, InventoryState, EventBuffer)} writes for
     * {@code new Purchase(orderId, customer, sku, warehouse, quantity)}, with no record built.
     *
     * @throws IllegalArgumentException when an identifier is outside its range, as the record's constructor
     *                                  refuses it (see {@link Limits#checkPurchase}); nothing is written then
     */
    public static void decidePurchase(long orderId, long customer, long sku, int warehouse, long quantity, long now,
                                      InventoryState state, EventBuffer out) {
        Limits.checkPurchase(orderId, customer, sku, warehouse);
        long fingerprint = Fingerprint.ofPurchase(orderId, customer, sku, warehouse, quantity);
        if (repeatedOrder(orderId, fingerprint, state, out)) {
            return;
        }
        long limit = state.perCustomerLimit(sku);
        Reason reason = null;
        long available = 0;
        long units = 0;
        if (!validQuantity(quantity)) {
            reason = Reason.INVALID_QUANTITY;
        } else if (limit == InventoryState.NOT_LISTED) {
            reason = Reason.UNKNOWN_SKU;
        } else if ((available = state.available(sku, warehouse)) == InventoryState.NO_POSITION) {
            reason = Reason.UNKNOWN_WAREHOUSE;
        } else if (available < quantity) {
            reason = Reason.OUT_OF_STOCK;
        } else if (limit != InventoryState.NOT_COUNTED) {
            units = state.customerUnits(customer, sku);
            reason = checkCustomer(limit, units, quantity);
        }
        if (reason != null) {
            out.rejected(reason, orderId);
            return;
        }
        out.purchaseAccepted(orderId, customer, fingerprint);
        out.lineChange(sku, warehouse, quantity, available - quantity,
                limit == InventoryState.NOT_COUNTED ? LineChange.NOT_COUNTED : units + quantity);
    }

    private static void placeOrder(PlaceOrder c, InventoryState state, EventBuffer out) {
        long fingerprint = Fingerprint.ofOrder(PURCHASE_KIND, c.orderId(), c.customer(), c.lines(), 0);
        if (repeatedOrder(c.orderId(), fingerprint, state, out)) {
            return;
        }
        long mark = out.mark();
        out.purchaseAccepted(c.orderId(), c.customer(), fingerprint);
        takeLines(c.orderId(), c.customer(), c.lines(), state, out, mark);
    }

    private static void reserve(Reserve c, long now, InventoryState state, EventBuffer out) {
        long fingerprint = Fingerprint.ofOrder(RESERVE_KIND, c.orderId(), c.customer(), c.lines(), c.expiresAt());
        if (repeatedOrder(c.orderId(), fingerprint, state, out)) {
            return;
        }
        if (c.expiresAt() <= now) {
            out.rejected(Reason.INVALID_EXPIRY, c.ref());
            return;
        }
        long mark = out.mark();
        out.stockReserved(c.orderId(), c.customer(), c.expiresAt(), fingerprint);
        takeLines(c.orderId(), c.customer(), c.lines(), state, out, mark);
    }

    /**
     * Checks every line and writes its change after the event just opened at {@code mark}; on the first line
     * that fails, takes the event back and writes the rejection instead.
     */
    private static void takeLines(long orderId, long customer, List<Line> lines, InventoryState state,
                                  EventBuffer out, long mark) {
        Reason reason = checkLines(customer, lines, state, out);
        if (reason != null) {
            out.resetTo(mark);
            out.rejected(reason, orderId);
        }
    }

    /** Checks every line and writes its change; returns the first reason a line fails, or null. */
    private static Reason checkLines(long customer, List<Line> lines, InventoryState state, EventBuffer out) {
        if (lines.isEmpty()) {
            return Reason.EMPTY_ORDER;
        }
        if (lines.size() > Limits.MAX_LINES) {
            return Reason.TOO_MANY_LINES;
        }
        int first = out.lineCount();
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            if (!validQuantity(line.quantity())) {
                return Reason.INVALID_QUANTITY;
            }
            long unitsBefore = 0;
            for (int j = first; j < first + i; j++) {
                if (out.lineSku(j) == line.sku()) {
                    if (out.lineWarehouse(j) == line.warehouse()) {
                        return Reason.DUPLICATE_LINE;
                    }
                    unitsBefore = out.lineCustomerUnits(j);
                }
            }
            long limit = state.perCustomerLimit(line.sku());
            if (limit == InventoryState.NOT_LISTED) {
                return Reason.UNKNOWN_SKU;
            }
            long available = state.available(line.sku(), line.warehouse());
            if (available == InventoryState.NO_POSITION) {
                return Reason.UNKNOWN_WAREHOUSE;
            }
            if (available < line.quantity()) {
                return Reason.OUT_OF_STOCK;
            }
            long unitsAfter = LineChange.NOT_COUNTED;
            if (limit != InventoryState.NOT_COUNTED) {
                long units = unitsBefore != 0 ? unitsBefore : state.customerUnits(customer, line.sku());
                Reason reason = checkCustomer(limit, units, line.quantity());
                if (reason != null) {
                    return reason;
                }
                unitsAfter = units + line.quantity();
            }
            out.lineChange(line.sku(), line.warehouse(), line.quantity(), available - line.quantity(), unitsAfter);
        }
        return null;
    }

    /** Whether a customer holding {@code units} may take {@code quantity} more under {@code limit} (0: none). */
    private static Reason checkCustomer(long limit, long units, long quantity) {
        if (units > Limits.MAX_STOCK - quantity) {
            return Reason.QUANTITY_OVERFLOW;
        }
        if (limit > 0 && units + quantity > limit) {
            return Reason.LIMIT_EXCEEDED;
        }
        return null;
    }

    /** Answers an order id seen before (repeat or reuse) and says so; {@code false} for a new id. */
    private static boolean repeatedOrder(long orderId, long fingerprint, InventoryState state, EventBuffer out) {
        if (state.orderStatus(orderId) == null) {
            return false;
        }
        if (state.orderFingerprint(orderId) == fingerprint) {
            out.alreadyApplied(orderId);
        } else {
            out.rejected(Reason.ID_REUSED, orderId);
        }
        return true;
    }

    /**
     * Decides a {@link CancelPurchase} of {@code orderId} at time {@code now}: the events {@code decide} writes
     * for {@code new CancelPurchase(orderId)}, with no record built.
     *
     * @throws IllegalArgumentException when {@code orderId} is negative, as the record refuses it
     */
    public static void decideCancelPurchase(long orderId, long now, InventoryState state, EventBuffer out) {
        Limits.checkOrderId(orderId);
        OrderStatus status = state.orderStatus(orderId);
        if (status == null) {
            out.rejected(Reason.UNKNOWN_ORDER, orderId);
            return;
        }
        switch (status) {
            case PURCHASED, CONFIRMED -> {
                if (returnOverflows(orderId, state)) {
                    out.rejected(Reason.QUANTITY_OVERFLOW, orderId);
                    return;
                }
                out.purchaseCancelled(orderId);
                giveBack(orderId, state, out);
            }
            case CANCELLED -> out.rejected(Reason.ALREADY_CANCELLED, orderId);
            case RESERVED, RELEASED, EXPIRED -> out.rejected(Reason.NOT_CANCELLABLE, orderId);
        }
    }

    /**
     * Decides a {@link ConfirmReservation} of {@code orderId} at time {@code now}: the events {@code decide}
     * writes for {@code new ConfirmReservation(orderId)}, with no record built.
     *
     * @throws IllegalArgumentException when {@code orderId} is negative, as the record refuses it
     */
    public static void decideConfirmReservation(long orderId, long now, InventoryState state, EventBuffer out) {
        Limits.checkOrderId(orderId);
        OrderStatus status = state.orderStatus(orderId);
        if (status == null) {
            out.rejected(Reason.UNKNOWN_ORDER, orderId);
            return;
        }
        switch (status) {
            case RESERVED -> {
                if (now >= state.orderExpiresAt(orderId)) {
                    out.rejected(Reason.EXPIRED, orderId);
                } else {
                    out.reservationConfirmed(orderId);
                }
            }
            case EXPIRED -> out.rejected(Reason.EXPIRED, orderId);
            case RELEASED -> out.rejected(Reason.ALREADY_RELEASED, orderId);
            case CONFIRMED -> out.rejected(Reason.ALREADY_CONFIRMED, orderId);
            case PURCHASED, CANCELLED -> out.rejected(Reason.NOT_A_RESERVATION, orderId);
        }
    }

    /**
     * Decides a {@link ReleaseReservation} of {@code orderId} at time {@code now}: the events {@code decide}
     * writes for {@code new ReleaseReservation(orderId)}, with no record built.
     *
     * @throws IllegalArgumentException when {@code orderId} is negative, as the record refuses it
     */
    public static void decideReleaseReservation(long orderId, long now, InventoryState state, EventBuffer out) {
        Limits.checkOrderId(orderId);
        OrderStatus status = state.orderStatus(orderId);
        if (status == null) {
            out.rejected(Reason.UNKNOWN_ORDER, orderId);
            return;
        }
        switch (status) {
            case RESERVED -> {
                if (returnOverflows(orderId, state)) {
                    out.rejected(Reason.QUANTITY_OVERFLOW, orderId);
                    return;
                }
                out.reservationReleased(orderId);
                giveBack(orderId, state, out);
            }
            case EXPIRED -> out.rejected(Reason.EXPIRED, orderId);
            case RELEASED -> out.rejected(Reason.ALREADY_RELEASED, orderId);
            case CONFIRMED -> out.rejected(Reason.ALREADY_CONFIRMED, orderId);
            case PURCHASED, CANCELLED -> out.rejected(Reason.NOT_A_RESERVATION, orderId);
        }
    }

    /**
     * Expires the due reservations and decides the due held commands, merged in the order they fell due (a
     * reservation before a held command due at the same time), each against the state the earlier ones left, the
     * orders this time command forgot (its events from {@code forgotten} on) included.
     */
    private static void releaseDue(long now, InventoryState state, EventBuffer out, int forgotten,
                                   DecisionScratch work) {
        DueOrders due = work.due;
        state.forEachDue(now, due);
        DueHolds holds = work.holds;
        state.forEachHeldDue(now, holds);
        if (due.count == 0 && holds.count == 0) {
            return;
        }
        PendingState pending = work.openLayer(state);
        try {
            mergeDue(now, pending, out, forgotten, work);
        } finally {
            work.closeLayer();
        }
    }

    /**
     * The merge of {@link #releaseDue}: the due reservations and held commands that {@code work} collected, in the
     * order they fell due, each applied to {@code pending} (the state, with nothing applied yet) as it is decided.
     */
    private static void mergeDue(long now, PendingState pending, EventBuffer out, int forgotten,
                                 DecisionScratch work) {
        DueOrders due = work.due;
        DueHolds holds = work.holds;
        // a list cut at its limit may leave out what fell due at or after its last entry: go no further than that
        boolean expiriesCut = due.count == Limits.MAX_EXPIRIES_PER_COMMAND;
        long expiriesSeenUntil = expiriesCut ? due.expiresAt[due.count - 1] : Long.MAX_VALUE;
        boolean holdsCut = holds.count == Limits.MAX_RELEASED_PER_COMMAND;
        long holdsSeenUntil = holdsCut ? holds.held[holds.count - 1].at() : Long.MAX_VALUE;
        evolveFrom(pending, now, out, forgotten);
        // reservations that held commands make here and that are due already: they expire here too (made when needed)
        PriorityQueue<StateKeys.Due> madeHere = null;
        int expiry = 0;
        int hold = 0;
        int expired = 0;
        while (true) {
            boolean madeHereDue = madeHere != null && !madeHere.isEmpty();
            boolean anyExpiry = expiry < due.count || madeHereDue;
            boolean anyHold = hold < holds.count;
            if (!anyExpiry && !anyHold) {
                return;
            }
            long nextExpiry = expiry < due.count ? due.expiresAt[expiry] : Long.MAX_VALUE;
            long nextMadeHere = madeHereDue ? madeHere.peek().expiresAt() : Long.MAX_VALUE;
            long earliestExpiry = Math.min(nextExpiry, nextMadeHere);
            long nextHold = anyHold ? holds.held[hold].at() : Long.MAX_VALUE;
            // a reservation due at the same time as a held command expires first
            boolean expireNext = anyExpiry && (!anyHold || earliestExpiry <= nextHold);
            // past the last entry of a cut list, what was left out may come first: the next time command goes on.
            // A held command due at the time of the last expiry seen waits too, for the expiries left out at that time
            if (expireNext ? holdsCut && earliestExpiry > holdsSeenUntil
                    : expiriesCut && nextHold >= expiriesSeenUntil) {
                return;
            }
            if (expireNext) {
                long orderId = madeHereDue && (expiry == due.count || nextMadeHere < nextExpiry)
                        ? madeHere.poll().orderId() : due.orderIds[expiry++];
                if (pending.orderStatus(orderId) != OrderStatus.RESERVED) {
                    continue; // a held command due before it ended the reservation
                }
                if (expired++ == Limits.MAX_EXPIRIES_PER_COMMAND) {
                    return;
                }
                long start = out.mark();
                int at = out.size();
                out.reservationExpired(orderId);
                giveBack(orderId, pending, out);
                if (hold > 0 && pastDecisionLimits(out, work)) {
                    // held commands decided before it took this time command to its limits: the next one expires it
                    // (expiries alone stay within them: at most 1,024 of at most 64 lines)
                    out.resetTo(start);
                    return;
                }
                evolve(pending, now, out, at);
            } else {
                int first = out.size();
                if (!release(holds.held[hold++], now, pending, out, work)) {
                    return;
                }
                for (int i = first; i < out.size(); i++) {
                    if (out.kind(i) == EventBuffer.STOCK_RESERVED && out.field(i, 2) <= now) {
                        if (madeHere == null) {
                            madeHere = new PriorityQueue<>();
                        }
                        madeHere.add(new StateKeys.Due(out.field(i, 2), out.field(i, 0)));
                    }
                }
            }
        }
    }

    /**
     * Decides one due held command, as at its time: a {@link Event.HoldReleased} and the command's events,
     * applied to {@code pending}. A command whose events would take the time command past a decision's limits is
     * left held for the next one, and nothing after it is decided now. One whose {@code decide} throws is released
     * and rejected with {@link Reason#HELD_COMMAND_FAILED} instead of failing the time command.
     *
     * @return whether the command was decided
     */
    private static boolean release(HeldCommand held, long now, PendingState pending, EventBuffer out,
                                   DecisionScratch work) {
        long start = out.mark();
        out.holdReleased(held.holdId());
        try {
            // decided as at its own time, which the merge order keeps the state true to
            decideWithin(held.command(), held.at(), pending, out, work);
        } catch (RuntimeException fault) {
            // a held command whose decide throws would fail every time command after it, and reservations would
            // stop expiring: it is released, rejected, and nothing else of it happens (decide changed nothing, and
            // the same input throws the same way on replay, so the journal verifies)
            out.resetTo(start);
            out.holdReleased(held.holdId());
            out.rejected(Reason.HELD_COMMAND_FAILED, held.command().ref());
        }
        if (pastDecisionLimits(out, work)) {
            out.resetTo(start);
            return false;
        }
        evolveFrom(pending, now, out, EventBuffer.firstEventSince(start));
        return true;
    }

    /**
     * Whether the decision under way has written more events or line changes than one decision may: counted from
     * where it began in {@code out} ({@link DecisionScratch#decisionStart}), as a buffer may hold earlier decisions'
     * events before it.
     */
    private static boolean pastDecisionLimits(EventBuffer out, DecisionScratch work) {
        return out.eventsSince(work.decisionStart) > Limits.MAX_EVENTS_PER_COMMAND
                || out.linesSince(work.decisionStart) > Limits.MAX_LINE_CHANGES_PER_COMMAND;
    }

    /** Decides a {@link Hold}: holds the command, or says why not. */
    private static void hold(Hold c, InventoryState state, EventBuffer out) {
        // the id comes first: a repeat, or an id held for something else, whatever the command
        HeldCommand held = state.held(c.holdId());
        if (held != null) {
            if (held.at() == c.at() && held.command().equals(c.command())) {
                out.alreadyApplied(c.holdId());
            } else {
                out.rejected(Reason.ID_REUSED, c.holdId());
            }
            return;
        }
        Reason unholdable = holdable(c.command());
        if (unholdable != null) {
            out.rejected(unholdable, c.holdId());
            return;
        }
        out.commandHeld(c.holdId(), c.at(), c.command());
    }

    /** Why {@code command} cannot be held, or {@code null} when it can. */
    private static Reason holdable(Command command) {
        if (command instanceof Batch batch) {
            Reason shape = checkBatchShape(batch);
            if (shape != null) {
                return shape;
            }
        }
        return containsUnholdable(command) ? Reason.NOT_HOLDABLE : null;
    }

    /** Whether {@code command} is, or a batch of it holds, a hold, a cancel of one or the time command. */
    private static boolean containsUnholdable(Command command) {
        return switch (command) {
            case Hold c -> true;
            case CancelHold c -> true;
            case ExpireReservations c -> true;
            case Batch c -> anyUnholdable(c.commands());
            default -> false;
        };
    }

    /** Whether any of {@code commands} {@linkplain #containsUnholdable contains an unholdable command}. */
    private static boolean anyUnholdable(List<Command> commands) {
        for (int i = 0; i < commands.size(); i++) {
            if (containsUnholdable(commands.get(i))) {
                return true;
            }
        }
        return false;
    }

    /** Decides a {@link CancelHold}. */
    private static void cancelHold(CancelHold c, InventoryState state, EventBuffer out) {
        if (state.held(c.holdId()) == null) {
            out.rejected(Reason.UNKNOWN_HOLD, c.holdId());
        } else {
            out.holdCancelled(c.holdId());
        }
    }

    /**
     * Forgets, in the order of their last changes, the orders whose last change came more than
     * {@code retainOrdersFor} before {@code now}, at most {@link Limits#MAX_FORGOTTEN_PER_COMMAND} of them. It
     * stops at the first order still inside its window, so with a clock that never goes back (the engine's) the
     * oldest go first. Live reservations are not in that order: they are never forgotten. A window of
     * {@link Long#MAX_VALUE} forgets nothing.
     */
    private static void forget(long retainOrdersFor, long now, InventoryState state, EventBuffer out,
                               DecisionScratch work) {
        if (retainOrdersFor == Long.MAX_VALUE) {
            return;
        }
        DecisionScratch.Forgetting forgetting = work.forgetting;
        forgetting.out = out;
        forgetting.changedBefore = now < Long.MIN_VALUE + retainOrdersFor ? Long.MIN_VALUE : now - retainOrdersFor;
        forgetting.forgotten = 0;
        state.forEachByLastChange(forgetting);
    }

    /**
     * Whether returning the units of the stored order {@code orderId} would take a position past
     * {@link Long#MAX_VALUE}. Receipts stop at {@link Limits#MAX_STOCK}, but returns are not held to it, so units
     * sold, received again and returned, over and over, can pile up at one position until a return would wrap it to
     * a negative count. An order names each position at most once, so each line is checked against the state alone.
     */
    private static boolean returnOverflows(long orderId, InventoryState state) {
        OrderLines lines = state.orderLines(orderId);
        for (int i = 0; i < lines.count(); i++) {
            if (state.available(lines.sku(i), lines.warehouse(i)) > Long.MAX_VALUE - lines.quantity(i)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes the changes that return the units of the stored order {@code orderId} to stock and take them off its
     * customer. Its facts are read from the state one by one ({@link InventoryState#orderLines}), so a store that
     * keeps orders in primitive form builds no {@link Order} for it.
     */
    private static void giveBack(long orderId, InventoryState state, EventBuffer out) {
        long customer = state.orderCustomer(orderId);
        OrderLines lines = state.orderLines(orderId);
        int first = out.lineCount();
        for (int i = 0; i < lines.count(); i++) {
            long sku = lines.sku(i);
            int warehouse = lines.warehouse(i);
            long quantity = lines.quantity(i);
            long unitsAfter = LineChange.NOT_COUNTED;
            // a product's counting never changes, so its orders were counted exactly when it counts now
            if (state.perCustomerLimit(sku) != InventoryState.NOT_COUNTED) {
                long units = -1;
                for (int j = first; j < first + i; j++) {
                    if (out.lineSku(j) == sku) {
                        units = out.lineCustomerUnits(j);
                    }
                }
                if (units < 0) {
                    units = state.customerUnits(customer, sku);
                }
                unitsAfter = units - quantity;
            }
            out.lineChange(sku, warehouse, quantity, state.available(sku, warehouse) + quantity, unitsAfter);
        }
    }

    /**
     * Collects up to {@link Limits#MAX_EXPIRIES_PER_COMMAND} due reservations, growing its array only as they
     * come, so a time command with nothing due allocates nothing.
     */
    static final class DueOrders implements InventoryState.DueVisitor {
        private long[] orderIds = new long[0];
        private long[] expiresAt = new long[0];
        int count;

        @Override
        public boolean onDue(long orderId, long expiry) {
            if (count == orderIds.length) {
                int size = Math.min(Math.max(16, count * 2), Limits.MAX_EXPIRIES_PER_COMMAND);
                orderIds = Arrays.copyOf(orderIds, size);
                expiresAt = Arrays.copyOf(expiresAt, size);
            }
            expiresAt[count] = expiry;
            orderIds[count++] = orderId;
            return count < Limits.MAX_EXPIRIES_PER_COMMAND;
        }
    }

    /** Collects up to {@link Limits#MAX_RELEASED_PER_COMMAND} due held commands, in the order they fell due. */
    static final class DueHolds implements InventoryState.HeldVisitor {
        private static final HeldCommand[] NONE = new HeldCommand[0];
        private HeldCommand[] held = NONE;
        int count;

        /** Forgets the commands collected, keeping the room. */
        void clear() {
            Arrays.fill(held, 0, count, null);
            count = 0;
        }

        @Override
        public boolean onHeld(HeldCommand command) {
            if (count == held.length) {
                held = Arrays.copyOf(held, Math.min(Math.max(4, count * 2), Limits.MAX_RELEASED_PER_COMMAND));
            }
            held[count++] = command;
            return count < Limits.MAX_RELEASED_PER_COMMAND;
        }
    }

    // ---- batches ----

    private static void batch(Batch c, long now, InventoryState state, EventBuffer out, DecisionScratch work) {
        Reason invalid = checkBatchShape(c);
        if (invalid != null) {
            out.rejected(invalid, c.ref());
            return;
        }
        decideMembers(c, now, state, out, work);
    }

    /** Why {@code batch} is not well formed (too deep, empty, too large), or {@code null} when it is. */
    private static Reason checkBatchShape(Batch batch) {
        return switch (countBatch(batch, 1, 0)) {
            case TOO_DEEP -> Reason.BATCH_TOO_DEEP;
            case EMPTY -> Reason.EMPTY_BATCH;
            case TOO_LARGE -> Reason.BATCH_TOO_LARGE;
            default -> null;
        };
    }

    /**
     * The commands of {@code batch} at {@code depth}, those of nested batches too, counted on from {@code counted}; or
     * the first way it is not well formed ({@link #TOO_DEEP}, {@link #EMPTY}, {@link #TOO_LARGE}).
     */
    private static int countBatch(Batch batch, int depth, int counted) {
        if (depth > Limits.MAX_BATCH_DEPTH) {
            return TOO_DEEP;
        }
        List<Command> members = batch.commands();
        if (members.isEmpty()) {
            return EMPTY;
        }
        int count = counted;
        for (int i = 0; i < members.size(); i++) {
            if (++count > Limits.MAX_BATCH_COMMANDS) {
                return TOO_LARGE;
            }
            if (members.get(i) instanceof Batch nested) {
                count = countBatch(nested, depth + 1, count);
                if (count < 0) {
                    return count;
                }
            }
        }
        return count;
    }

    /**
     * Decides a batch's members in order, each against the state the earlier ones left, writing their events
     * after {@code out}'s current end. An atomic batch whose member is rejected takes every event of the batch
     * back and writes one {@link BatchAborted}; a batch whose events outgrow a decision's limits takes them
     * back and writes one {@link Rejected}. The members are applied to a layer over {@code state} from
     * {@code work}, emptied once the batch is decided.
     */
    private static void decideMembers(Batch c, long now, InventoryState state, EventBuffer out,
                                      DecisionScratch work) {
        PendingState pending = work.openLayer(state);
        try {
            decideMembersOn(c, now, pending, out, work);
        } finally {
            work.closeLayer();
        }
    }

    /** {@link #decideMembers}, applying each member's events to {@code pending}, the batch's own layer. */
    private static void decideMembersOn(Batch c, long now, PendingState pending, EventBuffer out,
                                        DecisionScratch work) {
        long start = out.mark();
        List<Command> members = c.commands();
        for (int i = 0; i < members.size(); i++) {
            Command member = members.get(i);
            long memberStart = out.mark();
            if (member instanceof Batch nested) {
                decideMembers(nested, now, pending, out, work);
            } else {
                decideWithin(member, now, pending, out, work);
            }
            int firstOfMember = EventBuffer.firstEventSince(memberStart);
            if (c.mode() == Batch.Mode.ATOMIC) {
                int rejection = out.firstRejectionFrom(firstOfMember);
                if (rejection >= 0) {
                    // the domain rejects only with its own reasons, so a member's is a Reason
                    Reason reason = (Reason) out.rejectionReason(rejection);
                    long ref = out.rejectionRef(rejection);
                    out.resetTo(start);
                    out.batchAborted(i, reason, ref);
                    return;
                }
            }
            evolveFrom(pending, now, out, firstOfMember);
            if (out.eventsSince(start) > Limits.MAX_EVENTS_PER_COMMAND
                    || out.linesSince(start) > Limits.MAX_LINE_CHANGES_PER_COMMAND) {
                out.resetTo(start);
                out.rejected(Reason.BATCH_TOO_LARGE, c.ref());
                return;
            }
        }
    }

    // ---- helpers ----

    private static boolean validQuantity(long quantity) {
        return quantity > 0 && quantity <= Limits.MAX_QUANTITY;
    }
}
