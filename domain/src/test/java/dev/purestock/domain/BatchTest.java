package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Event.BatchAborted;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.purestock.domain.Command.Batch.Mode.ATOMIC;
import static dev.purestock.domain.Command.Batch.Mode.INDEPENDENT;
import static dev.purestock.domain.Examples.ALICE;
import static dev.purestock.domain.Examples.BOB;
import static dev.purestock.domain.Examples.SKU;
import static dev.purestock.domain.Examples.WAREHOUSE;
import static dev.purestock.domain.Examples.accepted;
import static dev.purestock.domain.Examples.listed;
import static dev.purestock.domain.Examples.received;
import static dev.purestock.domain.Examples.receivedEvent;
import static dev.purestock.domain.Examples.rejected;
import static dev.purestock.domain.testing.Scenario.given;

class BatchTest {
    private static final Command[] TEN_IN_STOCK = {listed(SKU), received(1, SKU, WAREHOUSE, 10)};

    private static Batch batch(Batch.Mode mode, Command... members) {
        return new Batch(mode, List.of(members));
    }

    @Test
    void anAtomicBatchAppliesEveryMember() {
        Purchase alice = new Purchase(1, ALICE, SKU, WAREHOUSE, 4);
        Purchase bob = new Purchase(2, BOB, SKU, WAREHOUSE, 6);
        given(TEN_IN_STOCK).when(batch(ATOMIC, alice, bob))
                .then(accepted(alice, 6, 4), accepted(bob, 0, 6))
                .thenAvailable(SKU, WAREHOUSE, 0);
    }

    @Test
    void anAtomicBatchWithARejectedMemberAppliesNothing() {
        given(TEN_IN_STOCK)
                .when(batch(ATOMIC, new Purchase(1, ALICE, SKU, WAREHOUSE, 4), new Purchase(2, BOB, SKU, WAREHOUSE, 7)))
                .then(new BatchAborted(1, Reason.OUT_OF_STOCK, 2))
                .thenNothingChanged()
                .thenAvailable(SKU, WAREHOUSE, 10);
    }

    @Test
    void anIndependentBatchAppliesTheMembersThatSucceed() {
        Purchase alice = new Purchase(1, ALICE, SKU, WAREHOUSE, 4);
        Purchase bob = new Purchase(3, BOB, SKU, WAREHOUSE, 6);
        given(TEN_IN_STOCK)
                .when(batch(INDEPENDENT, alice, new Purchase(2, BOB, SKU, WAREHOUSE, 7), bob))
                .then(accepted(alice, 6, 4), rejected(Reason.OUT_OF_STOCK, 2), accepted(bob, 0, 6));
    }

    @Test
    void eachMemberSeesWhatTheMembersBeforeItDid() {
        Command.ReceiveStock receipt = received(2, SKU, WAREHOUSE, 5);
        Purchase purchase = new Purchase(1, ALICE, SKU, WAREHOUSE, 15);
        given(TEN_IN_STOCK).when(batch(ATOMIC, receipt, purchase))
                .then(receivedEvent(receipt, 15), accepted(purchase, 0, 15));
    }

    @Test
    void anEmptyBatchIsRejected() {
        given(TEN_IN_STOCK).when(batch(ATOMIC))
                .then(rejected(Reason.EMPTY_BATCH, -1))
                .thenNothingChanged()
                .when(batch(INDEPENDENT, new Purchase(1, ALICE, SKU, WAREHOUSE, 1), batch(ATOMIC)))
                .thenRejected(Reason.EMPTY_BATCH);
    }

    @Test
    void aBatchOfMoreThanTheMostCommandsIsRejected() {
        List<Command> members = new ArrayList<>();
        for (int i = 0; i < Limits.MAX_BATCH_COMMANDS; i++) {
            members.add(new Purchase(i, ALICE, SKU, WAREHOUSE, 1));
        }
        List<Command> oneTooMany = new ArrayList<>(members);
        oneTooMany.add(new Purchase(Limits.MAX_BATCH_COMMANDS, ALICE, SKU, WAREHOUSE, 1));
        given(TEN_IN_STOCK)
                .when(new Batch(INDEPENDENT, oneTooMany))
                .then(rejected(Reason.BATCH_TOO_LARGE, -1))
                .thenNothingChanged()
                .when(new Batch(INDEPENDENT, members))
                .thenAvailable(SKU, WAREHOUSE, 0);
    }

    @Test
    void theMostCommandsCountsTheMembersOfNestedBatches() {
        List<Command> half = Collections.nCopies(Limits.MAX_BATCH_COMMANDS / 2, listed(SKU));
        given(TEN_IN_STOCK)
                .when(batch(ATOMIC, new Batch(ATOMIC, half), new Batch(ATOMIC, half)))
                .thenRejected(Reason.BATCH_TOO_LARGE);
    }

    @Test
    void batchesNestedDeeperThanTheMostAreRejected() {
        Command deepest = new Purchase(1, ALICE, SKU, WAREHOUSE, 1);
        for (int depth = 0; depth < Limits.MAX_BATCH_DEPTH; depth++) {
            deepest = batch(ATOMIC, deepest);
        }
        given(TEN_IN_STOCK)
                .when(batch(ATOMIC, deepest))
                .thenRejected(Reason.BATCH_TOO_DEEP)
                .when(deepest)
                .thenAvailable(SKU, WAREHOUSE, 9);
    }

    @Test
    void aRejectedMemberOfANestedBatchAbortsTheAtomicBatchAroundIt() {
        given(TEN_IN_STOCK)
                .when(batch(ATOMIC, new Purchase(1, ALICE, SKU, WAREHOUSE, 1),
                        batch(INDEPENDENT, new Purchase(2, BOB, SKU, WAREHOUSE, 1), new Command.CancelPurchase(9))))
                .then(new BatchAborted(1, Reason.UNKNOWN_ORDER, 9))
                .thenNothingChanged();
    }

    @Test
    void anAbortedAtomicBatchInsideAnIndependentOneLeavesTheOtherMembersApplied() {
        Purchase alice = new Purchase(1, ALICE, SKU, WAREHOUSE, 1);
        given(TEN_IN_STOCK)
                .when(batch(INDEPENDENT, alice,
                        batch(ATOMIC, new Purchase(2, BOB, SKU, WAREHOUSE, 1), new Purchase(3, BOB, SKU, WAREHOUSE, 99))))
                .then(accepted(alice, 9, 1), new BatchAborted(1, Reason.OUT_OF_STOCK, 3))
                .thenAvailable(SKU, WAREHOUSE, 9)
                .thenCustomerHolds(BOB, SKU, 0);
    }

    @Test
    void aMemberRepeatedInOneBatchIsAppliedOnce() {
        Purchase purchase = new Purchase(1, ALICE, SKU, WAREHOUSE, 3);
        given(TEN_IN_STOCK).when(batch(ATOMIC, purchase, purchase))
                .then(accepted(purchase, 7, 3), new Event.AlreadyApplied(1))
                .thenAvailable(SKU, WAREHOUSE, 7);
    }

    @Test
    void anIdReusedWithinOneAtomicBatchAbortsIt() {
        given(TEN_IN_STOCK)
                .when(batch(ATOMIC, new Purchase(1, ALICE, SKU, WAREHOUSE, 3), new Purchase(1, ALICE, SKU, WAREHOUSE, 2)))
                .then(new BatchAborted(1, Reason.ID_REUSED, 1));
    }

    @Test
    void repeatingAnAppliedAtomicBatchChangesNothing() {
        Batch buyAndCancel = batch(ATOMIC, new Purchase(1, ALICE, SKU, WAREHOUSE, 3), new Command.CancelPurchase(1));
        given(TEN_IN_STOCK).andGiven(buyAndCancel)
                .when(buyAndCancel)
                .then(new BatchAborted(1, Reason.ALREADY_CANCELLED, 1))
                .thenNothingChanged();
    }

    @Test
    void anExpiryTickInsideABatchSeesReservationsReleasedEarlierInIt() {
        given(TEN_IN_STOCK).andGiven(
                new Command.Reserve(1, ALICE, List.of(new Line(SKU, WAREHOUSE, 2)), 5),
                new Command.Reserve(2, BOB, List.of(new Line(SKU, WAREHOUSE, 3)), 5))
                .at(5).when(batch(ATOMIC, new Command.ReleaseReservation(1), new Command.ExpireReservations()))
                .thenOrderIs(1, OrderStatus.RELEASED)
                .thenOrderIs(2, OrderStatus.EXPIRED)
                .thenAvailable(SKU, WAREHOUSE, 10);
    }
}
