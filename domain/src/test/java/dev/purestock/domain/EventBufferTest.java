package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.ListProduct;
import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.ReceiveStock;
import dev.purestock.domain.Event.BatchAborted;
import dev.purestock.domain.Event.PurchaseAccepted;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event buffer at its chunk boundaries, across reuse, and where it refuses a malformed write. */
class EventBufferTest {
    private static final int SKUS = 70;

    /** A store with {@link #SKUS} skus listed, each with 100 units at warehouse 0. */
    private static MapInventoryStore stocked() {
        MapInventoryStore store = new MapInventoryStore();
        for (long sku = 0; sku < SKUS; sku++) {
            Inventory.evolveAll(store, 0, Inventory.decide(new ListProduct(sku, 0), 0, store));
            Inventory.evolveAll(store, 0, Inventory.decide(new ReceiveStock(sku + 1, sku, 0, 100), 0, store));
        }
        return store;
    }

    private static List<Line> lines(int count) {
        List<Line> lines = new ArrayList<>();
        for (int sku = 0; sku < count; sku++) {
            lines.add(new Line(sku, 0, 1));
        }
        return lines;
    }

    /** Writes {@code events} accepted purchases of {@code linesEach} line changes each. */
    private static void fill(EventBuffer buffer, int events, int linesEach) {
        for (int event = 0; event < events; event++) {
            buffer.purchaseAccepted(event, 7, 99);
            for (int line = 0; line < linesEach; line++) {
                buffer.lineChange(line, 0, 1, 10, 1);
            }
        }
    }

    @Test
    void aReservedBufferIsFilledUpToItsReservationWithoutAllocating() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        fill(new EventBuffer(), 5, 3);
        EventBuffer reserved = new EventBuffer();
        reserved.reserve(5, 15);
        EventBuffer unreserved = new EventBuffer();

        long before = threads.getCurrentThreadAllocatedBytes();
        fill(reserved, 5, 3);
        long reservedBytes = threads.getCurrentThreadAllocatedBytes() - before;
        before = threads.getCurrentThreadAllocatedBytes();
        fill(unreserved, 5, 3);
        long unreservedBytes = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(reservedBytes < 16, reservedBytes + " bytes allocated filling a buffer within its reservation");
        assertTrue(unreservedBytes >= 16, "a buffer not reserved allocates its chunks as it fills");
        assertEquals(5, reserved.size());
        assertEquals(15, reserved.lineCount());
        assertEquals(new LineChange(2, 0, 1, 10, 1),
                assertInstanceOf(PurchaseAccepted.class, reserved.event(4)).lines().get(2));
        assertThrows(IllegalArgumentException.class, () -> reserved.reserve(-1, 0));
    }

    @Test
    void aBufferMadeToRetainMoreKeepsItsRoomAcrossClearWhereADefaultOneLetsItGo() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        EventBuffer retaining = new EventBuffer(5_000);
        EventBuffer plain = new EventBuffer();
        fill(retaining, 5_000, 1);
        fill(plain, 5_000, 1);
        retaining.clear();
        plain.clear();

        long before = threads.getCurrentThreadAllocatedBytes();
        fill(retaining, 5_000, 1);
        long retainingBytes = threads.getCurrentThreadAllocatedBytes() - before;
        before = threads.getCurrentThreadAllocatedBytes();
        fill(plain, 5_000, 1);
        long plainBytes = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(retainingBytes < 16, retainingBytes + " bytes allocated refilling a buffer that kept its room");
        assertTrue(plainBytes > 5_000 * 72, plainBytes + " bytes: a default buffer lets go of what is beyond 255 entries");
        assertEquals(new LineChange(0, 0, 1, 10, 1),
                assertInstanceOf(PurchaseAccepted.class, retaining.event(4_999)).lines().getFirst());
        assertThrows(IllegalArgumentException.class, () -> new EventBuffer(-1));
        assertThrows(IllegalArgumentException.class, () -> new EventBuffer(1 << 30));
    }

    /**
     * Events that differ in one field only, each field's last, are told apart, and a buffer reused after a decision
     * whose events had more fields holds the same events as a fresh one: what an event leaves unset reads as zero.
     */
    @Test
    void buffersDifferingInAnEventsLastFieldOrALineHoldDifferentEvents() {
        List<LineChange> line = List.of(new LineChange(1, 0, 1, 9, 1));
        List<List<Event>> pairs = List.of(
                List.of(new Event.ProductListed(1, 0, true), new Event.ProductListed(1, 0, false)),
                List.of(new Event.StockReceived(1, 2, 0, 3, 4, 5), new Event.StockReceived(1, 2, 0, 3, 4, 6)),
                List.of(new Event.StockWrittenOff(1, 2, 0, 3, 4, 5), new Event.StockReceived(1, 2, 0, 3, 4, 5)),
                List.of(new PurchaseAccepted(1, 2, line, 3), new PurchaseAccepted(1, 2, line, 4)),
                List.of(new PurchaseAccepted(1, 2, line, 3),
                        new PurchaseAccepted(1, 2, List.of(new LineChange(1, 0, 1, 9, 2)), 3)),
                List.of(new Event.StockReserved(1, 2, line, 3, 4), new Event.StockReserved(1, 2, line, 3, 5)),
                List.of(new Event.Rejected(Reason.OUT_OF_STOCK, 1), new Event.Rejected(Reason.OUT_OF_STOCK, 2)),
                List.of(new BatchAborted(0, Reason.OUT_OF_STOCK, 1), new BatchAborted(0, Reason.OUT_OF_STOCK, 2)),
                List.of(new Event.CommandHeld(1, 2, new Purchase(1, 2, 3, 0, 1)),
                        new Event.CommandHeld(1, 2, new Purchase(1, 2, 3, 0, 2))));
        EventBuffer reused = new EventBuffer();
        EventBuffer other = new EventBuffer();
        for (List<Event> pair : pairs) {
            reused.clear();
            reused.stockReceived(9, 9, 9, 9, 9, 9); // six fields, left in the room the next event takes
            reused.clear();
            reused.write(pair.get(0));
            other.clear();
            other.write(pair.get(0));
            assertTrue(reused.sameEvents(other) && other.sameEvents(reused), pair.get(0) + " against itself");
            other.clear();
            other.write(pair.get(1));
            assertFalse(reused.sameEvents(other) || other.sameEvents(reused), pair.get(0) + " against " + pair.get(1));
        }
    }

    /**
     * Every kind of event, written at every place of the first chunks (entries 0 to 30, across four chunk boundaries)
     * into room that six-field events filled before, reads back as its record and as the same events as a fresh
     * buffer's: each event is written whole, the fields its kind leaves unset as zero.
     */
    @Test
    void everyKindWrittenOverUsedRoomAtEveryPlaceReadsAsInAFreshBuffer() {
        List<LineChange> line = List.of(new LineChange(7, 1, 2, 3, 4));
        List<Event> kinds = List.of(
                new Event.ProductListed(1, 2, true), new Event.StockReceived(1, 2, 3, 4, 5, 6),
                new Event.StockWrittenOff(1, 2, 3, 4, 5, 6), new PurchaseAccepted(1, 2, line, 3),
                new Event.StockReserved(1, 2, line, 3, 4), new Event.ReservationConfirmed(1),
                new Event.ReservationReleased(1, line), new Event.ReservationExpired(1, line),
                new Event.PurchaseCancelled(1, line), new Event.OrderForgotten(1),
                new Event.CommandHeld(1, 2, new Purchase(1, 2, 3, 0, 1)), new Event.HoldReleased(1),
                new Event.HoldCancelled(1), new Event.AlreadyApplied(1), new Event.Rejected(Reason.OUT_OF_STOCK, 1),
                new BatchAborted(1, Reason.OUT_OF_STOCK, 2));
        EventBuffer reused = new EventBuffer();
        for (Event event : kinds) {
            for (int place = 0; place < 31; place++) {
                reused.clear();
                for (int i = 0; i <= place; i++) {
                    reused.stockReceived(-1, -1, -1, -1, -1, -1);
                }
                reused.clear();
                EventBuffer fresh = new EventBuffer();
                for (int i = 0; i < place; i++) {
                    reused.orderForgotten(i);
                    fresh.orderForgotten(i);
                }
                reused.write(event);
                fresh.write(event);
                assertEquals(event, reused.event(place), event + " at " + place);
                assertTrue(reused.sameEvents(fresh) && fresh.sameEvents(reused), event + " at " + place);
            }
        }
    }

    /**
     * A hold written and taken back with the atomic batch around it, then another hold: the decision holds the same
     * events as its records written into a fresh buffer, though the decision's buffer keeps the first held command
     * in its room. {@code purestock verify} compares a record's events with its decision so.
     */
    @Test
    void aHoldTakenBackWithItsBatchLeavesTheSameEventsAsTheRecords() {
        MapInventoryStore store = stocked();
        Purchase purchase = new Purchase(1, 2, 3, 0, 1);
        Command takenBack = new Batch(Batch.Mode.ATOMIC, List.of(
                new Command.Hold(7, 20, purchase),
                new Command.Reserve(8, 2, lines(1), 5))); // expires before now: rejected, the batch aborts
        Command batch = new Batch(Batch.Mode.INDEPENDENT, List.of(takenBack, new Command.Hold(9, 20, purchase)));
        EventBuffer decided = new EventBuffer();
        Inventory.decide(batch, 10, store, decided);
        EventBuffer written = new EventBuffer();
        written.writeAll(decided.toEvents());

        assertInstanceOf(Event.CommandHeld.class, decided.event(decided.size() - 1), "the second hold is held");
        assertTrue(decided.sameEvents(written) && written.sameEvents(decided), () -> decided.toEvents().toString());
    }

    /**
     * {@code decide} appends to its buffer, and a buffer may hold earlier commands' events (docs/domain.md, "Deciding
     * without garbage"): a time command decided after as many events as one decision may make still releases the held
     * commands it releases alone, and one decided after as many line changes still expires after releasing one. Its
     * limits are those of its own decision, not of everything the buffer holds.
     */
    @Test
    void aTimeCommandAppendedAfterOtherDecisionsDecidesWhatItDecidesAlone() {
        MapInventoryStore store = stocked();
        Inventory.evolveAll(store, 0, Inventory.decide(new Command.Hold(7, 5, new Purchase(1, 2, 3, 0, 1)), 0, store));
        Inventory.evolveAll(store, 0, Inventory.decide(new Command.Reserve(8, 2, lines(1), 6), 0, store));
        Command time = new Command.ExpireReservations();
        List<Event> alone = Inventory.decide(time, 10, store);
        assertEquals(3, alone.size(), () -> "the hold is released and the reservation expires: " + alone);

        EventBuffer events = new EventBuffer();
        fill(events, Limits.MAX_EVENTS_PER_COMMAND, 0);
        Inventory.decide(time, 10, store, events);
        assertEquals(alone, eventsFrom(events, Limits.MAX_EVENTS_PER_COMMAND));

        EventBuffer lineChanges = new EventBuffer();
        fill(lineChanges, 1, Limits.MAX_LINE_CHANGES_PER_COMMAND);
        Inventory.decide(time, 10, store, lineChanges);
        assertEquals(alone, eventsFrom(lineChanges, 1));
    }

    private static List<Event> eventsFrom(EventBuffer buffer, int from) {
        List<Event> events = new ArrayList<>();
        for (int i = from; i < buffer.size(); i++) {
            events.add(buffer.event(i));
        }
        return events;
    }

    @Test
    void aRangeOutsideTheBufferIsRefused() {
        EventBuffer buffer = new EventBuffer();
        fill(buffer, 3, 1);
        MapInventoryStore store = new MapInventoryStore();
        assertThrows(IndexOutOfBoundsException.class, () -> Inventory.evolveRange(store, 0, buffer, 2, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> Inventory.evolveRange(store, 0, buffer, 2, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> Inventory.evolveRange(store, 0, buffer, -1, 1));
    }

    @Test
    void anOrderOfTheMostLinesCrossesLineChunksIntact() {
        MapInventoryStore store = stocked();
        EventBuffer buffer = new EventBuffer();
        Inventory.decide(new PlaceOrder(1, 7, lines(Limits.MAX_LINES)), 1, store, buffer);

        assertEquals(1, buffer.size());
        assertEquals(Limits.MAX_LINES, buffer.lineCount());
        PurchaseAccepted accepted = assertInstanceOf(PurchaseAccepted.class, buffer.event(0));
        for (int i = 0; i < Limits.MAX_LINES; i++) {
            assertEquals(new LineChange(i, 0, 1, 99, 1), accepted.lines().get(i));
            assertEquals(i, buffer.lineSku(i));
        }
    }

    @Test
    void aBatchOfManyEventsCrossesEventChunksAndMatchesTheRecordForm() {
        MapInventoryStore store = stocked();
        List<Command> members = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            members.add(new Purchase(1_000 + i, i % 5, i % SKUS, 0, 1));
        }
        Batch batch = new Batch(Batch.Mode.INDEPENDENT, members);
        EventBuffer buffer = new EventBuffer();
        Inventory.decide(batch, 1, store, buffer);

        assertEquals(200, buffer.size());
        assertEquals(200, buffer.lineCount());
        assertEquals(Inventory.decide(batch, 1, store), buffer.toEvents());
    }

    @Test
    void aRejectedMemberTakesBackEveryEventOfItsAtomicBatchAcrossChunks() {
        MapInventoryStore store = stocked();
        List<Command> members = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            members.add(new PlaceOrder(1_000 + i, 1, lines(3)));
        }
        members.add(new Purchase(2_000, 1, 0, 0, 1_000));
        EventBuffer buffer = new EventBuffer();
        buffer.alreadyApplied(42);
        Inventory.decide(new Batch(Batch.Mode.ATOMIC, members), 1, store, buffer);

        assertEquals(List.of(new Event.AlreadyApplied(42), new BatchAborted(40, Reason.OUT_OF_STOCK, 2_000)),
                buffer.toEvents());
        assertEquals(0, buffer.lineCount());
        assertEquals(1, buffer.firstRejection());
    }

    /**
     * The first rejection is kept as events are written: a later rejection or aborted batch leaves it, taking events
     * back to a mark before it forgets it and to a mark after it keeps it, and clearing forgets it; at every step it
     * is the first rejection the buffer's events hold, as reading their kinds one by one finds it.
     */
    @Test
    void theFirstRejectionFollowsWritesTakenBackAndClears() {
        EventBuffer buffer = new EventBuffer();
        for (int i = 0; i < 40; i++) {
            buffer.orderForgotten(i);
        }
        assertEquals(-1, buffer.firstRejection());
        long beforeRejection = buffer.mark();
        buffer.rejected(Reason.OUT_OF_STOCK, 7);
        long afterRejection = buffer.mark();
        buffer.batchAborted(1, Reason.LIMIT_EXCEEDED, 8);
        buffer.rejected(Reason.UNKNOWN_SKU, 9);
        assertEquals(40, buffer.firstRejection());
        assertEquals(buffer.firstRejectionFrom(0), buffer.firstRejection());

        buffer.resetTo(afterRejection);
        assertEquals(40, buffer.firstRejection(), "a mark after it keeps it");
        buffer.resetTo(beforeRejection);
        assertEquals(-1, buffer.firstRejection(), "a mark before it takes it back");
        buffer.purchaseAccepted(1, 2, 3);
        buffer.batchAborted(0, Reason.OUT_OF_STOCK, 4);
        assertEquals(41, buffer.firstRejection(), "an aborted batch written where the rejection was taken back");
        assertEquals(buffer.firstRejectionFrom(0), buffer.firstRejection());

        buffer.clear();
        assertEquals(-1, buffer.firstRejection());
        buffer.rejected(Reason.UNKNOWN_SKU, 5);
        assertEquals(0, buffer.firstRejection());
        buffer.resetTo(0);
        assertEquals(-1, buffer.firstRejection());
    }

    @Test
    void aClearedBufferIsReusedForTheNextDecisionWithNothingLeftOver() {
        MapInventoryStore store = stocked();
        EventBuffer buffer = new EventBuffer();
        List<Command> members = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            members.add(new Purchase(1_000 + i, 1, i % SKUS, 0, 1));
        }
        Inventory.decide(new Batch(Batch.Mode.INDEPENDENT, members), 1, store, buffer);
        buffer.clear();

        assertTrue(buffer.isEmpty());
        assertEquals(0, buffer.lineCount());
        assertEquals(-1, buffer.firstRejection());
        Purchase purchase = new Purchase(5, 2, 3, 0, 2);
        Inventory.decide(purchase, 1, store, buffer);
        assertEquals(Inventory.decide(purchase, 1, store), buffer.toEvents());
        assertEquals(List.of(new LineChange(3, 0, 2, 98, 2)),
                assertInstanceOf(PurchaseAccepted.class, buffer.event(0)).lines());
    }

    @Test
    void aLineChangeWithoutAnEventThatCarriesLinesIsRefused() {
        EventBuffer buffer = new EventBuffer();
        assertThrows(IllegalStateException.class, () -> buffer.lineChange(1, 0, 1, 1, 1));
        buffer.reservationConfirmed(3);
        assertThrows(IllegalStateException.class, () -> buffer.lineChange(1, 0, 1, 1, 1));
    }

    @Test
    void readingPastTheEndOrARejectionOfAnAcceptedEventIsRefused() {
        EventBuffer buffer = new EventBuffer();
        buffer.reservationConfirmed(3);
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.event(1));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.lineSku(0));
        assertThrows(IllegalArgumentException.class, () -> buffer.rejectionReason(0));
    }
}
