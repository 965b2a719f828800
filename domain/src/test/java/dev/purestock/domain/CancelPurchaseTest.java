package dev.purestock.domain;

import dev.purestock.domain.Command.CancelPurchase;
import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.Reserve;
import dev.purestock.domain.Event.PurchaseCancelled;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.purestock.domain.Examples.ALICE;
import static dev.purestock.domain.Examples.OTHER_WAREHOUSE;
import static dev.purestock.domain.Examples.SKU;
import static dev.purestock.domain.Examples.WAREHOUSE;
import static dev.purestock.domain.Examples.change;
import static dev.purestock.domain.Examples.line;
import static dev.purestock.domain.Examples.listed;
import static dev.purestock.domain.Examples.listedWithLimit;
import static dev.purestock.domain.Examples.received;
import static dev.purestock.domain.Examples.rejected;
import static dev.purestock.domain.testing.Scenario.given;

class CancelPurchaseTest {

    private static final Command[] ALICE_BOUGHT_THREE = {
            listedWithLimit(SKU, 3), received(1, SKU, WAREHOUSE, 10), new Purchase(1, ALICE, SKU, WAREHOUSE, 3)};

    @Test
    void cancellingAPurchaseReturnsItsUnitsToStock() {
        given(ALICE_BOUGHT_THREE).when(new CancelPurchase(1))
                .then(new PurchaseCancelled(1, List.of(change(SKU, WAREHOUSE, 3, 10, 0))))
                .thenAvailable(SKU, WAREHOUSE, 10)
                .thenCustomerHolds(ALICE, SKU, 0)
                .thenOrderIs(1, OrderStatus.CANCELLED);
    }

    @Test
    void cancellingFreesRoomUnderThePerCustomerLimit() {
        given(ALICE_BOUGHT_THREE)
                .when(new Purchase(2, ALICE, SKU, WAREHOUSE, 1))
                .thenRejected(Reason.LIMIT_EXCEEDED)
                .when(new CancelPurchase(1))
                .when(new Purchase(2, ALICE, SKU, WAREHOUSE, 1))
                .thenCustomerHolds(ALICE, SKU, 1);
    }

    @Test
    void cancellingTwiceIsRejected() {
        given(ALICE_BOUGHT_THREE).andGiven(new CancelPurchase(1))
                .when(new CancelPurchase(1))
                .then(rejected(Reason.ALREADY_CANCELLED, 1))
                .thenNothingChanged()
                .thenAvailable(SKU, WAREHOUSE, 10);
    }

    @Test
    void aCancelledPurchaseKeepsItsIdSoARepeatOfItIsAlreadyApplied() {
        given(ALICE_BOUGHT_THREE).andGiven(new CancelPurchase(1))
                .when(new Purchase(1, ALICE, SKU, WAREHOUSE, 3))
                .thenAlreadyApplied(1)
                .thenOrderIs(1, OrderStatus.CANCELLED);
    }

    @Test
    void cancellingAnUnknownOrderIsRejected() {
        given(ALICE_BOUGHT_THREE).when(new CancelPurchase(2)).then(rejected(Reason.UNKNOWN_ORDER, 2));
    }

    @Test
    void cancellingALiveReservationIsRejected() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10), new Reserve(1, ALICE, List.of(line(SKU, WAREHOUSE, 2)), 50))
                .when(new CancelPurchase(1))
                .thenRejected(Reason.NOT_CANCELLABLE)
                .thenOrderIs(1, OrderStatus.RESERVED);
    }

    @Test
    void cancellingAReleasedOrExpiredReservationIsRejected() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10),
                new Reserve(1, ALICE, List.of(line(SKU, WAREHOUSE, 2)), 50),
                new Reserve(2, ALICE, List.of(line(SKU, WAREHOUSE, 2)), 60),
                new Command.ReleaseReservation(1))
                .at(60).andGiven(new Command.ExpireReservations())
                .when(new CancelPurchase(1))
                .thenRejected(Reason.NOT_CANCELLABLE)
                .when(new CancelPurchase(2))
                .thenRejected(Reason.NOT_CANCELLABLE);
    }

    @Test
    void cancellingAConfirmedReservationReturnsItsUnits() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10),
                new Reserve(1, ALICE, List.of(line(SKU, WAREHOUSE, 2)), 50),
                new Command.ConfirmReservation(1))
                .when(new CancelPurchase(1))
                .then(new PurchaseCancelled(1, List.of(change(SKU, WAREHOUSE, 2, 10, 0))))
                .thenOrderIs(1, OrderStatus.CANCELLED);
    }

    @Test
    void cancellingAnOrderReturnsEveryLineAndTheCustomerCountOfEach() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 5), received(2, SKU, OTHER_WAREHOUSE, 5),
                new Purchase(9, ALICE, SKU, WAREHOUSE, 1),
                new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 2), line(SKU, OTHER_WAREHOUSE, 3))))
                .when(new CancelPurchase(1))
                .then(new PurchaseCancelled(1, List.of(change(SKU, WAREHOUSE, 2, 4, 4),
                        change(SKU, OTHER_WAREHOUSE, 3, 5, 1))))
                .thenAvailable(SKU, WAREHOUSE, 4)
                .thenAvailable(SKU, OTHER_WAREHOUSE, 5)
                .thenCustomerHolds(ALICE, SKU, 1);
    }
}
