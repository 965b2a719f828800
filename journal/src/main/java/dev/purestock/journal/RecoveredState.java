package dev.purestock.journal;

import dev.purestock.domain.InventoryStore;
import dev.purestock.engine.ShardState;

import java.util.ArrayList;
import java.util.List;

/**
 * What recovery rebuilt: the state, and where the sequence goes on.
 *
 * @param store            the state after the last journaled command
 * @param nextSequence     the sequence the next command gets ({@code 0} for an empty journal)
 * @param lastTime         the time stamped on the last journaled command ({@link Long#MIN_VALUE} for none)
 * @param snapshotSequence the last sequence of the snapshot recovery started from, {@code -1} for none
 * @param replayedRecords  journal records replayed on top of the snapshot
 * @param replayedEvents   events those records held
 * @param notes            what recovery found and did beside the state, one line each: a newest cycle file left
 *                         unread ({@link JournalReader#unreadNewestCycle}), snapshots removed or skipped and why, and
 *                         what an engine start changed in the directory
 */
public record RecoveredState(InventoryStore store, long nextSequence, long lastTime, long snapshotSequence,
                             long replayedRecords, long replayedEvents, List<String> notes) {
    public RecoveredState {
        notes = List.copyOf(notes);
    }

    /** The state the engine starts the shard from. */
    public ShardState toShardState() {
        return new ShardState(store, nextSequence, lastTime);
    }

    /** This state with {@code earlier} (what was done to the directory before recovery) ahead of its notes. */
    RecoveredState withEarlierNotes(List<String> earlier) {
        List<String> all = new ArrayList<>(earlier);
        all.addAll(notes);
        return new RecoveredState(store, nextSequence, lastTime, snapshotSequence, replayedRecords, replayedEvents,
                all);
    }

    /** Where recovery started, as a person reads it: {@code "empty"} or {@code "snapshot@<sequence>"}. */
    public String recoveredFrom() {
        return snapshotSequence < 0 ? "empty" : "snapshot@" + snapshotSequence;
    }
}
