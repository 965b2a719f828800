package dev.purestock.spring;

import dev.purestock.engine.PurestockEngine;

/**
 * Tunes the engine's builder beyond what {@link PurestockProperties} offers: a clock, consumers of every
 * outcome, a replication stage. Every bean of this type is applied, in {@link org.springframework.core.Ordered}
 * order, after the properties, so a customizer has the last word. The journaled engine owns the shards, the
 * journal, the initial state and the snapshot writer: a customizer that sets one of them stops the application
 * at startup with an {@link IllegalArgumentException} naming the setting, before the journal is touched.
 */
@FunctionalInterface
public interface PurestockEngineCustomizer {

    /** Applies this customizer's settings to {@code builder}. */
    void customize(PurestockEngine.Builder builder);
}
