package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.CancelPurchase;
import dev.purestock.domain.Command.ConfirmReservation;
import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Command.ListProduct;
import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.ReceiveStock;
import dev.purestock.domain.Command.ReleaseReservation;
import dev.purestock.domain.Command.Reserve;
import dev.purestock.domain.Command.WriteOffStock;
import dev.purestock.domain.Event.AlreadyApplied;
import dev.purestock.domain.Event.BatchAborted;
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

import java.util.ArrayList;
import java.util.List;

/**
 * The inventory decider: {@link #decide} holds every rule, {@link #evolve} applies what was decided.
 *
 * <p>{@code decide} reads state through {@link InventoryState} and returns events; it changes nothing,
 * reads no clock and performs no I/O, so the same commands in the same order against the same state give
 * the same events. {@code evolve} sets the values an event carries and contains no rules. Folding the
 * events of a run into an empty store reproduces the run's state.
 */
public final class Inventory {
    private static final long NO_REF = -1;
    static final int PURCHASE_KIND = 3;
    static final int RESERVE_KIND = 4;

    private Inventory() {
    }

    /**
     * Decides {@code command} at time {@code now} against {@code state}.
     *
     * @return the events, never empty except for an {@link ExpireReservations} with nothing due; a
     *     rejection is a single {@link Rejection}, except inside an independent batch, whose events are
     *     those of its members in order
     */
    public static List<Event> decide(Command command, long now, InventoryState state) {
        return switch (command) {
            case ListProduct c -> listProduct(c);
            case ReceiveStock c -> receive(c, state);
            case WriteOffStock c -> writeOff(c, state);
            case Purchase c -> purchase(c, state);
            case PlaceOrder c -> placeOrder(c, state);
            case CancelPurchase c -> cancel(c, state);
            case Reserve c -> reserve(c, now, state);
            case ConfirmReservation c -> confirm(c, now, state);
            case ReleaseReservation c -> release(c, state);
            case ExpireReservations c -> expire(now, state);
            case Batch c -> batch(c, now, state);
        };
    }

    /** Whether {@code events} hold a rejection, that is, whether some part of the command was refused. */
    public static boolean anyRejected(List<Event> events) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof Rejection) {
                return true;
            }
        }
        return false;
    }

    /** Applies one event to {@code store}. Rejections and repeats change nothing. */
    public static void evolve(MutableInventory store, Event event) {
        switch (event) {
            case ProductListed e -> store.putProduct(new Product(e.sku(), e.perCustomerLimit()));
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
            }
            case StockReserved e -> {
                setLines(store, e.customer(), e.lines());
                store.putOrder(new Order(e.orderId(), e.customer(), OrderStatus.RESERVED, lines(e.lines()),
                        e.expiresAt(), e.fingerprint()));
                store.scheduleExpiry(e.orderId(), e.expiresAt());
            }
            case ReservationConfirmed e -> endReservation(store, e.orderId(), OrderStatus.CONFIRMED, List.of());
            case ReservationReleased e -> endReservation(store, e.orderId(), OrderStatus.RELEASED, e.lines());
            case ReservationExpired e -> endReservation(store, e.orderId(), OrderStatus.EXPIRED, e.lines());
            case PurchaseCancelled e -> {
                Order order = store.order(e.orderId());
                setLines(store, order.customer(), e.lines());
                store.putOrder(order.withStatus(OrderStatus.CANCELLED));
            }
            case AlreadyApplied e -> {
            }
            case Rejected e -> {
            }
            case BatchAborted e -> {
            }
        }
    }

    /** Applies events in order. */
    public static void evolveAll(MutableInventory store, List<Event> events) {
        for (int i = 0; i < events.size(); i++) {
            evolve(store, events.get(i));
        }
    }

    private static void endReservation(MutableInventory store, long orderId, OrderStatus status,
                                       List<LineChange> changes) {
        Order order = store.order(orderId);
        setLines(store, order.customer(), changes);
        store.unscheduleExpiry(orderId, order.expiresAt());
        store.putOrder(order.withStatus(status));
    }

    private static void setLines(MutableInventory store, long customer, List<LineChange> changes) {
        for (int i = 0; i < changes.size(); i++) {
            LineChange change = changes.get(i);
            store.putAvailable(change.sku(), change.warehouse(), change.available());
            store.putCustomerUnits(customer, change.sku(), change.customerUnits());
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

    private static List<Event> listProduct(ListProduct c) {
        if (c.perCustomerLimit() < 0 || c.perCustomerLimit() > Limits.MAX_QUANTITY) {
            return reject(Reason.INVALID_LIMIT, c.sku());
        }
        return List.of(new ProductListed(c.sku(), c.perCustomerLimit()));
    }

    private static List<Event> receive(ReceiveStock c, InventoryState state) {
        long fingerprint = Fingerprint.of(c);
        List<Event> repeat = repeatedMovement(c.movementId(), fingerprint, state);
        if (repeat != null) {
            return repeat;
        }
        Reason invalid = checkStockMovement(c.sku(), c.quantity(), state);
        if (invalid != null) {
            return reject(invalid, c.movementId());
        }
        long available = Math.max(state.available(c.sku(), c.warehouse()), 0);
        if (available > Limits.MAX_STOCK - c.quantity()) {
            return reject(Reason.QUANTITY_OVERFLOW, c.movementId());
        }
        return List.of(new StockReceived(c.movementId(), c.sku(), c.warehouse(), c.quantity(),
                available + c.quantity(), fingerprint));
    }

    private static List<Event> writeOff(WriteOffStock c, InventoryState state) {
        long fingerprint = Fingerprint.of(c);
        List<Event> repeat = repeatedMovement(c.movementId(), fingerprint, state);
        if (repeat != null) {
            return repeat;
        }
        Reason invalid = checkStockMovement(c.sku(), c.quantity(), state);
        if (invalid != null) {
            return reject(invalid, c.movementId());
        }
        long available = state.available(c.sku(), c.warehouse());
        if (available == InventoryState.NO_POSITION) {
            return reject(Reason.UNKNOWN_WAREHOUSE, c.movementId());
        }
        if (available < c.quantity()) {
            return reject(Reason.OUT_OF_STOCK, c.movementId());
        }
        return List.of(new StockWrittenOff(c.movementId(), c.sku(), c.warehouse(), c.quantity(),
                available - c.quantity(), fingerprint));
    }

    private static List<Event> repeatedMovement(long movementId, long fingerprint, InventoryState state) {
        long seen = state.movement(movementId);
        if (seen == InventoryState.NO_MOVEMENT) {
            return null;
        }
        return seen == fingerprint ? List.of(new AlreadyApplied(movementId)) : reject(Reason.ID_REUSED, movementId);
    }

    private static Reason checkStockMovement(long sku, long quantity, InventoryState state) {
        if (!validQuantity(quantity)) {
            return Reason.INVALID_QUANTITY;
        }
        return state.product(sku) == null ? Reason.UNKNOWN_SKU : null;
    }

    // ---- buying and holding ----

    private static List<Event> purchase(Purchase c, InventoryState state) {
        long fingerprint = Fingerprint.ofPurchase(c);
        List<Event> repeat = repeatedOrder(c.orderId(), fingerprint, state);
        if (repeat != null) {
            return repeat;
        }
        Product product = state.product(c.sku());
        Reason reason = null;
        long available = 0;
        long units = 0;
        if (!validQuantity(c.quantity())) {
            reason = Reason.INVALID_QUANTITY;
        } else if (product == null) {
            reason = Reason.UNKNOWN_SKU;
        } else if ((available = state.available(c.sku(), c.warehouse())) == InventoryState.NO_POSITION) {
            reason = Reason.UNKNOWN_WAREHOUSE;
        } else if (available < c.quantity()) {
            reason = Reason.OUT_OF_STOCK;
        } else {
            units = state.customerUnits(c.customer(), c.sku());
            reason = checkCustomer(product, units, c.quantity());
        }
        if (reason != null) {
            return reject(reason, c.orderId());
        }
        LineChange change = new LineChange(c.sku(), c.warehouse(), c.quantity(), available - c.quantity(),
                units + c.quantity());
        return List.of(new PurchaseAccepted(c.orderId(), c.customer(), List.of(change), fingerprint));
    }

    private static List<Event> placeOrder(PlaceOrder c, InventoryState state) {
        long fingerprint = Fingerprint.ofOrder(PURCHASE_KIND, c.orderId(), c.customer(), c.lines(), 0);
        List<Event> repeat = repeatedOrder(c.orderId(), fingerprint, state);
        if (repeat != null) {
            return repeat;
        }
        LineChange[] changes = new LineChange[c.lines().size()];
        Reason reason = takeLines(c.customer(), c.lines(), state, changes);
        if (reason != null) {
            return reject(reason, c.orderId());
        }
        return List.of(new PurchaseAccepted(c.orderId(), c.customer(), List.of(changes), fingerprint));
    }

    private static List<Event> reserve(Reserve c, long now, InventoryState state) {
        long fingerprint = Fingerprint.ofOrder(RESERVE_KIND, c.orderId(), c.customer(), c.lines(), c.expiresAt());
        List<Event> repeat = repeatedOrder(c.orderId(), fingerprint, state);
        if (repeat != null) {
            return repeat;
        }
        if (c.expiresAt() <= now) {
            return reject(Reason.INVALID_EXPIRY, c.orderId());
        }
        LineChange[] changes = new LineChange[c.lines().size()];
        Reason reason = takeLines(c.customer(), c.lines(), state, changes);
        if (reason != null) {
            return reject(reason, c.orderId());
        }
        return List.of(new StockReserved(c.orderId(), c.customer(), List.of(changes), c.expiresAt(), fingerprint));
    }

    /** Checks every line and fills {@code changes}; returns the first reason a line fails, or null. */
    private static Reason takeLines(long customer, List<Line> lines, InventoryState state, LineChange[] changes) {
        if (lines.isEmpty()) {
            return Reason.EMPTY_ORDER;
        }
        if (lines.size() > Limits.MAX_LINES) {
            return Reason.TOO_MANY_LINES;
        }
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            if (!validQuantity(line.quantity())) {
                return Reason.INVALID_QUANTITY;
            }
            long unitsBefore = 0;
            for (int j = 0; j < i; j++) {
                if (changes[j].sku() == line.sku()) {
                    if (changes[j].warehouse() == line.warehouse()) {
                        return Reason.DUPLICATE_LINE;
                    }
                    unitsBefore = changes[j].customerUnits();
                }
            }
            Product product = state.product(line.sku());
            if (product == null) {
                return Reason.UNKNOWN_SKU;
            }
            long available = state.available(line.sku(), line.warehouse());
            if (available == InventoryState.NO_POSITION) {
                return Reason.UNKNOWN_WAREHOUSE;
            }
            if (available < line.quantity()) {
                return Reason.OUT_OF_STOCK;
            }
            long units = unitsBefore != 0 ? unitsBefore : state.customerUnits(customer, line.sku());
            Reason reason = checkCustomer(product, units, line.quantity());
            if (reason != null) {
                return reason;
            }
            changes[i] = new LineChange(line.sku(), line.warehouse(), line.quantity(),
                    available - line.quantity(), units + line.quantity());
        }
        return null;
    }

    private static Reason checkCustomer(Product product, long units, long quantity) {
        if (units > Limits.MAX_STOCK - quantity) {
            return Reason.QUANTITY_OVERFLOW;
        }
        if (product.limited() && units + quantity > product.perCustomerLimit()) {
            return Reason.LIMIT_EXCEEDED;
        }
        return null;
    }

    private static List<Event> repeatedOrder(long orderId, long fingerprint, InventoryState state) {
        Order order = state.order(orderId);
        if (order == null) {
            return null;
        }
        return order.fingerprint() == fingerprint ? List.of(new AlreadyApplied(orderId)) : reject(Reason.ID_REUSED, orderId);
    }

    private static List<Event> cancel(CancelPurchase c, InventoryState state) {
        Order order = state.order(c.orderId());
        if (order == null) {
            return reject(Reason.UNKNOWN_ORDER, c.orderId());
        }
        return switch (order.status()) {
            case PURCHASED, CONFIRMED -> List.of(new PurchaseCancelled(c.orderId(), giveBack(order, state)));
            case CANCELLED -> reject(Reason.ALREADY_CANCELLED, c.orderId());
            case RESERVED, RELEASED, EXPIRED -> reject(Reason.NOT_CANCELLABLE, c.orderId());
        };
    }

    private static List<Event> confirm(ConfirmReservation c, long now, InventoryState state) {
        Order order = state.order(c.orderId());
        if (order == null) {
            return reject(Reason.UNKNOWN_ORDER, c.orderId());
        }
        return switch (order.status()) {
            case RESERVED -> now >= order.expiresAt()
                    ? reject(Reason.EXPIRED, c.orderId())
                    : List.of(new ReservationConfirmed(c.orderId()));
            case EXPIRED -> reject(Reason.EXPIRED, c.orderId());
            case RELEASED -> reject(Reason.ALREADY_RELEASED, c.orderId());
            case CONFIRMED -> reject(Reason.ALREADY_CONFIRMED, c.orderId());
            case PURCHASED, CANCELLED -> reject(Reason.NOT_A_RESERVATION, c.orderId());
        };
    }

    private static List<Event> release(ReleaseReservation c, InventoryState state) {
        Order order = state.order(c.orderId());
        if (order == null) {
            return reject(Reason.UNKNOWN_ORDER, c.orderId());
        }
        return switch (order.status()) {
            case RESERVED -> List.of(new ReservationReleased(c.orderId(), giveBack(order, state)));
            case EXPIRED -> reject(Reason.EXPIRED, c.orderId());
            case RELEASED -> reject(Reason.ALREADY_RELEASED, c.orderId());
            case CONFIRMED -> reject(Reason.ALREADY_CONFIRMED, c.orderId());
            case PURCHASED, CANCELLED -> reject(Reason.NOT_A_RESERVATION, c.orderId());
        };
    }

    private static List<Event> expire(long now, InventoryState state) {
        long[] due = new long[Limits.MAX_EXPIRIES_PER_COMMAND];
        int[] count = {0};
        state.forEachDue(now, (orderId, expiresAt) -> {
            due[count[0]++] = orderId;
            return count[0] < due.length;
        });
        if (count[0] == 0) {
            return List.of();
        }
        PendingState pending = new PendingState(state);
        List<Event> events = new ArrayList<>(count[0]);
        for (int i = 0; i < count[0]; i++) {
            Order order = pending.order(due[i]);
            Event expired = new ReservationExpired(order.orderId(), giveBack(order, pending));
            evolve(pending, expired);
            events.add(expired);
        }
        return List.copyOf(events);
    }

    /** The changes that return an order's units to stock and take them off its customer. */
    private static List<LineChange> giveBack(Order order, InventoryState state) {
        List<Line> lines = order.lines();
        LineChange[] changes = new LineChange[lines.size()];
        for (int i = 0; i < changes.length; i++) {
            Line line = lines.get(i);
            long units = -1;
            for (int j = 0; j < i; j++) {
                if (changes[j].sku() == line.sku()) {
                    units = changes[j].customerUnits();
                }
            }
            if (units < 0) {
                units = state.customerUnits(order.customer(), line.sku());
            }
            changes[i] = new LineChange(line.sku(), line.warehouse(), line.quantity(),
                    state.available(line.sku(), line.warehouse()) + line.quantity(), units - line.quantity());
        }
        return List.of(changes);
    }

    // ---- batches ----

    private static List<Event> batch(Batch c, long now, InventoryState state) {
        Reason invalid = checkBatchShape(c, 1, new int[1]);
        if (invalid != null) {
            return reject(invalid, NO_REF);
        }
        return decideMembers(c, now, state);
    }

    private static Reason checkBatchShape(Batch batch, int depth, int[] total) {
        if (depth > Limits.MAX_BATCH_DEPTH) {
            return Reason.BATCH_TOO_DEEP;
        }
        if (batch.commands().isEmpty()) {
            return Reason.EMPTY_BATCH;
        }
        for (Command member : batch.commands()) {
            if (++total[0] > Limits.MAX_BATCH_COMMANDS) {
                return Reason.BATCH_TOO_LARGE;
            }
            if (member instanceof Batch nested) {
                Reason reason = checkBatchShape(nested, depth + 1, total);
                if (reason != null) {
                    return reason;
                }
            }
        }
        return null;
    }

    private static List<Event> decideMembers(Batch c, long now, InventoryState state) {
        PendingState pending = new PendingState(state);
        List<Event> events = new ArrayList<>();
        int lineChanges = 0;
        List<Command> members = c.commands();
        for (int i = 0; i < members.size(); i++) {
            Command member = members.get(i);
            List<Event> decided = member instanceof Batch nested
                    ? decideMembers(nested, now, pending)
                    : decide(member, now, pending);
            if (c.mode() == Batch.Mode.ATOMIC) {
                Rejection rejection = firstRejection(decided);
                if (rejection != null) {
                    return List.of(new BatchAborted(i, rejection.reason(), ref(rejection)));
                }
            }
            evolveAll(pending, decided);
            events.addAll(decided);
            lineChanges += lineChanges(decided);
            if (events.size() > Limits.MAX_EVENTS_PER_COMMAND || lineChanges > Limits.MAX_LINE_CHANGES_PER_COMMAND) {
                return reject(Reason.BATCH_TOO_LARGE, NO_REF);
            }
        }
        return List.copyOf(events);
    }

    /** How many line changes {@code events} carry. */
    private static int lineChanges(List<Event> events) {
        int changes = 0;
        for (int i = 0; i < events.size(); i++) {
            changes += switch (events.get(i)) {
                case PurchaseAccepted e -> e.lines().size();
                case StockReserved e -> e.lines().size();
                case ReservationReleased e -> e.lines().size();
                case ReservationExpired e -> e.lines().size();
                case PurchaseCancelled e -> e.lines().size();
                case ProductListed e -> 0;
                case StockReceived e -> 0;
                case StockWrittenOff e -> 0;
                case ReservationConfirmed e -> 0;
                case AlreadyApplied e -> 0;
                case Rejected e -> 0;
                case BatchAborted e -> 0;
            };
        }
        return changes;
    }

    private static Rejection firstRejection(List<Event> events) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof Rejection rejection) {
                return rejection;
            }
        }
        return null;
    }

    private static long ref(Rejection rejection) {
        return switch (rejection) {
            case Rejected r -> r.ref();
            case BatchAborted b -> b.ref();
        };
    }

    // ---- helpers ----

    private static boolean validQuantity(long quantity) {
        return quantity > 0 && quantity <= Limits.MAX_QUANTITY;
    }

    private static List<Event> reject(Reason reason, long ref) {
        return List.of(new Rejected(reason, ref));
    }
}
