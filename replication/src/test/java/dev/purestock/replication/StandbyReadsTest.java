package dev.purestock.replication;

import dev.purestock.domain.InventoryState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What a standby's reads refuse. */
class StandbyReadsTest {
    @TempDir
    Path standbyDir;

    /**
     * The standby's state finds a position by a key packed from its sku and warehouse, so a warehouse of -1 or a sku
     * past the largest read another position (sku 7's per-customer limit, as stock) instead of being refused as the
     * engine's read model refuses them.
     */
    @Test
    void aSkuOrWarehouseOutsideItsRangeIsRefusedInsteadOfReadingAnotherPosition() {
        try (Standby standby = Standby.builder(standbyDir).primary("127.0.0.1:9").start()) {
            assertEquals(InventoryState.NO_POSITION, standby.available(7, 3));
            IllegalArgumentException warehouse = assertThrows(IllegalArgumentException.class,
                    () -> standby.available(7, -1));
            assertEquals("warehouse -1 is outside 0..65535", warehouse.getMessage());
            assertThrows(IllegalArgumentException.class, () -> standby.available((1L << 47) + 7, 3));
        }
    }
}
