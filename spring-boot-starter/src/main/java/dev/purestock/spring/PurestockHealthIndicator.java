package dev.purestock.spring;

import dev.purestock.engine.EngineStoppedException;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ReadModel;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The engine's health, as the {@code purestock} health contributor: {@code UP} while every shard takes commands,
 * {@code DOWN} once a shard has stopped (a journal or replication stage failed, or applying events did), with
 * the engine's message saying which shard stopped, on which command and why. A stopped engine acknowledges
 * nothing more until it is restarted from its journal (see the engine's README, "Failures").
 *
 * <p>Details: {@code shards} (per shard, the sequence of the last command it answered), {@code consumerFailures}
 * (consumers and callbacks that threw and were isolated) and, when down, {@code failure}.
 */
public final class PurestockHealthIndicator implements HealthIndicator {
    private final PurestockEngine engine;

    /** Reports the health of {@code engine}. */
    public PurestockHealthIndicator(PurestockEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    @Override
    public Health health() {
        Optional<EngineStoppedException> failure = engine.failure();
        Health.Builder health = failure.map(stopped -> Health.down().withDetail("failure", stopped.getMessage()))
                .orElseGet(Health::up);
        ReadModel readModel = engine.readModel();
        Map<String, Object> shards = new LinkedHashMap<>();
        for (int shard = 0; shard < engine.shards(); shard++) {
            shards.put(Integer.toString(shard), Map.of("lastSequence", readModel.lastSequence(shard)));
        }
        return health.withDetail("shards", shards)
                .withDetail("consumerFailures", engine.consumerFailures())
                .build();
    }
}
