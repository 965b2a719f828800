package dev.purestock.replication;

/** What a {@link ReplicationMode#SYNC} primary does when its standby does not acknowledge within the timeout. */
public enum SyncFallback {
    /**
     * Keep waiting, up to the timeout: while the replication stage waits, the ring fills and submitters feel it
     * ({@code trySubmit} refuses, {@code submit} waits). When the timeout passes, the engine stops: the callers
     * waiting then, and every later one, fail with a {@link ReplicationException}, and nothing the standby did not
     * acknowledge is acknowledged to a caller. The commands are in the local journal (a restart finds them) but
     * were never answered as done.
     */
    WAIT,
    /**
     * After the timeout, fall back to {@link ReplicationMode#ASYNC} and say so loudly: a warning in the log, a count
     * in {@link ReplicationStatus#degradations()}, {@link ReplicationStatus#degraded()} true. Callers are answered
     * after the local journal alone until the standby has caught up: it acknowledges, within half the timeout, the
     * last sequence the primary had when it last checked. Then the primary goes back to {@code SYNC} and logs it.
     */
    DEGRADE
}
