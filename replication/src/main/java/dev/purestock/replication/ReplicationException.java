package dev.purestock.replication;

import java.io.Serial;

/**
 * Replication failed: a {@link SyncFallback#WAIT} primary's standby did not acknowledge in time, a standby was
 * refused by its primary, or the transport could not start.
 */
public final class ReplicationException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}. */
    public ReplicationException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause}. */
    public ReplicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
