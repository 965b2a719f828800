package dev.purestock.spring;

import dev.purestock.engine.PurestockEngine;
import dev.purestock.micrometer.PurestockMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

import java.util.List;

/**
 * Publishes the engine's metrics through Micrometer: with {@code purestock-micrometer} on the class path and a
 * {@link MeterRegistry} in the application (Spring Boot's metrics support makes one), a {@link PurestockMetrics}
 * bean, which Spring Boot binds to every registry; with a registry of the application's own and without Spring
 * Boot's metrics support, which would bind it, this configuration binds it to the registries itself. The meters are
 * listed in that module's README ({@code purestock.commands.sequenced}, {@code purestock.ring.remaining},
 * {@code purestock.shard.running}, ...). The application's own {@link PurestockMetrics} bean (with tags of its
 * choice) replaces it; an application with several engines (none of them {@code @Primary}) binds each itself, with
 * a tag of its own. {@code purestock.enabled=false} turns it off, as it does the rest of the starter.
 */
@AutoConfiguration(after = PurestockAutoConfiguration.class,
        afterName = {"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass({MeterBinder.class, PurestockMetrics.class})
@Conditional(OnPurestockEnabled.class)
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnSingleCandidate(PurestockEngine.class)
public final class PurestockMetricsAutoConfiguration {
    private static final String SPRING_BOOTS_BINDING =
            "org.springframework.boot.micrometer.metrics.autoconfigure.MeterRegistryPostProcessor";

    /** Created by Spring Boot's auto-configuration. */
    public PurestockMetricsAutoConfiguration() {
    }

    /** With Spring Boot's metrics support, whose {@code MeterRegistryPostProcessor} binds it to the registries. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(type = SPRING_BOOTS_BINDING)
    static final class BoundBySpringBoot {
        @Bean
        @ConditionalOnMissingBean
        PurestockMetrics purestockMetrics(PurestockEngine purestockEngine) {
            return new PurestockMetrics(purestockEngine);
        }
    }

    /**
     * Without Spring Boot's metrics support (a {@link MeterRegistry} of the application's own, and nothing that binds
     * {@code MeterBinder} beans), bound here, as Spring Boot would: to each registry bean, or where some of them are
     * {@link CompositeMeterRegistry} beans (which pass meters on to their members), to those.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(type = SPRING_BOOTS_BINDING)
    static final class BoundHere {
        @Bean
        @ConditionalOnMissingBean
        PurestockMetrics purestockMetrics(PurestockEngine purestockEngine, ObjectProvider<MeterRegistry> registries) {
            PurestockMetrics metrics = new PurestockMetrics(purestockEngine);
            List<MeterRegistry> all = registries.orderedStream().toList();
            List<MeterRegistry> composites = all.stream().filter(CompositeMeterRegistry.class::isInstance).toList();
            (composites.isEmpty() ? all : composites).forEach(metrics::bindTo);
            return metrics;
        }
    }
}
