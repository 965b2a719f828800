/**
 * What the engine's state store costs the decision thread as it grows: {@link
 * dev.purestock.benchmarks.store.StoreGrowthHarness} times every command into a store left to grow.
 */
package dev.purestock.benchmarks.store;
