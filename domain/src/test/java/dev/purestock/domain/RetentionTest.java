package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.CancelPurchase;
import dev.purestock.domain.Command.ConfirmReservation;
import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.ReleaseReservation;
import dev.purestock.domain.Command.Reserve;
import dev.purestock.domain.Event.OrderForgotten;
import dev.purestock.domain.Event.ReservationExpired;
import dev.purestock.domain.testing.Outcome;
import dev.purestock.domain.testing.Scenario;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.purestock.domain.Examples.ALICE;
import static dev.purestock.domain.Examples.BOB;
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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Orders are remembered for a retention window after their last change, then forgotten by the time command. */
class RetentionTest {
    private static final long WINDOW = 100;
    private static final ExpireReservations TICK = new ExpireReservations(WINDOW);
    private static final Purchase BUY = new Purchase(42, ALICE, SKU, WAREHOUSE, 2);

    /** Sku {@code SKU} with 10 units, and Alice's purchase 42 of 2 of them at time 1,000. */
    private static Scenario aliceBoughtAt1000() {
        return given(listed(SKU), received(1, SKU, WAREHOUSE, 10)).at(1_000).andGiven(BUY);
    }

    @Test
    void anOrderIsRememberedForTheWholeWindowAfterItsLastChange() {
        aliceBoughtAt1000().at(1_000 + WINDOW).when(TICK)
                .then()
                .thenNothingChanged()
                .thenOrderIs(42, OrderStatus.PURCHASED);
    }

    @Test
    void theFirstTimeCommandPastTheWindowForgetsIt() {
        aliceBoughtAt1000().at(1_000 + WINDOW + 1).when(TICK)
                .then(new OrderForgotten(42))
                .thenNoOrder(42)
                .thenAvailable(SKU, WAREHOUSE, 8)
                .thenCustomerHolds(ALICE, SKU, 2);
    }

    @Test
    void cancellingAForgottenOrderIsAnUnknownOrder() {
        aliceBoughtAt1000().at(5_000).andGiven(TICK)
                .when(new CancelPurchase(42))
                .thenRejected(Reason.UNKNOWN_ORDER)
                .thenAvailable(SKU, WAREHOUSE, 8);
    }

    @Test
    void aRepeatWithinTheWindowIsAlreadyApplied() {
        aliceBoughtAt1000().at(1_000 + WINDOW).andGiven(TICK)
                .when(BUY)
                .thenAlreadyApplied(42);
    }

    @Test
    void aRepeatAfterTheWindowIsDecidedAfreshAsANewOrder() {
        aliceBoughtAt1000().at(5_000).andGiven(TICK)
                .when(BUY)
                .then(accepted(BUY, 6, 4))
                .thenOrderIs(42, OrderStatus.PURCHASED)
                .thenCustomerHolds(ALICE, SKU, 4);
    }

    @Test
    void aForgottenIdMayNameADifferentCommand() {
        aliceBoughtAt1000().at(5_000).andGiven(TICK)
                .when(new Purchase(42, BOB, SKU, WAREHOUSE, 1))
                .then(accepted(new Purchase(42, BOB, SKU, WAREHOUSE, 1), 7, 1));
    }

    @Test
    void forgettingKeepsTheUnitsACustomerBoughtCountedAgainstTheLimit() {
        given(listedWithLimit(SKU, 2), received(1, SKU, WAREHOUSE, 10)).andGiven(BUY)
                .at(5_000).andGiven(TICK)
                .when(new Purchase(43, ALICE, SKU, WAREHOUSE, 1))
                .thenRejected(Reason.LIMIT_EXCEEDED)
                .thenCustomerHolds(ALICE, SKU, 2);
    }

    @Test
    void aLaterChangeRestartsTheWindow() {
        aliceBoughtAt1000().at(1_050).andGiven(new CancelPurchase(42))
                .at(1_000 + WINDOW + 1).when(TICK)
                .then()
                .thenOrderIs(42, OrderStatus.CANCELLED)
                .at(1_050 + WINDOW + 1).when(TICK)
                .then(new OrderForgotten(42))
                .thenNoOrder(42);
    }

    @Test
    void aRepeatChangesNothingSoItDoesNotRestartTheWindow() {
        aliceBoughtAt1000().at(1_050).andGiven(BUY)
                .at(1_000 + WINDOW + 1).when(TICK)
                .then(new OrderForgotten(42));
    }

    @Test
    void aRejectedCancelDoesNotRestartTheWindow() {
        aliceBoughtAt1000().andGiven(new CancelPurchase(42))
                .at(1_050).when(new CancelPurchase(42))
                .thenRejected(Reason.ALREADY_CANCELLED)
                .at(1_000 + WINDOW + 1).when(TICK)
                .then(new OrderForgotten(42));
    }

    @Test
    void aLiveReservationIsNeverForgottenHoweverOld() {
        Reserve hold = new Reserve(7, ALICE, List.of(line(SKU, WAREHOUSE, 3)), 1_000_000);
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10)).andGiven(hold)
                .at(500_000).when(TICK)
                .then()
                .thenOrderIs(7, OrderStatus.RESERVED)
                .when(new ConfirmReservation(7))
                .thenOrderIs(7, OrderStatus.CONFIRMED)
                .at(500_000 + WINDOW).when(TICK)
                .then()
                .at(500_000 + WINDOW + 1).when(TICK)
                .then(new OrderForgotten(7));
    }

    @Test
    void anExpiredReservationIsForgottenAWindowAfterItExpired() {
        Reserve hold = new Reserve(7, ALICE, List.of(line(SKU, WAREHOUSE, 3)), 200);
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10)).andGiven(hold)
                .at(300).when(TICK)
                .then(new ReservationExpired(7, List.of(change(SKU, WAREHOUSE, 3, 10, 0))))
                .at(300 + WINDOW).when(TICK)
                .then()
                .at(300 + WINDOW + 1).when(TICK)
                .then(new OrderForgotten(7))
                .when(new ReleaseReservation(7))
                .thenRejected(Reason.UNKNOWN_ORDER);
    }

    @Test
    void forgettingComesBeforeExpiringInOneTimeCommand() {
        Reserve hold = new Reserve(7, ALICE, List.of(line(SKU, WAREHOUSE, 3)), 1_150);
        aliceBoughtAt1000().andGiven(hold)
                .at(1_200).when(TICK)
                .then(new OrderForgotten(42), new ReservationExpired(7, List.of(change(SKU, WAREHOUSE, 3, 8, 2))));
    }

    @Test
    void ordersAreForgottenInTheOrderOfTheirLastChanges() {
        Outcome tick = given(listed(SKU), received(1, SKU, WAREHOUSE, 100))
                .at(0).andGiven(new Purchase(1, ALICE, SKU, WAREHOUSE, 1))
                .at(10).andGiven(new Purchase(2, ALICE, SKU, WAREHOUSE, 1))
                .at(20).andGiven(new Purchase(3, BOB, SKU, WAREHOUSE, 1))
                .at(25).andGiven(new CancelPurchase(1))
                .at(20 + WINDOW + 1).when(TICK);

        tick.then(new OrderForgotten(2), new OrderForgotten(3)).thenOrderIs(1, OrderStatus.CANCELLED);
        List<Long> remembered = new ArrayList<>();
        tick.store().forEachByLastChange((orderId, changedAt) -> remembered.add(orderId) && changedAt == 25);
        assertEquals(List.of(1L), remembered);
    }

    @Test
    void oneTimeCommandForgetsAtMostItsLimitAndTheNextOneTheRest() {
        int orders = Limits.MAX_FORGOTTEN_PER_COMMAND + 5;
        Scenario sale = given(listed(SKU), received(1, SKU, WAREHOUSE, orders));
        for (int i = 0; i < orders; i++) {
            sale.andGiven(new Purchase(i, i % 50, SKU, WAREHOUSE, 1));
        }

        Outcome first = sale.at(10_000).when(TICK);
        assertEquals(Limits.MAX_FORGOTTEN_PER_COMMAND, first.events().size());
        assertEquals(new OrderForgotten(0), first.events().get(0));
        first.when(TICK).then(new OrderForgotten(orders - 5L), new OrderForgotten(orders - 4L),
                new OrderForgotten(orders - 3L), new OrderForgotten(orders - 2L), new OrderForgotten(orders - 1L));
    }

    @Test
    void aTimeCommandInABatchSeesWhatTheMembersBeforeItDid() {
        aliceBoughtAt1000().at(5_000)
                .when(new Batch(Batch.Mode.INDEPENDENT, List.of(new CancelPurchase(42), TICK, new CancelPurchase(42))))
                .then(new Event.PurchaseCancelled(42, List.of(change(SKU, WAREHOUSE, 2, 10, 0))),
                        rejected(Reason.ALREADY_CANCELLED, 42))
                .thenOrderIs(42, OrderStatus.CANCELLED);
    }

    @Test
    void aBatchMayForgetAnOrderAndThenTakeItsIdAfresh() {
        aliceBoughtAt1000().at(5_000)
                .when(new Batch(Batch.Mode.ATOMIC, List.of(TICK, BUY)))
                .then(new OrderForgotten(42), accepted(BUY, 6, 4));
    }

    @Test
    void theLongestWindowNeverForgets() {
        aliceBoughtAt1000().at(Long.MAX_VALUE).when(new ExpireReservations(Long.MAX_VALUE))
                .then()
                .thenOrderIs(42, OrderStatus.PURCHASED);
    }

    @Test
    void aWindowReachingBeforeTheStartOfTimeForgetsNothing() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10)).at(Long.MIN_VALUE).andGiven(BUY)
                .at(Long.MIN_VALUE + 5).when(new ExpireReservations(Long.MAX_VALUE - 1))
                .then();
    }

    @Test
    void theDefaultWindowIsADay() {
        assertEquals(new ExpireReservations(24L * 60 * 60 * 1000), new ExpireReservations());
        aliceBoughtAt1000().at(1_000 + Limits.DEFAULT_RETAIN_ORDERS_FOR + 1).when(new ExpireReservations())
                .then(new OrderForgotten(42));
    }

    @Test
    void aWindowOfZeroOrLessCannotBeBuilt() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> new ExpireReservations(0));
        assertTrue(zero.getMessage().contains("retainOrdersFor must be at least 1"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ExpireReservations(-5));
    }
}
