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
 * @param epoch         the epoch (term) of the primary that wrote it, see {@link JournalEpoch}; {@code 0} for a
 *                      record of a version before {@link JournalRecordDescriptor#VERSION_WITH_EPOCH}
 */
public record JournalRecord(long sequence, long time, Command command, List<Event> events, int schemaVersion,
                            long epoch) {
    /** Copies {@code events}. */
    public JournalRecord {
        events = List.copyOf(events);
    }

    /** A record of epoch {@link JournalRecordDescriptor#EPOCH_BEFORE_EPOCHS}, as every record was before epochs. */
    public JournalRecord(long sequence, long time, Command command, List<Event> events, int schemaVersion) {
        this(sequence, time, command, events, schemaVersion, JournalRecordDescriptor.EPOCH_BEFORE_EPOCHS);
    }
}
