/**
 * Micrometer meters for a purestock engine: bind {@link dev.purestock.micrometer.PurestockMetrics} to a
 * {@code MeterRegistry} and the engine's {@link dev.purestock.engine.EngineMetrics} are published with the
 * registry's other meters. An optional module: the engine itself depends on no metrics library.
 */
package dev.purestock.micrometer;
