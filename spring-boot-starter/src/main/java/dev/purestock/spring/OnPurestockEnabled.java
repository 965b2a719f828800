package dev.purestock.spring;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches unless {@code purestock.enabled} is {@code false}, and refuses, by the property's name, a value that is
 * neither {@code true} nor {@code false} (in any case, around spaces). Spring Boot's
 * {@code @ConditionalOnBooleanProperty} matches {@code true} only, so a typo ({@code maybe}) or a word its binder
 * reads as true elsewhere ({@code yes}, {@code on}, {@code 1}) turned the engine off without a word. Evaluated with
 * the property conditions, before the bean conditions, so that each configuration of the starter refuses such a
 * value whatever beans the application has.
 */
@Order(Ordered.HIGHEST_PRECEDENCE + 40)
final class OnPurestockEnabled extends SpringBootCondition {
    static final String PROPERTY = "purestock.enabled";

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        String value = context.getEnvironment().getProperty(PROPERTY);
        if (value == null || value.strip().equalsIgnoreCase("true")) {
            return ConditionOutcome.match(PROPERTY + (value == null ? " is not set (true)" : " is true"));
        }
        if (value.strip().equalsIgnoreCase("false")) {
            return ConditionOutcome.noMatch(PROPERTY + " is false");
        }
        throw new InvalidConfigurationPropertyValueException(PROPERTY, value, "purestock.enabled takes true or false: "
                + "set purestock.enabled=true to start the engine, or false to run without it (and without its read "
                + "model, health indicator and metrics)");
    }
}
