package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreCapacityTest {

    @Test
    void threeFiguresSizeOneLinePerOrder() {
        assertEquals(new StoreCapacity(10, 500, 20, 500), new StoreCapacity(10, 500, 20));
        assertEquals(1024, StoreCapacity.DEFAULT.orderLines());
    }

    @Test
    void everyFigureMustBePositive() {
        IllegalArgumentException lines = assertThrows(IllegalArgumentException.class,
                () -> new StoreCapacity(10, 500, 20, 0));
        assertTrue(lines.getMessage().contains("order lines"), lines.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StoreCapacity(10, -1, 20));
    }

    @Test
    void aStoreSizedForSeveralLinesAnOrderHasItsLinePoolReady() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore(new StoreCapacity(10, 5_000, 20, 15_000));
        assertEquals(1, store.orderBook().rowChunks(), "5,000 rows fit one chunk of 8 Ki");
        assertEquals(2, store.orderBook().lineChunks(), "15,000 lines take two chunks of 8 Ki");
    }
}
