package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Event.OrderForgotten;
import dev.purestock.domain.Event.PurchaseAccepted;
import dev.purestock.domain.Event.PurchaseCancelled;
import dev.purestock.domain.Event.Rejection;
import dev.purestock.domain.Event.ReservationExpired;
import dev.purestock.domain.Event.ReservationReleased;
import dev.purestock.domain.Event.StockReceived;
import dev.purestock.domain.Event.StockReserved;
import dev.purestock.domain.Event.StockWrittenOff;
import dev.purestock.domain.testing.InventoryGenerators;
import dev.purestock.domain.testing.Recording;
import dev.purestock.domain.testing.Timed;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

/**
 * The invariants of the inventory, checked over generated histories (see {@link InventoryGenerators}):
 * small universes, colliding ids, repeats, nested batches and jumps in time.
 */
class InventoryPropertiesTest {
    private static final int TRIES = 1000;
    private static final int LONG_TRIES = 100;
    private static final int RECEIVED = 0;
    private static final int WRITTEN_OFF = 1;
    private static final int TAKEN = 2;
    private static final int RETURNED = 3;

    private static final Gen<List<Timed>> HISTORIES = InventoryGenerators.histories();
    private static final Gen<List<Timed>> LONG_HISTORIES = InventoryGenerators.histories(400);

    /** Checks {@code property} against {@code tries} generated histories; a failure reports the shrunk history. */
    private static void forAllHistories(Gen<List<Timed>> histories, int tries, Consumer<List<Timed>> property) {
        qt().withExamples(tries).forAll(histories).checkAssert(property);
    }

    private static void forAllHistories(Consumer<List<Timed>> property) {
        forAllHistories(HISTORIES, TRIES, property);
    }

    /** One step of a history: the digest before, the events, and the store after they were applied. */
    private interface StepCheck {
        void check(Timed input, long digestBefore, List<Event> events, InventoryStore after);
    }

    private static void run(List<Timed> history, StepCheck check) {
        MapInventoryStore store = new MapInventoryStore();
        for (Timed timed : history) {
            long before = StateDigest.of(store);
            List<Event> events = Inventory.decide(timed.command(), timed.now(), store);
            Inventory.evolveAll(store, timed.now(), events);
            check.check(timed, before, events, store);
        }
    }

    @Test
    void availableStockNeverGoesBelowZero() {
        forAllHistories(history -> run(history, (input, before, events, store) ->
                store.forEachPosition((sku, warehouse, available) -> assertTrue(available >= 0,
                        () -> "sku " + sku + " at " + warehouse + " has " + available + " after " + input))));
    }

    @Test
    void acceptedUnitsNeverExceedWhatWasReceivedMinusWrittenOffPlusReturned() {
        forAllHistories(InventoryPropertiesTest::checkLedger);
    }

    @Test
    void theLedgerHoldsOverLongHistoriesToo() {
        forAllHistories(LONG_HISTORIES, LONG_TRIES, InventoryPropertiesTest::checkLedger);
    }

    /** Per position: units in (received, returned) and out (written off, taken), from the events alone. */
    private static void checkLedger(List<Timed> history) {
        Map<List<Long>, long[]> ledger = new HashMap<>();
        run(history, (input, before, events, store) -> {
            for (Event event : events) {
                switch (event) {
                    case StockReceived e -> entry(ledger, e.sku(), e.warehouse())[RECEIVED] += e.quantity();
                    case StockWrittenOff e -> entry(ledger, e.sku(), e.warehouse())[WRITTEN_OFF] += e.quantity();
                    case PurchaseAccepted e -> book(ledger, e.lines(), TAKEN);
                    case StockReserved e -> book(ledger, e.lines(), TAKEN);
                    case PurchaseCancelled e -> book(ledger, e.lines(), RETURNED);
                    case ReservationReleased e -> book(ledger, e.lines(), RETURNED);
                    case ReservationExpired e -> book(ledger, e.lines(), RETURNED);
                    default -> { }
                }
            }
            ledger.forEach((position, units) -> {
                long received = units[RECEIVED];
                long writtenOff = units[WRITTEN_OFF];
                long taken = units[TAKEN];
                long returned = units[RETURNED];
                assertTrue(taken <= received - writtenOff + returned, () -> "position " + position
                        + " sold " + taken + " of " + received + " received, " + writtenOff + " written off, "
                        + returned + " returned, after " + input);
                assertEquals(received - writtenOff - taken + returned,
                        store.available(position.get(0), position.get(1).intValue()),
                        () -> "available at " + position + " after " + input);
            });
            store.forEachPosition((sku, warehouse, available) ->
                    assertTrue(ledger.containsKey(List.of(sku, (long) warehouse)),
                            () -> "position " + sku + "/" + warehouse + " appeared without a receipt"));
        });
    }

    private static void book(Map<List<Long>, long[]> ledger, List<LineChange> lines, int column) {
        for (LineChange line : lines) {
            entry(ledger, line.sku(), line.warehouse())[column] += line.quantity();
        }
    }

    private static long[] entry(Map<List<Long>, long[]> ledger, long sku, int warehouse) {
        return ledger.computeIfAbsent(List.of(sku, (long) warehouse), key -> new long[4]);
    }

    @Test
    void perCustomerLimitsAreNeverExceeded() {
        forAllHistories(history -> {
            Map<Long, Long> limits = new HashMap<>();
            run(history, (input, before, events, store) -> {
                for (Event event : events) {
                    List<LineChange> taken = switch (event) {
                        case Event.ProductListed e -> {
                            limits.put(e.sku(), e.perCustomerLimit());
                            yield List.of();
                        }
                        case PurchaseAccepted e -> e.lines();
                        case StockReserved e -> e.lines();
                        default -> List.of();
                    };
                    for (LineChange line : taken) {
                        long limit = limits.get(line.sku());
                        assertTrue(limit == 0 || line.customerUnits() <= limit, () -> "a customer holds "
                                + line.customerUnits() + " of sku " + line.sku() + " limited to " + limit + " after " + input);
                    }
                }
            });
        });
    }

    /**
     * A customer's count of a sku is what their live orders hold, forgotten ones included: forgetting an order
     * takes its id away, not the units its customer bought. A product that counts no customers has no counts.
     */
    @Test
    void customerCountsAreWhatTheirLiveOrdersHoldForgottenOrNot() {
        forAllHistories(history -> {
            MapInventoryStore store = new MapInventoryStore();
            Map<List<Long>, Long> held = new HashMap<>();
            for (Timed timed : history) {
                List<Event> events = Inventory.decide(timed.command(), timed.now(), store);
                for (Event event : events) {
                    if (event instanceof Event.OrderForgotten forgotten) {
                        hold(held, store.order(forgotten.orderId()), store);
                    }
                }
                Inventory.evolveAll(store, timed.now(), events);
            }
            store.forEachOrder(order -> hold(held, order, store));
            Map<List<Long>, Long> counted = new HashMap<>();
            store.forEachCustomerUnits((customer, sku, units) -> counted.put(List.of(customer, sku), units));
            assertEquals(held, counted);
        });
    }

    private static void hold(Map<List<Long>, Long> held, Order order, InventoryState state) {
        if (order.status() == OrderStatus.PURCHASED || order.status() == OrderStatus.RESERVED
                || order.status() == OrderStatus.CONFIRMED) {
            order.lines().stream().filter(line -> state.product(line.sku()).countsCustomers()).forEach(line ->
                    held.merge(List.of(order.customer(), line.sku()), line.quantity(), Long::sum));
        }
    }

    @Test
    void theSameCommandsGiveTheSameEventsAndTheSameDigest() {
        forAllHistories(history -> {
            Recording first = Recording.of(history);
            Recording second = Recording.of(history);
            assertEquals(first.steps(), second.steps());
            assertEquals(first.digest(), second.digest());
        });
    }

    @Test
    void foldingTheEmittedEventsIntoAnEmptyStoreReproducesTheLiveState() {
        forAllHistories(history -> {
            Recording live = Recording.of(history);
            MapInventoryStore replayed = live.foldInto(new MapInventoryStore());
            assertEquals(StateDigest.format(live.digest()), StateDigest.format(StateDigest.of(replayed)));
        });
    }

    @Test
    void foldingReproducesTheLiveStateOverLongHistoriesToo() {
        forAllHistories(LONG_HISTORIES, LONG_TRIES, history -> {
            Recording live = Recording.of(history);
            assertEquals(live.digest(), StateDigest.of(live.foldInto(new MapInventoryStore())));
        });
    }

    @Test
    void resubmittingACommandRightAfterItChangesNothing() {
        forAllHistories(history -> {
            run(history, (input, before, events, store) -> {
                boolean decidedAsAWhole = !Inventory.anyRejected(events) || isWholeRejection(events);
                // a command that forgot orders (a batch holding an ExpireReservations) may have forgotten the very id
                // it carries; a repeat of that id is then decided afresh, as the retention window promises
                boolean forgotAnOrder = events.stream().anyMatch(OrderForgotten.class::isInstance);
                // a command that held something due now (a batch holding it beside a time command) has it decided
                // by the repeat's time command
                boolean heldSomethingDue = events.stream()
                        .anyMatch(event -> event instanceof Event.CommandHeld held && held.at() <= input.now());
                if (!decidedAsAWhole || forgotAnOrder || heldSomethingDue) {
                    return;
                }
                long after = StateDigest.of(store);
                List<Event> again = Inventory.decide(input.command(), input.now(), store);
                Inventory.evolveAll(store, input.now(), again);
                assertEquals(after, StateDigest.of(store), () -> "repeating " + input + " after " + events + " gave " + again);
                if (events.size() == 1 && (events.get(0) instanceof PurchaseAccepted || events.get(0) instanceof StockReserved
                        || events.get(0) instanceof StockReceived || events.get(0) instanceof StockWrittenOff)) {
                    assertInstanceOf(Event.AlreadyApplied.class, again.get(0), () -> "repeat of " + input);
                }
            });
        });
    }

    @Test
    void rejectionsNeverChangeTheState() {
        forAllHistories(history -> {
            run(history, (input, before, events, store) -> {
                if (!events.isEmpty() && events.stream().allMatch(Rejection.class::isInstance)) {
                    assertEquals(before, StateDigest.of(store), () -> input + " was rejected but changed the state");
                }
            });
        });
    }

    @Test
    void decidingNeverChangesTheState() {
        forAllHistories(history -> {
            MapInventoryStore store = new MapInventoryStore();
            for (Timed timed : history) {
                long before = StateDigest.of(store);
                List<Event> events = Inventory.decide(timed.command(), timed.now(), store);
                assertEquals(before, StateDigest.of(store), () -> "deciding " + timed + " changed the state");
                Inventory.evolveAll(store, timed.now(), events);
            }
        });
    }

    @Test
    void anAtomicBatchOrAnOrderAppliesAllOrNothing() {
        forAllHistories(history -> {
            run(history, (input, before, events, store) -> {
                switch (input.command()) {
                    case Batch batch when batch.mode() == Batch.Mode.ATOMIC -> {
                        if (Inventory.anyRejected(events)) {
                            assertEquals(1, events.size(), () -> "aborted batch " + input + " left " + events);
                            assertEquals(before, StateDigest.of(store));
                        }
                    }
                    case Command.PlaceOrder order -> checkWholeOrder(order.lines(), before, events, store);
                    case Command.Reserve reservation -> checkWholeOrder(reservation.lines(), before, events, store);
                    default -> { }
                }
            });
        });
    }

    private static void checkWholeOrder(List<Line> lines, long before, List<Event> events, InventoryStore store) {
        assertEquals(1, events.size());
        switch (events.get(0)) {
            case PurchaseAccepted e -> assertEquals(lines, e.lines().stream().map(LineChange::line).toList());
            case StockReserved e -> assertEquals(lines, e.lines().stream().map(LineChange::line).toList());
            case Rejection r -> assertEquals(before, StateDigest.of(store));
            case Event.AlreadyApplied a -> assertEquals(before, StateDigest.of(store));
            default -> throw new AssertionError("an order answered " + events);
        }
    }

    @Test
    void noReservationOutlivesAnExpiryTickAfterItsExpiry() {
        forAllHistories(history -> {
            run(history, (input, before, events, store) -> {
                if (input.command() instanceof ExpireReservations && events.size() < Limits.MAX_EXPIRIES_PER_COMMAND) {
                    store.forEachOrder(order -> assertFalse(
                            order.status() == OrderStatus.RESERVED && order.expiresAt() <= input.now(),
                            () -> "order " + order + " outlived the tick at " + input.now()));
                }
            });
        });
    }

    @Test
    void aReservationIsOnlyConfirmedBeforeItsExpiry() {
        forAllHistories(history -> {
            Map<Long, Long> heldUntil = new HashMap<>();
            run(history, (input, before, events, store) -> {
                // a held command is decided as at its own time, even when the time command that decides it is late
                long decidedAt = input.now();
                for (Event event : events) {
                    switch (event) {
                        case Event.CommandHeld held -> heldUntil.put(held.holdId(), held.at());
                        case Event.HoldReleased released -> decidedAt = heldUntil.get(released.holdId());
                        case ReservationExpired expired -> decidedAt = input.now();
                        case Event.ReservationConfirmed confirmed -> {
                            long at = decidedAt;
                            long expiresAt = store.order(confirmed.orderId()).expiresAt();
                            assertTrue(at < expiresAt,
                                    () -> "order " + confirmed.orderId() + " confirmed at " + at + ", expired at " + expiresAt);
                        }
                        default -> { }
                    }
                }
            });
        });
    }

    @Test
    void everyCommandIsAnsweredExceptAnIdleExpiryTick() {
        forAllHistories(history -> {
            run(history, (input, before, events, store) -> {
                if (events.isEmpty()) {
                    assertTrue(onlyExpiryTicks(input.command()), () -> input + " got no answer");
                    assertEquals(before, StateDigest.of(store));
                }
            });
        });
    }

    private static boolean onlyExpiryTicks(Command command) {
        return switch (command) {
            case ExpireReservations e -> true;
            case Batch b -> b.commands().stream().allMatch(InventoryPropertiesTest::onlyExpiryTicks);
            default -> false;
        };
    }

    private static boolean isWholeRejection(List<Event> events) {
        return events.size() == 1 && events.get(0) instanceof Rejection;
    }
}
