/**
 * The Spring Boot starter: auto-configures a journaled purestock engine from {@code purestock.*} properties
 * ({@link dev.purestock.spring.PurestockProperties}) and exposes it, its read model, a health indicator
 * ({@link dev.purestock.spring.PurestockHealthIndicator}) and, with Micrometer, its metrics. See
 * {@link dev.purestock.spring.PurestockAutoConfiguration},
 * {@link dev.purestock.spring.PurestockHealthAutoConfiguration} and
 * {@link dev.purestock.spring.PurestockMetricsAutoConfiguration}.
 */
package dev.purestock.spring;
