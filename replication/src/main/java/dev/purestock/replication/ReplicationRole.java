package dev.purestock.replication;

/** Which side of a replicated pair a process is. */
public enum ReplicationRole {
    /** Decides commands and publishes their journal records. */
    PRIMARY,
    /** Receives the primary's records, journals and applies them, and never decides. */
    STANDBY
}
