package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StateDigest#of} walks the whole state: over the engine's store, whose orders are columns, it must build
 * nothing per order (a record and its list of lines were some 100 bytes an order, a million orders 100 MB of
 * garbage per digest), and its value must stay what it was, since tools compare it with journals. Counted with the
 * JVM's per-thread allocation counter; the assertion is on bytes, not time.
 */
class StateDigestAllocationTest {
    private static final int SKUS = 16;
    private static final int ORDERS = 20_000;
    /** Digests measured; the least is asserted, so that a compilation landing inside one does not fail the test. */
    private static final int ATTEMPTS = 5;

    @Test
    void theDigestOfTheEnginesStoreAllocatesNothingPerOrder() {
        assertTrue(StagesOnThisThread.THREADS.isThreadAllocatedMemorySupported()
                && StagesOnThisThread.THREADS.isThreadAllocatedMemoryEnabled(), "this JVM counts the bytes a thread allocates");
        PrimitiveInventoryStore few = stocked(new PrimitiveInventoryStore(), 1);
        PrimitiveInventoryStore many = stocked(new PrimitiveInventoryStore(), ORDERS);
        for (int i = 0; i < 20; i++) { // warm the walk up, so that what is measured is what runs
            StateDigest.of(few);
            StateDigest.of(many);
        }
        long perDigest = leastAllocated(few);
        long withOrders = leastAllocated(many);
        assertTrue(withOrders - perDigest < ORDERS, "a digest of " + ORDERS + " more orders allocated "
                + (withOrders - perDigest) + " bytes more (" + (double) (withOrders - perDigest) / ORDERS
                + " B per order)");
    }

    /**
     * The digest of a state of orders in every status, on either store, is the one digests were compared with
     * before the walk stopped building records: journals and snapshots taken earlier still compare equal.
     */
    @Test
    void theDigestOfAStateOfOrdersIsTheOneToolsPrintedBefore() {
        assertEquals("9fbe35f538617e59", StateDigest.format(StateDigest.of(stocked(new MapInventoryStore(), 500))));
        assertEquals("9fbe35f538617e59",
                StateDigest.format(StateDigest.of(stocked(new PrimitiveInventoryStore(), 500))));
    }

    /** The least bytes this thread allocated for a digest of {@code store}, over {@link #ATTEMPTS} digests. */
    private static long leastAllocated(PrimitiveInventoryStore store) {
        long least = Long.MAX_VALUE;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long before = StagesOnThisThread.THREADS.getCurrentThreadAllocatedBytes();
            StateDigest.of(store);
            least = Math.min(least, StagesOnThisThread.THREADS.getCurrentThreadAllocatedBytes() - before);
        }
        return least;
    }

    /**
     * {@code store} with {@link #SKUS} products and {@code orders} orders of two lines each, every third one
     * confirmed and every fifth one released, decided and applied as the engine does.
     */
    private static <S extends InventoryStore> S stocked(S store, int orders) {
        long time = 1_000;
        for (long sku = 0; sku < SKUS; sku++) {
            apply(store, new Command.ListProduct(sku, 0), time++);
            apply(store, new Command.ReceiveStock(sku + 1, sku, 0, 1_000_000), time++);
        }
        for (long order = 1; order <= orders; order++) {
            List<Line> lines = List.of(new Line(order % SKUS, 0, 1), new Line((order + 1) % SKUS, 0, 2));
            apply(store, new Command.PlaceOrder(order, order % 97, lines), time++);
            if (order % 3 == 0) {
                apply(store, new Command.ConfirmReservation(order), time++);
            } else if (order % 5 == 0) {
                apply(store, new Command.ReleaseReservation(order), time++);
            }
        }
        return store;
    }

    private static void apply(InventoryStore store, Command command, long time) {
        Inventory.evolveAll(store, time, Inventory.decide(command, time, store));
    }
}
