package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.DecisionScratch;
import dev.purestock.domain.Event;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryState;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import dev.purestock.domain.testing.InventoryGenerators;
import dev.purestock.domain.testing.Timed;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

/**
 * The engine's store and the domain's reference store decide the domain's generated histories alike: holds, time
 * commands that forget orders within a short window, batches nested to the limit, repeats and follow-ups. The
 * engine's store is decided as the engine decides (one reused buffer, one reused scratch), the reference through the
 * records; after every command the two agree on the events and on everything the decider reads to order what it
 * does: the state's digest, the order of last changes, the due reservations and the due held commands.
 */
class StoreHistoriesTest {

    @Test
    void bothStoresDecideTheDomainsHistoriesAlike() {
        qt().withExamples(300).forAll(InventoryGenerators.histories(120)).checkAssert(history -> {
            MapInventoryStore reference = new MapInventoryStore();
            PrimitiveInventoryStore primitive = new PrimitiveInventoryStore(4);
            EventBuffer buffer = new EventBuffer();
            DecisionScratch scratch = new DecisionScratch();
            for (Timed timed : history) {
                List<Event> expected = Inventory.decide(timed.command(), timed.now(), reference);
                buffer.clear();
                Inventory.decide(timed.command(), timed.now(), primitive, buffer, scratch);
                assertEquals(expected, buffer.toEvents(), () -> "events of " + timed);
                Inventory.evolveAll(reference, timed.now(), expected);
                Inventory.evolveAll(primitive, timed.now(), buffer);
                assertEquals(StateDigest.of(reference), StateDigest.of(primitive), () -> "digest after " + timed);
                assertEquals(lastChanges(reference), lastChanges(primitive), () -> "last changes after " + timed);
                assertEquals(due(reference), due(primitive), () -> "due after " + timed);
            }
        });
    }

    /**
     * The engine's store filled through the state port from a copy taken anywhere in a history (as a snapshot is
     * loaded: orders in whatever order, the order of last changes after them) goes on deciding as the reference does.
     */
    @Test
    void theEnginesStoreCopiedAtAnyPointGoesOnDecidingAsTheReferenceDoes() {
        qt().withExamples(300).forAll(InventoryGenerators.histories(120), integers().between(0, 1_000))
                .checkAssert((history, cutAt) -> {
                    int cut = cutAt % (history.size() + 1);
                    MapInventoryStore reference = new MapInventoryStore();
                    InventoryStore copy = null;
                    for (int i = 0; i < history.size(); i++) {
                        if (i == cut) {
                            copy = reference.copyInto(new PrimitiveInventoryStore(4));
                        }
                        Timed timed = history.get(i);
                        List<Event> expected = Inventory.decide(timed.command(), timed.now(), reference);
                        Inventory.evolveAll(reference, timed.now(), expected);
                        if (copy != null) {
                            assertEquals(expected, Inventory.decide(timed.command(), timed.now(), copy),
                                    "events of " + timed + " after a copy at step " + cut);
                            Inventory.evolveAll(copy, timed.now(), expected);
                            assertEquals(lastChanges(reference), lastChanges(copy), "last changes after " + timed);
                        }
                    }
                    if (copy != null) {
                        assertEquals(StateDigest.of(reference), StateDigest.of(copy));
                    }
                });
    }

    /**
     * The same histories with every id moved to the top of its range (order, movement and hold ids near
     * {@link Long#MAX_VALUE}, skus and customers near 2^32 - 1, warehouses near 65,535): the engine's store packs a
     * customer and a sku, and a sku and a warehouse, into one key, and the top bits are where packing goes wrong.
     */
    @Test
    void bothStoresDecideAlikeWithIdsAtTheTopOfTheirRanges() {
        qt().withExamples(300).forAll(InventoryGenerators.histories(120)).checkAssert(history -> {
            MapInventoryStore reference = new MapInventoryStore();
            PrimitiveInventoryStore primitive = new PrimitiveInventoryStore(4);
            EventBuffer buffer = new EventBuffer();
            for (Timed original : history) {
                Timed timed = new Timed(original.now(), top(original.command()));
                List<Event> expected = Inventory.decide(timed.command(), timed.now(), reference);
                buffer.clear();
                Inventory.decide(timed.command(), timed.now(), primitive, buffer);
                assertEquals(expected, buffer.toEvents(), () -> "events of " + timed);
                Inventory.evolveAll(reference, timed.now(), expected);
                Inventory.evolveAll(primitive, timed.now(), buffer);
                assertEquals(StateDigest.of(reference), StateDigest.of(primitive), () -> "digest after " + timed);
            }
        });
    }

    private static Command top(Command command) {
        return switch (command) {
            case Command.ListProduct c -> new Command.ListProduct(sku(c.sku()), c.perCustomerLimit(),
                    c.countsCustomers());
            case Command.ReceiveStock c -> new Command.ReceiveStock(id(c.movementId()), sku(c.sku()),
                    warehouse(c.warehouse()), c.quantity());
            case Command.WriteOffStock c -> new Command.WriteOffStock(id(c.movementId()), sku(c.sku()),
                    warehouse(c.warehouse()), c.quantity());
            case Command.Purchase c -> new Command.Purchase(id(c.orderId()), customer(c.customer()), sku(c.sku()),
                    warehouse(c.warehouse()), c.quantity());
            case Command.PlaceOrder c -> new Command.PlaceOrder(id(c.orderId()), customer(c.customer()),
                    lines(c.lines()));
            case Command.CancelPurchase c -> new Command.CancelPurchase(id(c.orderId()));
            case Command.Reserve c -> new Command.Reserve(id(c.orderId()), customer(c.customer()), lines(c.lines()),
                    c.expiresAt());
            case Command.ConfirmReservation c -> new Command.ConfirmReservation(id(c.orderId()));
            case Command.ReleaseReservation c -> new Command.ReleaseReservation(id(c.orderId()));
            case Command.ExpireReservations c -> c;
            case Command.Hold c -> new Command.Hold(id(c.holdId()), c.at(), top(c.command()));
            case Command.CancelHold c -> new Command.CancelHold(id(c.holdId()));
            case Command.Batch c -> new Command.Batch(c.mode(), c.commands().stream().map(StoreHistoriesTest::top)
                    .toList());
        };
    }

    private static List<Line> lines(List<Line> lines) {
        return lines.stream().map(l -> new Line(sku(l.sku()), warehouse(l.warehouse()), l.quantity())).toList();
    }

    private static long id(long id) {
        return Long.MAX_VALUE - id;
    }

    private static long sku(long sku) {
        return Limits.MAX_SKU - sku;
    }

    private static long customer(long customer) {
        return Limits.MAX_CUSTOMER - customer;
    }

    private static int warehouse(int warehouse) {
        return Limits.MAX_WAREHOUSE - warehouse;
    }

    /** The order of last changes, as order ids and times in turn. */
    static List<Long> lastChanges(InventoryState state) {
        List<Long> seen = new ArrayList<>();
        state.forEachByLastChange((orderId, changedAt) -> {
            seen.add(orderId);
            seen.add(changedAt);
            return true;
        });
        return seen;
    }

    /** The due reservations, as times and order ids in turn, then the held commands, in the order they fall due. */
    static List<Object> due(InventoryStore state) {
        List<Object> seen = new ArrayList<>();
        state.forEachDue(Long.MAX_VALUE, (orderId, expiresAt) -> {
            seen.add(expiresAt);
            seen.add(orderId);
            return true;
        });
        state.forEachHeldDue(Long.MAX_VALUE, held -> seen.add(held));
        return seen;
    }
}
