package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.CancelPurchase;
import dev.purestock.domain.Command.ListProduct;
import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.ReleaseReservation;
import dev.purestock.domain.Command.Reserve;
import dev.purestock.domain.Event.ProductListed;
import dev.purestock.domain.Event.PurchaseCancelled;
import dev.purestock.domain.Event.ReservationExpired;
import dev.purestock.domain.Event.ReservationReleased;
import dev.purestock.domain.testing.Outcome;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.purestock.domain.Examples.ALICE;
import static dev.purestock.domain.Examples.OTHER_SKU;
import static dev.purestock.domain.Examples.SKU;
import static dev.purestock.domain.Examples.WAREHOUSE;
import static dev.purestock.domain.Examples.accepted;
import static dev.purestock.domain.Examples.change;
import static dev.purestock.domain.Examples.line;
import static dev.purestock.domain.Examples.listed;
import static dev.purestock.domain.Examples.listedWithLimit;
import static dev.purestock.domain.Examples.received;
import static dev.purestock.domain.Examples.rejected;
import static dev.purestock.domain.Examples.reserved;
import static dev.purestock.domain.testing.Scenario.given;
import static dev.purestock.domain.testing.Scenario.nothingYet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A product listed {@link ListProduct#uncounted}: no limit, and no count of what each customer holds. */
class CustomerCountingTest {
    private static final long NOT_COUNTED = LineChange.NOT_COUNTED;

    @Test
    void aPurchaseOfAnUncountedProductTakesStockAndKeepsNoCount() {
        Purchase purchase = new Purchase(1, ALICE, SKU, WAREHOUSE, 3);
        Outcome outcome = given(ListProduct.uncounted(SKU), received(1, SKU, WAREHOUSE, 10)).when(purchase)
                .then(accepted(purchase, 7, NOT_COUNTED))
                .thenAvailable(SKU, WAREHOUSE, 7)
                .thenCustomerHolds(ALICE, SKU, 0)
                .thenOrderIs(1, OrderStatus.PURCHASED);
        assertEquals(0, customerCounts(outcome.store()), "no entry per customer and sku");
    }

    @Test
    void cancellingReleasingAndExpiringGiveStockBackWithoutACount() {
        Purchase purchase = new Purchase(1, ALICE, SKU, WAREHOUSE, 2);
        Reserve reservation = new Reserve(2, ALICE, List.of(line(SKU, WAREHOUSE, 3)), 100);
        Reserve expiring = new Reserve(3, ALICE, List.of(line(SKU, WAREHOUSE, 1)), 50);
        Outcome outcome = given(ListProduct.uncounted(SKU), received(1, SKU, WAREHOUSE, 10), purchase, reservation,
                expiring)
                .when(new CancelPurchase(1))
                .then(new PurchaseCancelled(1, List.of(change(SKU, WAREHOUSE, 2, 6, NOT_COUNTED))))
                .when(new ReleaseReservation(2))
                .then(new ReservationReleased(2, List.of(change(SKU, WAREHOUSE, 3, 9, NOT_COUNTED))))
                .at(60).when(new Command.ExpireReservations())
                .then(new ReservationExpired(3, List.of(change(SKU, WAREHOUSE, 1, 10, NOT_COUNTED))))
                .thenAvailable(SKU, WAREHOUSE, 10);
        assertEquals(0, customerCounts(outcome.store()));
    }

    @Test
    void anOrderCountsItsLinesOfCountedProductsOnlyAndTheirLimitsStillHold() {
        PlaceOrder order = new PlaceOrder(1, ALICE, List.of(line(SKU, WAREHOUSE, 5), line(OTHER_SKU, WAREHOUSE, 2)));
        given(ListProduct.uncounted(SKU), listedWithLimit(OTHER_SKU, 2), received(1, SKU, WAREHOUSE, 10),
                received(2, OTHER_SKU, WAREHOUSE, 10))
                .when(order)
                .then(accepted(order, change(SKU, WAREHOUSE, 5, 5, NOT_COUNTED), change(OTHER_SKU, WAREHOUSE, 2, 8, 2)))
                .thenCustomerHolds(ALICE, SKU, 0)
                .thenCustomerHolds(ALICE, OTHER_SKU, 2)
                .when(new PlaceOrder(2, ALICE, List.of(line(SKU, WAREHOUSE, 5), line(OTHER_SKU, WAREHOUSE, 1))))
                .then(rejected(Reason.LIMIT_EXCEEDED, 2))
                .when(new Reserve(3, ALICE, List.of(line(SKU, WAREHOUSE, 4)), 100))
                .then(reserved(new Reserve(3, ALICE, List.of(line(SKU, WAREHOUSE, 4)), 100),
                        change(SKU, WAREHOUSE, 4, 1, NOT_COUNTED)));
    }

    @Test
    void anUncountedProductCanHaveNoLimit() {
        nothingYet().when(new ListProduct(SKU, 2, false))
                .then(rejected(Reason.UNCOUNTED_LIMIT, SKU))
                .thenNothingChanged();
    }

    @Test
    void theCountingChoiceIsMadeAtTheFirstListingAndKept() {
        given(listedWithLimit(SKU, 2), ListProduct.uncounted(OTHER_SKU))
                .when(ListProduct.uncounted(SKU))
                .then(rejected(Reason.COUNTING_FIXED, SKU))
                .when(listed(OTHER_SKU))
                .then(rejected(Reason.COUNTING_FIXED, OTHER_SKU))
                .when(listedWithLimit(OTHER_SKU, 3))
                .then(rejected(Reason.COUNTING_FIXED, OTHER_SKU))
                .when(ListProduct.uncounted(OTHER_SKU))
                .then(new ProductListed(OTHER_SKU, 0, false))
                .when(listed(SKU))
                .then(new ProductListed(SKU, 0, true));
    }

    @Test
    void aBatchSeesTheChoiceItsEarlierMembersMade() {
        Purchase purchase = new Purchase(1, ALICE, SKU, WAREHOUSE, 1);
        nothingYet().when(new Batch(Batch.Mode.ATOMIC, List.of(ListProduct.uncounted(SKU), received(1, SKU, WAREHOUSE, 4),
                        purchase, listed(SKU))))
                .thenRejected(Reason.COUNTING_FIXED)
                .thenNothingChanged()
                .when(new Batch(Batch.Mode.ATOMIC, List.of(ListProduct.uncounted(SKU), received(1, SKU, WAREHOUSE, 4),
                        purchase)))
                .thenAvailable(SKU, WAREHOUSE, 3)
                .thenCustomerHolds(ALICE, SKU, 0);
    }

    @Test
    void theDigestTellsACountedListingFromAnUncountedOne() {
        MapInventoryStore counted = new MapInventoryStore();
        MapInventoryStore uncounted = new MapInventoryStore();
        counted.putProduct(new Product(SKU, 0));
        uncounted.putProduct(new Product(SKU, 0, false));
        assertNotEquals(StateDigest.of(counted), StateDigest.of(uncounted));
        assertEquals(InventoryState.NOT_COUNTED, uncounted.perCustomerLimit(SKU));
        assertEquals(0, counted.perCustomerLimit(SKU));
        assertEquals(InventoryState.NOT_LISTED, counted.perCustomerLimit(OTHER_SKU));
    }

    @Test
    void noProductOrListingCountsNoCustomersWithALimit() {
        IllegalArgumentException product = assertThrows(IllegalArgumentException.class,
                () -> new Product(SKU, 2, false));
        assertEquals("sku 7 counts no customers and so can have no per-customer limit, was given 2",
                product.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ProductListed(SKU, 2, false));
        assertEquals(new Product(SKU, 0, false), new Product(SKU, 0, false));
    }

    private static int customerCounts(InventoryStore store) {
        int[] count = {0};
        store.forEachCustomerUnits((customer, sku, units) -> count[0]++);
        return count[0];
    }
}
