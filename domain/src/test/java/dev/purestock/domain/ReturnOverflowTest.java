package dev.purestock.domain;

import dev.purestock.domain.Command.CancelPurchase;
import dev.purestock.domain.Command.ReleaseReservation;
import dev.purestock.domain.Event.ProductListed;
import dev.purestock.domain.Event.PurchaseAccepted;
import dev.purestock.domain.Event.PurchaseCancelled;
import dev.purestock.domain.Event.ReservationReleased;
import dev.purestock.domain.Event.StockReceived;
import dev.purestock.domain.Event.StockReserved;
import dev.purestock.domain.testing.Scenario;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.purestock.domain.Examples.ALICE;
import static dev.purestock.domain.Examples.SKU;
import static dev.purestock.domain.Examples.WAREHOUSE;
import static dev.purestock.domain.Examples.change;
import static dev.purestock.domain.Examples.rejected;
import static dev.purestock.domain.testing.Scenario.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Receipts stop at {@link Limits#MAX_STOCK}, returns do not: units sold, received again and returned over and
 * over pile up at one position. A cancel or release whose units would take a position past {@link Long#MAX_VALUE}
 * is refused ({@link Reason#QUANTITY_OVERFLOW}) instead of wrapping the position to a negative count.
 */
class ReturnOverflowTest {
    private static final long ORDER = 2;
    private static final long FAR = 1_000_000;

    /** Order 2 bought {@code quantity}, then returns and receipts left {@code available} units at the position. */
    private static Scenario bought(long quantity, long available) {
        return given(new ProductListed(SKU, 0),
                new StockReceived(1, SKU, WAREHOUSE, quantity, quantity, 11),
                new PurchaseAccepted(ORDER, ALICE, List.of(change(SKU, WAREHOUSE, quantity, 0, quantity)), 22),
                new StockReceived(3, SKU, WAREHOUSE, 1, available, 33));
    }

    /** Order 2 reserved {@code quantity} until {@link #FAR}, then {@code available} units were left at the position. */
    private static Scenario reserved(long quantity, long available) {
        return given(new ProductListed(SKU, 0),
                new StockReceived(1, SKU, WAREHOUSE, quantity, quantity, 11),
                new StockReserved(ORDER, ALICE, List.of(change(SKU, WAREHOUSE, quantity, 0, quantity)), FAR, 22),
                new StockReceived(3, SKU, WAREHOUSE, 1, available, 33));
    }

    @Test
    void aCancelThatWouldTakeAPositionPastTheLargestCountIsRejected() {
        bought(5, Long.MAX_VALUE - 4).when(new CancelPurchase(ORDER))
                .then(rejected(Reason.QUANTITY_OVERFLOW, ORDER))
                .thenNothingChanged()
                .thenAvailable(SKU, WAREHOUSE, Long.MAX_VALUE - 4)
                .thenOrderIs(ORDER, OrderStatus.PURCHASED);
    }

    @Test
    void aCancelThatFillsAPositionToTheLargestCountIsAccepted() {
        bought(5, Long.MAX_VALUE - 5).when(new CancelPurchase(ORDER))
                .then(new PurchaseCancelled(ORDER, List.of(change(SKU, WAREHOUSE, 5, Long.MAX_VALUE, 0))))
                .thenAvailable(SKU, WAREHOUSE, Long.MAX_VALUE);
    }

    @Test
    void aReleaseThatWouldTakeAPositionPastTheLargestCountIsRejected() {
        reserved(5, Long.MAX_VALUE - 4).when(new ReleaseReservation(ORDER))
                .then(rejected(Reason.QUANTITY_OVERFLOW, ORDER))
                .thenNothingChanged()
                .thenOrderIs(ORDER, OrderStatus.RESERVED)
                .when(new Command.WriteOffStock(4, SKU, WAREHOUSE, 1))
                .when(new ReleaseReservation(ORDER))
                .then(new ReservationReleased(ORDER, List.of(change(SKU, WAREHOUSE, 5, Long.MAX_VALUE, 0))));
    }

    @Test
    void nearTheLargestCountAReturnIsRefusedExactlyWhenItWouldWrap() {
        qt().forAll(longs().between(1, Limits.MAX_QUANTITY), longs().between(0, 2 * Limits.MAX_QUANTITY))
                .checkAssert((quantity, room) -> {
                    long available = Long.MAX_VALUE - room;
                    boolean fits = room >= quantity;
                    List<Event> cancelled = Inventory.decide(new CancelPurchase(ORDER), 0,
                            bought(quantity, available).store());
                    List<Event> released = Inventory.decide(new ReleaseReservation(ORDER), 0,
                            reserved(quantity, available).store());
                    List<Event> refused = List.of(rejected(Reason.QUANTITY_OVERFLOW, ORDER));
                    assertEquals(fits ? List.of(new PurchaseCancelled(ORDER,
                            List.of(change(SKU, WAREHOUSE, quantity, available + quantity, 0)))) : refused, cancelled);
                    assertEquals(fits ? List.of(new ReservationReleased(ORDER,
                            List.of(change(SKU, WAREHOUSE, quantity, available + quantity, 0)))) : refused, released);
                });
    }
}
