package dev.purestock.domain;

import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Event.PurchaseAccepted;
import dev.purestock.domain.Event.StockReceived;
import dev.purestock.domain.Event.StockReserved;

import java.util.List;

/** Names and builders shared by the example tests, so that each example reads as its rule. */
final class Examples {
    static final long SKU = 7;
    static final long OTHER_SKU = 8;
    static final int WAREHOUSE = 0;
    static final int OTHER_WAREHOUSE = 1;
    static final long ALICE = 1;
    static final long BOB = 2;

    private Examples() {
    }

    static Command.ListProduct listed(long sku) {
        return new Command.ListProduct(sku, 0);
    }

    static Command.ListProduct listedWithLimit(long sku, long perCustomerLimit) {
        return new Command.ListProduct(sku, perCustomerLimit);
    }

    static Command.ReceiveStock received(long movementId, long sku, int warehouse, long quantity) {
        return new Command.ReceiveStock(movementId, sku, warehouse, quantity);
    }

    static Line line(long sku, int warehouse, long quantity) {
        return new Line(sku, warehouse, quantity);
    }

    /** The event of {@code receipt} accepted, leaving {@code available} units. */
    static StockReceived receivedEvent(Command.ReceiveStock receipt, long available) {
        return new StockReceived(receipt.movementId(), receipt.sku(), receipt.warehouse(), receipt.quantity(),
                available, Fingerprint.of(receipt));
    }

    /** The event of {@code purchase} accepted, leaving {@code available} units and {@code customerUnits}. */
    static PurchaseAccepted accepted(Purchase purchase, long available, long customerUnits) {
        return new PurchaseAccepted(purchase.orderId(), purchase.customer(),
                List.of(new LineChange(purchase.sku(), purchase.warehouse(), purchase.quantity(), available,
                        customerUnits)),
                Fingerprint.ofPurchase(purchase));
    }

    /** The event of {@code order} accepted with {@code changes}. */
    static PurchaseAccepted accepted(Command.PlaceOrder order, LineChange... changes) {
        return new PurchaseAccepted(order.orderId(), order.customer(), List.of(changes),
                Fingerprint.ofOrder(Inventory.PURCHASE_KIND, order.orderId(), order.customer(), order.lines(), 0));
    }

    /** The event of {@code reservation} accepted with {@code changes}. */
    static StockReserved reserved(Command.Reserve reservation, LineChange... changes) {
        long fingerprint = Fingerprint.ofOrder(Inventory.RESERVE_KIND, reservation.orderId(), reservation.customer(),
                reservation.lines(), reservation.expiresAt());
        return new StockReserved(reservation.orderId(), reservation.customer(), List.of(changes),
                reservation.expiresAt(), fingerprint);
    }

    static LineChange change(long sku, int warehouse, long quantity, long available, long customerUnits) {
        return new LineChange(sku, warehouse, quantity, available, customerUnits);
    }

    static Event.Rejected rejected(Reason reason, long ref) {
        return new Event.Rejected(reason, ref);
    }
}
