package dev.purestock.domain;

import java.util.List;

/**
 * Receives events as primitive fields, one call per event, without building an {@link Event} record: what
 * {@link Inventory#decide(Command, long, InventoryState, EventBuffer)} writes its decision through, and
 * what {@link DecidedEvents#writeTo} replays a decision into (a journal encoder, a read model).
 *
 * <p>An event that carries line changes ({@link Event.PurchaseAccepted}, {@link Event.StockReserved},
 * {@link Event.ReservationReleased}, {@link Event.ReservationExpired}, {@link Event.PurchaseCancelled}) is
 * one call that opens it followed by one {@link #lineChange} per line, in line order; the lines belong to
 * the event opened last. Every method mirrors the record of the same name field for field, and
 * {@link #write(Event)} turns a record into these calls, so a sink sees the same calls whichever form the
 * events come in.
 */
public interface EventSink {

    /** {@link Event.ProductListed}. */
    void productListed(long sku, long perCustomerLimit, boolean countsCustomers);

    /** {@link Event.StockReceived}. */
    void stockReceived(long movementId, long sku, int warehouse, long quantity, long available, long fingerprint);

    /** {@link Event.StockWrittenOff}. */
    void stockWrittenOff(long movementId, long sku, int warehouse, long quantity, long available, long fingerprint);

    /** Opens a {@link Event.PurchaseAccepted}; its lines follow. */
    void purchaseAccepted(long orderId, long customer, long fingerprint);

    /** Opens a {@link Event.StockReserved}; its lines follow. */
    void stockReserved(long orderId, long customer, long expiresAt, long fingerprint);

    /** {@link Event.ReservationConfirmed}. */
    void reservationConfirmed(long orderId);

    /** Opens a {@link Event.ReservationReleased}; its lines follow. */
    void reservationReleased(long orderId);

    /** Opens a {@link Event.ReservationExpired}; its lines follow. */
    void reservationExpired(long orderId);

    /** Opens a {@link Event.PurchaseCancelled}; its lines follow. */
    void purchaseCancelled(long orderId);

    /** One {@link LineChange} of the event opened last. */
    void lineChange(long sku, int warehouse, long quantity, long available, long customerUnits);

    /** {@link Event.OrderForgotten}. */
    void orderForgotten(long orderId);

    /** {@link Event.CommandHeld}. */
    void commandHeld(long holdId, long at, Command command);

    /** {@link Event.HoldReleased}. */
    void holdReleased(long holdId);

    /** {@link Event.HoldCancelled}. */
    void holdCancelled(long holdId);

    /** {@link Event.AlreadyApplied}. */
    void alreadyApplied(long id);

    /** {@link Event.Rejected}: a {@link Reason} of the domain's, or a reason from outside it. */
    void rejected(RejectionReason reason, long ref);

    /** {@link Event.BatchAborted}. */
    void batchAborted(int index, Reason reason, long ref);

    /** Writes one event record as the calls above. */
    default void write(Event event) {
        switch (event) {
            case Event.ProductListed e -> productListed(e.sku(), e.perCustomerLimit(), e.countsCustomers());
            case Event.StockReceived e -> stockReceived(e.movementId(), e.sku(), e.warehouse(), e.quantity(),
                    e.available(), e.fingerprint());
            case Event.StockWrittenOff e -> stockWrittenOff(e.movementId(), e.sku(), e.warehouse(), e.quantity(),
                    e.available(), e.fingerprint());
            case Event.PurchaseAccepted e -> {
                purchaseAccepted(e.orderId(), e.customer(), e.fingerprint());
                lineChanges(e.lines());
            }
            case Event.StockReserved e -> {
                stockReserved(e.orderId(), e.customer(), e.expiresAt(), e.fingerprint());
                lineChanges(e.lines());
            }
            case Event.ReservationConfirmed e -> reservationConfirmed(e.orderId());
            case Event.ReservationReleased e -> {
                reservationReleased(e.orderId());
                lineChanges(e.lines());
            }
            case Event.ReservationExpired e -> {
                reservationExpired(e.orderId());
                lineChanges(e.lines());
            }
            case Event.PurchaseCancelled e -> {
                purchaseCancelled(e.orderId());
                lineChanges(e.lines());
            }
            case Event.OrderForgotten e -> orderForgotten(e.orderId());
            case Event.CommandHeld e -> commandHeld(e.holdId(), e.at(), e.command());
            case Event.HoldReleased e -> holdReleased(e.holdId());
            case Event.HoldCancelled e -> holdCancelled(e.holdId());
            case Event.AlreadyApplied e -> alreadyApplied(e.id());
            case Event.Rejected e -> rejected(e.reason(), e.ref());
            case Event.BatchAborted e -> batchAborted(e.index(), e.reason(), e.ref());
        }
    }

    /** Writes event records in order. */
    default void writeAll(List<Event> events) {
        for (int i = 0; i < events.size(); i++) {
            write(events.get(i));
        }
    }

    private void lineChanges(List<LineChange> changes) {
        for (int i = 0; i < changes.size(); i++) {
            LineChange c = changes.get(i);
            lineChange(c.sku(), c.warehouse(), c.quantity(), c.available(), c.customerUnits());
        }
    }
}
