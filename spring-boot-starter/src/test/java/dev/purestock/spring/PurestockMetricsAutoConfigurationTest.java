package dev.purestock.spring;

import dev.purestock.domain.Command;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.micrometer.PurestockMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class PurestockMetricsAutoConfigurationTest {
    @TempDir
    Path journal;

    private ApplicationContextRunner withSpringBootsMetrics() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class,
                        PurestockMetricsAutoConfiguration.class, MetricsAutoConfiguration.class,
                        CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
                .withPropertyValues("purestock.journal.directory=" + journal, "purestock.expire-reservations-every=0");
    }

    private static void buyOneAndMissOne(PurestockEngine engine) {
        engine.submit(new Command.ListProduct(7, 0)).join();
        engine.submit(new Command.ReceiveStock(1, 7, 0, 1)).join();
        engine.submit(new Command.Purchase(1, 1, 7, 0, 1)).join();
        engine.submit(new Command.Purchase(2, 1, 7, 0, 1)).join();
    }

    @Test
    void theEnginesMetersAppearInSpringBootsRegistry() {
        withSpringBootsMetrics().run(context -> {
            assertThat(context).hasSingleBean(PurestockMetrics.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry).isInstanceOf(SimpleMeterRegistry.class);

            buyOneAndMissOne(context.getBean(PurestockEngine.class));

            assertThat(registry.get("purestock.commands.sequenced").tag("shard", "0").functionCounter().count())
                    .isEqualTo(4);
            assertThat(registry.get("purestock.commands.rejected").tags("shard", "0", "reason", "out_of_stock")
                    .functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("purestock.ring.size").tag("shard", "0").gauge().value()).isEqualTo(1024);
            assertThat(registry.get("purestock.durability.sync").tags("shard", "0", "stage", "journal")
                    .functionTimer().count()).isPositive();
        });
    }

    @Test
    void closingTheContextRemovesTheEnginesMetersFromTheRegistry() {
        MeterRegistry[] registry = new MeterRegistry[1];
        withSpringBootsMetrics().run(context -> {
            registry[0] = context.getBean(MeterRegistry.class);
            assertThat(registry[0].find("purestock.commands.sequenced").meters()).isNotEmpty();
        });
        assertThat(registry[0].getMeters()).filteredOn(meter -> meter.getId().getName().startsWith("purestock."))
                .isEmpty();
    }

    @Test
    void theApplicationsOwnBinderWins() {
        withSpringBootsMetrics().withUserConfiguration(OwnBinder.class).run(context -> {
            assertThat(context).hasSingleBean(PurestockMetrics.class).hasBean("ordersMetrics");
            buyOneAndMissOne(context.getBean(PurestockEngine.class));
            assertThat(context.getBean(MeterRegistry.class).get("purestock.commands.accepted")
                    .tags("shard", "0", "engine", "orders").functionCounter().count()).isEqualTo(3);
        });
    }

    /**
     * A {@link MeterRegistry} of the application's own without Spring Boot's metrics support, whose
     * {@code MeterRegistryPostProcessor} binds the {@code MeterBinder} beans: the starter made a binder that nothing
     * bound, so no meter appeared and nothing said why. The starter binds its binder to that registry itself, and
     * closing the context removes the meters again.
     */
    @Test
    void withoutSpringBootsMetricsSupportTheEnginesMetersAppearInTheApplicationsRegistry() {
        MeterRegistry registry = new SimpleMeterRegistry();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class,
                        PurestockMetricsAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.micrometer.metrics"))
                .withPropertyValues("purestock.journal.directory=" + journal, "purestock.expire-reservations-every=0")
                .withBean(MeterRegistry.class, () -> registry)
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(PurestockMetrics.class);

                    buyOneAndMissOne(context.getBean(PurestockEngine.class));

                    assertThat(registry.get("purestock.commands.sequenced").tag("shard", "0").functionCounter().count())
                            .isEqualTo(4);
                });
        assertThat(registry.getMeters()).filteredOn(meter -> meter.getId().getName().startsWith("purestock.")).isEmpty();
    }

    /**
     * With Spring Boot's metrics support, which binds the binder to the application's registry, the starter does not
     * bind it a second time: each meter is registered, and removed as the context closes, once.
     */
    @Test
    void withSpringBootsMetricsSupportTheApplicationsRegistryIsBoundOnce() {
        RemovalCounting registry = new RemovalCounting();
        withSpringBootsMetrics().withBean(MeterRegistry.class, () -> registry).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(PurestockMetrics.class);
            assertThat(context.getBean(MeterRegistry.class)).isSameAs(registry);
            assertThat(registry.get("purestock.commands.sequenced").tag("shard", "0").functionCounter()).isNotNull();
        });
        assertThat(registry.removed).as("removals of purestock.commands.sequenced, one per binding")
                .hasValue(1);
    }

    /** Counts the removals of {@code purestock.commands.sequenced}: the binder removes a meter once per binding. */
    private static final class RemovalCounting extends SimpleMeterRegistry {
        private final AtomicInteger removed = new AtomicInteger();

        @Override
        public Meter remove(Meter meter) {
            if (meter.getId().getName().equals("purestock.commands.sequenced")) {
                removed.incrementAndGet();
            }
            return super.remove(meter);
        }
    }

    @Test
    void withoutAMeterRegistryThereIsNoBinder() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class,
                        PurestockMetricsAutoConfiguration.class))
                .withPropertyValues("purestock.journal.directory=" + journal)
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(PurestockEngine.class)
                        .doesNotHaveBean(PurestockMetrics.class));
    }

    @Test
    void withoutPurestockMicrometerTheEngineRunsUnmeasured() {
        withSpringBootsMetrics().withClassLoader(new FilteredClassLoader(PurestockMetrics.class))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(MeterRegistry.class)
                            .doesNotHaveBean(PurestockMetrics.class);
                    buyOneAndMissOne(context.getBean(PurestockEngine.class));
                    assertThat(context.getBean(MeterRegistry.class).find("purestock.commands.sequenced").meter())
                            .isNull();
                });
    }

    @Test
    void withTheEngineTurnedOffThereIsNoBinder() {
        withSpringBootsMetrics().withPropertyValues("purestock.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(MeterRegistry.class)
                        .doesNotHaveBean(PurestockMetrics.class));
    }

    @Test
    void turnedOffTheStarterBindsNoMetersOfAnEngineOfTheApplicationsOwn() {
        withSpringBootsMetrics().withPropertyValues("purestock.enabled=false")
                .withBean(PurestockEngine.class,
                        () -> PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build())
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(PurestockEngine.class)
                            .doesNotHaveBean(PurestockMetrics.class);
                    assertThat(context.getBean(MeterRegistry.class).find("purestock.commands.sequenced").meter())
                            .isNull();
                });
    }

    @Test
    void withSeveralEnginesOfTheApplicationsOwnThereIsNoBinderAndTheApplicationStarts() {
        withSpringBootsMetrics().withUserConfiguration(PurestockAutoConfigurationTest.TwoEngines.class)
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(PurestockMetrics.class));
    }

    /** An application that tags its engine's meters itself. */
    @Configuration(proxyBeanMethods = false)
    static class OwnBinder {
        @Bean
        PurestockMetrics ordersMetrics(PurestockEngine engine) {
            return new PurestockMetrics(engine, Tags.of("engine", "orders"));
        }
    }
}
