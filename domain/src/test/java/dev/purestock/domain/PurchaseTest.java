package dev.purestock.domain;

import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Event.ProductListed;
import dev.purestock.domain.Event.PurchaseAccepted;
import dev.purestock.domain.Event.StockReceived;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static dev.purestock.domain.Examples.ALICE;
import static dev.purestock.domain.Examples.BOB;
import static dev.purestock.domain.Examples.OTHER_WAREHOUSE;
import static dev.purestock.domain.Examples.SKU;
import static dev.purestock.domain.Examples.WAREHOUSE;
import static dev.purestock.domain.Examples.accepted;
import static dev.purestock.domain.Examples.change;
import static dev.purestock.domain.Examples.line;
import static dev.purestock.domain.Examples.listed;
import static dev.purestock.domain.Examples.listedWithLimit;
import static dev.purestock.domain.Examples.received;
import static dev.purestock.domain.Examples.rejected;
import static dev.purestock.domain.testing.Scenario.given;

class PurchaseTest {

    @Test
    void aPurchaseTakesUnitsFromStockAndCountsThemForTheCustomer() {
        Purchase purchase = new Purchase(1, ALICE, SKU, WAREHOUSE, 3);
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10)).when(purchase)
                .then(accepted(purchase, 7, 3))
                .thenAvailable(SKU, WAREHOUSE, 7)
                .thenCustomerHolds(ALICE, SKU, 3)
                .thenOrderIs(1, OrderStatus.PURCHASED);
    }

    @Test
    void aPurchaseOfTheLastUnitsIsAccepted() {
        Purchase purchase = new Purchase(1, ALICE, SKU, WAREHOUSE, 10);
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10)).when(purchase)
                .then(accepted(purchase, 0, 10));
    }

    @Test
    void purchaseBeyondAvailableStockIsRejected() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10))
                .when(new Purchase(1, ALICE, SKU, WAREHOUSE, 11))
                .then(rejected(Reason.OUT_OF_STOCK, 1))
                .thenNothingChanged()
                .thenCustomerHolds(ALICE, SKU, 0);
    }

    @Test
    void stockAtAnotherWarehouseDoesNotServeAPurchase() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10), received(2, SKU, OTHER_WAREHOUSE, 1))
                .when(new Purchase(1, ALICE, SKU, OTHER_WAREHOUSE, 2))
                .thenRejected(Reason.OUT_OF_STOCK);
    }

    @Test
    void purchaseOfAnUnlistedSkuIsRejected() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10))
                .when(new Purchase(1, ALICE, SKU + 1, WAREHOUSE, 1))
                .thenRejected(Reason.UNKNOWN_SKU);
    }

    @Test
    void purchaseAtAWarehouseThatNeverReceivedTheSkuIsRejected() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10))
                .when(new Purchase(1, ALICE, SKU, OTHER_WAREHOUSE, 1))
                .thenRejected(Reason.UNKNOWN_WAREHOUSE);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE, Limits.MAX_QUANTITY + 1, Long.MAX_VALUE})
    void purchaseOfAQuantityOutsideItsRangeIsRejected(long quantity) {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10))
                .when(new Purchase(1, ALICE, SKU, WAREHOUSE, quantity))
                .then(rejected(Reason.INVALID_QUANTITY, 1))
                .thenNothingChanged();
    }

    @Test
    void purchaseUpToThePerCustomerLimitIsAccepted() {
        given(listedWithLimit(SKU, 2), received(1, SKU, WAREHOUSE, 10), new Purchase(1, ALICE, SKU, WAREHOUSE, 1))
                .when(new Purchase(2, ALICE, SKU, WAREHOUSE, 1))
                .thenCustomerHolds(ALICE, SKU, 2);
    }

    @Test
    void purchaseBeyondThePerCustomerLimitIsRejected() {
        given(listedWithLimit(SKU, 2), received(1, SKU, WAREHOUSE, 10), new Purchase(1, ALICE, SKU, WAREHOUSE, 2))
                .when(new Purchase(2, ALICE, SKU, WAREHOUSE, 1))
                .then(rejected(Reason.LIMIT_EXCEEDED, 2))
                .thenNothingChanged();
    }

    @Test
    void thePerCustomerLimitCountsPurchasesAtEveryWarehouseOfTheSku() {
        given(listedWithLimit(SKU, 2), received(1, SKU, WAREHOUSE, 10), received(2, SKU, OTHER_WAREHOUSE, 10),
                new Purchase(1, ALICE, SKU, WAREHOUSE, 1),
                new Purchase(2, ALICE, SKU, OTHER_WAREHOUSE, 1))
                .when(new Purchase(3, ALICE, SKU, OTHER_WAREHOUSE, 1))
                .thenRejected(Reason.LIMIT_EXCEEDED)
                .thenCustomerHolds(ALICE, SKU, 2);
    }

    @Test
    void thePerCustomerLimitBindsEachCustomerOnTheirOwn() {
        Purchase bobs = new Purchase(2, BOB, SKU, WAREHOUSE, 2);
        given(listedWithLimit(SKU, 2), received(1, SKU, WAREHOUSE, 10), new Purchase(1, ALICE, SKU, WAREHOUSE, 2))
                .when(bobs)
                .then(accepted(bobs, 6, 2));
    }

    @Test
    void aCustomerCountThatWouldPassTheMaximumIsRejected() {
        long nearlyFull = Limits.MAX_STOCK - 1;
        given(new ProductListed(SKU, 0),
                new StockReceived(1, SKU, WAREHOUSE, 10, 10, 99),
                new PurchaseAccepted(1, ALICE, List.of(change(SKU, WAREHOUSE, 1, 10, nearlyFull)), 98))
                .when(new Purchase(2, ALICE, SKU, WAREHOUSE, 2))
                .thenRejected(Reason.QUANTITY_OVERFLOW)
                .when(new Purchase(3, ALICE, SKU, WAREHOUSE, 1))
                .thenCustomerHolds(ALICE, SKU, Limits.MAX_STOCK);
    }

    @Test
    void repeatingAPurchaseReportsAlreadyAppliedAndTakesNothingMore() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10), new Purchase(1, ALICE, SKU, WAREHOUSE, 3))
                .when(new Purchase(1, ALICE, SKU, WAREHOUSE, 3))
                .thenAlreadyApplied(1)
                .thenAvailable(SKU, WAREHOUSE, 7);
    }

    @Test
    void aRepeatStillReportsAlreadyAppliedWhenStockHasSinceRunOut() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 3), new Purchase(1, ALICE, SKU, WAREHOUSE, 3))
                .when(new Purchase(1, ALICE, SKU, WAREHOUSE, 3))
                .thenAlreadyApplied(1);
    }

    @Test
    void reusingAnOrderIdForADifferentPurchaseIsRejected() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10), new Purchase(1, ALICE, SKU, WAREHOUSE, 3))
                .when(new Purchase(1, ALICE, SKU, WAREHOUSE, 4))
                .then(rejected(Reason.ID_REUSED, 1))
                .thenNothingChanged()
                .when(new Purchase(1, BOB, SKU, WAREHOUSE, 3))
                .thenRejected(Reason.ID_REUSED);
    }

    @Test
    void aRejectedPurchaseRecordsNothingSoARetryIsDecidedAfresh() {
        Purchase retry = new Purchase(1, ALICE, SKU, WAREHOUSE, 5);
        given(listed(SKU), received(1, SKU, WAREHOUSE, 3))
                .when(retry)
                .thenRejected(Reason.OUT_OF_STOCK)
                .when(received(2, SKU, WAREHOUSE, 2))
                .when(retry)
                .then(accepted(retry, 0, 5));
    }

    @Test
    void aPurchaseAndAOneLineOrderOfTheSameLineAreTheSamePayload() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10), new Purchase(1, ALICE, SKU, WAREHOUSE, 3))
                .when(new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 3))))
                .thenAlreadyApplied(1);
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10), new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 3))))
                .when(new Purchase(1, ALICE, SKU, WAREHOUSE, 3))
                .thenAlreadyApplied(1);
    }

    @Test
    void aPurchaseAndAReservationOfTheSameLineAreDifferentPayloads() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10),
                new Command.Reserve(1, ALICE, List.of(line(SKU, WAREHOUSE, 3)), 100))
                .when(new Purchase(1, ALICE, SKU, WAREHOUSE, 3))
                .thenRejected(Reason.ID_REUSED);
    }
}
