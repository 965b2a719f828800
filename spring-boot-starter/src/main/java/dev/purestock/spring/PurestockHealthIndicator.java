package dev.purestock.spring;

import dev.purestock.engine.EngineStoppedException;
import dev.purestock.engine.StageRole;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ShardMetrics;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The engine's health, as the {@code purestock} health contributor: {@code UP} while every shard takes commands,
 * {@code DOWN} once a shard has stopped (a journal or replication stage failed, or applying events did), with
 * the engine's message saying which shard stopped, on which command and why; {@code OUT_OF_SERVICE} once the
 * engine is closed. A stopped engine acknowledges nothing more until it is restarted from its journal (see the
 * engine's README, "Failures").
 *
 * <p>Details: {@code failure} when down, and per shard under {@code shards}: {@code status} ({@code running},
 * {@code stopped}, {@code closed}), {@code failure} when that shard stopped, {@code lastSequence} (the last
 * command the read model reflects: the last one answered, unless updating the read model failed),
 * {@code ringRemaining} (free ring slots; 0: submitters wait), {@code lag} (slots each
 * stage after the decision stage is behind it, by its role: {@code journal}, {@code replicate}, {@code apply},
 * {@code complete}) and, for a shard with a snapshot stage, {@code snapshots}: {@code available}, or
 * {@code unavailable} once its snapshot copy was given up at the backlog limit or broke
 * ({@code ShardMetrics.snapshotsUnavailable()}), with {@code snapshotsUnavailable} saying why and that a restart
 * resumes them. Such a shard still answers, so the status stays the engine's ({@code UP}), as for a degraded
 * replication below: {@code DOWN} would have a readiness probe take an instance out of service, and a liveness
 * probe restart it, for snapshots alone; alert on the detail, or on the metric.
 *
 * <p>With a replication {@code Primary} in the application (the README's customizer set-up), the starter's
 * indicator also shows where its standby stands under {@code replication}: {@code role}, {@code mode},
 * {@code epoch}, {@code connected} (a standby said hello and records reach it), {@code lastSequence},
 * {@code acknowledged} (the last sequence the standby journaled), {@code lagRecords}, {@code lagMicros},
 * {@code degraded} and {@code degradations} (a {@code SYNC} primary answering without its standby), and
 * {@code failure} once replication stopped, or while the engine has no replication stage (the primary was never
 * configured into it: it replicates nothing). A fenced primary (another was promoted since) is {@code DOWN} at
 * once: it must decide nothing more, although its engine stops only at its next batch. Otherwise the status is the
 * engine's: a standby that is away, refused or unreachable is shown, not judged, since the engine still answers
 * (at once in {@code ASYNC}, after the timeout when degraded) or, in {@code SYNC} with {@code SyncFallback.WAIT},
 * stops at the first command its standby does not acknowledge in time, which is {@code DOWN} then.
 */
public final class PurestockHealthIndicator implements HealthIndicator {
    /** The replication failure shown for a primary that the engine was not configured with. */
    static final String NOT_REPLICATING = "the engine has no replication stage, so this primary replicates nothing it "
            + "decides (a SYNC primary's callers are answered without any standby): configure the engine with it, a "
            + "PurestockEngineCustomizer bean returning primary::configure";

    private final PurestockEngine engine;
    private final ReplicationHealth replication;

    /** Reports the health of {@code engine}. */
    public PurestockHealthIndicator(PurestockEngine engine) {
        this(engine, null);
    }

    /** Reports the health of {@code engine} and, unless {@code null}, of its replication. */
    PurestockHealthIndicator(PurestockEngine engine, ReplicationHealth replication) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.replication = replication;
    }

    @Override
    public Health health() {
        Map<String, Object> shards = new LinkedHashMap<>();
        boolean closed = false;
        for (ShardMetrics shard : engine.metrics().allShards()) {
            shards.put(Integer.toString(shard.shard()), details(shard));
            closed |= shard.health() == ShardMetrics.Health.CLOSED;
        }
        Optional<EngineStoppedException> failure = engine.failure();
        String fenced = replication == null ? null : replication.fenced();
        Map<String, Object> replicated = replication == null ? null : replication.details();
        if (replicated != null && !replicates()) {
            replicated.putIfAbsent("failure", NOT_REPLICATING);
        }
        Health.Builder health;
        if (failure.isPresent()) {
            health = Health.down().withDetail("failure", failure.get().getMessage());
        } else if (closed) {
            health = Health.outOfService();
        } else if (fenced != null) {
            health = Health.down().withDetail("failure", "this primary is fenced and decides nothing more: "
                    + fenced);
        } else {
            health = Health.up();
        }
        health.withDetail("shards", shards);
        if (replicated != null) {
            health.withDetail("replication", replicated);
        }
        return health.build();
    }

    /** Whether a shard of the engine has a replication stage: a primary the engine was not configured with has none. */
    private boolean replicates() {
        for (ShardMetrics shard : engine.metrics().allShards()) {
            if (shard.stages().contains(StageRole.REPLICATE)) {
                return true;
            }
        }
        return false;
    }

    private Map<String, Object> details(ShardMetrics shard) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("status", shard.health().name().toLowerCase(Locale.ROOT));
        shard.failureMessage().ifPresent(message -> details.put("failure", message));
        details.put("lastSequence", engine.readModel().lastSequence(shard.shard()));
        details.put("ringRemaining", shard.ringRemainingCapacity());
        Map<String, Long> lag = new LinkedHashMap<>();
        for (StageRole stage : shard.stages()) {
            if (stage != StageRole.DECIDE) {
                lag.put(stage.name().toLowerCase(Locale.ROOT), shard.lag(stage));
            }
        }
        details.put("lag", lag);
        if (shard.stages().contains(StageRole.APPLY)) {
            Optional<String> unavailable = shard.snapshotsUnavailableReason();
            details.put("snapshots", unavailable.isPresent() ? "unavailable" : "available");
            unavailable.ifPresent(reason -> details.put("snapshotsUnavailable", reason
                    + "; the shard answers meanwhile: restart the engine to resume snapshots"));
        }
        return details;
    }
}
