package dev.purestock.spring;

import dev.purestock.replication.ReplicationStatus;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A replication {@code Primary}'s status as the health shows it: where its standby stands, and why replication
 * stopped ({@link ReplicationStatus#failure()}: fenced by a standby of a newer epoch, a {@code SYNC} wait with
 * {@code SyncFallback.WAIT} that ran out, a standby refused or unreachable).
 */
final class PrimaryHealth implements ReplicationHealth {
    private final Supplier<ReplicationStatus> status;

    /** Reads {@code status} (a primary's {@code status()}) on each health check. */
    PrimaryHealth(Supplier<ReplicationStatus> status) {
        this.status = Objects.requireNonNull(status, "status");
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
