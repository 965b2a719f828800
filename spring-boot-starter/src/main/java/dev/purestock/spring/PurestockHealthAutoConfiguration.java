package dev.purestock.spring;

import dev.purestock.engine.PurestockEngine;
import dev.purestock.replication.Primary;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The engine's health, as the {@code purestock} health contributor: with Spring Boot's health support on the class
 * path and one engine in the application (the starter's, or the application's own; of several, the
 * {@code @Primary} one), a {@link PurestockHealthIndicator}. {@code management.health.purestock.enabled=false}
 * turns it off, and a bean of the application's own named {@code purestockHealthIndicator} replaces it. It runs
 * after {@link PurestockAutoConfiguration}, so that the engine that configuration starts is there to be found.
 * With {@code purestock-replication} on the class path and one {@code Primary} bean (the README's replication
 * set-up), the indicator shows that primary's status too.
 */
@AutoConfiguration(after = PurestockAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@Conditional(OnPurestockEnabled.class)
@ConditionalOnSingleCandidate(PurestockEngine.class)
public final class PurestockHealthAutoConfiguration {

    /** Created by Spring Boot's auto-configuration. */
    public PurestockHealthAutoConfiguration() {
    }

    @Bean
    @ConditionalOnEnabledHealthIndicator("purestock")
    @ConditionalOnMissingBean(name = "purestockHealthIndicator")
    PurestockHealthIndicator purestockHealthIndicator(PurestockEngine purestockEngine,
                                                      ObjectProvider<ReplicationHealth> replication) {
        return new PurestockHealthIndicator(purestockEngine, replication.getIfUnique());
    }

    /** A {@code Primary}'s status for the indicator: only where the application has replication on its class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Primary.class)
    static final class PrimaryHealthConfiguration {
        @Bean
        ReplicationHealth purestockReplicationHealth(ObjectProvider<Primary> primary) {
            Primary unique = primary.getIfUnique();
            return unique == null ? null : new PrimaryHealth(unique::status, unique::fenced);
        }
    }
}
