package dev.purestock.journal;

/**
 * What a journaled engine keeps: how many snapshots stay after each new one, and whether journal cycle files
 * that the oldest kept snapshot covers are deleted when the engine starts (before its writer opens the
 * journal, so nothing writes meanwhile).
 *
 * @param keepSnapshots      snapshots kept, at least 1
 * @param pruneCyclesOnStart whether to run {@link JournalPruner} on start
 */
public record RetentionPolicy(int keepSnapshots, boolean pruneCyclesOnStart) {
    /** Keep {@link SnapshotStore#DEFAULT_KEEP} snapshots and every cycle file. */
    public static final RetentionPolicy KEEP_JOURNAL = new RetentionPolicy(SnapshotStore.DEFAULT_KEEP, false);

    public RetentionPolicy {
        if (keepSnapshots < 1) {
            throw new IllegalArgumentException("keep at least one snapshot, got " + keepSnapshots);
        }
    }
}
