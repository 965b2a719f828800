package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;

import java.util.ArrayList;
import java.util.List;

/**
 * A journal {@link DurabilityStage} that keeps every decided command in memory: for tests, demos and
 * checks that re-decide a run. Nothing survives the process. Entries may be read from any thread; read
 * them at a quiescent point (after the outcomes you care about) for a complete picture.
 */
public final class InMemoryJournal implements DurabilityStage {
    private final List<Entry> entries = new ArrayList<>();
    private boolean closed;

    /** One journaled command. */
    public record Entry(long sequence, long time, Command command, List<Event> events) {
        public Entry {
            events = List.copyOf(events);
        }
    }

    @Override
    public synchronized void onDecided(long sequence, long time, Command command, List<Event> events,
                                       boolean endOfBatch) {
        if (closed) {
            throw new IllegalStateException("in-memory journal is closed; command sequence " + sequence
                    + " cannot be journaled");
        }
        entries.add(new Entry(sequence, time, command, events));
    }

    /** A copy of the entries, in the order they were journaled. */
    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** How many commands were journaled. */
    public synchronized int size() {
        return entries.size();
    }

    /** Whether the engine closed this journal. */
    public synchronized boolean closed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
