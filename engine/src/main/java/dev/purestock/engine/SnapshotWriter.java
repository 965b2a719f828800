package dev.purestock.engine;

import dev.purestock.domain.InventoryStore;

/**
 * Writes a consistent copy of a shard's state. The engine calls it on the shard's snapshot thread
 * ({@code purestock-shard-N-snapshot}) with the snapshot stage's copy of the state, so {@code store} holds
 * exactly the effects of every command up to {@code lastSequence} and does not change during the call, while
 * the decision thread goes on deciding later commands. Calls for one shard come one at a time, in sequence
 * order. A snapshot may be written before the journal has written every command it covers, or after.
 *
 * <p>The snapshot thread shares the machine with the shard's stage threads, which are woken for every command: a
 * write that runs for long without blocking should give way ({@link Thread#yield}) every few tens of microseconds
 * of work, or on a machine with few cores a stage thread woken while it runs may wait milliseconds for a core (the
 * kernel may let a running thread run on first, whatever its priority), and the answers with it. The journal's
 * snapshot store yields after each 64 KiB it writes.
 */
@FunctionalInterface
public interface SnapshotWriter {

    /**
     * Writes the snapshot.
     *
     * @param lastSequence the sequence of the last command the state includes ({@code -1}: none)
     * @param time         the time stamped on that command
     * @param store        the state after {@code lastSequence}; read it during the call, never keep or change it
     * @throws Exception when the snapshot could not be written; the engine reports it to the requester
     *                   and goes on
     */
    void write(long lastSequence, long time, InventoryStore store) throws Exception;
}
