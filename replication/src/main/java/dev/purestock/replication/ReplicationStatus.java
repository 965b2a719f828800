package dev.purestock.replication;

import java.util.Locale;

/**
 * Where one side of a replicated pair stands, as of the moment it was asked.
 *
 * @param role             which side this is
 * @param mode             the primary's mode; on a standby, {@code null} (it does not know the primary's)
 * @param epoch            on a primary: the epoch of its journal, which its records carry; on a standby: its epoch,
 *                         the newest of its last record's, the one its directory records and its primary's once that
 *                         primary answered it (a primary of an older epoch is refused)
 * @param connected        on a primary: a standby has said hello and the records reach it; on a standby: its primary
 *                         answers
 * @param lastSequence     on a primary: the last sequence its replication stage saw decided; on a standby: the last
 *                         sequence in its journal ({@code -1}: none)
 * @param peerSequence     on a primary: the last sequence the standby acknowledged journaling ({@code -1}: none yet);
 *                         on a standby: the primary's last decided sequence it last heard of ({@code -1}: none yet)
 * @param lagRecords       how many records the standby is behind the primary, as this side knows it
 * @param lagMicros        how long, in microseconds, the oldest record the standby does not hold yet has waited
 *                         since this side first knew of it ({@code 0} when it is caught up; see {@code LagClock}):
 *                         time measured on this side's own clock, to about one duty cycle of its replication thread
 * @param degraded         on a {@link ReplicationMode#SYNC} primary with {@link SyncFallback#DEGRADE}: whether it
 *                         answers callers without the standby's acknowledgement now; otherwise {@code false}
 * @param degradations     how many times the primary fell back from {@code SYNC} to {@code ASYNC}
 * @param duplicates       on a standby: records received that its journal already held, skipped
 * @param gaps             on a standby: times a record arrived with records missing before it, and the standby
 *                         asked the primary to send again from its last sequence
 * @param failure          what went wrong on this side ({@code null} while all is well): on a primary, why it was
 *                         fenced, or why its engine stopped ({@code SYNC} timed out with {@link SyncFallback#WAIT};
 *                         otherwise {@code "this primary's engine stopped: "} and the engine's failure, such as its
 *                         journal failing, after which it decides nothing more), or why its engine takes no more
 *                         commands ({@code "this primary's engine takes no more commands: "} and the engine's
 *                         failure, its read model's: what it took is still decided, journaled and replicated), or
 *                         else why it refused the standby's last hello, or why that hello could not be served (a
 *                         channel Aeron will not open), while it serves on the standby it served before, until a
 *                         standby's next hello is served
 * @param lastSnapshot     on a standby cutting snapshots ({@code Standby.Builder.snapshotEvery}): the sequence of
 *                         its newest snapshot, the last it cut or the one it recovered from ({@code -1}: none, or
 *                         none asked for), which bounds what a promotion replays; on a primary {@code -1}
 * @param snapshotFailure  on a standby: why it stopped cutting snapshots until it restarts ({@code null} while it
 *                         cuts them, or cuts none); on a primary {@code null}
 */
public record ReplicationStatus(ReplicationRole role, ReplicationMode mode, long epoch, boolean connected,
                                long lastSequence,
                                long peerSequence, long lagRecords, long lagMicros, boolean degraded,
                                long degradations, long duplicates, long gaps, String failure, long lastSnapshot,
                                String snapshotFailure) {

    /** The status in one line, as {@code purestock standby} prints it. */
    public String describe() {
        StringBuilder line = new StringBuilder(role.name().toLowerCase(Locale.ROOT));
        if (mode != null) {
            line.append(' ').append(mode.name().toLowerCase(Locale.ROOT));
        }
        line.append(connected ? " connected" : " disconnected")
                .append(" epoch=").append(epoch)
                .append(" last=").append(lastSequence)
                .append(role == ReplicationRole.PRIMARY ? " acked=" : " primary=").append(peerSequence)
                .append(" lag=").append(lagRecords).append(" records/").append(lagMicros).append(" us");
        if (role == ReplicationRole.PRIMARY) {
            line.append(degraded ? " DEGRADED" : "").append(" degradations=").append(degradations);
        } else {
            line.append(" duplicates=").append(duplicates).append(" gaps=").append(gaps);
            if (lastSnapshot >= 0) {
                line.append(" snapshot=").append(lastSnapshot);
            }
            if (snapshotFailure != null) {
                line.append(" SNAPSHOTS FAILED: ").append(snapshotFailure);
            }
        }
        if (failure != null) {
            line.append(" FAILED: ").append(failure);
        }
        return line.toString();
    }
}
