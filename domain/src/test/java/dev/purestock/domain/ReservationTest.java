package dev.purestock.domain;

import dev.purestock.domain.Command.ConfirmReservation;
import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.ReleaseReservation;
import dev.purestock.domain.Command.Reserve;
import dev.purestock.domain.Event.ReservationConfirmed;
import dev.purestock.domain.Event.ReservationExpired;
import dev.purestock.domain.Event.ReservationReleased;
import dev.purestock.domain.testing.Outcome;
import dev.purestock.domain.testing.Scenario;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.purestock.domain.Examples.ALICE;
import static dev.purestock.domain.Examples.BOB;
import static dev.purestock.domain.Examples.SKU;
import static dev.purestock.domain.Examples.WAREHOUSE;
import static dev.purestock.domain.Examples.change;
import static dev.purestock.domain.Examples.line;
import static dev.purestock.domain.Examples.listed;
import static dev.purestock.domain.Examples.listedWithLimit;
import static dev.purestock.domain.Examples.received;
import static dev.purestock.domain.Examples.rejected;
import static dev.purestock.domain.Examples.reserved;
import static dev.purestock.domain.testing.Scenario.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class ReservationTest {
    private static final long EXPIRY = 100;

    private static Reserve alicesReservation() {
        return new Reserve(1, ALICE, List.of(line(SKU, WAREHOUSE, 2)), EXPIRY);
    }

    private static Scenario aliceHoldsTwo() {
        return given(listedWithLimit(SKU, 3), received(1, SKU, WAREHOUSE, 10)).at(10).andGiven(alicesReservation());
    }

    @Test
    void reservingHoldsUnitsUntilTheExpiry() {
        Reserve reservation = alicesReservation();
        given(listedWithLimit(SKU, 3), received(1, SKU, WAREHOUSE, 10)).at(10).when(reservation)
                .then(reserved(reservation, change(SKU, WAREHOUSE, 2, 8, 2)))
                .thenAvailable(SKU, WAREHOUSE, 8)
                .thenCustomerHolds(ALICE, SKU, 2)
                .thenOrderIs(1, OrderStatus.RESERVED);
    }

    @Test
    void reservingWithAnExpiryThatIsNotLaterThanNowIsRejected() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 10)).at(EXPIRY)
                .when(alicesReservation())
                .then(rejected(Reason.INVALID_EXPIRY, 1))
                .thenNothingChanged()
                .when(new Reserve(1, ALICE, List.of(line(SKU, WAREHOUSE, 2)), EXPIRY - 1))
                .thenRejected(Reason.INVALID_EXPIRY);
    }

    @Test
    void reservingMoreThanIsAvailableIsRejected() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 1))
                .when(alicesReservation())
                .thenRejected(Reason.OUT_OF_STOCK);
    }

    @Test
    void reservingAnEmptyListOfLinesIsRejected() {
        given(listed(SKU), received(1, SKU, WAREHOUSE, 1))
                .when(new Reserve(1, ALICE, List.of(), EXPIRY))
                .thenRejected(Reason.EMPTY_ORDER);
    }

    @Test
    void heldUnitsCountAgainstThePerCustomerLimit() {
        aliceHoldsTwo()
                .when(new Purchase(2, ALICE, SKU, WAREHOUSE, 2))
                .thenRejected(Reason.LIMIT_EXCEEDED)
                .when(new Reserve(3, ALICE, List.of(line(SKU, WAREHOUSE, 2)), EXPIRY))
                .thenRejected(Reason.LIMIT_EXCEEDED)
                .when(new Purchase(2, BOB, SKU, WAREHOUSE, 3))
                .thenCustomerHolds(BOB, SKU, 3);
    }

    @Test
    void repeatingAReservationReportsAlreadyAppliedEvenAfterItsExpiry() {
        aliceHoldsTwo().at(EXPIRY + 50).when(alicesReservation()).thenAlreadyApplied(1);
    }

    @Test
    void confirmingALiveReservationMakesItAPurchase() {
        aliceHoldsTwo().at(EXPIRY - 1)
                .when(new ConfirmReservation(1))
                .then(new ReservationConfirmed(1))
                .thenOrderIs(1, OrderStatus.CONFIRMED)
                .thenAvailable(SKU, WAREHOUSE, 8)
                .thenCustomerHolds(ALICE, SKU, 2)
                .at(EXPIRY).when(new ExpireReservations())
                .then()
                .thenOrderIs(1, OrderStatus.CONFIRMED);
    }

    @Test
    void confirmingAfterTheExpiryTimeButBeforeTheExpiryTickIsRejectedAsExpired() {
        aliceHoldsTwo().at(EXPIRY)
                .when(new ConfirmReservation(1))
                .then(rejected(Reason.EXPIRED, 1))
                .thenNothingChanged()
                .thenOrderIs(1, OrderStatus.RESERVED);
    }

    @Test
    void confirmingAnExpiredReservationIsRejected() {
        aliceHoldsTwo().at(EXPIRY).andGiven(new ExpireReservations())
                .when(new ConfirmReservation(1))
                .thenRejected(Reason.EXPIRED);
    }

    @Test
    void confirmingAReleasedReservationIsRejected() {
        aliceHoldsTwo().andGiven(new ReleaseReservation(1))
                .when(new ConfirmReservation(1))
                .thenRejected(Reason.ALREADY_RELEASED);
    }

    @Test
    void confirmingTwiceIsRejected() {
        aliceHoldsTwo().andGiven(new ConfirmReservation(1))
                .when(new ConfirmReservation(1))
                .then(rejected(Reason.ALREADY_CONFIRMED, 1));
    }

    @Test
    void confirmingAPurchaseIsRejected() {
        aliceHoldsTwo().andGiven(new Purchase(2, BOB, SKU, WAREHOUSE, 1))
                .when(new ConfirmReservation(2))
                .thenRejected(Reason.NOT_A_RESERVATION);
    }

    @Test
    void confirmingAnUnknownReservationIsRejected() {
        aliceHoldsTwo().when(new ConfirmReservation(2)).thenRejected(Reason.UNKNOWN_ORDER);
    }

    @Test
    void releasingAReservationReturnsItsUnits() {
        aliceHoldsTwo()
                .when(new ReleaseReservation(1))
                .then(new ReservationReleased(1, List.of(change(SKU, WAREHOUSE, 2, 10, 0))))
                .thenOrderIs(1, OrderStatus.RELEASED)
                .thenCustomerHolds(ALICE, SKU, 0)
                .at(EXPIRY).when(new ExpireReservations())
                .then();
    }

    @Test
    void releasingTwiceIsRejected() {
        aliceHoldsTwo().andGiven(new ReleaseReservation(1))
                .when(new ReleaseReservation(1))
                .thenRejected(Reason.ALREADY_RELEASED)
                .thenAvailable(SKU, WAREHOUSE, 10);
    }

    @Test
    void releasingAnExpiredReservationIsRejected() {
        aliceHoldsTwo().at(EXPIRY).andGiven(new ExpireReservations())
                .when(new ReleaseReservation(1))
                .thenRejected(Reason.EXPIRED);
    }

    @Test
    void releasingAConfirmedReservationIsRejected() {
        aliceHoldsTwo().andGiven(new ConfirmReservation(1))
                .when(new ReleaseReservation(1))
                .thenRejected(Reason.ALREADY_CONFIRMED);
    }

    @Test
    void releasingAPurchaseOrAnUnknownOrderIsRejected() {
        aliceHoldsTwo().andGiven(new Purchase(2, BOB, SKU, WAREHOUSE, 1))
                .when(new ReleaseReservation(2))
                .thenRejected(Reason.NOT_A_RESERVATION)
                .when(new ReleaseReservation(3))
                .thenRejected(Reason.UNKNOWN_ORDER);
    }

    @Test
    void anExpiryTickBeforeTheExpiryChangesNothing() {
        aliceHoldsTwo().at(EXPIRY - 1)
                .when(new ExpireReservations())
                .then()
                .thenNothingChanged()
                .thenOrderIs(1, OrderStatus.RESERVED);
    }

    @Test
    void anExpiryTickAtTheExpiryReturnsTheUnits() {
        aliceHoldsTwo().at(EXPIRY)
                .when(new ExpireReservations())
                .then(new ReservationExpired(1, List.of(change(SKU, WAREHOUSE, 2, 10, 0))))
                .thenOrderIs(1, OrderStatus.EXPIRED)
                .thenAvailable(SKU, WAREHOUSE, 10)
                .thenCustomerHolds(ALICE, SKU, 0)
                .when(new ExpireReservations())
                .then();
    }

    @Test
    void dueReservationsExpireInOrderOfExpiryThenOrderId() {
        Outcome tick = given(listed(SKU), received(1, SKU, WAREHOUSE, 10),
                new Reserve(5, ALICE, List.of(line(SKU, WAREHOUSE, 1)), 30),
                new Reserve(4, ALICE, List.of(line(SKU, WAREHOUSE, 1)), 20),
                new Reserve(3, BOB, List.of(line(SKU, WAREHOUSE, 1)), 30),
                new Reserve(2, BOB, List.of(line(SKU, WAREHOUSE, 1)), 40))
                .at(30).when(new ExpireReservations())
                .then(new ReservationExpired(4, List.of(change(SKU, WAREHOUSE, 1, 7, 1))),
                        new ReservationExpired(3, List.of(change(SKU, WAREHOUSE, 1, 8, 1))),
                        new ReservationExpired(5, List.of(change(SKU, WAREHOUSE, 1, 9, 0))))
                .thenOrderIs(2, OrderStatus.RESERVED);
        assertEquals(1, tick.store().customerUnits(BOB, SKU));
    }

    @Test
    void oneTickExpiresAtMostTheCapInOrderAndTheNextTickTakesTheRest() {
        int due = Limits.MAX_EXPIRIES_PER_COMMAND + 3;
        List<Command> history = new ArrayList<>(List.of(listed(SKU), received(1, SKU, WAREHOUSE, due)));
        List<Long> expiringAt10 = new ArrayList<>();
        List<Long> expiringAt11 = new ArrayList<>();
        for (int i = 0; i < due; i++) {
            long orderId = due - i;
            long expiresAt = 10 + i % 2;
            history.add(new Reserve(orderId, ALICE, List.of(line(SKU, WAREHOUSE, 1)), expiresAt));
            (expiresAt == 10 ? expiringAt10 : expiringAt11).add(orderId);
        }
        expiringAt10.sort(null);
        expiringAt11.sort(null);
        List<Long> expectedOrder = new ArrayList<>(expiringAt10);
        expectedOrder.addAll(expiringAt11);

        Outcome first = given(history.toArray(Command[]::new)).at(20).when(new ExpireReservations());
        List<Long> expiredOrder = first.events().stream()
                .map(event -> assertInstanceOf(ReservationExpired.class, event).orderId())
                .toList();
        assertEquals(expectedOrder.subList(0, Limits.MAX_EXPIRIES_PER_COMMAND), expiredOrder);
        first.thenAvailable(SKU, WAREHOUSE, Limits.MAX_EXPIRIES_PER_COMMAND)
                .thenOrderIs(expectedOrder.get(due - 1), OrderStatus.RESERVED)
                .when(new ExpireReservations())
                .thenAvailable(SKU, WAREHOUSE, due)
                .thenCustomerHolds(ALICE, SKU, 0)
                .thenOrderIs(expectedOrder.get(due - 1), OrderStatus.EXPIRED);
    }
}
