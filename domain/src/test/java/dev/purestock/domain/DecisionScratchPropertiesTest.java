package dev.purestock.domain;

import dev.purestock.domain.testing.InventoryGenerators;
import dev.purestock.domain.testing.Timed;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

/**
 * One {@link DecisionScratch} reused for every decision decides the domain's generated histories (batches nested to
 * the limit, atomic ones aborted, time commands that expire, forget and release held batches) exactly as a fresh one
 * for each, even when decisions before failed part way: before each command, the same command is decided with the
 * reused scratch against a state that throws at its {@code k}-th read, which leaves the scratch wherever that read
 * was (a batch's layer, a nested batch's, a time command's lists). A layer or list that kept anything of a failed or
 * earlier decision would change the events after it.
 */
class DecisionScratchPropertiesTest {

    @Test
    void aReusedScratchDecidesAsAFreshOneAfterDecisionsThatThrewPartWay() {
        qt().withExamples(400).forAll(InventoryGenerators.histories(80), integers().between(0, 200))
                .checkAssert((history, failAt) -> {
                    MapInventoryStore store = new MapInventoryStore();
                    DecisionScratch scratch = new DecisionScratch();
                    EventBuffer reused = new EventBuffer();
                    int step = 0;
                    for (Timed timed : history) {
                        int reads = (failAt + 7 * step++) % 30;
                        reused.clear();
                        try {
                            Inventory.decide(timed.command(), timed.now(), new Failing(store, reads), reused, scratch);
                        } catch (Failure expected) {
                            // the decision stopped at that read, wherever it was
                        }
                        List<Event> fresh = Inventory.decide(timed.command(), timed.now(), store);
                        reused.clear();
                        Inventory.decide(timed.command(), timed.now(), store, reused, scratch);
                        assertEquals(fresh, reused.toEvents(), () -> "events of " + timed + " after a failure at read "
                                + reads);
                        Inventory.evolveAll(store, timed.now(), fresh);
                    }
                });
    }

    /** What {@link Failing} throws. */
    private static final class Failure extends RuntimeException {
        Failure() {
            super("failed read", null, false, false);
        }
    }

    /** A state that reads as {@code base} does and throws {@link Failure} at its {@code failAt}-th read. */
    private static final class Failing implements InventoryState {
        private final InventoryState base;
        private int left;

        Failing(InventoryState base, int failAt) {
            this.base = base;
            this.left = failAt;
        }

        private void read() {
            if (left-- == 0) {
                throw new Failure();
            }
        }

        @Override
        public Product product(long sku) {
            read();
            return base.product(sku);
        }

        @Override
        public long perCustomerLimit(long sku) {
            read();
            return base.perCustomerLimit(sku);
        }

        @Override
        public long available(long sku, int warehouse) {
            read();
            return base.available(sku, warehouse);
        }

        @Override
        public long customerUnits(long customer, long sku) {
            read();
            return base.customerUnits(customer, sku);
        }

        @Override
        public Order order(long orderId) {
            read();
            return base.order(orderId);
        }

        @Override
        public OrderStatus orderStatus(long orderId) {
            read();
            return base.orderStatus(orderId);
        }

        @Override
        public long orderCustomer(long orderId) {
            read();
            return base.orderCustomer(orderId);
        }

        @Override
        public long orderExpiresAt(long orderId) {
            read();
            return base.orderExpiresAt(orderId);
        }

        @Override
        public long orderFingerprint(long orderId) {
            read();
            return base.orderFingerprint(orderId);
        }

        @Override
        public OrderLines orderLines(long orderId) {
            read();
            return base.orderLines(orderId);
        }

        @Override
        public long movement(long movementId) {
            read();
            return base.movement(movementId);
        }

        @Override
        public void forEachDue(long now, DueVisitor visitor) {
            read();
            base.forEachDue(now, (orderId, expiresAt) -> {
                read();
                return visitor.onDue(orderId, expiresAt);
            });
        }

        @Override
        public void forEachByLastChange(LastChangeVisitor visitor) {
            read();
            base.forEachByLastChange((orderId, changedAt) -> {
                read();
                return visitor.onOrder(orderId, changedAt);
            });
        }

        @Override
        public HeldCommand held(long holdId) {
            read();
            return base.held(holdId);
        }

        @Override
        public void forEachHeldDue(long now, HeldVisitor visitor) {
            read();
            base.forEachHeldDue(now, command -> {
                read();
                return visitor.onHeld(command);
            });
        }
    }
}
