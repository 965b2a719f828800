package dev.purestock.domain;

import dev.purestock.domain.testing.InventoryGenerators;
import dev.purestock.domain.testing.Timed;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

/**
 * The forms of a decision agree: deciding into one reused {@link EventBuffer} and applying from it gives,
 * command after command, the events and the states that the record form gives, over generated histories; and
 * deciding a fixed-shape command from its fields gives the events of its record; and the commands of a history
 * written one after another into one buffer and applied range by range give the states applied one by one.
 */
class EventBufferPropertiesTest {
    private static final int TRIES = 1000;

    @Test
    void decidingIntoAReusedBufferGivesTheSameEventsAndStatesAsTheRecordForm() {
        qt().withExamples(TRIES).forAll(InventoryGenerators.histories()).checkAssert(history -> {
            MapInventoryStore byRecords = new MapInventoryStore();
            MapInventoryStore byBuffer = new MapInventoryStore();
            EventBuffer buffer = new EventBuffer();
            for (Timed timed : history) {
                List<Event> events = Inventory.decide(timed.command(), timed.now(), byRecords);
                Inventory.evolveAll(byRecords, timed.now(), events);
                buffer.clear();
                Inventory.decide(timed.command(), timed.now(), byBuffer, buffer);
                assertEquals(events, buffer.toEvents(), () -> "events of " + timed);
                Inventory.evolveAll(byBuffer, timed.now(), buffer);
                assertEquals(StateDigest.of(byRecords), StateDigest.of(byBuffer), () -> "state after " + timed);
            }
        });
    }

    @Test
    void decidingAFixedShapeCommandFromItsFieldsGivesTheEventsOfItsRecord() {
        qt().withExamples(TRIES).forAll(InventoryGenerators.histories()).checkAssert(history -> {
            MapInventoryStore store = new MapInventoryStore();
            EventBuffer byRecord = new EventBuffer();
            EventBuffer byFields = new EventBuffer();
            for (Timed timed : history) {
                byRecord.clear();
                byFields.clear();
                Inventory.decide(timed.command(), timed.now(), store, byRecord);
                if (decideFromFields(timed, store, byFields)) {
                    assertEquals(byRecord.toEvents(), byFields.toEvents(), () -> "events of " + timed);
                }
                Inventory.evolveAll(store, timed.now(), byRecord);
            }
        });
    }

    /**
     * {@link EventBuffer#sameEvents} says what the records' equality says: for each decision, made into a buffer
     * reused from the decisions before (so its room holds what they left), against its own records written into
     * another reused buffer, and against each of the five decisions before it.
     */
    @Test
    void twoBuffersHoldTheSameEventsExactlyWhenTheirRecordsAreEqual() {
        qt().withExamples(TRIES).forAll(InventoryGenerators.histories()).checkAssert(history -> {
            MapInventoryStore store = new MapInventoryStore();
            EventBuffer decided = new EventBuffer();
            EventBuffer written = new EventBuffer();
            ArrayDeque<List<Event>> earlier = new ArrayDeque<>();
            for (Timed timed : history) {
                decided.clear();
                Inventory.decide(timed.command(), timed.now(), store, decided);
                List<Event> events = decided.toEvents();
                written.clear();
                written.writeAll(events);
                assertTrue(decided.sameEvents(written) && written.sameEvents(decided), () -> "its own records: " + timed);
                for (List<Event> before : earlier) {
                    written.clear();
                    written.writeAll(before);
                    assertEquals(events.equals(before), decided.sameEvents(written),
                            () -> events + " against " + before);
                    assertEquals(events.equals(before), written.sameEvents(decided), () -> before + " against " + events);
                }
                earlier.addFirst(events);
                if (earlier.size() > 5) {
                    earlier.removeLast();
                }
                Inventory.evolveAll(store, timed.now(), decided);
            }
        });
    }

    @Test
    void aBufferAnswersRejectionsAndLinesAsItsRecordsDo() {
        qt().withExamples(TRIES).forAll(InventoryGenerators.histories()).checkAssert(history -> {
            MapInventoryStore store = new MapInventoryStore();
            EventBuffer buffer = new EventBuffer();
            for (Timed timed : history) {
                buffer.clear();
                Inventory.decide(timed.command(), timed.now(), store, buffer);
                List<Event> events = buffer.toEvents();
                assertEquals(firstRejection(events), buffer.firstRejection(), () -> "first rejection of " + timed);
                if (buffer.firstRejection() >= 0) {
                    Event.Rejection rejection = (Event.Rejection) events.get(buffer.firstRejection());
                    assertEquals(rejection.reason(), buffer.rejectionReason(buffer.firstRejection()));
                }
                assertEquals(lineChanges(events), lines(buffer), () -> "line changes of " + timed);
                for (int i = 0; i < events.size(); i++) {
                    assertEquals(events.get(i), buffer.event(i));
                }
                Inventory.evolveAll(store, timed.now(), buffer);
            }
        });
    }

    @Test
    void replayingABufferOrWritingItsRecordsIntoAnotherGivesTheSameEvents() {
        qt().withExamples(TRIES).forAll(InventoryGenerators.histories()).checkAssert(history -> {
            MapInventoryStore store = new MapInventoryStore();
            EventBuffer buffer = new EventBuffer();
            EventBuffer replayed = new EventBuffer();
            EventBuffer written = new EventBuffer();
            for (Timed timed : history) {
                buffer.clear();
                replayed.clear();
                written.clear();
                Inventory.decide(timed.command(), timed.now(), store, buffer);
                buffer.writeTo(replayed);
                written.writeAll(buffer.toEvents());
                assertEquals(buffer.toEvents(), replayed.toEvents());
                assertEquals(buffer.toEvents(), written.toEvents());
                Inventory.evolveAll(store, timed.now(), buffer);
            }
        });
    }

    @Test
    void applyingEachCommandsRangeOfOneSharedBufferGivesTheStatesOfApplyingThemOneByOne() {
        qt().withExamples(TRIES).forAll(InventoryGenerators.histories()).checkAssert(history -> {
            MapInventoryStore decided = new MapInventoryStore();
            MapInventoryStore byRange = new MapInventoryStore();
            EventBuffer buffer = new EventBuffer();
            EventBuffer shared = new EventBuffer(3);
            for (int round = 0; round < 2; round++) { // the second round refills the shared buffer once cleared
                shared.clear();
                int[] starts = new int[history.size() + 1];
                for (int i = 0; i < history.size(); i++) {
                    Timed timed = history.get(i);
                    buffer.clear();
                    Inventory.decide(timed.command(), timed.now(), decided, buffer);
                    Inventory.evolveAll(decided, timed.now(), buffer);
                    starts[i] = shared.size();
                    buffer.writeTo(shared);
                }
                starts[history.size()] = shared.size();
                for (int i = 0; i < history.size(); i++) {
                    Inventory.evolveRange(byRange, history.get(i).now(), shared, starts[i], starts[i + 1]);
                }
                assertEquals(StateDigest.of(decided), StateDigest.of(byRange), "state after round " + round);
            }
        });
    }

    /** Decides {@code timed} through its fields door, when it has one, and says whether it had. */
    private static boolean decideFromFields(Timed timed, InventoryState state, EventBuffer out) {
        long now = timed.now();
        switch (timed.command()) {
            case Command.Purchase c -> Inventory.decidePurchase(c.orderId(), c.customer(), c.sku(), c.warehouse(),
                    c.quantity(), now, state, out);
            case Command.CancelPurchase c -> Inventory.decideCancelPurchase(c.orderId(), now, state, out);
            case Command.ConfirmReservation c -> Inventory.decideConfirmReservation(c.orderId(), now, state, out);
            case Command.ReleaseReservation c -> Inventory.decideReleaseReservation(c.orderId(), now, state, out);
            default -> {
                return false;
            }
        }
        return true;
    }

    private static int firstRejection(List<Event> events) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof Event.Rejection) {
                return i;
            }
        }
        return -1;
    }

    private static List<LineChange> lineChanges(List<Event> events) {
        return events.stream().flatMap(event -> switch (event) {
            case Event.PurchaseAccepted e -> e.lines().stream();
            case Event.StockReserved e -> e.lines().stream();
            case Event.ReservationReleased e -> e.lines().stream();
            case Event.ReservationExpired e -> e.lines().stream();
            case Event.PurchaseCancelled e -> e.lines().stream();
            default -> java.util.stream.Stream.<LineChange>empty();
        }).toList();
    }

    private static List<LineChange> lines(DecidedEvents events) {
        LineChange[] lines = new LineChange[events.lineCount()];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = new LineChange(events.lineSku(i), events.lineWarehouse(i), events.lineQuantity(i),
                    events.lineAvailable(i), events.lineCustomerUnits(i));
        }
        return List.of(lines);
    }
}
