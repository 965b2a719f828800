package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.purestock.domain.Examples.ALICE;
import static dev.purestock.domain.Examples.SKU;
import static dev.purestock.domain.Examples.WAREHOUSE;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CommandConstructionTest {

    private static void refused(String message, Executable construction) {
        Throwable refusal = assertThrows(RuntimeException.class, construction);
        assertEquals(message, refusal.getMessage());
    }

    @Test
    void aSkuOutsideItsRangeCannotBeNamed() {
        refused("sku -1 is outside 0.." + Limits.MAX_SKU, () -> new Command.ListProduct(-1, 0));
        refused("sku " + (Limits.MAX_SKU + 1) + " is outside 0.." + Limits.MAX_SKU,
                () -> new Command.Purchase(1, ALICE, Limits.MAX_SKU + 1, WAREHOUSE, 1));
        refused("sku -3 is outside 0.." + Limits.MAX_SKU, () -> new Line(-3, WAREHOUSE, 1));
        assertDoesNotThrow(() -> new Command.ListProduct(Limits.MAX_SKU, 0));
    }

    @Test
    void aWarehouseOutsideItsRangeCannotBeNamed() {
        refused("warehouse -1 is outside 0.." + Limits.MAX_WAREHOUSE,
                () -> new Command.ReceiveStock(1, SKU, -1, 1));
        refused("warehouse 65536 is outside 0.." + Limits.MAX_WAREHOUSE,
                () -> new Command.WriteOffStock(1, SKU, Limits.MAX_WAREHOUSE + 1, 1));
        refused("warehouse 65536 is outside 0.." + Limits.MAX_WAREHOUSE,
                () -> new Line(SKU, Limits.MAX_WAREHOUSE + 1, 1));
        assertDoesNotThrow(() -> new Line(SKU, Limits.MAX_WAREHOUSE, 1));
    }

    @Test
    void aCustomerOutsideItsRangeCannotBeNamed() {
        refused("customer -1 is outside 0.." + Limits.MAX_CUSTOMER,
                () -> new Command.Purchase(1, -1, SKU, WAREHOUSE, 1));
        refused("customer " + (Limits.MAX_CUSTOMER + 1) + " is outside 0.." + Limits.MAX_CUSTOMER,
                () -> new Command.PlaceOrder(1, Limits.MAX_CUSTOMER + 1, List.of()));
        refused("customer -2 is outside 0.." + Limits.MAX_CUSTOMER,
                () -> new Command.Reserve(1, -2, List.of(), 10));
    }

    @Test
    void aNegativeOrderOrMovementIdCannotBeNamed() {
        refused("order id -1 is outside 0.." + Long.MAX_VALUE, () -> new Command.CancelPurchase(-1));
        refused("order id -1 is outside 0.." + Long.MAX_VALUE, () -> new Command.ConfirmReservation(-1));
        refused("order id -1 is outside 0.." + Long.MAX_VALUE, () -> new Command.ReleaseReservation(-1));
        refused("order id " + Long.MIN_VALUE + " is outside 0.." + Long.MAX_VALUE,
                () -> new Command.Purchase(Long.MIN_VALUE, ALICE, SKU, WAREHOUSE, 1));
        refused("movement id -7 is outside 0.." + Long.MAX_VALUE, () -> new Command.ReceiveStock(-7, SKU, WAREHOUSE, 1));
        refused("movement id -7 is outside 0.." + Long.MAX_VALUE, () -> new Command.WriteOffStock(-7, SKU, WAREHOUSE, 1));
    }

    @Test
    void theFieldsDoorsRefuseWhatTheRecordsRefuseWithTheSameMessageAndWriteNothing() {
        MapInventoryStore state = new MapInventoryStore();
        EventBuffer out = new EventBuffer();
        refused("sku " + (Limits.MAX_SKU + 1) + " is outside 0.." + Limits.MAX_SKU,
                () -> Inventory.decidePurchase(1, ALICE, Limits.MAX_SKU + 1, WAREHOUSE, 1, 0, state, out));
        refused("warehouse 65536 is outside 0.." + Limits.MAX_WAREHOUSE,
                () -> Inventory.decidePurchase(1, ALICE, SKU, Limits.MAX_WAREHOUSE + 1, 1, 0, state, out));
        refused("customer -1 is outside 0.." + Limits.MAX_CUSTOMER,
                () -> Inventory.decidePurchase(1, -1, SKU, WAREHOUSE, 1, 0, state, out));
        refused("order id -1 is outside 0.." + Long.MAX_VALUE,
                () -> Inventory.decidePurchase(-1, ALICE, SKU, WAREHOUSE, 1, 0, state, out));
        refused("order id -1 is outside 0.." + Long.MAX_VALUE, () -> Inventory.decideCancelPurchase(-1, 0, state, out));
        refused("order id -1 is outside 0.." + Long.MAX_VALUE,
                () -> Inventory.decideConfirmReservation(-1, 0, state, out));
        refused("order id -1 is outside 0.." + Long.MAX_VALUE,
                () -> Inventory.decideReleaseReservation(-1, 0, state, out));
        assertEquals(0, out.size());
    }

    @Test
    void nullListsAreRefusedByName() {
        refused("lines", () -> new Command.PlaceOrder(1, ALICE, null));
        refused("lines", () -> new Command.Reserve(1, ALICE, null, 10));
        refused("commands", () -> new Batch(Batch.Mode.ATOMIC, null));
        refused("mode", () -> new Batch(null, List.of()));
    }

    @Test
    void aNullLineOrMemberIsRefusedWithItsPosition() {
        List<Line> lines = Arrays.asList(new Line(SKU, WAREHOUSE, 1), null);
        refused("lines[1] is null", () -> new Command.PlaceOrder(1, ALICE, lines));
        refused("lines[1] is null", () -> new Command.Reserve(1, ALICE, lines, 10));
        List<Command> members = new ArrayList<>();
        members.add(null);
        refused("commands[0] is null", () -> new Batch(Batch.Mode.INDEPENDENT, members));
    }

    @Test
    void aNullReasonCannotMakeARejection() {
        refused("reason", () -> new Event.Rejected(null, 1));
        refused("reason", () -> new Event.BatchAborted(0, null, 1));
    }

    @Test
    void commandsKeepTheirOwnCopyOfTheirLines() {
        List<Line> lines = new ArrayList<>(List.of(new Line(SKU, WAREHOUSE, 1)));
        Command.PlaceOrder order = new Command.PlaceOrder(1, ALICE, lines);
        lines.add(new Line(SKU, WAREHOUSE + 1, 1));
        assertEquals(1, order.lines().size());
        assertThrows(UnsupportedOperationException.class, () -> order.lines().add(new Line(SKU, WAREHOUSE, 2)));
    }
}
