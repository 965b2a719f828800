package dev.purestock.micrometer;

import dev.purestock.domain.Command;
import dev.purestock.domain.Line;
import dev.purestock.domain.Limits;
import dev.purestock.engine.InMemoryJournal;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.OutcomeView;
import dev.purestock.engine.OutcomeViewCallback;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.Reaction;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The binder on a real {@link SimpleMeterRegistry}, over a real engine that decided, journaled and answered. */
class PurestockMetricsTest {

    @Test
    void theMetersShowExactlyWhatTheEngineDecided() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InMemoryJournal[] journals = {new InMemoryJournal(), new InMemoryJournal()};
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).journal(shard -> journals[shard])
                .snapshotWriter(shard -> (lastSequence, time, store) -> { })
                .expireReservationsEvery(Duration.ZERO).build()) {
            new PurestockMetrics(engine, Tags.of("engine", "orders")).bindTo(registry);

            engine.submit(new Command.ListProduct(1, 0)).join();                 // both shards
            engine.submit(new Command.ReceiveStock(1, 1, 0, 2)).join();          // shard 0
            for (long order = 1; order <= 5; order++) {
                engine.submit(new Command.Purchase(order, order, 1, 0, 1)).join(); // 2 accepted, 3 OUT_OF_STOCK
            }
            engine.submit(new Command.Purchase(6, 1, 1, 1, 1)).join();           // shard 1: UNKNOWN_WAREHOUSE
            List<Line> tooMany = new ArrayList<>();
            for (int line = 0; line <= Limits.MAX_LINES; line++) {
                tooMany.add(new Line(line + 1, 0, 1));
            }
            assertEquals(Outcome.NOT_SEQUENCED, engine.submit(new Command.PlaceOrder(7, 1, tooMany)).join().sequence());
            engine.submit(new Command.ReceiveStock(2, 1, 0, 1), new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    throw new IllegalStateException("a caller's bug");
                }

                @Override
                public void onFailure(Throwable cause) {
                }
            });
            engine.snapshot(0).join();                                            // after the callback's command

            assertEquals(8, count(registry, "purestock.commands.sequenced", "shard", "0"));
            assertEquals(5, count(registry, "purestock.commands.accepted", "shard", "0"));
            assertEquals(3, count(registry, "purestock.commands.rejected", "shard", "0", "reason", "out_of_stock"));
            assertEquals(0, count(registry, "purestock.commands.rejected", "shard", "0", "reason", "unknown_sku"));
            assertEquals(2, count(registry, "purestock.commands.sequenced", "shard", "1"));
            assertEquals(1, count(registry, "purestock.commands.rejected", "shard", "1",
                    "reason", "unknown_warehouse"));
            assertEquals(1, registry.get("purestock.commands.refused").tags("engine", "orders", "reason",
                    "too_many_lines").functionCounter().count());
            assertEquals(1, count(registry, "purestock.callbacks.failed", "shard", "0"));
            assertEquals(1, count(registry, "purestock.snapshots.written", "shard", "0"));
            assertEquals(0, count(registry, "purestock.snapshots.failed", "shard", "0"));
            assertEquals(0, count(registry, "purestock.snapshots.skipped", "shard", "0"));
            assertEquals(1024, registry.get("purestock.ring.size").tags("shard", "0").gauge().value());
            assertEquals(1, registry.get("purestock.shard.running").tags("shard", "1").gauge().value());
            assertEquals(1, registry.get("purestock.snapshot.duration").tags("shard", "0").functionTimer().count());

            FunctionTimer append = registry.get("purestock.durability.append").tags("shard", "0", "stage", "journal")
                    .functionTimer();
            FunctionTimer sync = registry.get("purestock.durability.sync").tags("shard", "0", "stage", "journal")
                    .functionTimer();
            assertEquals(8, append.count() + sync.count(), "each journaled command timed once");
            assertTrue(sync.totalTime(TimeUnit.NANOSECONDS) > 0);
            double p99 = registry.get("purestock.durability.sync.percentile")
                    .tags("shard", "0", "stage", "journal", "quantile", "0.99").timeGauge().value(TimeUnit.NANOSECONDS);
            double max = registry.get("purestock.durability.sync.max").tags("shard", "0", "stage", "journal")
                    .timeGauge().value(TimeUnit.NANOSECONDS);
            assertTrue(p99 > 0 && p99 <= max, p99 + " <= " + max);
            assertTrue(registry.get("purestock.decision.batches").tags("shard", "0").functionCounter().count() >= 1);
            assertNull(registry.find("purestock.stage.lag").tags("stage", "replicate").gauge(),
                    "no replication is wired, so no lag of it is published");
            assertTrue(registry.find("purestock.stage.lag").tags("shard", "0", "stage", "journal").gauge() != null);
        }
        assertEquals(0, registry.get("purestock.shard.running").tags("shard", "0").gauge().value(), "closed");
        for (String stage : List.of("decide", "journal", "apply", "complete")) {
            assertEquals(0, registry.get("purestock.stage.lag").tags("shard", "0", "stage", stage).gauge().value(),
                    "a closed engine has passed every slot through " + stage);
        }
    }

    @Test
    void anEnginesReactionsAreCountedAndAnEngineRefusalHasItsOwnReason() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO)
                .reaction((command, outcome) -> command instanceof Command.Purchase purchase && !outcome.accepted()
                        ? Reaction.followUps(new Command.ListProduct(purchase.sku(), 0)) : Reaction.none())
                .build()) {
            new PurestockMetrics(engine).bindTo(registry);
            engine.submit(new Command.Purchase(1, 1, 5, 0, 1)).join();           // UNKNOWN_SKU: its reaction lists 5
            engine.submit(new Command.PlaceOrder(2, 1, List.of(new Line(5, 0, 1), new Line(5, 1, 1)))).join();
            assertTrue(engine.reactions().awaitIdle(Duration.ofMinutes(1)));

            assertEquals(1, registry.get("purestock.reactions.followups.submitted").functionCounter().count());
            assertEquals(0, registry.get("purestock.reactions.failures").functionCounter().count());
            assertEquals(0, registry.get("purestock.reactions.queued").gauge().value());
            assertEquals(1, registry.get("purestock.commands.refused").tags("reason", "cross_shard")
                    .functionCounter().count(), "warehouses 0 and 1 are on two shards");
            assertEquals(0, registry.get("purestock.commands.rejected").tags("shard", "0", "reason", "internal_error")
                    .functionCounter().count());
        }
    }

    /**
     * A snapshot writer that hangs past the backlog limit makes the shard give its snapshot copy up: its snapshots fail
     * until a restart while it goes on answering, and the gauge says so at once, before any snapshot failed.
     */
    @Test
    void theUnavailableGaugeTurnsToOneOnceAShardGivesItsSnapshotCopyUp() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
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
            new PurestockMetrics(engine).bindTo(registry);
            engine.submit(new Command.ListProduct(1, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 1, 0, 100)).join();
            assertEquals(0, unavailable(registry), "snapshots are available");
            engine.snapshot(0);
            try {
                writing.await();
                for (long order = 1; order <= limit; order++) {
                    assertTrue(engine.submit(new Command.Purchase(order, 1, 1, 0, 1)).join().accepted());
                }
                assertEquals(0, unavailable(registry), "up to the limit the copy is kept");

                assertTrue(engine.submit(new Command.Purchase(limit + 1, 1, 1, 0, 1)).join().accepted());
                assertEquals(1, unavailable(registry), "the command past the limit gave the copy up");
                assertEquals(0, registry.get("purestock.snapshots.failed").tags("shard", "0").functionCounter()
                        .count(), "before any snapshot failed");
                assertEquals(1, registry.get("purestock.shard.running").tags("shard", "0").gauge().value());
            } finally {
                diskBack.countDown(); // the close waits for the write in flight
            }
        }
        try (PurestockEngine withoutSnapshots = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .build();
             PurestockMetrics metrics = new PurestockMetrics(withoutSnapshots, Tags.of("engine", "plain"))) {
            SimpleMeterRegistry plain = new SimpleMeterRegistry();
            metrics.bindTo(plain);
            assertNull(plain.find("purestock.snapshots.unavailable").gauge(), "no snapshot stage, no gauge");
        }
    }

    private static double unavailable(SimpleMeterRegistry registry) {
        return registry.get("purestock.snapshots.unavailable").tags("shard", "0").gauge().value();
    }

    @Test
    void closingTheBinderRemovesItsMetersSoAnEngineStartedAgainPublishesItsOwn() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PurestockEngine first = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build();
        PurestockMetrics firstMetrics = new PurestockMetrics(first);
        firstMetrics.bindTo(registry);
        first.submit(new Command.ListProduct(1, 0)).join();
        first.submit(new Command.ReceiveStock(1, 1, 0, 5)).join();
        first.close();
        firstMetrics.close();
        assertTrue(registry.find("purestock.commands.sequenced").meters().isEmpty(), "removed with the binder");
        assertTrue(registry.getMeters().isEmpty(), "no meter of the closed engine is left: " + registry.getMeters());

        try (PurestockEngine second = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build();
             PurestockMetrics secondMetrics = new PurestockMetrics(second)) {
            secondMetrics.bindTo(registry);
            second.submit(new Command.ListProduct(1, 0)).join();

            assertEquals(1, registry.get("purestock.shard.running").tags("shard", "0").gauge().value(),
                    "the running engine's state, not the closed one's");
            assertEquals(1, registry.get("purestock.commands.sequenced").tags("shard", "0").functionCounter().count());
        }
    }

    @Test
    void bindingTwiceToTheSameRegistryBindsOnceAndCloseRemovesEachMeterOnce() {
        Map<Meter.Id, Integer> removeCalls = new HashMap<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry() {
            @Override
            public Meter remove(Meter meter) {
                removeCalls.merge(meter.getId(), 1, Integer::sum);
                return super.remove(meter);
            }
        };
        Map<Meter.Id, Integer> removed = new HashMap<>();
        registry.config().onMeterRemoved(meter -> removed.merge(meter.getId(), 1, Integer::sum));
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            PurestockMetrics metrics = new PurestockMetrics(engine);
            metrics.bindTo(registry);
            List<Meter.Id> registered = registry.getMeters().stream().map(Meter::getId).toList();
            metrics.bindTo(registry);                  // by accident: auto-configuration and the service's own call
            assertEquals(registered.size(), registry.getMeters().size(), "no meter registered twice");

            metrics.close();

            assertTrue(registry.getMeters().isEmpty(), "all removed: " + registry.getMeters());
            Map<Meter.Id, Integer> once = new HashMap<>();
            registered.forEach(id -> once.put(id, 1));
            assertEquals(once, removed, "each meter removed once");
            assertEquals(once, removeCalls, "each meter's removal asked for once");
        }
    }

    private static double count(SimpleMeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags("engine", "orders").tags(tags).functionCounter().count();
    }
}
