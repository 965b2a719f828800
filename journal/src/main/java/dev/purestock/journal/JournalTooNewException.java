package dev.purestock.journal;

/**
 * A journal record or document written by a newer purestock than this one reads: its schema version or document
 * format is higher than this code knows. Nothing is damaged, so nothing should be cut: upgrade purestock to read
 * it. {@link JournalRepair} reports such a journal as written by a newer version and {@code purestock repair}
 * refuses to cut it.
 */
public final class JournalTooNewException extends JournalCorruptException {
    private static final long serialVersionUID = 1L;

    JournalTooNewException(String message) {
        super(message);
    }
}
