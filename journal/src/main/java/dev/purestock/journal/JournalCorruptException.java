package dev.purestock.journal;

/**
 * A journal or snapshot that cannot be trusted: a checksum failure, a sequence gap, a record that does not
 * decode, a journal that cannot be read to its end ({@link JournalDamagedException}). The message names the
 * place and the command that shows it.
 */
public class JournalCorruptException extends JournalException {
    private static final long serialVersionUID = 1L;

    /** A corruption described by {@code message}. */
    public JournalCorruptException(String message) {
        super(message);
    }
}
