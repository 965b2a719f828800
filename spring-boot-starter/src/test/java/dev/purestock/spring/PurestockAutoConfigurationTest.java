package dev.purestock.spring;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.OrderStatus;
import dev.purestock.engine.DurabilityStage;
import dev.purestock.engine.EngineClosedException;
import dev.purestock.engine.EngineStoppedException;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ReadModel;
import dev.purestock.engine.StoreCapacity;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.ReplayProgress;
import dev.purestock.journal.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PurestockAutoConfigurationTest {
    private static final long SKU = 7;
    private static final int WAREHOUSE = 0;

    @TempDir
    Path journal;

    /**
     * The starter on the test's journal, with the expiry timer off: its ticks are commands too, and the tests count
     * sequences.
     */
    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class, PurestockHealthAutoConfiguration.class))
                .withPropertyValues("purestock.journal.directory=" + journal, "purestock.expire-reservations-every=0");
    }

    /** Lists the product, receives {@code units} and buys one with order {@code orderId}; returns the purchase. */
    private static Outcome stockAndBuy(PurestockEngine engine, long units, long orderId) {
        assertThat(engine.submit(new Command.ListProduct(SKU, 0)).join().accepted()).isTrue();
        assertThat(engine.submit(new Command.ReceiveStock(100, SKU, WAREHOUSE, units)).join().accepted()).isTrue();
        return engine.submit(new Command.Purchase(orderId, 1, SKU, WAREHOUSE, 1)).join();
    }

    @Test
    void startsAJournaledEngineFromPropertiesWhosePurchasesTheReadModelBeanShows() {
        runner().run(context -> {
            assertThat(context).hasSingleBean(JournaledEngine.class).hasSingleBean(PurestockEngine.class)
                    .hasSingleBean(ReadModel.class).hasSingleBean(PurestockHealthIndicator.class);
            PurestockEngine engine = context.getBean(PurestockEngine.class);
            assertThat(engine).isSameAs(context.getBean(JournaledEngine.class).engine());

            Outcome purchase = stockAndBuy(engine, 10, 1);

            assertThat(purchase.accepted()).isTrue();
            ReadModel readModel = context.getBean(ReadModel.class);
            assertThat(readModel.available(SKU, WAREHOUSE)).isEqualTo(9);
            assertThat(readModel.orderStatus(1)).isEqualTo(OrderStatus.PURCHASED);
        });
    }

    @Test
    void aRestartedContextRecoversTheStateFromTheJournal() {
        runner().run(context -> assertThat(stockAndBuy(context.getBean(PurestockEngine.class), 10, 1).accepted())
                .isTrue());

        runner().run(context -> {
            assertThat(context.getBean(JournaledEngine.class).recovered().nextSequence()).isEqualTo(3);
            ReadModel readModel = context.getBean(ReadModel.class);
            assertThat(readModel.available(SKU, WAREHOUSE)).isEqualTo(9);
            assertThat(readModel.orderStatus(1)).isEqualTo(OrderStatus.PURCHASED);
            Outcome again = context.getBean(PurestockEngine.class)
                    .submit(new Command.Purchase(1, 1, SKU, WAREHOUSE, 1)).join();
            assertThat(again.events()).singleElement().isInstanceOf(Event.AlreadyApplied.class);
            assertThat(readModel.available(SKU, WAREHOUSE)).isEqualTo(9);
        });
    }

    @Test
    void aShardedEngineRecoversEveryShardOnRestartAndKeepsItsShardCount() {
        runner().withPropertyValues("purestock.shards=2").run(context -> {
            PurestockEngine engine = context.getBean(PurestockEngine.class);
            assertThat(engine.shards()).isEqualTo(2);
            assertThat(engine.submit(new Command.ListProduct(SKU, 0)).join().accepted()).isTrue();
            for (int warehouse = 0; warehouse < 2; warehouse++) {
                assertThat(engine.submit(new Command.ReceiveStock(100 + warehouse, SKU, warehouse, 10)).join()
                        .accepted()).isTrue();
                assertThat(engine.submit(new Command.Purchase(1 + warehouse, 1, SKU, warehouse, 1 + warehouse))
                        .join().accepted()).isTrue();
            }
        });
        assertThat(journal.resolve("purestock-shards.properties")).content().contains("shards=2");

        runner().withPropertyValues("purestock.shards=2").run(context -> {
            JournaledEngine restarted = context.getBean(JournaledEngine.class);
            assertThat(restarted.layout().shards()).isEqualTo(2);
            assertThat(restarted.recovered(0).store().available(SKU, 0)).isEqualTo(9);
            assertThat(restarted.recovered(1).store().available(SKU, 1)).isEqualTo(8);
            ReadModel readModel = context.getBean(ReadModel.class);
            assertThat(readModel.available(SKU, 0)).isEqualTo(9);
            assertThat(readModel.available(SKU, 1)).isEqualTo(8);
            assertThat(readModel.orderStatus(2)).isEqualTo(OrderStatus.PURCHASED);
        });

        runner().run(context -> assertThat(context.getStartupFailure()).rootCause()
                .hasMessageContaining("holds 2 shards").hasMessageContaining("built with 1 shard"));
    }

    @Test
    void theSnapshotPeriodPropertyReachesTheEngine() {
        runner().withPropertyValues("purestock.snapshots.every=3")
                .run(context -> assertThat(stockAndBuy(context.getBean(PurestockEngine.class), 10, 1).accepted())
                        .isTrue());

        runner().run(context -> {
            JournaledEngine restarted = context.getBean(JournaledEngine.class);
            assertThat(restarted.recovered().recoveredFrom()).isEqualTo("snapshot@2");
            assertThat(restarted.recovered().replayedRecords()).isZero();
        });
    }

    @Test
    void propertiesBindWithTheEnginesDefaults() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class, PurestockHealthAutoConfiguration.class))
                .withPropertyValues("purestock.journal.directory=" + journal).run(context -> {
            PurestockProperties properties = context.getBean(PurestockProperties.class);
            assertThat(properties.getJournal().getDirectory()).isEqualTo(journal);
            assertThat(properties.getJournal().getDurability()).isEqualTo(Durability.PAGE_CACHE);
            assertThat(properties.getShards()).isEqualTo(1);
            assertThat(properties.getRingSize()).isEqualTo(1024);
            assertThat(properties.getWaitStrategy()).isEqualTo(WaitStrategyKind.BLOCKING);
            assertThat(properties.getExpireReservationsEvery())
                    .isEqualTo(PurestockEngine.Builder.DEFAULT_EXPIRE_RESERVATIONS_EVERY);
            assertThat(properties.getRetainOrdersFor()).isEqualTo(PurestockEngine.Builder.DEFAULT_RETAIN_ORDERS_FOR);
            assertThat(properties.getSnapshots().getEvery()).isZero();
            assertThat(properties.getSnapshots().getKeep()).isEqualTo(SnapshotStore.DEFAULT_KEEP);
            assertThat(properties.getJournal().isPruneCyclesOnStart()).isFalse();
            StoreCapacity capacity = StoreCapacity.DEFAULT;
            assertThat(properties.getStoreCapacity().getPositions()).isEqualTo(capacity.positions());
            assertThat(properties.getStoreCapacity().getOrders()).isEqualTo(capacity.orders());
            assertThat(properties.getStoreCapacity().getCustomerCounts()).isEqualTo(capacity.customerCounts());
            assertThat(properties.getStoreCapacity().getOrderLines()).as("one line per order").isNull();
        });
    }

    @Test
    void relaxedNamesAndValuesBind() {
        MapConfigurationPropertySource source = new MapConfigurationPropertySource(Map.of(
                "purestock.ring-size", "4096", "purestock.wait-strategy", "busy-spin",
                "purestock.journal.durability", "sync-per-batch", "purestock.retain-orders-for", "2h",
                "purestock.expire-reservations-every", "0", "purestock.store-capacity.orders", "100000",
                "purestock.store-capacity.order-lines", "300000"));

        PurestockProperties properties = new Binder(source).bind("purestock", PurestockProperties.class).get();

        assertThat(properties.getRingSize()).isEqualTo(4096);
        assertThat(properties.getWaitStrategy()).isEqualTo(WaitStrategyKind.BUSY_SPIN);
        assertThat(properties.getJournal().getDurability()).isEqualTo(Durability.SYNC_PER_BATCH);
        assertThat(properties.getRetainOrdersFor()).isEqualTo(Duration.ofHours(2));
        assertThat(properties.getExpireReservationsEvery()).isZero();
        assertThat(properties.getStoreCapacity().getOrders()).isEqualTo(100_000);
        assertThat(properties.getStoreCapacity().getOrderLines()).isEqualTo(300_000);
    }

    @Test
    void theEngineRunsWithThePropertiesSettings() {
        runner().withPropertyValues("purestock.ring-size=4096", "purestock.store-capacity.orders=100000",
                        "purestock.journal.durability=sync-per-batch")
                .run(context -> {
                    PurestockEngine engine = context.getBean(PurestockEngine.class);
                    assertThat(engine.metrics().shard(0).ringSize()).isEqualTo(4096);
                    assertThat(stockAndBuy(engine, 10, 1).accepted()).isTrue();
                });
    }

    @Test
    void aMissingJournalDirectoryStopsStartupNamingTheProperty() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class, PurestockHealthAutoConfiguration.class))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                            .hasMessageContaining("purestock.journal.directory")
                            .hasMessageContaining("purestock needs a journal directory");
                });
    }

    @Test
    void aValueTheEngineRefusesStopsStartupNamingThePropertyBeforeTheJournalIsTouched() {
        Path untouched = journal.resolve("never-created");
        runner().withPropertyValues("purestock.journal.directory=" + untouched, "purestock.ring-size=1000")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                            .hasMessageContaining("purestock.ring-size").hasMessageContaining("1000")
                            .hasMessageContaining("power of two");
                });
        runner().withPropertyValues("purestock.journal.directory=" + untouched, "purestock.store-capacity.orders=0")
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessageContaining("purestock.store-capacity").hasMessageContaining("orders"));
        runner().withPropertyValues("purestock.snapshots.every=-1")
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessageContaining("purestock.snapshots.every"));
        runner().withPropertyValues("purestock.journal.directory=" + untouched, "purestock.snapshots.backlog-limit=0")
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                        .hasMessageContaining("purestock.snapshots.backlog-limit")
                        .hasMessageContaining("snapshotBacklogLimit must be >= 1"));
        runner().withPropertyValues("purestock.journal.directory=" + untouched, "purestock.shards=0")
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessageContaining("purestock.shards"));
        assertThat(untouched).doesNotExist();
    }

    /**
     * Spring converts a relative path to a {@link Path} as a resource location first: with a directory of that name
     * on the class path (a {@code data} folder among an application's resources, copied to {@code target/classes}),
     * {@code purestock.journal.directory=data} named that copy, so the journal went into the build's output, where a
     * clean build deletes every acknowledged purchase, and a packaged application journaled elsewhere (./data) with
     * the same setting. A relative directory is the working directory's, as written.
     */
    @Test
    void aRelativeJournalDirectoryIsTheWorkingDirectorysAlsoWhenTheClassPathHoldsOneOfThatName() throws Exception {
        String relative = "target/relative-journal-" + System.nanoTime();
        Path classPathTwin = Path.of(getClass().getResource("/").toURI()).resolve(relative);
        Files.createDirectories(classPathTwin);
        Path asWritten = Path.of(relative);
        try {
            ApplicationContextRunner relatively = new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class))
                    .withPropertyValues("purestock.journal.directory=" + relative,
                            "purestock.expire-reservations-every=0");
            relatively.run(context -> {
                assertThat(context.getBean(PurestockProperties.class).getJournal().getDirectory()).isEqualTo(asWritten);
                assertThat(stockAndBuy(context.getBean(PurestockEngine.class), 10, 1).accepted()).isTrue();
            });

            assertThat(classPathTwin).as("nothing journaled on the class path").isEmptyDirectory();
            try (JournaledEngine restarted = JournaledEngine.builder(asWritten)
                    .engine(builder -> builder.expireReservationsEvery(Duration.ZERO)).start()) {
                assertThat(restarted.engine().readModel().orderStatus(1)).isEqualTo(OrderStatus.PURCHASED);
            }
        } finally {
            deleteTree(asWritten);
            deleteTree(classPathTwin);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    @Test
    void withLazyInitializationTheEngineStillStartsWithTheContext() {
        ApplicationContextRunner lazily = new ApplicationContextRunner()
                .withInitializer(context -> context.addBeanFactoryPostProcessor(
                        new LazyInitializationBeanFactoryPostProcessor()))
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class))
                .withPropertyValues("purestock.journal.directory=" + journal, "purestock.expire-reservations-every=0");
        lazily.withPropertyValues("purestock.ring-size=1000")
                .run(context -> assertThat(context.getStartupFailure()).as("a refused value stops the start, not the "
                        + "first caller").rootCause().hasMessageContaining("purestock.ring-size"));

        lazily.run(context -> {
            assertThat(context).hasNotFailed();
            assertThatThrownBy(() -> JournaledEngine.builder(journal).start())
                    .as("the engine recovered the journal and holds it from the start")
                    .hasMessageContaining("in use by another purestock process");
        });
    }

    @Test
    void turnedOffItStartsNothingAndNeedsNoDirectory() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class, PurestockHealthAutoConfiguration.class))
                .withPropertyValues("purestock.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(JournaledEngine.class)
                        .doesNotHaveBean(PurestockEngine.class).doesNotHaveBean(PurestockHealthIndicator.class));
    }

    @Test
    void customizersTuneTheEngineAfterTheProperties() {
        CompletableFuture<Command> seen = new CompletableFuture<>();
        runner().withPropertyValues("purestock.ring-size=4096")
                .withBean("seeingPurchases", PurestockEngineCustomizer.class,
                        () -> builder -> builder.ringSize(64).consumer((command, outcome) -> {
                            if (command instanceof Command.Purchase) {
                                seen.complete(command);
                            }
                        }))
                .run(context -> {
                    PurestockEngine engine = context.getBean(PurestockEngine.class);
                    assertThat(engine.metrics().shard(0).ringSize()).isEqualTo(64);
                    stockAndBuy(engine, 10, 5);
                    assertThat(seen.join()).isEqualTo(new Command.Purchase(5, 1, SKU, WAREHOUSE, 1));
                });
    }

    @Test
    void aCustomizerSettingWhatTheJournaledEngineOwnsStopsStartup() {
        runner().withBean(PurestockEngineCustomizer.class, () -> builder -> builder.shards(2))
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shards(2)"));
    }

    @Test
    void aReplayProgressBeanHearsTheRecovery() {
        runner().run(context -> stockAndBuy(context.getBean(PurestockEngine.class), 10, 1));
        CompletableFuture<Long> replayed = new CompletableFuture<>();
        runner().withBean(ReplayProgress.class, () -> (done, total) -> {
                    if (done == total) {
                        replayed.complete(done);
                    }
                })
                .run(context -> assertThat(replayed.join()).isEqualTo(3));
    }

    @Test
    void theApplicationsOwnBeansWin() {
        runner().withUserConfiguration(OwnEngine.class).run(context -> {
            assertThat(context).hasSingleBean(JournaledEngine.class);
            JournaledEngine own = context.getBean(JournaledEngine.class);
            assertThat(context.getBean(PurestockEngine.class)).isSameAs(own.engine());
            assertThat(context.getBean(ReadModel.class)).isSameAs(own.engine().readModel());
        });
    }

    @Test
    void anEngineOfTheApplicationsOwnNeedsNoJournalAndTheReadModelAndHealthFollowIt() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class, PurestockHealthAutoConfiguration.class))
                .withBean(PurestockEngine.class,
                        () -> PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build())
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(JournaledEngine.class);
                    PurestockEngine inMemory = context.getBean(PurestockEngine.class);
                    assertThat(context.getBean(ReadModel.class)).isSameAs(inMemory.readModel());
                    stockAndBuy(inMemory, 10, 1);
                    assertThat(shardDetails(context.getBean(PurestockHealthIndicator.class).health(), "0"))
                            .containsEntry("lastSequence", 2L);
                });
    }

    @Test
    void severalEnginesOfTheApplicationsOwnStartWithNoBeanThatFollowsOneEngine() {
        runner().withUserConfiguration(TwoEngines.class).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(JournaledEngine.class).doesNotHaveBean(ReadModel.class)
                    .doesNotHaveBean(PurestockHealthIndicator.class);
            assertThat(context.getBeansOfType(PurestockEngine.class)).containsOnlyKeys("orders", "returns");
        });
    }

    @Test
    void ofSeveralEnginesOfTheApplicationsOwnThePrimaryOneIsFollowed() {
        runner().withUserConfiguration(TwoEngines.class)
                .withBean("main", PurestockEngine.class, () -> PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                        .build(), definition -> definition.setPrimary(true))
                .run(context -> {
                    PurestockEngine main = context.getBean("main", PurestockEngine.class);
                    assertThat(context.getBean(ReadModel.class)).isSameAs(main.readModel());
                    stockAndBuy(main, 10, 1);
                    assertThat(shardDetails(context.getBean(PurestockHealthIndicator.class).health(), "0"))
                            .containsEntry("lastSequence", 2L);
                });
    }

    @Test
    void twoJournaledEnginesOfTheApplicationsOwnStartWithNoEngineBeanOfTheStarters() {
        runner().withUserConfiguration(OwnEngine.class, SecondOwnEngine.class).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(PurestockEngine.class).doesNotHaveBean(ReadModel.class);
            assertThat(context.getBeansOfType(JournaledEngine.class)).hasSize(2);
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> shardDetails(Health health, String shard) {
        return ((Map<String, Map<String, Object>>) health.getDetails().get("shards")).get(shard);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> stageLags(Health health) {
        return (Map<String, Long>) shardDetails(health, "0").get("lag");
    }

    @Test
    void healthIsUpWithEachShardsStatusSequenceRingAndLags() {
        runner().run(context -> {
            stockAndBuy(context.getBean(PurestockEngine.class), 10, 1);

            Health health = context.getBean(PurestockHealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsOnlyKeys("shards");
            assertThat(shardDetails(health, "0")).containsEntry("status", "running")
                    .containsEntry("lastSequence", 2L).containsKey("ringRemaining").doesNotContainKey("failure");
            assertThat(stageLags(health)).containsOnlyKeys("journal", "apply", "complete");
        });
    }

    @Test
    void healthGoesDownWithTheFailureOnceAShardHasStopped() {
        long poisoned = 13;
        runner().withBean(PurestockEngineCustomizer.class,
                        () -> builder -> builder.replication(shard -> new ReplicationFailingOn(poisoned)))
                .run(context -> {
                    PurestockEngine engine = context.getBean(PurestockEngine.class);
                    assertThat(stockAndBuy(engine, 10, 1).accepted()).isTrue();
                    PurestockHealthIndicator indicator = context.getBean(PurestockHealthIndicator.class);
                    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

                    assertThatThrownBy(() -> engine.submit(new Command.Purchase(poisoned, 1, SKU, WAREHOUSE, 1))
                            .join()).isInstanceOf(CompletionException.class)
                            .hasCauseInstanceOf(EngineStoppedException.class);

                    Health health = indicator.health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat((String) health.getDetails().get("failure"))
                            .contains("purestock shard 0 stopped").contains("sequence 3")
                            .contains("replica lost the link");
                    assertThat(shardDetails(health, "0")).containsEntry("status", "stopped")
                            .containsEntry("failure", health.getDetails().get("failure"))
                            .containsEntry("lastSequence", 2L);
                    assertThat(stageLags(health)).containsKey("replicate");
                });
    }

    @Test
    @Timeout(120) // guards the build against a close that would never return; no speed is asserted
    void closingTheContextWaitsNoLongerThanTheShutdownTimeoutForAStuckStage() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        long stuckOrder = 7;
        CompletableFuture<Outcome>[] waiting = new CompletableFuture[1];
        try {
            runner().withPropertyValues("purestock.shutdown-timeout=200ms")
                    .withBean(PurestockEngineCustomizer.class,
                            () -> builder -> builder.replication(shard -> new ReplicationStuckOn(stuckOrder, stuck,
                                    release)))
                    .run(context -> {
                        PurestockEngine engine = context.getBean(PurestockEngine.class);
                        assertThat(stockAndBuy(engine, 10, 1).accepted()).isTrue();
                        waiting[0] = engine.submit(new Command.Purchase(stuckOrder, 1, SKU, WAREHOUSE, 1));
                        stuck.await();

                        context.close();

                        assertThatThrownBy(waiting[0]::join).isInstanceOf(CompletionException.class)
                                .hasCauseInstanceOf(EngineClosedException.class);
                    });
        } finally {
            release.countDown();
        }
    }

    @Test
    @Timeout(120) // guards the build against a close that would never return; no speed is asserted
    void closingTheContextWhileCallersSubmitAnswersEachAndKeepsEveryAcknowledgedPurchase() throws Exception {
        long units = 1_000_000;
        List<Map.Entry<Long, CompletableFuture<Outcome>>> submitted = new ArrayList<>();
        Map<Long, Integer> warehouseOf = new ConcurrentHashMap<>();
        runner().withPropertyValues("purestock.shards=2").run(context -> {
            PurestockEngine engine = context.getBean(PurestockEngine.class);
            assertThat(engine.submit(new Command.ListProduct(SKU, 0)).join().accepted()).isTrue();
            for (int warehouse = 0; warehouse < 2; warehouse++) {
                assertThat(engine.submit(new Command.ReceiveStock(100 + warehouse, SKU, warehouse, units)).join()
                        .accepted()).isTrue();
            }
            int callers = 2;
            CountDownLatch submitting = new CountDownLatch(callers);
            List<Thread> threads = new ArrayList<>();
            List<List<Map.Entry<Long, CompletableFuture<Outcome>>>> perCaller = new ArrayList<>();
            for (int caller = 0; caller < callers; caller++) {
                List<Map.Entry<Long, CompletableFuture<Outcome>>> futures = new ArrayList<>();
                perCaller.add(futures);
                int first = caller;
                Thread thread = new Thread(() -> {
                    for (long order = 1_000 + first; ; order += callers) {
                        int warehouse = (int) (order / callers % 2);
                        warehouseOf.put(order, warehouse);
                        CompletableFuture<Outcome> future = engine.submit(new Command.Purchase(order, order, SKU,
                                warehouse, 1));
                        futures.add(Map.entry(order, future));
                        if (futures.size() == 200) {
                            submitting.countDown();
                        }
                        if (future.isCompletedExceptionally()) {
                            return; // refused: the engine is closed
                        }
                    }
                }, "caller-" + caller);
                thread.start();
                threads.add(thread);
            }
            submitting.await();

            context.close();

            for (Thread thread : threads) {
                thread.join();
            }
            perCaller.forEach(submitted::addAll);
        });

        List<Long> acknowledged = new ArrayList<>();
        for (Map.Entry<Long, CompletableFuture<Outcome>> caller : submitted) {
            CompletableFuture<Outcome> future = caller.getValue();
            assertThat(future).as("every caller is answered").isDone();
            if (future.isCompletedExceptionally()) {
                assertThatThrownBy(future::join).hasCauseInstanceOf(EngineClosedException.class);
            } else {
                assertThat(future.join().accepted()).isTrue();
                acknowledged.add(caller.getKey());
            }
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(400);
        runner().withPropertyValues("purestock.shards=2").run(context -> {
            ReadModel readModel = context.getBean(ReadModel.class);
            long[] bought = new long[2];
            for (long order : acknowledged) {
                assertThat(readModel.orderStatus(order)).as("acknowledged order %d", order)
                        .isEqualTo(OrderStatus.PURCHASED);
                bought[warehouseOf.get(order)]++;
            }
            for (int warehouse = 0; warehouse < 2; warehouse++) {
                assertThat(readModel.available(SKU, warehouse)).isEqualTo(units - bought[warehouse]);
            }
        });
    }

    @Test
    void aBeanACustomizerUsesIsClosedAfterTheEngineDrained() {
        List<String> closed = new ArrayList<>();
        runner().withUserConfiguration(ReplicatingThroughALink.class).run(context -> {
            Link link = context.getBean(Link.class);
            assertThat(stockAndBuy(context.getBean(PurestockEngine.class), 10, 1).accepted()).isTrue();
            context.close();
            closed.addAll(link.closed);
        });
        assertThat(closed).as("the engine closes its replication stage before the link it replicates over closes")
                .containsExactly("replication stage", "link");
    }

    /**
     * A start that fails in a bean created after the engine (a database the application cannot reach) closes the
     * engine with the half-started context: what it acknowledged stays journaled and the directory is unlocked, so the
     * next start, in the same process, recovers it.
     */
    @Test
    void aStartThatFailsAfterTheEngineStartedClosesItSoTheNextStartRecoversTheJournal() {
        runner().withBean(StocksThenFails.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessage("the order database is unreachable");
        });

        runner().run(context -> {
            assertThat(context).hasNotFailed();
            ReadModel readModel = context.getBean(ReadModel.class);
            assertThat(readModel.available(SKU, WAREHOUSE)).isEqualTo(9);
            assertThat(readModel.orderStatus(1)).isEqualTo(OrderStatus.PURCHASED);
        });
    }

    /**
     * A context closed from one of the engine's threads (a consumer that closes the application once it decides a
     * command, say) closes the engine all the same. The engine refuses a close on its own threads, which would wait for
     * themselves; the context only logged that refusal, so the engine ran on and its journal directory stayed locked
     * against the next start. The starter hands the close to a thread of its own ({@code purestock-close}), and once
     * that has closed the engine a new context starts on the directory and recovers what was decided.
     */
    @Test
    @Timeout(120) // guards the build against a close that would never return; no speed is asserted
    void aContextClosedFromAnEngineThreadClosesTheEngineSoTheNextStartRecoversTheJournal() throws InterruptedException {
        AtomicReference<ConfigurableApplicationContext> application = new AtomicReference<>();
        CompletableFuture<String> closedOn = new CompletableFuture<>();
        runner().withInitializer(application::set)
                .withBean(PurestockEngineCustomizer.class, () -> builder -> builder.consumer((command, outcome) -> {
                    if (command instanceof Command.Purchase purchase && purchase.orderId() == 2) {
                        application.get().close();
                        closedOn.complete(Thread.currentThread().getName());
                    }
                }))
                .run(context -> {
                    PurestockEngine engine = context.getBean(PurestockEngine.class);
                    assertThat(stockAndBuy(engine, 10, 1).accepted()).isTrue();
                    engine.submit(new Command.Purchase(2, 1, SKU, WAREHOUSE, 1));

                    assertThat(closedOn.join()).startsWith("purestock-");
                    assertThat(context.isActive()).isFalse();
                });
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("purestock-close")) {
                thread.join();
            }
        }

        runner().run(context -> {
            assertThat(context).hasNotFailed();
            ReadModel readModel = context.getBean(ReadModel.class);
            assertThat(readModel.orderStatus(2)).isEqualTo(OrderStatus.PURCHASED);
            assertThat(readModel.available(SKU, WAREHOUSE)).isEqualTo(8);
        });
    }

    /**
     * A callback executor of the application's (set by a customizer) that finishes its queue when the context closes it
     * answers every caller whose answer the engine handed to it before closing, also while a slow callback holds its
     * thread as the engine closes: the README's advice against Spring's default of dropping the queue
     * ({@code shutdownNow}), which leaves those callers waiting forever.
     */
    @Test
    @Timeout(120) // guards the build against a close that would never return; no speed is asserted
    void aCallbackExecutorThatFinishesItsQueueWhenClosedAnswersEveryCallerHandedToIt() {
        List<CompletableFuture<Outcome>> handedOver = new ArrayList<>();
        CountDownLatch callbackHeld = new CountDownLatch(1);
        CompletableFuture<Void> engineClosed = new CompletableFuture<>();
        runner().withUserConfiguration(AnsweringOnAnExecutor.class)
                .withBean(PurestockEngineCustomizer.class, () -> builder -> builder.replication(shard -> new DurabilityStage() {
                    @Override
                    public void onDecided(long sequence, long time, Command command, List<Event> events,
                                          boolean endOfBatch) {
                    }

                    @Override
                    public void close() {
                        engineClosed.complete(null);
                    }
                }))
                .run(context -> {
                    PurestockEngine engine = context.getBean(PurestockEngine.class);
                    engine.submit(new Command.ListProduct(SKU, 0)).thenRun(() -> {
                        callbackHeld.countDown();
                        engineClosed.join(); // waits through interrupts: the executor's close may interrupt it
                    });
                    callbackHeld.await();
                    for (int receipt = 0; receipt < 50; receipt++) {
                        handedOver.add(engine.submit(new Command.ReceiveStock(100 + receipt, SKU, WAREHOUSE, 1)));
                    }

                    context.close();
                });

        assertThat(handedOver).as("every caller is answered").allSatisfy(future -> assertThat(future).isDone());
        assertThat(handedOver).allSatisfy(future -> assertThat(future.join().accepted()).isTrue());
    }

    @Test
    void theShutdownTimeoutIsThirtySecondsUnlessSet() {
        runner().run(context -> assertThat(context.getBean(PurestockProperties.class).getShutdownTimeout())
                .isEqualTo(Duration.ofSeconds(30)));
        runner().withPropertyValues("purestock.shutdown-timeout=5m")
                .run(context -> assertThat(context.getBean(PurestockProperties.class).getShutdownTimeout())
                        .isEqualTo(Duration.ofMinutes(5)));
    }

    @Test
    void aShutdownTimeoutThatIsNotPositiveStopsTheStart() {
        runner().withPropertyValues("purestock.shutdown-timeout=0s")
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessageContaining("shutdown").hasMessageContaining("must be a positive duration"));
    }

    @Test
    void healthIsOutOfServiceOnceTheEngineIsClosed() {
        runner().run(context -> {
            context.getBean(JournaledEngine.class).close();

            Health health = context.getBean(PurestockHealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
            assertThat(shardDetails(health, "0")).containsEntry("status", "closed");
        });
    }

    @Test
    void withoutSpringBootsHealthSupportThereIsNoIndicatorAndTheEngineRuns() {
        runner().withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(PurestockEngine.class)
                            .doesNotHaveBean(PurestockHealthIndicator.class);
                    assertThat(stockAndBuy(context.getBean(PurestockEngine.class), 10, 1).accepted()).isTrue();
                });
    }

    @Test
    void theHealthIndicatorCanBeTurnedOff() {
        runner().withPropertyValues("management.health.purestock.enabled=false")
                .run(context -> assertThat(context).hasSingleBean(PurestockEngine.class)
                        .doesNotHaveBean(PurestockHealthIndicator.class));
    }

    /** A replication stage that blocks on one order until released: a standby that stopped answering. */
    private record ReplicationStuckOn(long orderId, CountDownLatch stuck, CountDownLatch release)
            implements DurabilityStage {
        @Override
        public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
                throws Exception {
            if (command instanceof Command.Purchase purchase && purchase.orderId() == orderId) {
                stuck.countDown();
                release.await();
            }
        }
    }

    /** A replication stage whose standby link breaks on one order: a real stage failure in the engine. */
    private record ReplicationFailingOn(long orderId) implements DurabilityStage {
        @Override
        public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
                throws Exception {
            if (command instanceof Command.Purchase purchase && purchase.orderId() == orderId) {
                throw new IOException("replica lost the link");
            }
        }
    }

    /** A bean that stocks and sells through the engine as it starts, then fails the start. */
    static final class StocksThenFails {
        StocksThenFails(PurestockEngine engine) {
            assertThat(stockAndBuy(engine, 10, 1).accepted()).isTrue();
            throw new IllegalStateException("the order database is unreachable");
        }
    }

    /**
     * An application whose callers are answered on an executor of its own, one thread, closed as the README advises:
     * it finishes its queue before the context goes on.
     */
    @Configuration(proxyBeanMethods = false)
    static class AnsweringOnAnExecutor {
        @Bean
        ThreadPoolTaskExecutor answers() {
            ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
            executor.setCorePoolSize(1);
            executor.setMaxPoolSize(1);
            executor.setWaitForTasksToCompleteOnShutdown(true);
            executor.setAwaitTerminationSeconds(60);
            return executor;
        }

        @Bean
        PurestockEngineCustomizer answeringOnTheExecutor(ThreadPoolTaskExecutor answers) {
            return builder -> builder.callbackExecutor(answers);
        }
    }

    /** An application with two in-memory engines of its own. */
    @Configuration(proxyBeanMethods = false)
    static class TwoEngines {
        @Bean
        PurestockEngine orders() {
            return PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build();
        }

        @Bean
        PurestockEngine returns() {
            return PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build();
        }
    }

    /** A second journaled engine of the application's own, beside {@link OwnEngine}'s. */
    @Configuration(proxyBeanMethods = false)
    static class SecondOwnEngine {
        @Bean(destroyMethod = "close")
        JournaledEngine secondOwnEngine(@Value("${purestock.journal.directory}") Path dir) {
            return JournaledEngine.builder(dir.resolve("second")).start();
        }
    }

    /** What a replication stage sends over, closed by the context like a {@code Primary}. */
    static final class Link implements AutoCloseable {
        final List<String> closed = new CopyOnWriteArrayList<>();

        DurabilityStage stage() {
            return new DurabilityStage() {
                @Override
                public void onDecided(long sequence, long time, Command command, List<Event> events,
                                      boolean endOfBatch) {
                }

                @Override
                public void close() {
                    closed.add("replication stage");
                }
            };
        }

        @Override
        public void close() {
            closed.add("link");
        }
    }

    /** An application whose customizer replicates over a {@link Link} bean, as one with a {@code Primary} does. */
    @Configuration(proxyBeanMethods = false)
    static class ReplicatingThroughALink {
        @Bean
        Link link() {
            return new Link();
        }

        @Bean
        PurestockEngineCustomizer replicating(Link link) {
            return builder -> builder.replication(shard -> link.stage());
        }
    }

    /** An application that starts its own journaled engine, on a directory of its choice. */
    @Configuration(proxyBeanMethods = false)
    static class OwnEngine {
        @Bean(destroyMethod = "close")
        JournaledEngine ownEngine(@Value("${purestock.journal.directory}") Path dir) {
            return JournaledEngine.builder(dir.resolve("own")).start();
        }
    }
}
