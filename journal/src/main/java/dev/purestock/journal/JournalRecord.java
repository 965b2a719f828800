package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;

import java.util.List;

/**
 * One decoded journal record: a sequenced command and what the domain decided for it.
 *
 * @param sequence      the command's sequence in its shard
 * @param time          the time the engine stamped on it (epoch milliseconds)
 * @param command       the command
 * @param events        the events decided for it
 * @param schemaVersion the schema version the record was written in
 */
public record JournalRecord(long sequence, long time, Command command, List<Event> events, int schemaVersion) {
    public JournalRecord {
        events = List.copyOf(events);
    }
}
