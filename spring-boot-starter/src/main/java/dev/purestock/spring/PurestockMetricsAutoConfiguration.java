package dev.purestock.spring;

import dev.purestock.engine.PurestockEngine;
import dev.purestock.micrometer.PurestockMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * Publishes the engine's metrics through Micrometer: with {@code purestock-micrometer} on the class path and a
 * {@link MeterRegistry} in the application (Spring Boot's metrics support makes one), a {@link PurestockMetrics}
 * bean, which Spring Boot binds to every registry. The meters are listed in that module's README
 * ({@code purestock.commands.sequenced}, {@code purestock.ring.remaining}, {@code purestock.shard.running}, ...).
 * The application's own {@link PurestockMetrics} bean (with tags of its choice) replaces it; an application with
 * several engines (none of them {@code @Primary}) binds each itself, with a tag of its own.
 * {@code purestock.enabled=false} turns it off, as it does the rest of the starter.
 */
@AutoConfiguration(after = PurestockAutoConfiguration.class,
        afterName = {"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass({MeterBinder.class, PurestockMetrics.class})
@ConditionalOnBooleanProperty(name = "purestock.enabled", matchIfMissing = true)
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnSingleCandidate(PurestockEngine.class)
public final class PurestockMetricsAutoConfiguration {

    /** Created by Spring Boot's auto-configuration. */
    public PurestockMetricsAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean
    PurestockMetrics purestockMetrics(PurestockEngine purestockEngine) {
        return new PurestockMetrics(purestockEngine);
    }
}
