package dev.purestock.spring;

import dev.purestock.replication.ReplicationStatus;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A replication {@code Primary}'s status as the health shows it: where its standby stands, why replication stopped
 * ({@link ReplicationStatus#failure()}: a standby refused or unreachable, a {@code SYNC} wait with
 * {@code SyncFallback.WAIT} that ran out, a fencing), and whether the primary is fenced (another primary was
 * promoted since: it must decide nothing more).
 */
final class PrimaryHealth implements ReplicationHealth {
    private final Supplier<ReplicationStatus> status;
    private final Supplier<String> fenced;

    /** Reads {@code status} (a primary's {@code status()}) and {@code fenced} (its {@code fenced()}) on each check. */
    PrimaryHealth(Supplier<ReplicationStatus> status, Supplier<String> fenced) {
        this.status = Objects.requireNonNull(status, "status");
        this.fenced = Objects.requireNonNull(fenced, "fenced");
    }

    @Override
    public String fenced() {
        return fenced.get();
    }

    @Override
    public Map<String, Object> details() {
        ReplicationStatus now = status.get();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("role", now.role().name().toLowerCase(Locale.ROOT));
        details.put("mode", now.mode().name().toLowerCase(Locale.ROOT));
        details.put("epoch", now.epoch());
        details.put("connected", now.connected());
        details.put("lastSequence", now.lastSequence());
        details.put("acknowledged", now.peerSequence());
        details.put("lagRecords", now.lagRecords());
        details.put("lagMicros", now.lagMicros());
        details.put("degraded", now.degraded());
        details.put("degradations", now.degradations());
        if (now.failure() != null) {
            details.put("failure", now.failure());
        }
        return details;
    }
}
