package dev.purestock.spring;

import dev.purestock.domain.Command;
import dev.purestock.engine.PurestockEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shard whose snapshot stage gave its copy up (its writer hung past the backlog limit) goes on answering, but
 * writes no snapshot until the engine is restarted: the {@code purestock} health stays {@code UP}, as for a degraded
 * replication, and the shard's details say its snapshots are unavailable, why, and that a restart resumes them.
 */
class SnapshotsHealthTest {

    @Test
    @Timeout(60)
    void aShardThatGaveItsSnapshotCopyUpIsShownWhileTheEngineStillAnswers() throws Exception {
        int limit = 10;
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch diskBack = new CountDownLatch(1);
        try (PurestockEngine engine = PurestockEngine.builder().snapshotBacklogLimit(limit)
                .expireReservationsEvery(Duration.ZERO)
                .snapshotWriter(shard -> (lastSequence, time, store) -> {
                    writing.countDown();
                    diskBack.await();
                })
                .build()) {
            PurestockHealthIndicator indicator = new PurestockHealthIndicator(engine);
            engine.submit(new Command.ListProduct(1, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 1, 0, 100)).join();
            assertThat(shard(indicator.health())).containsEntry("snapshots", "available")
                    .doesNotContainKey("snapshotsUnavailable");
            engine.snapshot(0);
            try {
                writing.await();
                for (long order = 1; order <= limit + 1; order++) {
                    assertThat(engine.submit(new Command.Purchase(order, 1, 1, 0, 1)).join().accepted()).isTrue();
                }

                Health health = indicator.health();

                assertThat(health.getStatus()).isEqualTo(Status.UP);
                assertThat(health.getDetails()).containsOnlyKeys("shards");
                assertThat(shard(health)).containsEntry("status", "running")
                        .containsEntry("snapshots", "unavailable").doesNotContainKey("failure");
                assertThat((String) shard(health).get("snapshotsUnavailable"))
                        .startsWith("shard 0: the snapshot copy stopped being updated when it was given up at the "
                                + "snapshot backlog limit; no snapshot is written until the shard is restarted ")
                        .contains(limit + " commands were kept aside for it (the snapshot backlog limit)")
                        .endsWith("; the shard answers meanwhile: restart the engine to resume snapshots");
            } finally {
                diskBack.countDown(); // the close waits for the write in flight
            }
        }
    }

    @Test
    void aShardWithoutASnapshotStageSaysNothingOfSnapshots() {
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            assertThat(shard(new PurestockHealthIndicator(engine).health())).doesNotContainKey("snapshots")
                    .doesNotContainKey("snapshotsUnavailable");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> shard(Health health) {
        return ((Map<String, Map<String, Object>>) health.getDetails().get("shards")).get("0");
    }
}
