package dev.purestock.domain;

import dev.purestock.domain.testing.InventoryGenerators;
import dev.purestock.domain.testing.Recording;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

class StateDigestPropertiesTest {

    /** The entries in any order; the order of last changes, which is an order, copied as it is. */
    @Test
    void anyStateCopiedInShuffledOrderHasTheSameDigest() {
        qt().withExamples(300).forAll(InventoryGenerators.histories(), longs().all()).checkAssert((history, shuffleSeed) -> {
            InventoryStore live = Recording.of(history).store();
            List<Consumer<MutableInventory>> writes = new ArrayList<>();
            live.forEachProduct(product -> writes.add(s -> s.putProduct(product)));
            live.forEachPosition((sku, warehouse, available) -> writes.add(s -> s.putAvailable(sku, warehouse, available)));
            live.forEachCustomerUnits((customer, sku, units) -> writes.add(s -> s.putCustomerUnits(customer, sku, units)));
            live.forEachOrder(order -> writes.add(s -> s.putOrder(order)));
            live.forEachMovement((id, fingerprint) -> writes.add(s -> s.putMovement(id, fingerprint)));
            live.forEachHeld(held -> writes.add(s -> s.putHeld(held)));
            Collections.shuffle(writes, new Random(shuffleSeed));
            MapInventoryStore copy = new MapInventoryStore();
            writes.forEach(write -> write.accept(copy));
            live.forEachByLastChange((orderId, changedAt) -> {
                copy.putLastChange(orderId, changedAt);
                return true;
            });
            assertEquals(StateDigest.of(live), StateDigest.of(copy));
        });
    }
}
