package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.CancelHold;
import dev.purestock.domain.Command.ConfirmReservation;
import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Command.Hold;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.Reserve;
import dev.purestock.domain.Event.CommandHeld;
import dev.purestock.domain.Event.HoldCancelled;
import dev.purestock.domain.Event.HoldReleased;
import dev.purestock.domain.Event.ReservationConfirmed;
import dev.purestock.domain.Event.ReservationExpired;
import dev.purestock.domain.testing.Scenario;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.purestock.domain.Examples.ALICE;
import static dev.purestock.domain.Examples.BOB;
import static dev.purestock.domain.Examples.SKU;
import static dev.purestock.domain.Examples.WAREHOUSE;
import static dev.purestock.domain.Examples.accepted;
import static dev.purestock.domain.Examples.line;
import static dev.purestock.domain.Examples.listed;
import static dev.purestock.domain.Examples.received;
import static dev.purestock.domain.Examples.rejected;
import static dev.purestock.domain.testing.Scenario.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HoldTest {
    private static final long AT = 100;
    private static final Purchase ALICE_BUYS_TWO = new Purchase(7, ALICE, SKU, WAREHOUSE, 2);

    private static Scenario inStock() {
        return given(listed(SKU), received(1, SKU, WAREHOUSE, 10)).at(10);
    }

    @Test
    void holdingKeepsTheCommandWithoutDecidingIt() {
        inStock().when(new Hold(1, AT, ALICE_BUYS_TWO))
                .then(new CommandHeld(1, AT, ALICE_BUYS_TWO))
                .thenAvailable(SKU, WAREHOUSE, 10)
                .thenNoOrder(7)
                .thenStateChanged();
    }

    @Test
    void theTimeCommandDecidesAHeldCommandOnceItsTimeHasCome() {
        inStock().andGiven(new Hold(1, AT, ALICE_BUYS_TWO))
                .at(AT - 1).when(new ExpireReservations())
                .then()
                .at(AT).when(new ExpireReservations())
                .then(new HoldReleased(1), accepted(ALICE_BUYS_TWO, 8, 2))
                .thenAvailable(SKU, WAREHOUSE, 8)
                .thenOrderIs(7, OrderStatus.PURCHASED)
                .when(new ExpireReservations())
                .then();
    }

    @Test
    void aHeldCommandDueAtTheTimeCommandThatForgetsItsOrderFindsTheOrderGone() {
        inStock().andGiven(ALICE_BUYS_TWO, new Hold(1, AT, new Command.CancelPurchase(7)))
                .at(AT + 50).when(new ExpireReservations(1))
                .then(new Event.OrderForgotten(7), new HoldReleased(1), rejected(Reason.UNKNOWN_ORDER, 7))
                .thenNoOrder(7)
                .thenAvailable(SKU, WAREHOUSE, 8);
    }

    @Test
    void aHeldCommandThatIsRejectedWhenDueIsReleasedAndRejected() {
        Purchase tooMany = new Purchase(7, ALICE, SKU, WAREHOUSE, 11);
        inStock().andGiven(new Hold(1, AT, tooMany))
                .at(AT).when(new ExpireReservations())
                .then(new HoldReleased(1), rejected(Reason.OUT_OF_STOCK, 7))
                .thenAvailable(SKU, WAREHOUSE, 10)
                .when(new CancelHold(1))
                .thenRejected(Reason.UNKNOWN_HOLD);
    }

    @Test
    void cancellingTakesTheCommandBackBeforeItIsDue() {
        inStock().andGiven(new Hold(1, AT, ALICE_BUYS_TWO))
                .when(new CancelHold(1))
                .then(new HoldCancelled(1))
                .at(AT).when(new ExpireReservations())
                .then()
                .thenAvailable(SKU, WAREHOUSE, 10)
                .when(new CancelHold(1))
                .then(rejected(Reason.UNKNOWN_HOLD, 1))
                .thenNothingChanged();
    }

    @Test
    void holdingAgainIsARepeatWhenTheSameAndRejectedWhenDifferent() {
        inStock().andGiven(new Hold(1, AT, ALICE_BUYS_TWO))
                .when(new Hold(1, AT, ALICE_BUYS_TWO))
                .thenAlreadyApplied(1)
                .thenNothingChanged()
                .when(new Hold(1, AT + 1, ALICE_BUYS_TWO))
                .then(rejected(Reason.ID_REUSED, 1))
                .when(new Hold(1, AT, new Purchase(7, BOB, SKU, WAREHOUSE, 2)))
                .thenRejected(Reason.ID_REUSED);
    }

    @Test
    void theIdIsFreeAgainOnceTheHeldCommandWasDecided() {
        inStock().andGiven(new Hold(1, AT, ALICE_BUYS_TWO)).at(AT).andGiven(new ExpireReservations())
                .when(new Hold(1, AT + 50, new Purchase(8, BOB, SKU, WAREHOUSE, 1)))
                .then(new CommandHeld(1, AT + 50, new Purchase(8, BOB, SKU, WAREHOUSE, 1)));
    }

    @Test
    void holdsOfHoldsCancelsAndTheTimeCommandAreRejected() {
        Batch batchWithHold = new Batch(Batch.Mode.ATOMIC, List.of(ALICE_BUYS_TWO, new Hold(2, AT, ALICE_BUYS_TWO)));
        for (Command unholdable : List.of(new Hold(2, AT, ALICE_BUYS_TWO), new CancelHold(2),
                new ExpireReservations(), batchWithHold)) {
            inStock().when(new Hold(1, AT, unholdable))
                    .then(rejected(Reason.NOT_HOLDABLE, 1))
                    .thenNothingChanged();
        }
        inStock().when(new Hold(1, AT, new Batch(Batch.Mode.ATOMIC, List.of())))
                .thenRejected(Reason.EMPTY_BATCH);
    }

    @Test
    void aHeldBatchIsCheckedOnItsOwnAndItsHoldIsOneCommandOfTheBatchItIsIn() {
        Batch full = new Batch(Batch.Mode.INDEPENDENT, Collections.nCopies(Limits.MAX_BATCH_COMMANDS, ALICE_BUYS_TWO));
        List<Command> fullWithAHold = new ArrayList<>(List.of(new Hold(1, AT, full)));
        for (long id = 2; id <= Limits.MAX_BATCH_COMMANDS; id++) {
            fullWithAHold.add(new Hold(id, AT, ALICE_BUYS_TWO));
        }
        Scenario scenario = inStock();
        scenario.when(new Batch(Batch.Mode.ATOMIC, fullWithAHold)).thenStateChanged();
        assertEquals(new HeldCommand(1, AT, full), scenario.store().held(1),
                "a full batch held as one command of a full batch: each counted on its own");
        assertEquals(new HeldCommand(Limits.MAX_BATCH_COMMANDS, AT, ALICE_BUYS_TWO),
                scenario.store().held(Limits.MAX_BATCH_COMMANDS));

        Command deepest = nested(Limits.MAX_BATCH_DEPTH, ALICE_BUYS_TWO);
        Command deepestHeldDeepest = nested(Limits.MAX_BATCH_DEPTH, new Hold(1, AT, deepest));
        inStock().when(deepestHeldDeepest).then(new CommandHeld(1, AT, deepest));

        List<Command> oneTooMany = new ArrayList<>(full.commands());
        oneTooMany.add(ALICE_BUYS_TWO);
        inStock().when(new Batch(Batch.Mode.INDEPENDENT, List.of(new Hold(1, AT, new Batch(Batch.Mode.ATOMIC,
                        oneTooMany)))))
                .then(rejected(Reason.BATCH_TOO_LARGE, 1))
                .thenNothingChanged();
        inStock().when(new Hold(1, AT, nested(Limits.MAX_BATCH_DEPTH + 1, ALICE_BUYS_TWO)))
                .then(rejected(Reason.BATCH_TOO_DEEP, 1))
                .thenNothingChanged();
    }

    /** {@code command} inside {@code depth} atomic batches, one in the other. */
    private static Command nested(int depth, Command command) {
        Command nested = command;
        for (int i = 0; i < depth; i++) {
            nested = new Batch(Batch.Mode.ATOMIC, List.of(nested));
        }
        return nested;
    }

    @Test
    void dueReservationsAndHeldCommandsGoInTheOrderTheyFellDue() {
        Reserve reservation = new Reserve(3, ALICE, List.of(line(SKU, WAREHOUSE, 2)), 200);
        // the confirm held for 150 comes before the expiry at 200, though the time command is later than both
        Scenario confirmedInTime = inStock().andGiven(reservation, new Hold(1, 150, new ConfirmReservation(3)));
        confirmedInTime.at(250).when(new ExpireReservations())
                .then(new HoldReleased(1), new ReservationConfirmed(3))
                .thenOrderIs(3, OrderStatus.CONFIRMED);
        // held for 200, the confirm comes after the expiry due at the same time
        Scenario tooLate = inStock().andGiven(reservation, new Hold(1, 200, new ConfirmReservation(3)));
        List<Event> events = tooLate.at(250).when(new ExpireReservations()).thenOrderIs(3, OrderStatus.EXPIRED)
                .events();
        assertEquals(3, events.size(), events.toString());
        assertInstanceOf(ReservationExpired.class, events.get(0));
        assertEquals(List.of(new HoldReleased(1), rejected(Reason.EXPIRED, 3)), events.subList(1, 3));
    }

    @Test
    void aHeldCommandSeesWhatTheCommandsDueBeforeItDid() {
        Purchase bobBuysEight = new Purchase(8, BOB, SKU, WAREHOUSE, 8);
        inStock().andGiven(new Hold(1, AT, ALICE_BUYS_TWO), new Hold(2, AT + 1, bobBuysEight),
                        new Hold(3, AT + 2, new Purchase(9, BOB, SKU, WAREHOUSE, 1)))
                .at(AT + 5).when(new ExpireReservations())
                .then(new HoldReleased(1), accepted(ALICE_BUYS_TWO, 8, 2),
                        new HoldReleased(2), accepted(bobBuysEight, 0, 8),
                        new HoldReleased(3), rejected(Reason.OUT_OF_STOCK, 9))
                .thenAvailable(SKU, WAREHOUSE, 0);
    }

    @Test
    void theReleasedHoldsOfATimeCommandAreToldApartFromItsExpiriesAndEachOther() {
        Purchase bobBuysNine = new Purchase(8, BOB, SKU, WAREHOUSE, 9);
        Reserve reservation = new Reserve(3, BOB, List.of(line(SKU, WAREHOUSE, 1)), AT + 1);
        List<Event> events = inStock().andGiven(reservation, new Hold(1, AT, ALICE_BUYS_TWO),
                        new Hold(2, AT + 2, bobBuysNine), new Hold(4, AT + 3, new Command.CancelPurchase(99)))
                .at(AT + 5).when(new ExpireReservations()).events();

        List<ReleasedHold> released = ReleasedHold.in(events);

        assertEquals(3, released.size(), events.toString());
        assertEquals(new ReleasedHold(1, List.of(accepted(ALICE_BUYS_TWO, 7, 2))), released.get(0),
                "the expiry due after it is not its own");
        assertTrue(released.get(0).accepted());
        assertEquals(2, released.get(1).holdId());
        assertEquals(Reason.OUT_OF_STOCK, released.get(1).rejection().orElseThrow().reason(),
                "8 left after the expiry gave one back: 9 is too many");
        assertEquals(8, released.get(1).rejection().orElseThrow().ref());
        assertEquals(Reason.UNKNOWN_ORDER, released.get(2).rejection().orElseThrow().reason());
        assertFalse(released.get(2).accepted());
        assertEquals(List.of(), ReleasedHold.in(List.of(accepted(ALICE_BUYS_TWO, 8, 2))), "not a time command's");
    }

    @Test
    void aHeldCommandWhoseDecideThrowsIsReleasedAndRejectedAndTheTimeCommandGoesOn() {
        long faultySku = SKU + 1;
        Purchase buysTheFaultySku = new Purchase(9, BOB, faultySku, WAREHOUSE, 1);
        Reserve reservation = new Reserve(3, BOB, List.of(line(SKU, WAREHOUSE, 1)), AT + 2);
        InventoryStore store = inStock().andGiven(reservation, new Hold(1, AT, buysTheFaultySku),
                new Hold(2, AT + 1, ALICE_BUYS_TWO)).store();
        EventBuffer events = new EventBuffer();

        Inventory.decide(new ExpireReservations(), AT + 5, failingProductReads(store, faultySku), events);

        List<Event> decided = events.toEvents();
        assertEquals(List.of(new HoldReleased(1), rejected(Reason.HELD_COMMAND_FAILED, 9), new HoldReleased(2),
                accepted(ALICE_BUYS_TWO, 7, 2)), decided.subList(0, 4));
        assertInstanceOf(ReservationExpired.class, decided.get(4), "what fell due after it is still done");
        assertEquals(5, decided.size(), decided.toString());
        Inventory.evolveAll(store, AT + 5, events);
        assertNull(store.held(1), "released: the next time command does not meet it again");
        assertEquals(NextDue.NEVER, new NextDue().of(store));
        assertEquals(8, store.available(SKU, WAREHOUSE));
    }

    /** {@code state}, except that reading the product of {@code sku} throws: a fault, as no rule of the domain is. */
    private static InventoryState failingProductReads(InventoryState state, long sku) {
        return (InventoryState) Proxy.newProxyInstance(InventoryState.class.getClassLoader(),
                new Class<?>[] {InventoryState.class}, (proxy, method, args) -> {
                    if (method.getName().matches("product|perCustomerLimit") && (long) args[0] == sku) {
                        throw new IllegalStateException("reading the product of sku " + sku + " failed");
                    }
                    try {
                        return method.invoke(state, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aTimeCommandReleasesAtMostItsLimitAndTheNextOneGoesOn() {
        Scenario scenario = given(listed(SKU), received(1, SKU, WAREHOUSE, 1_000_000)).at(10);
        int holds = Limits.MAX_RELEASED_PER_COMMAND + 10;
        for (int i = 0; i < holds; i++) {
            scenario.andGiven(new Hold(i, AT + i, new Purchase(1_000 + i, i, SKU, WAREHOUSE, 1)));
        }
        List<Event> first = scenario.at(AT + holds).when(new ExpireReservations()).events();
        assertEquals(2 * Limits.MAX_RELEASED_PER_COMMAND, first.size());
        assertEquals(new HoldReleased(Limits.MAX_RELEASED_PER_COMMAND - 1), first.get(first.size() - 2));
        List<Event> second = scenario.when(new ExpireReservations()).events();
        assertEquals(20, second.size());
        assertEquals(new HoldReleased(Limits.MAX_RELEASED_PER_COMMAND), second.getFirst());
        assertEquals(1_000_000 - holds, scenario.store().available(SKU, WAREHOUSE));
    }

    @Test
    void aBatchMayHoldAndCancelAndSeesItsOwnHolds() {
        inStock().when(new Batch(Batch.Mode.ATOMIC, List.of(new Hold(1, AT, ALICE_BUYS_TWO), new CancelHold(1),
                        new CancelHold(1))))
                .then(new Event.BatchAborted(2, Reason.UNKNOWN_HOLD, 1))
                .thenNothingChanged();
        inStock().when(new Batch(Batch.Mode.INDEPENDENT, List.of(new Hold(1, AT, ALICE_BUYS_TWO),
                        new Hold(2, AT, ALICE_BUYS_TWO), new CancelHold(1))))
                .then(new CommandHeld(1, AT, ALICE_BUYS_TWO), new CommandHeld(2, AT, ALICE_BUYS_TWO),
                        new HoldCancelled(1));
    }

    @Test
    void theDigestAndACopyOfTheStoreHoldTheHeldCommands() {
        InventoryStore holding = inStock().andGiven(new Hold(1, AT, ALICE_BUYS_TWO)).store();
        InventoryStore other = inStock().andGiven(new Hold(1, AT + 1, ALICE_BUYS_TWO)).store();
        InventoryStore none = inStock().store();
        assertEquals(3, List.of(StateDigest.of(holding), StateDigest.of(other), StateDigest.of(none)).stream()
                .distinct().count());
        InventoryStore copy = holding.copyInto(new MapInventoryStore());
        assertEquals(StateDigest.of(holding), StateDigest.of(copy));
        assertEquals(new HeldCommand(1, AT, ALICE_BUYS_TWO), copy.held(1));
        assertNull(copy.held(2));
    }

    @Test
    void theNextDueTimeIsTheEarliestExpiryOrHold() {
        NextDue next = new NextDue();
        Scenario scenario = inStock();
        assertEquals(NextDue.NEVER, next.of(scenario.store()));
        scenario.andGiven(new Hold(1, 300, ALICE_BUYS_TWO));
        assertEquals(300, next.of(scenario.store()));
        scenario.andGiven(new Reserve(3, BOB, List.of(line(SKU, WAREHOUSE, 1)), 200));
        assertEquals(200, next.of(scenario.store()));
        EventBuffer events = new EventBuffer();
        Inventory.decide(new Hold(2, 50, ALICE_BUYS_TWO), 10, scenario.store(), events);
        assertEquals(50, NextDue.scheduledBy(events));
        events.clear();
        Inventory.decide(new Purchase(9, BOB, SKU, WAREHOUSE, 1), 10, scenario.store(), events);
        assertEquals(NextDue.NEVER, NextDue.scheduledBy(events));
    }

    @Test
    void aHoldNeedsAnIdAndACommand() {
        assertThrows(IllegalArgumentException.class, () -> new Hold(-1, AT, ALICE_BUYS_TWO));
        assertThrows(NullPointerException.class, () -> new Hold(1, AT, null));
        assertThrows(IllegalArgumentException.class, () -> new CancelHold(-1));
        assertEquals(4, new Hold(4, AT, ALICE_BUYS_TWO).ref());
        assertEquals(4, new CancelHold(4).ref());
    }

    @Test
    void theBufferAndTheRecordsAgreeOnHoldEvents() {
        InventoryStore store = inStock().andGiven(new Hold(1, AT, ALICE_BUYS_TWO), new Hold(2, AT, ALICE_BUYS_TWO))
                .store();
        EventBuffer buffer = new EventBuffer();
        Inventory.decide(new Batch(Batch.Mode.INDEPENDENT, List.of(new CancelHold(2), new ExpireReservations(),
                new Hold(3, AT * 2, ALICE_BUYS_TWO))), AT, store, buffer);
        List<Event> records = buffer.toEvents();
        assertEquals(List.of(new HoldCancelled(2), new HoldReleased(1), accepted(ALICE_BUYS_TWO, 8, 2),
                new CommandHeld(3, AT * 2, ALICE_BUYS_TWO)), records);
        EventBuffer copy = new EventBuffer();
        buffer.writeTo(copy);
        assertEquals(records, copy.toEvents());
        InventoryStore fromRecords = store.copyInto(new MapInventoryStore());
        Inventory.evolveAll(fromRecords, AT, records);
        Inventory.evolveAll(store, AT, buffer);
        assertEquals(StateDigest.of(fromRecords), StateDigest.of(store));
        assertNull(store.held(1));
        assertNull(store.held(2));
        assertEquals(new HeldCommand(3, AT * 2, ALICE_BUYS_TWO), store.held(3));
    }
}
