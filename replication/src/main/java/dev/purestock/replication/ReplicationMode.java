package dev.purestock.replication;

/** When a primary answers its callers, with respect to its standby. */
public enum ReplicationMode {
    /**
     * Callers are answered once the local journal has the command, as without replication; the standby may
     * trail, so a primary crash can lose acknowledged commands the standby had not yet received.
     */
    ASYNC,
    /**
     * Callers are answered once the local journal has the command and the standby has acknowledged writing it to
     * its own journal: a primary crash loses nothing acknowledged. What happens while the standby is slow or gone
     * is the {@link SyncFallback}.
     */
    SYNC
}
