package dev.purestock.journal;

/**
 * A journal that cannot be read up to its end: a record header is damaged, which Chronicle Queue takes
 * for the end of the data, or a cycle file is cut short. The message names the last readable record and
 * says whether acknowledged records are behind the damage; {@link JournalRepair} can cut the journal after
 * the last readable record.
 */
public final class JournalDamagedException extends JournalCorruptException {
    private static final long serialVersionUID = 1L;

    private final long lastReadableSequence;
    private final long highWaterMark;

    JournalDamagedException(String message, long lastReadableSequence, long highWaterMark) {
        super(message);
        this.lastReadableSequence = lastReadableSequence;
        this.highWaterMark = highWaterMark;
    }

    /** The sequence of the last record that reads correctly before the damage ({@code -1}: none). */
    public long lastReadableSequence() {
        return lastReadableSequence;
    }

    /** The journal's high-water mark: every acknowledged record is at or below it ({@code -1}: none kept). */
    public long highWaterMark() {
        return highWaterMark;
    }

    /**
     * Whether records that may have been acknowledged are behind the damage: always when the journal keeps
     * no high-water mark, since then nobody can tell.
     */
    public boolean losesAcknowledged() {
        return highWaterMark == JournalHighWaterMark.NONE || lastReadableSequence < highWaterMark;
    }
}
