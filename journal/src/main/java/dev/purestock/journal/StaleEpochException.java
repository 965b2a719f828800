package dev.purestock.journal;

/**
 * A record, or a primary, of an older epoch than the journal's: refused, so that a primary thought dead that comes
 * back cannot fork the history (see {@link JournalEpoch}).
 */
public final class StaleEpochException extends JournalException {
    private static final long serialVersionUID = 1L;

    private final long staleEpoch;
    private final long currentEpoch;

    /**
     * A refusal described by {@code message}.
     *
     * @param staleEpoch   the epoch refused
     * @param currentEpoch the epoch of the journal that refused it
     */
    public StaleEpochException(String message, long staleEpoch, long currentEpoch) {
        super(message);
        this.staleEpoch = staleEpoch;
        this.currentEpoch = currentEpoch;
    }

    /** The epoch refused. */
    public long staleEpoch() {
        return staleEpoch;
    }

    /** The epoch of the journal that refused it, newer than {@link #staleEpoch()}. */
    public long currentEpoch() {
        return currentEpoch;
    }
}
