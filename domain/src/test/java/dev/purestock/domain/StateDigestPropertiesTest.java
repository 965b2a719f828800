package dev.purestock.domain;

import dev.purestock.domain.testing.InventoryArbitraries;
import dev.purestock.domain.testing.Recording;
import dev.purestock.domain.testing.Timed;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StateDigestPropertiesTest {

    @Property(tries = 300)
    void anyStateCopiedInShuffledOrderHasTheSameDigest(@ForAll("histories") List<Timed> history,
                                                         @ForAll Random random) {
        InventoryStore live = Recording.of(history).store();
        List<Consumer<MutableInventory>> writes = new ArrayList<>();
        live.forEachProduct(product -> writes.add(s -> s.putProduct(product)));
        live.forEachPosition((sku, warehouse, available) -> writes.add(s -> s.putAvailable(sku, warehouse, available)));
        live.forEachCustomerUnits((customer, sku, units) -> writes.add(s -> s.putCustomerUnits(customer, sku, units)));
        live.forEachOrder(order -> writes.add(s -> s.putOrder(order)));
        live.forEachMovement((id, fingerprint) -> writes.add(s -> s.putMovement(id, fingerprint)));
        Collections.shuffle(writes, random);
        MapInventoryStore copy = new MapInventoryStore();
        writes.forEach(write -> write.accept(copy));
        assertEquals(StateDigest.of(live), StateDigest.of(copy));
    }

    @Provide
    Arbitrary<List<Timed>> histories() {
        return InventoryArbitraries.histories();
    }
}
