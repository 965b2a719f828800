package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Product;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The snapshot stage's copy of the state failing as events are applied to it, an {@link Error} included: that
 * shard's later snapshots fail naming the cause, and the stage goes on, so the shard does not stop (a handler that
 * throws stops its shard). The stage is driven slot by slot here, on a thread of its own, as its stage thread would.
 */
class SnapshotCopyFailureTest {

    @Test
    void anOutOfMemoryErrorApplyingEventsToTheCopyFailsLaterSnapshotsAndTheShardGoesOn() {
        OutOfMemoryError heapFull = new OutOfMemoryError("Java heap space");
        InventoryStore copy = new DelegatingStore() {
            @Override
            public void putProduct(Product product) {
                if (product.sku() == 2) {
                    throw heapFull; // the copy grows for the new product, and the heap has no room left
                }
                super.putProduct(product);
            }
        };
        List<Long> written = new CopyOnWriteArrayList<>();
        ShardHealth health = new ShardHealth(0, new Intake());
        ShardCounters counters = new ShardCounters(8);
        SnapshotHandler stage = new SnapshotHandler(0, health, ShardState.empty(), copy,
                (lastSequence, time, store) -> written.add(lastSequence), 0, new StageThreads(null),
                counters.snapshots, SnapshotHandler.BACKLOG_LIMIT);
        SnapshotRequest before = durable(new SnapshotRequest());
        SnapshotRequest after = durable(new SnapshotRequest());

        CompletableFuture<Void> ran = CompletableFuture.runAsync(() -> {
            stage.onStart();
            try {
                stage.onEvent(listed(0, 1), 0, true);
                stage.onEvent(snapshotAfter(before, 0), 1, true);
                stage.onEvent(listed(1, 2), 2, true); // runs out of memory in the copy
                stage.onEvent(listed(2, 3), 3, true);
                stage.onEvent(snapshotAfter(after, 2), 4, true);
            } finally {
                stage.onShutdown();
            }
        }, task -> new Thread(task, "snapshot-stage").start());

        ran.join(); // the stage threw nothing, so its shard would not have stopped
        assertEquals(0L, before.result().join(), "the snapshot before the failure was written");
        Throwable failed = failureOf(after.result());
        assertInstanceOf(IllegalStateException.class, failed, "a snapshot after it fails");
        assertEquals("shard 0: the snapshot copy stopped being updated when applying events failed; no snapshot is "
                + "written until the shard is restarted", failed.getMessage());
        assertSame(heapFull, failed.getCause(), "naming the cause");
        assertEquals(List.of(0L), written, "the writer was not handed the broken copy");
        assertEquals(1, counters.snapshots.failed.get());
        assertEquals("when applying events failed", counters.snapshots.unavailableWhen(),
                "the shard's metrics say its snapshots are unavailable until a restart");
        assertSame(heapFull, counters.snapshots.unavailableCause());
        assertNull(health.failure(), "the shard goes on");
    }

    /** {@code request} as the completion stage leaves it once every command before it is durable. */
    private static SnapshotRequest durable(SnapshotRequest request) {
        request.complete(-1L);
        return request;
    }

    private static CommandSlot listed(long sequence, long sku) {
        CommandSlot slot = new CommandSlot();
        slot.request.command(new Command.ListProduct(sku, 0), null, null);
        slot.decision.sequenced = true;
        slot.decision.sequence = sequence;
        slot.decision.time = 1_000 + sequence;
        slot.decision.events.productListed(sku, 0, true);
        return slot;
    }

    private static CommandSlot snapshotAfter(SnapshotRequest request, long sequence) {
        CommandSlot slot = new CommandSlot();
        slot.request.control(CommandSlot.Kind.SNAPSHOT, request);
        slot.decision.controlResult = sequence;
        return slot;
    }
}
