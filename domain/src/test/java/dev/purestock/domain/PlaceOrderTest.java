package dev.purestock.domain;

import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.purestock.domain.Examples.ALICE;
import static dev.purestock.domain.Examples.OTHER_SKU;
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

class PlaceOrderTest {

    private static final Command[] TWO_SKUS_IN_STOCK = {
            listed(SKU), listed(OTHER_SKU), received(1, SKU, WAREHOUSE, 10), received(2, OTHER_SKU, WAREHOUSE, 4)};

    @Test
    void anOrderTakesEveryLine() {
        PlaceOrder order = new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 3), line(OTHER_SKU, WAREHOUSE, 4)));
        given(TWO_SKUS_IN_STOCK).when(order)
                .then(accepted(order, change(SKU, WAREHOUSE, 3, 7, 3), change(OTHER_SKU, WAREHOUSE, 4, 0, 4)))
                .thenOrderIs(1, OrderStatus.PURCHASED)
                .thenCustomerHolds(ALICE, OTHER_SKU, 4);
    }

    @Test
    void anOrderWithOneLineOutOfStockTakesNothing() {
        given(TWO_SKUS_IN_STOCK)
                .when(new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 3), line(OTHER_SKU, WAREHOUSE, 5))))
                .then(rejected(Reason.OUT_OF_STOCK, 1))
                .thenNothingChanged()
                .thenAvailable(SKU, WAREHOUSE, 10);
    }

    @Test
    void anOrderWithAnUnlistedSkuOnItsLastLineTakesNothing() {
        given(TWO_SKUS_IN_STOCK)
                .when(new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 3), line(99, WAREHOUSE, 1))))
                .thenRejected(Reason.UNKNOWN_SKU);
    }

    @Test
    void anOrderWithALineAtAWarehouseWithoutTheSkuIsRejected() {
        given(TWO_SKUS_IN_STOCK)
                .when(new PlaceOrder(1, ALICE, List.of(line(SKU, OTHER_WAREHOUSE, 1))))
                .thenRejected(Reason.UNKNOWN_WAREHOUSE);
    }

    @Test
    void anOrderWithAnInvalidQuantityOnAnyLineIsRejected() {
        given(TWO_SKUS_IN_STOCK)
                .when(new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 3), line(OTHER_SKU, WAREHOUSE, 0))))
                .thenRejected(Reason.INVALID_QUANTITY)
                .when(new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, -3))))
                .thenRejected(Reason.INVALID_QUANTITY);
    }

    @Test
    void anEmptyOrderIsRejected() {
        given(TWO_SKUS_IN_STOCK).when(new PlaceOrder(1, ALICE, List.of()))
                .then(rejected(Reason.EMPTY_ORDER, 1))
                .thenNothingChanged();
    }

    @Test
    void anOrderWithTooManyLinesIsRejected() {
        List<Command> history = new ArrayList<>();
        List<Line> lines = new ArrayList<>();
        for (int sku = 0; sku <= Limits.MAX_LINES; sku++) {
            history.add(listed(sku));
            history.add(received(sku, sku, WAREHOUSE, 1));
            lines.add(line(sku, WAREHOUSE, 1));
        }
        given(history.toArray(Command[]::new))
                .when(new PlaceOrder(1, ALICE, lines))
                .thenRejected(Reason.TOO_MANY_LINES)
                .when(new PlaceOrder(1, ALICE, lines.subList(0, Limits.MAX_LINES)))
                .thenOrderIs(1, OrderStatus.PURCHASED);
    }

    @Test
    void anOrderNamingTheSameSkuAndWarehouseTwiceIsRejected() {
        given(TWO_SKUS_IN_STOCK)
                .when(new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 1), line(SKU, WAREHOUSE, 1))))
                .thenRejected(Reason.DUPLICATE_LINE);
    }

    @Test
    void anOrderMayTakeOneSkuFromTwoWarehouses() {
        PlaceOrder order = new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 2), line(SKU, OTHER_WAREHOUSE, 1)));
        given(listed(SKU), received(1, SKU, WAREHOUSE, 5), received(2, SKU, OTHER_WAREHOUSE, 5)).when(order)
                .then(accepted(order, change(SKU, WAREHOUSE, 2, 3, 2), change(SKU, OTHER_WAREHOUSE, 1, 4, 3)))
                .thenCustomerHolds(ALICE, SKU, 3);
    }

    @Test
    void thePerCustomerLimitCountsEveryLineOfOneOrder() {
        given(listedWithLimit(SKU, 2), received(1, SKU, WAREHOUSE, 5), received(2, SKU, OTHER_WAREHOUSE, 5))
                .when(new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 1), line(SKU, OTHER_WAREHOUSE, 2))))
                .thenRejected(Reason.LIMIT_EXCEEDED)
                .when(new PlaceOrder(2, ALICE, List.of(line(SKU, WAREHOUSE, 1), line(SKU, OTHER_WAREHOUSE, 1))))
                .thenCustomerHolds(ALICE, SKU, 2);
    }

    @Test
    void thePerCustomerLimitCountsWhatTheCustomerAlreadyHolds() {
        given(listedWithLimit(SKU, 3), listed(OTHER_SKU), received(1, SKU, WAREHOUSE, 5),
                received(2, OTHER_SKU, WAREHOUSE, 5), new Purchase(1, ALICE, SKU, WAREHOUSE, 2))
                .when(new PlaceOrder(2, ALICE, List.of(line(OTHER_SKU, WAREHOUSE, 5), line(SKU, WAREHOUSE, 2))))
                .thenRejected(Reason.LIMIT_EXCEEDED)
                .thenAvailable(OTHER_SKU, WAREHOUSE, 5);
    }

    @Test
    void repeatingAnOrderReportsAlreadyApplied() {
        PlaceOrder order = new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 3), line(OTHER_SKU, WAREHOUSE, 4)));
        given(TWO_SKUS_IN_STOCK).andGiven(order).when(order).thenAlreadyApplied(1);
    }

    @Test
    void reusingAnOrderIdWithOtherLinesIsRejected() {
        given(TWO_SKUS_IN_STOCK).andGiven(new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 3))))
                .when(new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 3), line(OTHER_SKU, WAREHOUSE, 1))))
                .thenRejected(Reason.ID_REUSED);
    }

    @Test
    void theOrderOfTheLinesIsPartOfThePayload() {
        given(TWO_SKUS_IN_STOCK)
                .andGiven(new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 1), line(OTHER_SKU, WAREHOUSE, 1))))
                .when(new PlaceOrder(1, ALICE, List.of(line(OTHER_SKU, WAREHOUSE, 1), line(SKU, WAREHOUSE, 1))))
                .thenRejected(Reason.ID_REUSED);
    }
}
