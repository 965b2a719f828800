package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;

import java.nio.file.Path;
import java.util.List;

/**
 * A single-threaded stand-in for an engine shard in tests: decides, evolves and journals each command
 * through the {@link dev.purestock.engine.DurabilityStage} interface, as the decision and journal stages
 * do, and can cut snapshots between commands.
 */
final class ShardHarness implements AutoCloseable {
    final InventoryStore store;
    final JournalWriter writer;
    final SnapshotStore snapshots;
    long nextSequence;
    long time;

    ShardHarness(Path dir, Durability durability) {
        this(dir, durability, JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE));
    }

    ShardHarness(Path dir, Durability durability, RecoveredState recovered) {
        this(dir, durability, recovered, JournalWriter.DEFAULT_DOCUMENT_BYTES);
    }

    /** A shard whose journal writes documents of at most {@code documentBytes}. */
    ShardHarness(Path dir, Durability durability, RecoveredState recovered, int documentBytes) {
        this.store = recovered.store();
        this.nextSequence = recovered.nextSequence();
        this.time = Math.max(recovered.lastTime(), 1_700_000_000_000L);
        this.writer = JournalWriter.open(dir, durability).documentBytes(documentBytes);
        this.snapshots = new SnapshotStore(dir);
    }

    /** Decides, applies and journals {@code command} as an engine batch of its own. */
    List<Event> submit(Command command) throws Exception {
        return submit(command, true);
    }

    /** Decides, applies and journals {@code command}, ending the engine's batch with it when {@code endOfBatch}. */
    List<Event> submit(Command command, boolean endOfBatch) throws Exception {
        time += 1;
        List<Event> events = Inventory.decide(command, time, store);
        Inventory.evolveAll(store, time, events);
        writer.onDecided(nextSequence++, time, command, events, endOfBatch);
        return events;
    }

    void snapshot() throws Exception {
        snapshots.write(nextSequence - 1, time, store);
    }

    long digest() {
        return StateDigest.of(store);
    }

    @Override
    public void close() {
        writer.close();
    }
}
