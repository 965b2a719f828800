package dev.purestock.engine;

import dev.purestock.domain.InventoryStore;

import java.util.Objects;

/**
 * Where a shard starts: its state, the sequence its next command gets and the time of its last command.
 * A fresh shard starts from an empty store at sequence {@code 0}; recovery passes the recovered store and
 * the sequence after the last one it replayed, so sequences continue without a gap and time never goes
 * backwards.
 *
 * @param store        the shard's state; the engine's decision thread owns it from start on
 * @param nextSequence the sequence the shard's first command gets, {@code >= 0}
 * @param lastTime     the time stamped on the last command before {@code nextSequence} (epoch
 *                     milliseconds; {@link Long#MIN_VALUE} when there was none)
 */
public record ShardState(InventoryStore store, long nextSequence, long lastTime) {
    public ShardState {
        Objects.requireNonNull(store, "store");
        if (nextSequence < 0) {
            throw new IllegalArgumentException("next sequence must be >= 0, was " + nextSequence);
        }
    }

    /** An empty {@link PrimitiveInventoryStore} at sequence {@code 0}. */
    public static ShardState empty() {
        return empty(StoreCapacity.DEFAULT);
    }

    /** A shard with no history yet, its store sized ahead for {@code capacity}. */
    public static ShardState empty(StoreCapacity capacity) {
        return new ShardState(new PrimitiveInventoryStore(capacity), 0, Long.MIN_VALUE);
    }
}
