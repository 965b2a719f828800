package dev.purestock.engine;

import dev.purestock.domain.InventoryStore;

/**
 * Writes a consistent copy of a shard's state. The engine calls it from the decision thread between two
 * commands, so {@code store} holds exactly the effects of every command up to {@code lastSequence} and
 * does not change during the call; the ring waits meanwhile.
 */
@FunctionalInterface
public interface SnapshotWriter {

    /**
     * Writes the snapshot.
     *
     * @param lastSequence the sequence of the last command the state includes ({@code -1}: none)
     * @param time         the time stamped on that command
     * @param store        the shard's state; read it, never keep or change it
     * @throws Exception when the snapshot could not be written; the engine reports it to the requester
     *                   and goes on
     */
    void write(long lastSequence, long time, InventoryStore store) throws Exception;
}
