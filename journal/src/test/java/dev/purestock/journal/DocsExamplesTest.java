package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Line;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.Reaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journaled engine's examples in the README ("Embedding") and docs/reactions.md ("Replay and crashes"), as
 * written there, compiled and run on a temporary directory (the engine's own examples: the engine module's
 * DocsExamplesTest).
 */
class DocsExamplesTest {
    @TempDir
    Path data;

    private final long sku = 1;
    private final long receiptId = 100;
    private final int warehouse = 0;
    private final long orderId = 5;
    private final long customer = 7;
    private final List<Long> resumed = new CopyOnWriteArrayList<>();

    private void resumePayment(long orderId) {
        resumed.add(orderId);
    }

    /** README.md, "Embedding". */
    @Test
    void readmeEmbedding() {
        RejectionReason rejected = null;
        // Recovers ./data (newest snapshot, then the journal tail), then journals every command there.
        try (JournaledEngine journaled = JournaledEngine.builder(data)
                .durability(Durability.PAGE_CACHE)
                .snapshotEvery(1_000_000)                        // a snapshot every N commands of a shard
                .engine(builder -> builder.ringSize(65536))     // the engine's other settings
                .start()) {
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.ListProduct(sku, 2)).join();                 // at most 2 per customer
            engine.submit(new Command.ReceiveStock(receiptId, sku, warehouse, 100)).join();
            Outcome outcome = engine.submit(new Command.Purchase(orderId, customer, sku, warehouse, 1)).join();
            if (!outcome.accepted()) {
                RejectionReason why = outcome.reason().orElseThrow();
                rejected = why;
            }
            Outcome third = engine.submit(new Command.Purchase(orderId + 1, customer, sku, warehouse, 2)).join();
            assertEquals(Reason.LIMIT_EXCEEDED, third.reason().orElseThrow());
        }
        assertNull(rejected);
        try (JournaledEngine again = JournaledEngine.builder(data).start()) {
            assertEquals(99, again.engine().readModel().available(sku, warehouse));
        }
    }

    /** docs/reactions.md, "Replay and crashes": deriving the follow-ups a stop lost from the recovered state. */
    @Test
    void reactionsRecoveryRecipe() {
        Path dir = data;
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.ListProduct(sku, 0)).join();
            engine.submit(new Command.ReceiveStock(receiptId, sku, warehouse, 10)).join();
            engine.submit(new Command.Reserve(orderId, customer, List.of(new Line(sku, warehouse, 1)), Long.MAX_VALUE / 2))
                    .join();
        }
        Reaction payForReservation = (command, outcome) -> Reaction.none();
        try (JournaledEngine journaled = JournaledEngine.builder(dir).engine(b -> b.reaction(payForReservation)).start()) {
            for (int shard = 0; shard < journaled.layout().shards(); shard++) {
                journaled.recovered(shard).store().forEachOrder(order -> {
                    if (order.status() == OrderStatus.RESERVED) {
                        resumePayment(order.orderId());   // ask the payment service (idempotent by order id) what became
                    }                                     // of it, then confirm or release, as the reaction does
                });
            }
            assertTrue(journaled.engine().reactions().capacity() > 0);
        }
        assertEquals(List.of(orderId), resumed);
    }
}
