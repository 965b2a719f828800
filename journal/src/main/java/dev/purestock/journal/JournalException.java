package dev.purestock.journal;

/** A journal operation failed; the message says what, where, and what to do. */
public class JournalException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}. */
    public JournalException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause}. */
    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}
