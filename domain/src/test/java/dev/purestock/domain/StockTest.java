package dev.purestock.domain;

import dev.purestock.domain.Command.ReceiveStock;
import dev.purestock.domain.Command.WriteOffStock;
import dev.purestock.domain.Event.ProductListed;
import dev.purestock.domain.Event.StockWrittenOff;
import dev.purestock.domain.testing.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.purestock.domain.Examples.ALICE;
import static dev.purestock.domain.Examples.OTHER_WAREHOUSE;
import static dev.purestock.domain.Examples.SKU;
import static dev.purestock.domain.Examples.WAREHOUSE;
import static dev.purestock.domain.Examples.listed;
import static dev.purestock.domain.Examples.listedWithLimit;
import static dev.purestock.domain.Examples.received;
import static dev.purestock.domain.Examples.receivedEvent;
import static dev.purestock.domain.Examples.rejected;
import static dev.purestock.domain.testing.Scenario.given;
import static dev.purestock.domain.testing.Scenario.nothingYet;
import static org.junit.jupiter.api.Assertions.assertEquals;

class StockTest {

    @Test
    void listingAProductMakesItsSkuKnown() {
        nothingYet().when(listedWithLimit(SKU, 2))
                .then(new ProductListed(SKU, 2))
                .thenStateChanged();
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, Long.MIN_VALUE, Limits.MAX_QUANTITY + 1, Long.MAX_VALUE})
    void listingWithALimitOutsideItsRangeIsRejected(long limit) {
        nothingYet().when(listedWithLimit(SKU, limit))
                .then(rejected(Reason.INVALID_LIMIT, SKU))
                .thenNothingChanged();
    }

    @Test
    void listingAgainChangesTheLimitAndCustomersKeepWhatTheyHold() {
        Outcome relisted = given(listedWithLimit(SKU, 3), received(1, SKU, WAREHOUSE, 10),
                new Command.Purchase(1, ALICE, SKU, WAREHOUSE, 3))
                .when(listedWithLimit(SKU, 1))
                .then(new ProductListed(SKU, 1))
                .thenCustomerHolds(ALICE, SKU, 3)
                .thenAvailable(SKU, WAREHOUSE, 7);
        assertEquals(new Product(SKU, 1), relisted.store().product(SKU));
        relisted.when(new Command.Purchase(2, ALICE, SKU, WAREHOUSE, 1)).thenRejected(Reason.LIMIT_EXCEEDED);
    }

    @Test
    void receivingStockMakesItsUnitsAvailableAtThatWarehouse() {
        ReceiveStock receipt = received(1, SKU, WAREHOUSE, 10);
        given(listed(SKU)).when(receipt)
                .then(receivedEvent(receipt, 10))
                .thenAvailable(SKU, WAREHOUSE, 10)
                .thenAvailable(SKU, OTHER_WAREHOUSE, InventoryState.NO_POSITION);
    }

    @Test
    void receivingAddsToTheUnitsAlreadyThere() {
        ReceiveStock second = received(2, SKU, WAREHOUSE, 5);
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10)).when(second)
                .then(receivedEvent(second, 15))
                .thenAvailable(SKU, WAREHOUSE, 15);
    }

    @Test
    void receivingAnUnlistedSkuIsRejected() {
        nothingYet().when(received(1, SKU, WAREHOUSE, 10))
                .then(rejected(Reason.UNKNOWN_SKU, 1))
                .thenNothingChanged();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE, Limits.MAX_QUANTITY + 1, Long.MAX_VALUE})
    void receivingAQuantityOutsideItsRangeIsRejected(long quantity) {
        given(listed(SKU)).when(received(1, SKU, WAREHOUSE, quantity))
                .then(rejected(Reason.INVALID_QUANTITY, 1))
                .thenNothingChanged();
    }

    @Test
    void receivingTheLargestQuantityIsAccepted() {
        given(listed(SKU)).when(received(1, SKU, WAREHOUSE, Limits.MAX_QUANTITY))
                .thenAvailable(SKU, WAREHOUSE, Limits.MAX_QUANTITY);
    }

    @Test
    void receivingPastTheMostAPositionMayHoldIsRejected() {
        ReceiveStock upToTheMaximum = received(2, SKU, WAREHOUSE, 5);
        given(new ProductListed(SKU, 0),
                new Event.StockReceived(1, SKU, WAREHOUSE, 1, Limits.MAX_STOCK - 5, 99))
                .when(received(3, SKU, WAREHOUSE, 6))
                .thenRejected(Reason.QUANTITY_OVERFLOW)
                .when(upToTheMaximum)
                .then(receivedEvent(upToTheMaximum, Limits.MAX_STOCK))
                .when(received(4, SKU, WAREHOUSE, 1))
                .thenRejected(Reason.QUANTITY_OVERFLOW)
                .thenAvailable(SKU, WAREHOUSE, Limits.MAX_STOCK);
    }

    @Test
    void writingOffTakesUnitsOutOfStock() {
        WriteOffStock writeOff = new WriteOffStock(2, SKU, WAREHOUSE, 4);
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10)).when(writeOff)
                .then(new StockWrittenOff(2, SKU, WAREHOUSE, 4, 6, Fingerprint.of(writeOff)))
                .thenAvailable(SKU, WAREHOUSE, 6);
    }

    @Test
    void writingOffEveryUnitLeavesAnEmptyPosition() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10))
                .when(new WriteOffStock(2, SKU, WAREHOUSE, 10))
                .thenAvailable(SKU, WAREHOUSE, 0)
                .when(new Command.Purchase(1, ALICE, SKU, WAREHOUSE, 1))
                .thenRejected(Reason.OUT_OF_STOCK);
    }

    @Test
    void writingOffMoreThanIsAvailableIsRejected() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10))
                .when(new WriteOffStock(2, SKU, WAREHOUSE, 11))
                .then(rejected(Reason.OUT_OF_STOCK, 2))
                .thenNothingChanged();
    }

    @Test
    void writingOffAtAWarehouseThatNeverReceivedTheSkuIsRejected() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10))
                .when(new WriteOffStock(2, SKU, OTHER_WAREHOUSE, 1))
                .thenRejected(Reason.UNKNOWN_WAREHOUSE);
    }

    @Test
    void writingOffAnUnlistedSkuIsRejected() {
        nothingYet().when(new WriteOffStock(2, SKU, WAREHOUSE, 1)).thenRejected(Reason.UNKNOWN_SKU);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -5, Limits.MAX_QUANTITY + 1})
    void writingOffAQuantityOutsideItsRangeIsRejected(long quantity) {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10))
                .when(new WriteOffStock(2, SKU, WAREHOUSE, quantity))
                .thenRejected(Reason.INVALID_QUANTITY);
    }

    @Test
    void repeatingAReceiptReportsAlreadyAppliedAndAddsNothing() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10))
                .when(received(1, SKU, WAREHOUSE, 10))
                .thenAlreadyApplied(1)
                .thenAvailable(SKU, WAREHOUSE, 10);
    }

    @Test
    void repeatingAWriteOffReportsAlreadyAppliedAndTakesNothing() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10), new WriteOffStock(2, SKU, WAREHOUSE, 3))
                .when(new WriteOffStock(2, SKU, WAREHOUSE, 3))
                .thenAlreadyApplied(2)
                .thenAvailable(SKU, WAREHOUSE, 7);
    }

    @Test
    void reusingAMovementIdForADifferentReceiptIsRejected() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10))
                .when(received(1, SKU, WAREHOUSE, 11))
                .then(rejected(Reason.ID_REUSED, 1))
                .thenNothingChanged();
    }

    @Test
    void aWriteOffCannotReuseTheIdOfAReceipt() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10))
                .when(new WriteOffStock(1, SKU, WAREHOUSE, 10))
                .thenRejected(Reason.ID_REUSED);
    }

    @Test
    void aRejectedReceiptRecordsNothingSoItsIdCanBeUsedAgain() {
        ReceiveStock receipt = received(1, SKU, WAREHOUSE, 10);
        given(listed(SKU))
                .when(received(1, SKU, WAREHOUSE, 0))
                .thenRejected(Reason.INVALID_QUANTITY)
                .when(receipt)
                .then(receivedEvent(receipt, 10));
    }
}
